# QsslSocket from Python: a client and a server on one GLib main context,
# verification failure and ignore, and interop with real openssl peers.
import os
import shutil
import socket as pysocket
import subprocess
import time

import pytest
from gi.repository import Gio, GLib, Qssl


def run_until(predicate, timeout=10.0):
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        context.iteration(True)
    return predicate()


def client_configuration(pki):
    config = Qssl.Configuration.get_default()
    root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()),
                                          Qssl.EncodingFormat.PEM)
    config.set_ca_certificates([root])
    return config


def server_configuration(pki, name):
    config = Qssl.Configuration.get_default()
    chain = Qssl.Certificate.list_from_data(
        GLib.Bytes.new((pki / f"{name}-chain.pem").read_bytes()), Qssl.EncodingFormat.PEM)
    key = Qssl.Key.new_from_data(GLib.Bytes.new((pki / f"{name}.key").read_bytes()),
                                 Qssl.KeyAlgorithm.OPAQUE, Qssl.EncodingFormat.PEM,
                                 Qssl.KeyType.PRIVATE_KEY, None)
    config.set_local_certificate_chain(chain)
    config.set_private_key(key)
    return config


class EchoServer:
    """Accepts on a GSocketService and echoes through server-side QsslSockets."""

    def __init__(self, pki, name="server-ec"):
        self.config = server_configuration(pki, name)
        self.service = Gio.SocketService()
        self.port = self.service.add_any_inet_port(None)
        self.sockets = []
        self.service.connect("incoming", self.on_incoming)
        self.service.start()

    def on_incoming(self, service, connection, source):
        sock = Qssl.Socket.new_from_socket(connection.get_socket())
        sock.set_ssl_configuration(self.config)
        sock.connect("ready-read", lambda s: s.write(s.read_all()))
        sock.start_server_encryption()
        self.sockets.append((sock, connection))
        return True

    def stop(self):
        self.service.stop()
        self.service.close()
        for sock, _ in self.sockets:
            sock.abort()


@pytest.fixture
def echo_server(pki):
    server = EchoServer(pki)
    yield server
    server.stop()


def test_connect_and_echo(pki, echo_server):
    events = []
    client = Qssl.Socket()
    client.set_ssl_configuration(client_configuration(pki))
    for name in ("host-found", "connected", "encrypted"):
        client.connect(name, lambda s, n=name: events.append(n))
    client.connect("mode-changed", lambda s, m: events.append(f"mode:{int(m)}"))
    client.connect_to_host_encrypted("localhost", echo_server.port, Qssl.NetworkLayerProtocol.ANY_IP)
    assert run_until(lambda: client.is_encrypted())
    assert events == ["host-found", "connected", "mode:1", "encrypted"]
    assert client.get_session_protocol() == Qssl.Protocol.TLS_V1_3
    assert client.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == ["localhost"]

    received = bytearray()
    client.connect("ready-read", lambda s: received.extend(s.read_all()))
    assert client.write(b"hello from python\n") == 18
    assert run_until(lambda: len(received) >= 18)
    assert bytes(received) == b"hello from python\n"
    client.disconnect_from_host()
    assert client.get_state() == Qssl.SocketState.UNCONNECTED


def test_verification_failure_and_ignore(pki):
    server = EchoServer(pki, "wrong-host")
    try:
        seen = []
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.connect("ssl-errors", lambda s, errors: seen.append([e.get_error() for e in errors]))
        errors = []
        client.connect("error-occurred", lambda s, e: errors.append(e))
        client.connect_to_host_encrypted("localhost", server.port, Qssl.NetworkLayerProtocol.IPV4)
        assert run_until(lambda: errors)
        assert seen == [[Qssl.ErrorCode.HOST_NAME_MISMATCH]]
        assert errors == [Qssl.SocketError.SSL_HANDSHAKE_FAILED]
        assert not client.is_encrypted()

        client2 = Qssl.Socket()
        client2.set_ssl_configuration(client_configuration(pki))
        client2.connect("ssl-errors", lambda s, errs: s.ignore_ssl_errors())
        client2.connect_to_host_encrypted("localhost", server.port, Qssl.NetworkLayerProtocol.IPV4)
        assert run_until(lambda: client2.is_encrypted())
        client2.abort()
    finally:
        server.stop()


