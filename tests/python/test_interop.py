# Interop matrix: libqssl against other TLS implementations, in both roles.
#
# Client cells: a QsslSocket against `openssl s_server`, `gnutls-serv`, a
# Python `ssl` server (in a thread) and a GTlsServerConnection (GnuTLS,
# through glib-networking, in a process of its own). Server cells: a
# QsslServer against `openssl s_client`, `gnutls-cli`, a Python `ssl` client
# (in a thread), `curl` and a GTlsClientConnection. Each cell runs TLS 1.2
# or 1.3 with an RSA or an ECDSA server certificate, with or without a
# client certificate, sends a line one way and checks the answer the other
# way. Resumption cells connect twice and check that the second handshake
# resumed. docs/interop.md has the table.
#
# Nothing here sleeps: subprocess output is watched from the main context,
# threads wake it with GLib.idle_add(), and every wait has a deadline.
import os
import shutil
import socket as pysocket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from gi.repository import Gio, GLib, Qssl

from test_socket import client_configuration, server_configuration
from conftest import SERVER_HANDSHAKE_TIMEOUT_MS

TIMEOUT = 15.0
VERSIONS = {"1.2": Qssl.Protocol.TLS_V1_2, "1.3": Qssl.Protocol.TLS_V1_3}
# Server certificate and the client certificate that goes with it.
CERTS = {"rsa": ("server-rsa", "client"), "ecdsa": ("server-ec", "client-ec")}
# Both client certificates carry this common name.
CLIENT_CN = "libqssl test client"
PAYLOAD = b"interop line 0123456789 abcdefghijklmnopqrstuvwxyz\n"


def reverse_lines(data):
    return b"".join(line[::-1] + b"\n" for line in data.split(b"\n")[:-1])


def run_until(predicate, timeout=TIMEOUT):
    """Iterates the default main context until predicate() or the deadline."""
    context = GLib.MainContext.default()
    expired = []

    def on_deadline():
        expired.append(True)
        return GLib.SOURCE_REMOVE

    source = GLib.timeout_add(int(timeout * 1000), on_deadline)
    while not predicate() and not expired:
        context.iteration(True)
    if not expired:
        GLib.source_remove(source)
    return predicate()


def wake_main_context():
    """From a thread: lets run_until() look at its predicate again."""
    GLib.MainContext.default().wakeup()


def need(program):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")


def free_port():
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The peers are not under test: under the sanitizer build they must not
# inherit its preloaded runtimes (curl, for one, dies of them).
PEER_ENV = {name: value for name, value in os.environ.items() if name != "LD_PRELOAD"}


class Process:
    """A subprocess whose stdout is collected from the main context."""

    def __init__(self, argv, stdin=subprocess.DEVNULL, merge_stderr=False):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, env=PEER_ENV,
                                     stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE)
        self.out = bytearray()
        self.eof = False
        fd = self.proc.stdout.fileno()
        os.set_blocking(fd, False)
        self.watch = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, fd,
                                           GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
                                           self._on_output)

    def _on_output(self, fd, condition):
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return GLib.SOURCE_CONTINUE
        if chunk:
            self.out.extend(chunk)
            return GLib.SOURCE_CONTINUE
        self.eof = True
        self.watch = None
        return GLib.SOURCE_REMOVE

    def feed(self, data, close=False):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        if close:
            self.proc.stdin.close()

    def stop(self):
        if self.watch is not None:
            GLib.source_remove(self.watch)
            self.watch = None
        self.proc.kill()
        if self.proc.stdin is not None and self.proc.stdin.closed:
            self.proc.stdin = None
        _, err = self.proc.communicate(timeout=TIMEOUT)
        return err.decode(errors="replace") if err else ""


# --- libqssl as the client -------------------------------------------------

