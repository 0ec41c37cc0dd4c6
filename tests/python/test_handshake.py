# What a handshake leaves behind and what it costs, against real peers:
# Nagle off by default on both sides (read back with getsockopt), the
# negotiated key-exchange group (openssl s_server pinned to one group, and
# a QsslServer seen from Python's ssl client), the server's session cache
# bound (a cache of one session evicts the older client's session), a
# server that verifies no client never reading the system CA bundle, and
# the number of TLS 1.3 tickets after full and resumed handshakes.
import os
import socket as pysocket
import ssl
import subprocess
import sys
import textwrap
import threading

import pytest
from gi.repository import GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS, python_child_env
from test_interop import TIMEOUT, Process, QsslClient, need, reverse_lines, run_until, wake_main_context
from test_resumption import python_connect, python_context
from test_socket import server_configuration

PAYLOAD = b"interop line 0123456789 abcdefghijklmnopqrstuvwxyz\n"


def nodelay(fd):
    """TCP_NODELAY of a descriptor the test does not own, read by the kernel."""
    probe = pysocket.socket(fileno=os.dup(fd))
    try:
        return probe.getsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY)
    finally:
        probe.close()


class EchoServer:
    """A QsslServer that reverses lines and keeps its accepted sockets."""

    def __init__(self, pki, config=None, on_started=None):
        self.config = config if config is not None else server_configuration(pki, "server-ec")
        self.server = Qssl.Server.new()
        self.server.set_ssl_configuration(self.config)
        self.server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        if on_started is not None:
            self.server.connect("started-encryption-handshake", on_started)
        self.server.listen(None, 0)
        self.port = self.server.get_server_port()
        self.sockets = []
        self.server.connect("pending-connection-available", self.on_pending)

    def on_pending(self, server):
        while True:
            sock = server.next_pending_connection()
            if sock is None:
                break
            self.sockets.append(sock)
            sock.connect("ready-read", self.on_ready_read)
            if sock.bytes_available():
                self.on_ready_read(sock)

    def on_ready_read(self, sock):
        data = sock.read_all()
        if data:
            sock.write(reverse_lines(data))

    def stop(self):
        for sock in self.sockets:
            sock.abort()
        self.server.close()


def python_echo_client(pki, port, check=None, version="1.3"):
    """The ssl module's client in a thread: one line, its answer; then
    check() while the connection is still open."""
    context = python_context(pki, version, None)
    result = {}
    answered = threading.Event()
    release = threading.Event()

    def run():
        try:
            with pysocket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as conn:
                    conn.sendall(PAYLOAD)
                    answer = b""
                    while len(answer) < len(PAYLOAD):
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        answer += chunk
                    result["answer"] = answer
                    answered.set()
                    wake_main_context()
                    release.wait(TIMEOUT)
        except (OSError, ssl.SSLError) as error:
            result["error"] = error
        finally:
            result["done"] = True
            wake_main_context()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert run_until(lambda: answered.is_set() or "done" in result)
        if check is not None and answered.is_set():
            check()
    finally:
        release.set()
    assert run_until(lambda: "done" in result)
    thread.join(TIMEOUT)
    return result


class PythonEchoServer:
    """The ssl module's server in a thread: reverses one line, then closes."""

    def __init__(self, pki):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(pki / "server-ec-chain.pem", pki / "server-ec.key")
        self.listener = pysocket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            raw, _ = self.listener.accept()
            with self.context.wrap_socket(raw, server_side=True) as conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                conn.sendall(reverse_lines(data))
                conn.recv(1)
        except (OSError, ssl.SSLError):
            pass

    def stop(self):
        self.listener.close()
        self.thread.join(TIMEOUT)


# --- Nagle ------------------------------------------------------------------

def test_accepted_socket_has_nagle_off(pki):
    server = EchoServer(pki)
    seen = []

    def check():
        (sock,) = server.sockets
        seen.append((sock.get_socket_option(Qssl.SocketOption.LOW_DELAY), nodelay(sock.get_socket().get_fd())))

    try:
        result = python_echo_client(pki, server.port, check)
        assert result.get("answer") == reverse_lines(PAYLOAD), result
        (low_delay, kernel), = seen
        assert low_delay == 1
        assert kernel != 0
    finally:
        server.stop()


def test_accepted_socket_nagle_back_on_from_handler(pki):
    def on_started(server, sock):
        sock.set_socket_option(Qssl.SocketOption.LOW_DELAY, 0)

    server = EchoServer(pki, on_started=on_started)
    seen = []

    def check():
        (sock,) = server.sockets
        seen.append((sock.get_socket_option(Qssl.SocketOption.LOW_DELAY), nodelay(sock.get_socket().get_fd())))

    try:
        result = python_echo_client(pki, server.port, check)
        assert result.get("answer") == reverse_lines(PAYLOAD), result
        assert seen == [(0, 0)]
    finally:
        server.stop()