def test_blocking_calls(pki, echo_server):
    # The sockets share this thread's context, so serve from a second
    # thread-less loop: wait_for_* drive only the client; let the server
    # progress by iterating between short waits.
    client = Qssl.Socket()
    client.set_ssl_configuration(client_configuration(pki))
    client.connect_to_host_encrypted("127.0.0.1", echo_server.port, Qssl.NetworkLayerProtocol.ANY_IP)
    with pytest.raises(GLib.Error) as info:
        client.wait_for_ready_read(50)
    assert info.value.code == Qssl.SocketError.SOCKET_TIMEOUT
    assert run_until(lambda: client.is_encrypted())
    client.abort()


def free_port():
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with pysocket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_client_against_openssl_s_server(pki, version):
    port = free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-quiet", "-rev", "-accept", str(port), version,
         "-cert", str(pki / "server-rsa.pem"), "-key", str(pki / "server-rsa.key"),
         "-cert_chain", str(pki / "intermediate.pem")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(port)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        client.wait_for_encrypted(10000)
        expected = Qssl.Protocol.TLS_V1_2 if version == "-tls1_2" else Qssl.Protocol.TLS_V1_3
        assert client.get_session_protocol() == expected
        client.write(b"abcdef\n")
        received = bytearray()
        while b"\n" not in received:
            client.wait_for_ready_read(10000)
            received.extend(client.read_all())
        assert bytes(received) == b"fedcba\n"
        client.abort()
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(shutil.which("gnutls-serv") is None, reason="gnutls-bin not installed")
def test_client_against_gnutls_serv(pki):
    port = free_port()
    server = subprocess.Popen(
        ["gnutls-serv", "--echo", "-p", str(port), "--x509certfile", str(pki / "server-ec-chain.pem"),
         "--x509keyfile", str(pki / "server-ec.key")],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(port)
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        client.wait_for_encrypted(10000)
        client.write(b"echo me\n")
        received = bytearray()
        while len(received) < 8:
            client.wait_for_ready_read(10000)
            received.extend(client.read_all())
        assert bytes(received) == b"echo me\n"
        client.abort()
    finally:
        server.kill()
        server.wait()


def test_openssl_s_client_against_our_server(pki, echo_server):
    payload = b"".join(b"line %05d of the payload\n" % i for i in range(2000))
    proc = subprocess.Popen(
        ["openssl", "s_client", "-connect", f"127.0.0.1:{echo_server.port}", "-servername", "localhost",
         "-CAfile", str(pki / "ca.pem"), "-verify_return_error", "-quiet", "-ign_eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # s_client runs in its own process; this thread serves it from the main context.
    proc.stdin.write(payload)
    proc.stdin.flush()
    received = bytearray()
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + 20
    while len(received) < len(payload) and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if chunk:
                received.extend(chunk)
        except BlockingIOError:
            time.sleep(0.001)
    proc.stdin.close()
    proc.kill()
    proc.wait()
    assert bytes(received) == payload


class GreetAndCloseServer(EchoServer):
    """Sends a greeting and close_notify at once: the client reads both in one go."""

    def on_incoming(self, service, connection, source):
        sock = Qssl.Socket.new_from_socket(connection.get_socket())
        sock.set_ssl_configuration(self.config)

        def greet(s):
            s.write(b"hello\n")
            s.disconnect_from_host()

        sock.connect("encrypted", greet)
        sock.start_server_encryption()
        self.sockets.append((sock, connection))
        return True


@pytest.fixture
def greet_and_close_server(pki):
    server = GreetAndCloseServer(pki)
    yield server
    server.stop()


def run_until_or_timeout(predicate, timeout=10.0):
    """run_until() that also wakes when nothing happens, so that a socket that stays silent fails the test."""
    wake = GLib.timeout_add(50, lambda: True)
    try:
        return run_until(predicate, timeout)
    finally:
        GLib.source_remove(wake)


def recorded_client(pki, events):
    client = Qssl.Socket()
    client.set_ssl_configuration(client_configuration(pki))
    # A bounded buffer reads the greeting and the end of the stream in one pump.
    client.set_read_buffer_size(1 << 20)
    for name in ("disconnected", "read-channel-finished"):
        client.connect(name, lambda s, n=name: events.append(n))
    client.connect("error-occurred", lambda s, e: events.append(f"error:{int(e)}"))
    client.connect("state-changed", lambda s, st: events.append(f"state:{int(st)}"))
    return client


def test_handler_aborts_in_ready_read(pki, greet_and_close_server):
    events = []
    client = recorded_client(pki, events)

    def on_ready_read(s):
        events.append(("read", s.read_all()))
        s.abort()
        events.append("|")

    client.connect("ready-read", on_ready_read)
    client.connect_to_host_encrypted("localhost", greet_and_close_server.port,
                                     Qssl.NetworkLayerProtocol.ANY_IP)
    assert run_until_or_timeout(lambda: "|" in events)
    # Whatever is ready now runs too: nothing more may come.
    while GLib.MainContext.default().iteration(False):
        pass
    tail = events[events.index(("read", b"hello\n")):]
    # abort() says what it says; the rest of the read (the end of the stream) is not reported.
    assert tail == [("read", b"hello\n"), "state:6", "state:0", "disconnected", "|"]
    assert client.get_state() == Qssl.SocketState.UNCONNECTED


def test_handler_reconnects_in_ready_read(pki, greet_and_close_server):
    events = []
    client = recorded_client(pki, events)
    greetings = []

    def on_ready_read(s):
        data = s.read_all()
        if data:
            greetings.append(data)
        if len(greetings) == 1 and s.get_state() == Qssl.SocketState.CONNECTED:
            s.abort()
            events.append("|")
            s.connect_to_host_encrypted("localhost", greet_and_close_server.port,
                                        Qssl.NetworkLayerProtocol.ANY_IP)

    client.connect("ready-read", on_ready_read)
    client.connect_to_host_encrypted("localhost", greet_and_close_server.port,
                                     Qssl.NetworkLayerProtocol.ANY_IP)
    # The new connection reads its greeting, then ends as the server closes it.
    assert run_until_or_timeout(lambda: len(greetings) == 2 and events.count("disconnected") == 2)
    assert greetings == [b"hello\n", b"hello\n"]
    tail = events[events.index("|") + 1:]
    assert not any(str(e).startswith("error") for e in tail)
    assert tail.count("read-channel-finished") == 1
    assert tail[-3:] == ["state:6", "state:0", "disconnected"]


def test_misuse_is_reported():
    # Qt only logs these; here they are OPERATION errors a program can see.
    sock = Qssl.Socket()
    errors = []
    sock.connect("error-occurred", lambda s, e: errors.append(e))
    assert sock.write(b"ping") == -1
    assert sock.get_error() == Qssl.SocketError.OPERATION
    assert sock.get_error_string() == "Socket is not connected"
    sock.start_client_encryption()
    assert errors == [Qssl.SocketError.OPERATION]
    assert sock.get_error_string() == "Cannot start a handshake when not connected"
    assert sock.get_mode() == Qssl.Mode.UNENCRYPTED


def test_flush_async_and_close_async(pki):
    # GIO's generic async calls from PyGObject, against Python's ssl module
    # in a thread. flush_async with 30 MB queued once ran the blocking
    # flush on a GLib worker thread against the main loop's pumps and
    # crashed; close_async ran the whole close inside the call.
    import ssl
    import threading

    size = 30 * 1024 * 1024
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki / "server-ec-chain.pem"), str(pki / "server-ec.key"))
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result = {}
    # The peer reads only once the flush is under way, so that the kernel's
    # buffers fill and the write leaves something to flush.
    start_reading = threading.Event()

    def serve():
        conn, _ = listener.accept()
        # No ragged EOFs: only a close_notify ends the stream cleanly.
        with context.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False) as tls:
            total = 0
            start_reading.wait(60)
            try:
                while True:
                    data = tls.recv(65536)
                    if not data:
                        result["clean"] = True
                        break
                    total += len(data)
            except (ssl.SSLError, OSError) as error:
                result["clean"] = repr(error)
            result["total"] = total

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        main = threading.get_ident()
        threads = set()
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        for name in ("bytes-written", "encrypted-bytes-written", "state-changed", "disconnected"):
            client.connect(name, lambda *args: threads.add(threading.get_ident()))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        assert run_until(lambda: client.is_encrypted(), 20)

        payload = bytes(range(256)) * (size // 256)
        assert client.write(payload) == size
        assert client.bytes_to_write() > 0
        output = client.get_output_stream()
        flushed = []
        output.flush_async(GLib.PRIORITY_DEFAULT, None, lambda o, r: flushed.append(o.flush_finish(r)))
        assert flushed == []
        start_reading.set()
        assert run_until(lambda: flushed, 120)
        assert flushed == [True]
        assert client.bytes_to_write() == 0

        closed = []
        client.close_async(GLib.PRIORITY_DEFAULT, None, lambda s, r: closed.append(s.close_finish(r)))
        assert closed == []
        assert run_until(lambda: closed, 60)
        assert closed == [True]
        assert client.get_state() == Qssl.SocketState.UNCONNECTED
        assert client.is_closed()
        assert threads == {main}

        thread.join(60)
        assert result == {"total": size, "clean": True}
    finally:
        start_reading.set()
        listener.close()


def tls13_server_context(pki):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(pki / "server-ec-chain.pem"), str(pki / "server-ec.key"))
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    return context