class QsslClient:
    """One QsslSocket connection: sends PAYLOAD, collects the answer."""

    def __init__(self, pki, port, version, client_cert, ticket=None, ca="ca.pem"):
        self.config = client_configuration(pki)
        self.config.set_protocol(VERSIONS[version])
        # Sessions go into the configuration as a ticket (Qt's default keeps
        # them out), and no session is shared behind the test's back.
        self.config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_PERSISTENCE, False)
        self.config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_SHARING, True)
        if client_cert:
            chain = Qssl.Certificate.list_from_data(
                GLib.Bytes.new((pki / f"{client_cert}-chain.pem").read_bytes()), Qssl.EncodingFormat.PEM)
            key = Qssl.Key.new_from_data(GLib.Bytes.new((pki / f"{client_cert}.key").read_bytes()),
                                         Qssl.KeyAlgorithm.OPAQUE, Qssl.EncodingFormat.PEM,
                                         Qssl.KeyType.PRIVATE_KEY, None)
            self.config.set_local_certificate_chain(chain)
            self.config.set_private_key(key)
        if ticket is not None:
            self.config.set_session_ticket(ticket)
        self.socket = Qssl.Socket()
        self.socket.set_ssl_configuration(self.config)
        self.received = bytearray()
        self.errors = []
        self.socket.connect("ready-read", lambda s: self.received.extend(s.read_all()))
        self.socket.connect("error-occurred", lambda s, e: self.errors.append((e, s.get_error_string())))
        self.socket.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        self.socket.write(PAYLOAD)

    def exchange(self, expected, version):
        assert run_until(lambda: self.errors or len(self.received) >= len(expected)), "no answer in time"
        assert not self.errors
        assert bytes(self.received) == expected
        assert self.socket.get_session_protocol() == VERSIONS[version]
        cn = self.socket.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME)
        assert cn == ["localhost"]

    def ticket(self):
        """The session ticket the connection left in its configuration, if any."""
        # TLS 1.3 tickets come after the handshake: give them a moment of
        # main loop, bounded.
        run_until(lambda: self._ticket() is not None, timeout=1.0)
        return self._ticket()

    def _ticket(self):
        ticket = self.socket.get_ssl_configuration().get_session_ticket()
        return ticket if ticket else None

    def close(self):
        self.socket.abort()


class OpensslServer:
    name = "openssl"
    transform = staticmethod(reverse_lines)

    def __init__(self, pki, cert, version, client_cert):
        need("openssl")
        argv = ["openssl", "s_server", "-accept", "0", "-rev", f"-tls1_{version[-1]}",
                "-cert", str(pki / f"{cert}.pem"), "-key", str(pki / f"{cert}.key"),
                "-cert_chain", str(pki / "intermediate.pem")]
        if client_cert:
            argv += ["-Verify", "2", "-CAfile", str(pki / "ca.pem"), "-verify_return_error"]
        # stderr too: that is where it reports the client certificate.
        self.process = Process(argv, merge_stderr=True)
        # "ACCEPT [::]:PORT" once it listens.
        assert run_until(lambda: b"ACCEPT" in self.process.out and b"\n" in self.process.out.split(b"ACCEPT", 1)[1]
                         or self.process.eof)
        line = self.process.out.split(b"ACCEPT", 1)[1].split(b"\n", 1)[0]
        self.port = int(line.rsplit(b":", 1)[1])

    def check(self, client_cert, resumed=None, connections=1):
        if client_cert:
            # Its verify callback prints the chain it checked, leaf last.
            subject = f"CN = {CLIENT_CN}".encode()
            assert run_until(lambda: subject in self.process.out)
            assert b"verify error" not in self.process.out

    def stop(self):
        self.process.stop()


class GnutlsServer:
    name = "gnutls"
    transform = staticmethod(lambda data: data)  # an echo

    def __init__(self, pki, cert, version, client_cert):
        need("gnutls-serv")
        self.port = free_port()
        argv = ["gnutls-serv", "--echo", "-p", str(self.port), "--x509certfile", str(pki / f"{cert}-chain.pem"),
                "--x509keyfile", str(pki / f"{cert}.key"), "--priority", f"NORMAL:-VERS-ALL:+VERS-TLS{version}"]
        if client_cert:
            argv += ["--require-client-cert", "--verify-client-cert", "--x509cafile", str(pki / "ca.pem")]
        # It says it listens on stderr.
        self.process = Process(argv, merge_stderr=True)
        assert run_until(lambda: b"IPv4" in self.process.out and b"done" in self.process.out or self.process.eof)
        assert not self.process.eof, self.process.stop()

    def check(self, client_cert, resumed=None, connections=1):
        pass

    def stop(self):
        self.process.stop()


