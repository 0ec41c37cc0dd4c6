# Qssl.open_connection() and Qssl.start_server(): asyncio's streams over
# libqssl, each against the other half written by someone else (Python's
# own ssl and asyncio), all in one asyncio loop per test.
import asyncio
import io
import socket
import ssl
import textwrap

import pytest
from gi.repository import GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_socket import client_configuration, server_configuration

HANDSHAKE_TIMEOUT = SERVER_HANDSHAKE_TIMEOUT_MS / 1000


def python_server_context(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki / "server-ec-chain.pem"), str(pki / "server-ec.key"))
    return context


def python_client_context(pki):
    return ssl.create_default_context(cafile=str(pki / "ca.pem"))


async def qssl_echo_server(pki, **kwargs):
    async def echo(reader, writer):
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
    return await Qssl.start_server(echo, "127.0.0.1", 0, configuration=server_configuration(pki, "server-ec"),
                                   ssl_handshake_timeout=HANDSHAKE_TIMEOUT, **kwargs)


def port_of(server):
    return server.sockets[0].getsockname()[1]


def test_qssl_client_against_asyncio_ssl_server(pki):
    async def main():
        async def handler(reader, writer):
            line = await reader.readline()
            writer.write(b"python says " + line)
            writer.write(b"0123456789")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=python_server_context(pki))
        async with server:
            reader, writer = await Qssl.open_connection("127.0.0.1", port_of(server),
                                                        configuration=client_configuration(pki),
                                                        server_hostname="localhost")
            assert isinstance(reader, asyncio.StreamReader)
            sock = writer.get_extra_info("ssl_object")
            assert isinstance(sock, Qssl.Socket) and sock.get_property("is-encrypted")
            peercert = writer.get_extra_info("peercert")
            assert isinstance(peercert, Qssl.Certificate)
            assert peercert.get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == ["localhost"]
            name, version, bits = writer.get_extra_info("cipher")
            assert version == "TLSv1.3" and bits >= 128 and name.startswith("TLS_")
            assert writer.get_extra_info("peername") == ("127.0.0.1", port_of(server))
            assert writer.get_extra_info("sockname")[0] == "127.0.0.1"
            writer.writelines([b"hello ", b"from qssl\n"])
            await writer.drain()
            assert await reader.readline() == b"python says hello from qssl\n"
            assert await reader.readexactly(4) == b"0123"
            assert await reader.readuntil(b"7") == b"4567"
            with pytest.raises(asyncio.IncompleteReadError) as info:
                await reader.readexactly(10)
            assert info.value.partial == b"89"
            assert reader.at_eof()
            writer.close()
            assert writer.is_closing()
            await writer.wait_closed()

    asyncio.run(main())


def test_asyncio_ssl_client_against_qssl_server(pki):
    async def main():
        async with await qssl_echo_server(pki) as server:
            assert server.is_serving()
            reader, writer = await asyncio.open_connection("localhost", port_of(server),
                                                          ssl=python_client_context(pki))
            writer.write(b"echo me\n")
            assert await reader.readline() == b"echo me\n"
            assert writer.get_extra_info("ssl_object").version() == "TLSv1.3"
            writer.close()
            await writer.wait_closed()
        assert not server.is_serving() and server.sockets == ()

    asyncio.run(main())


def test_server_side_writer_extra_info(pki):
    async def main():
        seen = {}
        done = asyncio.get_running_loop().create_future()

        async def handler(reader, writer):
            seen["peername"] = writer.get_extra_info("peername")
            seen["sock"] = writer.get_extra_info("ssl_object")
            seen["cipher"] = writer.get_extra_info("cipher")
            writer.write(await reader.readline())
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            done.set_result(None)
        server = await Qssl.start_server(handler, "127.0.0.1", 0, configuration=server_configuration(pki, "server-ec"),
                                         ssl_handshake_timeout=HANDSHAKE_TIMEOUT)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server),
                                                          ssl=python_client_context(pki),
                                                          server_hostname="localhost")
            writer.write(b"x\n")
            assert await reader.readline() == b"x\n"
            await done
            assert seen["peername"] == writer.get_extra_info("sockname")
            assert seen["sock"].get_mode() == Qssl.Mode.SSL_SERVER
            assert seen["cipher"][1] == "TLSv1.3"
            writer.close()

    asyncio.run(main())


