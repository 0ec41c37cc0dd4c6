# libqssl inside asyncio: the GLib main context runs in the asyncio loop
# (asyncio.run(), nothing set up by hand), every *_async method awaits,
# cancelling a task cancels the GCancellable, and the other way round,
# asyncio code under a running GLib.MainLoop.
import asyncio
import ssl
import threading

import pytest
from gi.repository import Gio, GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_socket import client_configuration, server_configuration


def listening_server(pki):
    server = Qssl.Server()
    server.set_ssl_configuration(server_configuration(pki, "server-ec"))
    server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
    server.listen(None, 0)
    return server


def test_async_methods_await_inside_asyncio_run(pki):
    """Plain asyncio.run(): the *_async methods without a callback are
    awaitables, and the sockets' signals and GIO tasks are served."""
    async def main():
        server = listening_server(pki)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        accepted = asyncio.ensure_future(server.accept_async())
        assert await client.connect_to_host_encrypted_async("localhost", server.get_server_port()) is True
        peer = await accepted
        assert isinstance(peer, Qssl.Socket) and peer.get_property("is-encrypted")
        assert await peer.handshake_async(GLib.PRIORITY_DEFAULT) is True
        received = client.receive()
        await peer.send(b"ping")
        assert await received == b"ping"
        # An inherited GIO pair awaits as well.
        assert await client.close_async(GLib.PRIORITY_DEFAULT) is True
        assert threading.active_count() == 1
        server.close()
        peer.abort()
        return client.get_session_protocol()

    assert asyncio.run(main()) == Qssl.Protocol.TLS_V1_3


def test_every_async_pair_is_awaitable():
    names = []
    for cls in (Qssl.Socket, Qssl.Server):
        for name in dir(cls):
            if name.endswith("_async") and not name.startswith("do_") and hasattr(cls, name[:-6] + "_finish"):
                names.append(f"{cls.__name__}.{name}")
                assert "asyncio future" in getattr(cls, name).__doc__, name
    assert {"Socket.connect_to_host_encrypted_async", "Socket.handshake_async",
            "Server.accept_async"} <= set(names)


def test_glib_sources_run_in_asyncio():
    """GLib timeouts and idles attached from a coroutine are dispatched by
    the asyncio loop: the context is prepared before each wait."""
    async def main():
        Qssl.glib_on_asyncio()
        loop = asyncio.get_running_loop()
        fired = loop.create_future()
        GLib.timeout_add(20, lambda: fired.set_result("timeout") or False)
        assert await fired == "timeout"
        idle = loop.create_future()
        GLib.idle_add(lambda: idle.set_result("idle") or False)
        assert await idle == "idle"

    asyncio.run(main())


def test_idle_wait_does_not_spin(pki):
    """While nothing happens, the loop sleeps in one poll: a listening
    server and a connected socket do not make it iterate."""
    async def main():
        server = listening_server(pki)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        accepted = server.accept()
        await client.connect_encrypted("localhost", server.get_server_port())
        peer = await accepted
        loop = asyncio.get_running_loop()
        selector = loop._selector
        counted = [0]
        select = selector.select

        def counting(timeout=None):
            counted[0] += 1
            return select(timeout)
        selector.select = counting
        await asyncio.sleep(0.3)
        selector.select = select
        peer.abort()
        server.close()
        return counted[0]

    # A busy loop would iterate thousands of times in 0.3 s.
    assert asyncio.run(main()) < 10


def test_cancelling_the_task_cancels_the_gcancellable(pki):
    async def main():
        server = listening_server(pki)
        cancellable = Gio.Cancellable()
        task = asyncio.ensure_future(server.accept_async(cancellable))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cancellable.is_cancelled()
        # The server still accepts afterwards.
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        accepted = server.accept_async()
        await client.connect_to_host_encrypted_async("localhost", server.get_server_port())
        assert (await accepted).get_property("is-encrypted")
        server.close()

    asyncio.run(main())