class PythonServer:
    """The ssl module's server in a thread: reverses each line."""
    name = "python"
    transform = staticmethod(reverse_lines)

    def __init__(self, pki, cert, version, client_cert):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = self.context.maximum_version = (
            ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3)
        self.context.load_cert_chain(pki / f"{cert}-chain.pem", pki / f"{cert}.key")
        if client_cert:
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.context.load_verify_locations(pki / "ca.pem")
        self.listener = pysocket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.peers = []       # (client certificate subject CN, session_reused) per connection
        self.failures = []
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stopping:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                raw.settimeout(TIMEOUT)
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    data = b""
                    while not data.endswith(b"\n"):
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    conn.sendall(reverse_lines(data))
                    cert = conn.getpeercert()
                    cn = [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"] if cert else []
                    self.peers.append((cn, conn.session_reused))
                    wake_main_context()
                    # Wait for the client to close.
                    while conn.recv(4096):
                        pass
            except (OSError, ssl.SSLError) as error:
                self.failures.append(repr(error))
                wake_main_context()

    def check(self, client_cert, resumed=None, connections=1):
        # The thread records a connection after sending its reply: wait for
        # the record of the connection checked, not that of an earlier one.
        assert run_until(lambda: len(self.peers) >= connections or self.failures)
        assert not self.failures
        if client_cert:
            assert self.peers[-1][0] == [CLIENT_CN]
        if resumed is not None:
            assert self.peers[-1][1] == resumed

    def stop(self):
        self.stopping = True
        # Wakes the thread's accept() (close() alone would not).
        self.listener.shutdown(pysocket.SHUT_RDWR)
        self.thread.join(TIMEOUT)
        self.listener.close()


class GtlsServer:
    """GTlsServerConnection (glib-networking) in a process of its own
    (gtls_server.py): it reverses each line and reports each peer."""
    name = "gtls"
    transform = staticmethod(reverse_lines)

    def __init__(self, pki, cert, version, client_cert):
        argv = [sys.executable, str(Path(__file__).with_name("gtls_server.py")),
                str(pki / f"{cert}-chain.pem"), str(pki / f"{cert}.key"), str(pki / "ca.pem"),
                "1" if client_cert else "0"]
        # Its stdin stays open: the server stops when it closes.
        self.process = Process(argv, stdin=subprocess.PIPE)
        assert run_until(lambda: b"\n" in self.process.out or self.process.eof)
        line = bytes(self.process.out).split(b"\n", 1)[0]
        assert line.startswith(b"PORT "), self.process.stop()
        self.port = int(line.split()[1])

    def lines(self, kind):
        prefix = kind + b" "
        return [line[len(prefix):].decode() for line in bytes(self.process.out).split(b"\n")
                if line.startswith(prefix)]

    def check(self, client_cert, resumed=None, connections=1):
        assert run_until(lambda: self.lines(b"PEER") or self.lines(b"FAIL"))
        assert not self.lines(b"FAIL")
        if client_cert:
            assert f"CN={CLIENT_CN}" in self.lines(b"PEER")[-1]

    def stop(self):
        self.process.stop()


SERVERS = [OpensslServer, GnutlsServer, PythonServer, GtlsServer]
# (peer, version) pairs whose server side hands out sessions to resume;
# glib-networking (GnuTLS) resumes TLS 1.3 sessions only.
# glib-networking 2.74's GTlsServerConnection sends no session tickets (an
# OpenSSL client resumes nothing against it either), so it has no cell here.
RESUMING_SERVERS = [(peer, version) for peer in SERVERS for version in VERSIONS if peer is not GtlsServer]


def matrix():
    for version in VERSIONS:
        for cert in CERTS:
            for client_cert in (False, True):
                yield version, cert, client_cert


def cell_id(cell):
    version, cert, client_cert = cell
    return f"tls{version}-{cert}-{'mutual' if client_cert else 'anon'}"


CELLS = list(matrix())


@pytest.mark.parametrize("cell", CELLS, ids=[cell_id(c) for c in CELLS])
@pytest.mark.parametrize("peer", SERVERS, ids=[s.name for s in SERVERS])
def test_client(pki, peer, cell):
    version, cert, client_cert = cell
    server_cert, client_cert_name = CERTS[cert]
    client_cert_name = client_cert_name if client_cert else None
    server = peer(pki, server_cert, version, client_cert_name)
    client = None
    try:
        client = QsslClient(pki, server.port, version, client_cert_name)
        client.exchange(peer.transform(PAYLOAD), version)
        server.check(client_cert_name)
        if client_cert:
            assert client.socket.get_local_certificate() is not None
    finally:
        if client is not None:
            client.close()
        server.stop()


@pytest.mark.parametrize("peer,version", RESUMING_SERVERS, ids=[f"{p.name}-tls{v}" for p, v in RESUMING_SERVERS])
def test_client_resumption(pki, peer, version):
    server = peer(pki, "server-ec", version, None)
    clients = []
    try:
        first = QsslClient(pki, server.port, version, None)
        clients.append(first)
        first.exchange(peer.transform(PAYLOAD), version)
        assert not first.socket.is_session_resumed()
        ticket = first.ticket()
        assert ticket is not None, "no session ticket reached the configuration"
        first.close()
        second = QsslClient(pki, server.port, version, None, ticket=ticket)
        clients.append(second)
        second.exchange(peer.transform(PAYLOAD), version)
        assert second.socket.is_session_resumed()
        server.check(None, resumed=True, connections=2)
    finally:
        for client in clients:
            client.close()
        server.stop()


# --- libqssl as the server -------------------------------------------------

class QsslEchoServer:
    """A QsslServer answering lines reversed, and HTTP POSTs with the body
    reversed (for curl)."""

    def __init__(self, pki, cert, version, client_cert):
        config = server_configuration(pki, cert)
        config.set_protocol(VERSIONS[version])
        if client_cert:
            root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()),
                                                  Qssl.EncodingFormat.PEM)
            config.set_ca_certificates([root])
            config.set_peer_verify_mode(Qssl.PeerVerifyMode.VERIFY_PEER)
        self.server = Qssl.Server.new()
        self.server.set_ssl_configuration(config)
        self.server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        self.server.listen(None, 0)
        self.port = self.server.get_server_port()
        self.served = []
        self.resumed = []
        self.requests = []
        self.errors = []
        self.server.connect("pending-connection-available", self.on_pending)
        self.server.connect("error-occurred", lambda srv, sock, err: self.errors.append(err))

    def on_pending(self, server):
        while True:
            sock = server.next_pending_connection()
            if sock is None:
                break
            buffer = bytearray()
            sock.connect("ready-read", lambda s, b=buffer: self.on_ready_read(s, b))
            self.served.append(sock)
            # Read now: it describes the live connection only.
            self.resumed.append(sock.is_session_resumed())
            if sock.bytes_available():
                self.on_ready_read(sock, buffer)

    def on_ready_read(self, sock, buffer):
        buffer.extend(sock.read_all())
        if buffer.startswith(b"POST "):
            head, sep, body = bytes(buffer).partition(b"\r\n\r\n")
            if not sep:
                return
            length = [int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:")]
            if not length or len(body) < length[0]:
                return
            self.requests.append(bytes(body))
            answer = reverse_lines(body)
            sock.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                       b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(answer) + answer)
            sock.disconnect_from_host()
            buffer.clear()
        elif buffer.endswith(b"\n"):
            self.requests.append(bytes(buffer))
            sock.write(reverse_lines(bytes(buffer)))
            buffer.clear()

    def check(self, version, client_cert, connections=1, resumed=None):
        assert not self.errors
        assert len(self.served) == connections
        for sock in self.served:
            assert sock.get_session_protocol() == VERSIONS[version]
            peer = sock.get_peer_certificate()
            if client_cert:
                assert peer.get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == [CLIENT_CN]
            else:
                assert peer is None
        assert all(request == PAYLOAD for request in self.requests)
        if resumed is not None:
            assert self.resumed == [False] + [resumed] * (connections - 1)

    def stop(self):
        for sock in self.served:
            sock.abort()
        self.server.close()