def test_client_socket_has_nagle_off(pki):
    peer = PythonEchoServer(pki)
    client = QsslClient(pki, peer.port, "1.3", None)
    try:
        client.exchange(reverse_lines(PAYLOAD), "1.3")
        fd = client.socket.get_socket().get_fd()
        assert client.socket.get_socket_option(Qssl.SocketOption.LOW_DELAY) == 1
        assert nodelay(fd) != 0
        # And a user can have Qt's behaviour back.
        client.socket.set_socket_option(Qssl.SocketOption.LOW_DELAY, 0)
        assert nodelay(fd) == 0
        assert client.socket.get_socket_option(Qssl.SocketOption.LOW_DELAY) == 0
    finally:
        client.close()
        peer.stop()


# --- The negotiated group -------------------------------------------------

class GroupServer:
    """openssl s_server offering one group only."""

    def __init__(self, pki, group, version):
        need("openssl")
        argv = ["openssl", "s_server", "-accept", "0", "-rev", f"-tls1_{version[-1]}", "-groups", group,
                "-cert", str(pki / "server-ec.pem"), "-key", str(pki / "server-ec.key"),
                "-cert_chain", str(pki / "intermediate.pem")]
        self.process = Process(argv, merge_stderr=True)
        assert run_until(lambda: b"ACCEPT" in self.process.out and b"\n" in self.process.out.split(b"ACCEPT", 1)[1]
                         or self.process.eof)
        line = self.process.out.split(b"ACCEPT", 1)[1].split(b"\n", 1)[0]
        self.port = int(line.rsplit(b":", 1)[1])

    def stop(self):
        self.process.stop()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("group,name", [("X25519", "X25519"), ("P-256", "secp256r1")])
def test_negotiated_group_against_s_server(pki, group, name, version):
    server = GroupServer(pki, group, version)
    client = QsslClient(pki, server.port, version, None)
    try:
        client.exchange(reverse_lines(PAYLOAD), version)
        assert client.socket.get_negotiated_group() == name
        # What the socket names, the configuration takes.
        config = client.socket.get_ssl_configuration()
        config.set_elliptic_curves([client.socket.get_negotiated_group()])
    finally:
        client.close()
        server.stop()


def test_negotiated_group_on_the_server(pki):
    config = server_configuration(pki, "server-ec")
    config.set_elliptic_curves(["P-384"])
    server = EchoServer(pki, config)
    try:
        assert python_echo_client(pki, server.port).get("answer") == reverse_lines(PAYLOAD)
        (sock,) = server.sockets
        assert sock.get_negotiated_group() == "secp384r1"
    finally:
        server.stop()


def test_no_group_before_a_handshake():
    assert Qssl.Socket().get_negotiated_group() is None


# --- The server's session cache -----------------------------------------

def cache_server(pki, size):
    config = server_configuration(pki, "server-ec")
    config.set_protocol(Qssl.Protocol.TLS_V1_2)
    # Session IDs only: TLS 1.2 tickets would resume without the cache.
    config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_TICKETS, True)
    config.set_peer_verify_mode(Qssl.PeerVerifyMode.NONE)
    if size is not None:
        config.set_session_cache_size(size)
    return EchoServer(pki, config)


def connect(context, server, session=None):
    result = python_connect(context, server.port, session)
    assert result["answered"], result
    return result


def test_session_cache_size_default():
    config = Qssl.Configuration.new()
    assert config.get_session_cache_size() == 20480
    config.set_session_cache_size(1)
    assert config.get_session_cache_size() == 1
    assert config.copy().get_session_cache_size() == 1
    assert not config.equal(Qssl.Configuration.new())


@pytest.mark.parametrize("size", [None, 1, 0])
def test_session_cache_evicts_oldest(pki, size):
    server = cache_server(pki, size)
    try:
        # Two clients, each with its own session (Python keeps none on its own).
        context = python_context(pki, "1.2", None)
        first = connect(context, server)
        second = connect(context, server)
        assert not first["resumed"] and not second["resumed"]
        assert first["session"] is not None and second["session"] is not None
        # The newer first (a full handshake would add a session of its own).
        again_second = connect(context, server, second["session"])
        again_first = connect(context, server, first["session"])
        # One session fits: the second client's pushed out the first's.
        assert again_second["resumed"] == (size != 0)
        assert again_first["resumed"] == (size is None)
    finally:
        server.stop()


# --- System CAs ---------------------------------------------------------