def test_cancel_mid_handshake_aborts_the_socket(pki):
    """A peer that accepts TCP but never answers the ClientHello: cancelling
    the awaiting task aborts the socket."""
    async def main():
        hello = asyncio.get_running_loop().create_future()

        async def silent(reader, writer):
            hello.set_result(await reader.read(1))
            await reader.read()  # until the client goes away
            writer.close()
        plain = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = plain.sockets[0].getsockname()[1]
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        task = asyncio.ensure_future(client.connect_to_host_encrypted_async("127.0.0.1", port))
        assert await hello == b"\x16"  # a TLS handshake record
        assert client.get_state() == Qssl.SocketState.CONNECTED
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert client.get_state() == Qssl.SocketState.UNCONNECTED
        plain.close()
        await plain.wait_closed()

    asyncio.run(main())


def test_run_is_asyncio(pki):
    """Qssl.run() runs any asyncio coroutine, on the same mechanism."""
    async def main():
        await asyncio.sleep(0)
        server = listening_server(pki)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        accepted = server.accept()
        await asyncio.wait_for(client.connect_encrypted("localhost", server.get_server_port()), 60)
        peer = await accepted
        peer.abort()
        server.close()
        return asyncio.get_running_loop()

    loop = Qssl.run(main())
    assert isinstance(loop, asyncio.AbstractEventLoop) and loop.is_closed()


def test_run_with_its_own_context(pki):
    """Qssl.run(coro, context): the sockets made inside belong to that
    context, and it is the one the loop runs; the default one stays idle."""
    context = GLib.MainContext.new()

    async def main():
        assert GLib.MainContext.get_thread_default() == context
        server = listening_server(pki)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        accepted = server.accept()
        await client.connect_encrypted("localhost", server.get_server_port())
        peer = await accepted
        peer.abort()
        server.close()
        return not GLib.MainContext.default().pending()

    assert Qssl.run(main(), context=context) is True
    assert GLib.MainContext.get_thread_default() is None


def test_plain_server_listens_everywhere(pki):
    async def main():
        async def greet(reader, writer):
            writer.write(b"plain\n")
            writer.close()
        async with await Qssl.start_server(greet, None, 0, ssl=False) as server:
            port = server.sockets[0].getsockname()[1]
            for host in ("127.0.0.1", "::1"):
                reader, writer = await asyncio.open_connection(host, port)
                assert await reader.readline() == b"plain\n"
                writer.close()

    asyncio.run(main())


def test_asyncio_under_a_running_glib_main_loop(pki):
    """The GTK way round: GLib.MainLoop runs, asyncio code is driven from
    it; Python's own ssl client talks to a QsslServer in the same loop."""
    loop = Qssl.asyncio_on_glib()
    main_loop = GLib.MainLoop()
    server = listening_server(pki)
    outcome = {}

    async def client():
        context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        accepted = server.accept()
        reader, writer = await asyncio.open_connection("localhost", server.get_server_port(), ssl=context)
        peer = await accepted
        await peer.send(b"from glib\n")
        outcome["line"] = await reader.readline()
        outcome["glib running"] = main_loop.is_running()
        writer.close()
        peer.abort()
        # And libqssl's own streams, in the same GLib-run loop.
        async def echo(r, w):
            w.write(await r.readline())
            await w.drain()
            w.close()
        async with await Qssl.start_server(echo, "127.0.0.1", 0,
                                           configuration=server_configuration(pki, "server-ec")) as streams:
            r, w = await Qssl.open_connection("127.0.0.1", streams.sockets[0].getsockname()[1],
                                              configuration=client_configuration(pki))
            w.write(b"qssl streams\n")
            outcome["qssl"] = await r.readline()
            w.close()

    task = loop.create_task(client())
    task.add_done_callback(lambda t: main_loop.quit())
    main_loop.run()
    server.close()
    task.result()
    loop.close()
    asyncio.set_event_loop(None)
    assert outcome == {"line": b"from glib\n", "glib running": True, "qssl": b"qssl streams\n"}