def run_client_process(argv, expected, payload=PAYLOAD, also=None, close_stdin=False):
    """Runs a client program with the payload on stdin until its stdout
    ends with the expected answer and also() holds (or it exits); returns
    its stdout."""
    process = Process(argv, stdin=subprocess.PIPE)
    process.feed(payload, close=close_stdin)
    done = lambda: process.out.endswith(expected) and (also is None or also())
    finished = run_until(lambda: done() or process.eof)
    err = process.stop()
    assert finished and done(), f"{argv[0]}: got {bytes(process.out)[-300:]!r}; stderr: {err[-1000:]}"
    return bytes(process.out)


def s_client_argv(pki, port, version, client_cert, extra=()):
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", str(pki / "ca.pem"), "-verify_return_error", "-quiet", "-ign_eof", f"-tls1_{version[-1]}"]
    if client_cert:
        argv += ["-cert", str(pki / f"{client_cert}.pem"), "-key", str(pki / f"{client_cert}.key"),
                 "-cert_chain", str(pki / "intermediate.pem")]
    return argv + list(extra)


def gnutls_cli_argv(pki, port, version, client_cert, extra=()):
    argv = ["gnutls-cli", "--x509cafile", str(pki / "ca.pem"), "-p", str(port),
            "--priority", f"NORMAL:-VERS-ALL:+VERS-TLS{version}", "localhost"]
    if client_cert:
        argv += ["--x509certfile", str(pki / f"{client_cert}-chain.pem"),
                 "--x509keyfile", str(pki / f"{client_cert}.key")]
    return argv + list(extra)