# In a fresh interpreter: the system CAs are read once per process.
# SSL_CERT_FILE is a 4 MiB bundle; /proc/self/io counts the bytes the
# process read() from files.
CHILD = textwrap.dedent("""
    import os, socket, ssl, sys, threading
    import gi
    gi.require_version("Qssl", "1.0")
    from gi.repository import GLib, Qssl
    pki, mode = sys.argv[1], sys.argv[2]
    def rchar():
        for line in open("/proc/self/io"):
            if line.startswith("rchar:"):
                return int(line.split()[1])
    read = lambda name: GLib.Bytes.new(open(os.path.join(pki, name), "rb").read())
    config = Qssl.Configuration.get_default()
    config.set_local_certificate_chain(Qssl.Certificate.list_from_data(read("server-ec-chain.pem"),
                                                                       Qssl.EncodingFormat.PEM))
    config.set_private_key(Qssl.Key.new_from_data(read("server-ec.key"), Qssl.KeyAlgorithm.OPAQUE,
                                                  Qssl.EncodingFormat.PEM, Qssl.KeyType.PRIVATE_KEY, None))
    config.set_peer_verify_mode(getattr(Qssl.PeerVerifyMode, mode))
    before = rchar()
    server = Qssl.Server.new()
    server.set_ssl_configuration(config)
    server.listen(None, 0)
    port = server.get_server_port()
    done = []
    def client():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cadata=open(os.path.join(pki, "ca.pem")).read())
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as conn:
                conn.recv(1)
        done.append(True)
        GLib.MainContext.default().wakeup()
    accepted = []
    server.connect("pending-connection-available", lambda s: accepted.append(s.next_pending_connection()))
    threading.Thread(target=client, daemon=True).start()
    context = GLib.MainContext.default()
    while not accepted:
        context.iteration(True)
    accepted[0].write(b"!")
    while not done:
        context.iteration(True)
    print(rchar() - before)
""")


def read_during_handshake(pki, tmp_path, mode):
    ca = (pki / "ca.pem").read_bytes()
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(ca * (4 * 1024 * 1024 // len(ca) + 1))
    empty = tmp_path / "certs"
    empty.mkdir()
    env = python_child_env(dict(os.environ, SSL_CERT_FILE=str(bundle), SSL_CERT_DIR=str(empty)))
    out = subprocess.run([sys.executable, "-c", CHILD, str(pki), mode], env=env, capture_output=True,
                         timeout=120, text=True)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def test_server_verifying_nobody_reads_no_system_ca(pki, tmp_path):
    assert read_during_handshake(pki, tmp_path, "NONE") < 1024 * 1024


def test_server_querying_clients_reads_system_ca(pki, tmp_path):
    # The measure itself works: a server that asks for client
    # certificates trusts the system's CAs, and reads the bundle.
    assert read_during_handshake(pki, tmp_path, "QUERY_PEER") >= 4 * 1024 * 1024


# --- TLS 1.3 tickets --------------------------------------------------------

def s_client_tickets(pki, port, extra):
    """openssl s_client: two lines echoed; (resumed, tickets it was sent)."""
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", str(pki / "ca.pem"), "-tls1_3"] + extra
    process = Process(argv, stdin=subprocess.PIPE, merge_stderr=True)
    # s_client reports a ticket when it reads past it: once the answer to
    # a second line is there, every ticket sent before the first answer is
    # counted. Its reports are buffered: it must exit (end of its input),
    # not be killed.
    for line in (PAYLOAD, b"second " + PAYLOAD):
        process.feed(line)
        run_until(lambda: reverse_lines(line) in process.out or process.eof)
    process.feed(b"", close=True)
    run_until(lambda: process.eof)
    process.stop()
    out = bytes(process.out)
    assert reverse_lines(PAYLOAD) in out, out.decode(errors="replace")
    return b"\nReused, " in out, out.count(b"Post-Handshake New Session Ticket arrived")


@pytest.mark.parametrize("mode", ["NONE", "QUERY_PEER"])
def test_tls13_tickets_two_then_one(pki, mode):
    # Two tickets after a full handshake, one after a resumed one, as from
    # OpenSSL's own server; whether the server sends them within the
    # handshake (nobody verified) or after accepting the peer.
    need("openssl")
    config = server_configuration(pki, "server-ec")
    config.set_protocol(Qssl.Protocol.TLS_V1_3)
    config.set_peer_verify_mode(getattr(Qssl.PeerVerifyMode, mode))
    server = EchoServer(pki, config)
    session = pki.parent / f"handshake-tickets-{os.getpid()}.pem"
    session.unlink(missing_ok=True)
    try:
        assert s_client_tickets(pki, server.port, ["-sess_out", str(session)]) == (False, 2)
        assert s_client_tickets(pki, server.port, ["-sess_in", str(session)]) == (True, 1)
    finally:
        session.unlink(missing_ok=True)
        server.stop()