def test_two_hundred_concurrent_streams(pki):
    """100 Python ssl clients and 100 libqssl clients against one Qssl
    server, all 200 connections open at once, each with its own payload.
    At most 20 handshakes run at a time, so that none waits behind the
    other 199 for longer than a handshake timeout (under ASan)."""
    async def main():
        active = {"now": 0, "most": 0}

        async def echo(reader, writer):
            active["now"] += 1
            active["most"] = max(active["most"], active["now"])
            while line := await reader.readline():
                writer.write(line)
                await writer.drain()
            active["now"] -= 1
            writer.close()

        server = await Qssl.start_server(echo, "127.0.0.1", 0, configuration=server_configuration(pki, "server-ec"),
                                         ssl_handshake_timeout=4 * HANDSHAKE_TIMEOUT)
        async with server:
            port = port_of(server)
            python_context = python_client_context(pki)
            config = client_configuration(pki)
            handshakes = asyncio.Semaphore(20)
            echoed_all = asyncio.Event()
            done = [0]

            async def one(i):
                async with handshakes:
                    if i % 2:
                        reader, writer = await asyncio.open_connection("localhost", port, ssl=python_context,
                                                                      ssl_handshake_timeout=4 * HANDSHAKE_TIMEOUT)
                    else:
                        reader, writer = await Qssl.open_connection("localhost", port, configuration=config)
                payload = f"stream {i} ".encode() * (i + 1) + b"\n"
                writer.write(payload)
                await writer.drain()
                echoed = await reader.readline()
                done[0] += 1
                if done[0] == 200:
                    echoed_all.set()
                await echoed_all.wait()  # nobody closes before all have echoed
                writer.close()
                await writer.wait_closed()
                return echoed == payload

            results = await asyncio.gather(*(one(i) for i in range(200)))
            assert results == [True] * 200
            assert active["most"] == 200

    asyncio.run(main())


def test_errors_are_the_ones_asyncio_users_catch(pki):
    async def main():
        # Nothing listens on a port that a closed server just freed.
        closed = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = port_of(closed)
        closed.close()
        await closed.wait_closed()
        with pytest.raises(ConnectionRefusedError):
            await Qssl.open_connection("127.0.0.1", port, configuration=client_configuration(pki))
        with pytest.raises(socket.gaierror):
            await Qssl.open_connection("no-such-host.invalid", 443, configuration=client_configuration(pki))

        async with await qssl_echo_server(pki) as server:
            with pytest.raises(ssl.SSLCertVerificationError) as info:
                await Qssl.open_connection("127.0.0.1", port_of(server), configuration=client_configuration(pki),
                                           server_hostname="other.example.test")
            assert isinstance(info.value, Qssl.SSLCertVerificationError)
            assert isinstance(info.value, ssl.SSLError) and isinstance(info.value, OSError)
            assert [e.get_error() for e in info.value.errors] == [Qssl.ErrorCode.HOST_NAME_MISMATCH]
            assert info.value.verify_code == int(Qssl.ErrorCode.HOST_NAME_MISMATCH)
            assert isinstance(info.value.__cause__, GLib.Error)

        # A peer that never answers the ClientHello: the handshake timeout.
        async def silent(reader, writer):
            await reader.read()
            writer.close()
        quiet = await asyncio.start_server(silent, "127.0.0.1", 0)
        async with quiet:
            with pytest.raises(TimeoutError):
                await Qssl.open_connection("127.0.0.1", port_of(quiet), configuration=client_configuration(pki),
                                           ssl_handshake_timeout=0.2)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(Qssl.open_connection("127.0.0.1", port_of(quiet),
                                                            configuration=client_configuration(pki)), 0.2)

    asyncio.run(main())