def curl_argv(pki, port, version, client_cert, urls=1):
    argv = ["curl", "-sS", "--fail", "--cacert", str(pki / "ca.pem"), f"--tlsv{version}", "--tls-max", version,
            "--data-binary", "@-", "-H", "Content-Type: application/octet-stream"]
    if client_cert:
        argv += ["--cert", str(pki / f"{client_cert}-chain.pem"), "--key", str(pki / f"{client_cert}.key")]
    return argv + [f"https://localhost:{port}/echo/{i}" for i in range(urls)]


def run_python_client(pki, port, version, client_cert, connections=1):
    """The ssl module's client in a thread; the second connection resumes
    the first one's session. Returns [(answer, session_reused)]."""
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    context.minimum_version = context.maximum_version = (
        ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3)
    if client_cert:
        context.load_cert_chain(pki / f"{client_cert}-chain.pem", pki / f"{client_cert}.key")
    results, failures, finished = [], [], []

    def run():
        session = None
        try:
            for _ in range(connections):
                with pysocket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost", session=session) as conn:
                        conn.sendall(PAYLOAD)
                        answer = b""
                        while len(answer) < len(PAYLOAD):
                            chunk = conn.recv(4096)
                            if not chunk:
                                break
                            answer += chunk
                        results.append((answer, conn.session_reused))
                        session = conn.session
                        # Without a close_notify of ours, OpenSSL marks the
                        # session not resumable. The server closes without
                        # answering one, so the unwrap ends in an error.
                        try:
                            conn.unwrap()
                        except (OSError, ssl.SSLError):
                            pass
        except (OSError, ssl.SSLError) as error:
            failures.append(repr(error))
        finally:
            finished.append(True)
            wake_main_context()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert run_until(lambda: finished)
    thread.join(TIMEOUT)
    assert not failures
    return results


def run_gtls_client(pki, port, client_cert, connections=1):
    """GTlsClientConnection in a process of its own (gtls_client.py); returns
    its answers, one per connection."""
    expected = reverse_lines(PAYLOAD)
    chain, key = ((str(pki / f"{client_cert}-chain.pem"), str(pki / f"{client_cert}.key"))
                  if client_cert else ("", ""))
    argv = [sys.executable, str(Path(__file__).with_name("gtls_client.py")), str(pki / "ca.pem"), str(port),
            chain, key, str(connections)]
    out = run_client_process(argv, expected * connections, close_stdin=True)
    out = out[-len(expected) * connections:]
    return [out[i * len(expected):(i + 1) * len(expected)] for i in range(connections)]