def read_to_end(tls, result):
    """What a peer sees of our close: clean when a close_notify and then a
    FIN arrive, the exception otherwise (a reset, an EOF without
    close_notify)."""
    import ssl

    total = 0
    try:
        while True:
            data = tls.recv(65536)
            if not data:
                break
            total += len(data)
        result["total"] = total
        # After the close_notify, the TCP stream must end with a FIN.
        result["after"] = os.read(tls.fileno(), 1)
        result["clean"] = True
    except (ssl.SSLError, OSError) as error:
        result["total"] = total
        result["clean"] = repr(error)


def test_disconnect_with_unread_data_sends_fin(pki):
    # A TLS 1.3 server sends session tickets after the handshake, and here a
    # line nobody reads: close(2) with unread bytes in the receive queue
    # sends an RST, so the peer saw a reset instead of close_notify + FIN.
    import threading

    context = tls13_server_context(pki)
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result = {}
    go = threading.Event()
    sent = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with context.wrap_socket(conn, server_side=True, suppress_ragged_eofs=False) as tls:
            # Only once the client's main loop stopped: it must not read it.
            go.wait(20)
            tls.sendall(b"nobody reads this\n")
            sent.set()
            read_to_end(tls, result)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        assert run_until(lambda: client.is_encrypted(), 20)
        go.set()
        assert sent.wait(20)
        # The line is in the kernel, unread (no main loop runs meanwhile).
        deadline = time.monotonic() + 20
        while client.encrypted_bytes_available() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.encrypted_bytes_available() > 0
        client.disconnect_from_host()
        assert client.get_state() == Qssl.SocketState.UNCONNECTED
        thread.join(20)
        assert result == {"total": 0, "after": b"", "clean": True}
    finally:
        listener.close()