def test_cancellation_mid_handshake(pki):
    """Cancelling the task that awaits open_connection() during the
    handshake aborts the connection: the peer sees it go away."""
    async def main():
        loop = asyncio.get_running_loop()
        hello, gone = loop.create_future(), loop.create_future()

        async def silent(reader, writer):
            hello.set_result(await reader.read(1))
            gone.set_result(await reader.read())
            writer.close()
        quiet = await asyncio.start_server(silent, "127.0.0.1", 0)
        async with quiet:
            task = asyncio.ensure_future(Qssl.open_connection("127.0.0.1", port_of(quiet),
                                                              configuration=client_configuration(pki)))
            assert await hello == b"\x16"
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await gone  # EOF: the client's socket was closed

        # And a server whose client gives up mid-handshake keeps serving.
        async with await qssl_echo_server(pki) as server:
            raw_reader, raw_writer = await asyncio.open_connection("127.0.0.1", port_of(server))
            raw_writer.write(b"\x16\x03\x01")  # the start of a record, then nothing
            await raw_writer.drain()
            raw_writer.close()
            await raw_writer.wait_closed()
            reader, writer = await Qssl.open_connection("127.0.0.1", port_of(server),
                                                        configuration=client_configuration(pki))
            writer.write(b"still here\n")
            assert await reader.readline() == b"still here\n"
            writer.close()
            await writer.wait_closed()

    asyncio.run(main())


def test_slow_reader_blocks_drain(pki):
    """A reader that does not read: the writer's drain() blocks once the
    socket holds more than the high-water mark, and nothing buffers
    without bound; once the reader reads, everything arrives intact."""
    total = 64 * 1024 * 1024
    chunk = bytes(range(256)) * 256  # 64 KiB

    async def main():
        loop = asyncio.get_running_loop()
        blocked, finished = loop.create_future(), loop.create_future()
        state = {"sent": 0}

        async def flood(reader, writer):
            low, high = writer.transport.get_write_buffer_limits()
            while state["sent"] < total:
                writer.write(chunk)
                state["sent"] += len(chunk)
                if writer.transport.get_write_buffer_size() > high and not blocked.done():
                    state["at_block"] = state["sent"]
                    blocked.set_result(writer.transport.get_write_buffer_size())
                await writer.drain()
            writer.close()
            await writer.wait_closed()
            if not finished.done():
                finished.set_result(None)

        async with await Qssl.start_server(flood, "127.0.0.1", 0, configuration=server_configuration(pki, "server-ec"),
                                           ssl_handshake_timeout=HANDSHAKE_TIMEOUT) as server:
            reader, writer = await Qssl.open_connection("127.0.0.1", port_of(server),
                                                        configuration=client_configuration(pki))
            done, _ = await asyncio.wait([blocked, finished], return_when=asyncio.FIRST_COMPLETED)
            assert blocked in done, "the writer never had to wait"
            # While blocked, the sender has not got further than what the
            # buffers on the way hold (reader, sockets, kernels).
            await asyncio.sleep(0.2)
            sent_while_blocked = state["sent"]
            assert sent_while_blocked < total // 4
            sock = writer.get_extra_info("ssl_object")
            assert sock.bytes_available() <= 2 * 64 * 1024 + 64 * 1024
            received = 0
            while data := await reader.read(256 * 1024):
                assert data == (chunk * 5)[received % len(chunk):received % len(chunk) + len(data)]
                received += len(data)
            assert received == total
            await finished
            writer.close()

    asyncio.run(main())


def test_starttls_both_sides(pki):
    """A plaintext greeting, then writer.start_tls() on each side: libqssl
    upgrades its client, asyncio its server (and the other way round)."""
    async def main():
        server_context = python_server_context(pki)

        async def python_side(reader, writer):
            assert await reader.readline() == b"STARTTLS\n"
            writer.write(b"OK\n")
            await writer.drain()
            await writer.start_tls(server_context)
            writer.write(b"secret " + await reader.readline())
            await writer.drain()
            writer.close()
        server = await asyncio.start_server(python_side, "127.0.0.1", 0)
        async with server:
            reader, writer = await Qssl.open_connection("127.0.0.1", port_of(server), ssl=False)
            assert writer.get_extra_info("peercert") is None
            writer.write(b"STARTTLS\n")
            assert await reader.readline() == b"OK\n"
            await writer.start_tls(client_configuration(pki), server_hostname="localhost")
            assert writer.get_extra_info("peercert").get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == ["localhost"]
            writer.write(b"hello\n")
            assert await reader.readline() == b"secret hello\n"
            writer.close()

        async def qssl_side(reader, writer):
            assert await reader.readline() == b"STARTTLS\n"
            writer.write(b"OK\n")
            await writer.drain()
            await writer.start_tls(server_configuration(pki, "server-ec"))
            writer.write(b"secret " + await reader.readline())
            await writer.drain()
            writer.close()

        server = await Qssl.start_server(qssl_side, "127.0.0.1", 0, ssl=False)
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server))
            writer.write(b"STARTTLS\n")
            assert await reader.readline() == b"OK\n"
            await writer.start_tls(python_client_context(pki), server_hostname="localhost")
            writer.write(b"there\n")
            assert await reader.readline() == b"secret there\n"
            writer.close()

    asyncio.run(main())