def client_run(peer, pki, port, version, client_cert, connections=1):
    """Runs one kind of client; returns its answers, one per connection."""
    expected = reverse_lines(PAYLOAD)
    if peer == "openssl":
        need("openssl")
        return [run_client_process(s_client_argv(pki, port, version, client_cert), expected)]
    if peer == "gnutls":
        need("gnutls-cli")
        out = run_client_process(gnutls_cli_argv(pki, port, version, client_cert), expected)
        return [out[-len(expected):]]
    if peer == "curl":
        need("curl")
        return [run_client_process(curl_argv(pki, port, version, client_cert), expected, close_stdin=True)]
    if peer == "python":
        return [answer for answer, _ in run_python_client(pki, port, version, client_cert, connections)]
    return run_gtls_client(pki, port, client_cert, connections)


CLIENTS = ["openssl", "gnutls", "python", "curl", "gtls"]


@pytest.mark.parametrize("cell", CELLS, ids=[cell_id(c) for c in CELLS])
@pytest.mark.parametrize("peer", CLIENTS)
def test_server(pki, peer, cell):
    version, cert, client_cert = cell
    server_cert, client_cert_name = CERTS[cert]
    client_cert_name = client_cert_name if client_cert else None
    server = QsslEchoServer(pki, server_cert, version, client_cert_name)
    try:
        answers = client_run(peer, pki, server.port, version, client_cert_name)
        assert answers == [reverse_lines(PAYLOAD)]
        server.check(version, client_cert_name)
    finally:
        server.stop()


def resumed_by_openssl(pki, server, version):
    session = pki.parent / f"interop-session-{os.getpid()}-{version}.pem"
    expected = reverse_lines(PAYLOAD)
    try:
        # s_client rewrites the file for each ticket (two in TLS 1.3):
        # stopped as soon as the file has something, it may leave it
        # truncated. The answer comes after the tickets, so once it is out
        # both are written.
        run_client_process(s_client_argv(pki, server.port, version, None, ["-sess_out", str(session)]), expected,
                           also=lambda: session.exists() and session.stat().st_size > 0)
        out = run_client_process(s_client_argv(pki, server.port, version, None, ["-sess_in", str(session)]),
                                 expected)
        assert out == expected
    finally:
        session.unlink(missing_ok=True)
    return 2


def resumed_by_gnutls(pki, server, version):
    need("gnutls-cli")
    expected = reverse_lines(PAYLOAD)
    out = run_client_process(gnutls_cli_argv(pki, server.port, version, None, ["--resume"]), expected)
    assert b"This is a resumed session" in out
    return 2


def resumed_by_python(pki, server, version):
    results = run_python_client(pki, server.port, version, None, connections=2)
    assert [reused for _, reused in results] == [False, True]
    assert [answer for answer, _ in results] == [reverse_lines(PAYLOAD)] * 2
    return 2


def resumed_by_curl(pki, server, version):
    need("curl")
    expected = reverse_lines(PAYLOAD) * 2
    out = run_client_process(curl_argv(pki, server.port, version, None, urls=2), expected, close_stdin=True)
    assert out == expected
    return 2


def resumed_by_gtls(pki, server, version):
    assert run_gtls_client(pki, server.port, None, connections=2) == [reverse_lines(PAYLOAD)] * 2
    return 2


RESUMING_CLIENTS = {"openssl": resumed_by_openssl, "gnutls": resumed_by_gnutls, "python": resumed_by_python,
                    "curl": resumed_by_curl, "gtls": resumed_by_gtls}
# glib-networking (GnuTLS) resumes TLS 1.3 sessions only.
RESUMING_CLIENT_CELLS = [(peer, version) for peer in RESUMING_CLIENTS for version in VERSIONS
                         if peer != "gtls" or version == "1.3"]


@pytest.mark.parametrize("peer,version", RESUMING_CLIENT_CELLS, ids=[f"{p}-tls{v}" for p, v in RESUMING_CLIENT_CELLS])
def test_server_resumption(pki, peer, version):
    server = QsslEchoServer(pki, "server-ec", version, None)
    try:
        connections = RESUMING_CLIENTS[peer](pki, server, version)
        assert run_until(lambda: len(server.served) >= connections)
        server.check(version, None, connections=connections, resumed=True)
    finally:
        server.stop()