def test_disconnect_waits_for_room_for_close_notify(pki):
    # Everything written has left the write buffer, but the kernel's send
    # buffer is full (the peer reads nothing yet): close_notify finds no
    # room. It used to be dropped, and the peer saw an EOF without
    # close_notify; now the socket stays CLOSING until the kernel takes it.
    # Over a Unix socket pair: there, unlike TCP (which appends a small
    # send to the last unsent segment whatever SO_SNDBUF says), a send
    # that exceeds the send buffer is refused.
    import threading

    size = 256 * 1024
    context = tls13_server_context(pki)
    ours, theirs = pysocket.socketpair()
    result = {}
    start_reading = threading.Event()

    def serve():
        with context.wrap_socket(theirs, server_side=True, suppress_ragged_eofs=False) as tls:
            start_reading.wait(60)
            read_to_end(tls, result)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.set_peer_verify_name("localhost")
        ours.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_SNDBUF, 4 * size)
        assert client.set_socket_descriptor(ours.detach(), Qssl.SocketState.CONNECTED)
        client.start_client_encryption()
        assert run_until(lambda: client.is_encrypted(), 20)
        # Room for all of it now...
        payload = bytes(range(256)) * (size // 256)
        assert client.write(payload) == size
        assert run_until(lambda: client.bytes_to_write() == 0, 20)
        # ...and none once the buffer is smaller than what it holds.
        client.get_socket().set_option(pysocket.SOL_SOCKET, pysocket.SO_SNDBUF, 4096)
        states = []
        disconnected = []
        client.connect("state-changed", lambda s, state: states.append(state))
        client.connect("disconnected", lambda s: disconnected.append(True))
        client.disconnect_from_host()
        assert client.get_state() == Qssl.SocketState.CLOSING
        start_reading.set()
        assert run_until(lambda: disconnected, 60)
        assert states == [Qssl.SocketState.CLOSING, Qssl.SocketState.UNCONNECTED]
        thread.join(60)
        assert result == {"total": size, "after": b"", "clean": True}
    finally:
        start_reading.set()