# The streams examples of Python's asyncio documentation ("TCP echo client
# using streams", "TCP echo server using streams"), verbatim but for the
# open call.
DOCS_ECHO_CLIENT = '''
import asyncio

async def tcp_echo_client(message):
    reader, writer = await asyncio.open_connection(
        '127.0.0.1', 8888)

    print(f'Send: {message!r}')
    writer.write(message.encode())
    await writer.drain()

    data = await reader.read(100)
    print(f'Received: {data.decode()!r}')

    print('Close the connection')
    writer.close()
    await writer.wait_closed()

asyncio.run(tcp_echo_client('Hello World!'))
'''

DOCS_ECHO_SERVER = '''
import asyncio

async def handle_echo(reader, writer):
    data = await reader.read(100)
    message = data.decode()
    addr = writer.get_extra_info('peername')

    print(f"Received {message!r} from {addr!r}")

    print(f"Send: {message!r}")
    writer.write(data)
    await writer.drain()

    print("Close the connection")
    writer.close()
    await writer.wait_closed()

async def main():
    server = await asyncio.start_server(
        handle_echo, '127.0.0.1', 8888)

    addrs = ', '.join(str(sock.getsockname()) for sock in server.sockets)
    print(f'Serving on {addrs}')

    async with server:
        await server.serve_forever()

asyncio.run(main())
'''


def changed(source, old, new):
    assert source.count(old) == 1
    # Not the last line, which starts the program: here both run in one loop.
    return source.replace(old, new).rsplit("\nasyncio.run(", 1)[0]


def test_python_docs_echo_examples(pki):
    client_source = changed(DOCS_ECHO_CLIENT, "asyncio.open_connection(\n        '127.0.0.1', 8888)",
                            "Qssl.open_connection(\n        '127.0.0.1', PORT, configuration=CLIENT)")
    server_source = changed(DOCS_ECHO_SERVER, "asyncio.start_server(\n        handle_echo, '127.0.0.1', 8888)",
                            "Qssl.start_server(\n        handle_echo, '127.0.0.1', 0, configuration=SERVER)")
    server_out, client_out = io.StringIO(), io.StringIO()

    async def main():
        server_ns = {"Qssl": Qssl, "SERVER": server_configuration(pki, "server-ec"), "print": printer(server_out)}
        exec(server_source, server_ns)
        serving = asyncio.ensure_future(server_ns["main"]())
        while "Serving on" not in server_out.getvalue():
            await asyncio.sleep(0.01)
        port = int(server_out.getvalue().split(", ")[-1].rstrip(")\n"))
        client_ns = {"Qssl": Qssl, "CLIENT": client_configuration(pki), "PORT": port, "print": printer(client_out)}
        exec(client_source, client_ns)
        await client_ns["tcp_echo_client"]("Hello World!")
        while "Close the connection" not in server_out.getvalue():
            await asyncio.sleep(0.01)
        serving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await serving
        return port

    def printer(out):
        return lambda *args: print(*args, file=out)

    port = asyncio.run(main())
    assert client_out.getvalue() == textwrap.dedent("""\
        Send: 'Hello World!'
        Received: 'Hello World!'
        Close the connection
        """)
    lines = server_out.getvalue().splitlines()
    assert lines[0] == f"Serving on ('127.0.0.1', {port})"
    assert lines[1].startswith("Received 'Hello World!' from ('127.0.0.1', ")
    assert lines[2:] == ["Send: 'Hello World!'", "Close the connection"]
