# SNI virtual hosts (qssl_server_set_host_configuration()) and reloading a
# listening server (set_ssl_configuration() and the hosts apply to the next
# handshake). The clients are Python's ssl module (in a thread) and
# `openssl s_client -servername`; the server is a QsslServer on this
# thread's main context. Which configuration served a client is read on
# both ends: the certificate the client got, and the accepted socket's
# get_ssl_configuration() and get_requested_server_name().
import socket as pysocket
import ssl
import subprocess
import threading

import pytest
from gi.repository import Gio, GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_interop import TIMEOUT, Process, need, reverse_lines, run_until, wake_main_context
from test_socket import server_configuration

PAYLOAD = b"virtual host probe\n"
VERSIONS = {"1.2": Qssl.Protocol.TLS_V1_2, "1.3": Qssl.Protocol.TLS_V1_3}
# Three names and a wildcard, and the certificate each is served with.
HOSTS = {"a.example.test": "vhost-a", "b.example.test": "vhost-b", "c.example.org": "vhost-c",
         "*.example.test": "wildcard"}


def der(pki, name):
    return (pki / f"{name}.der").read_bytes()


def leaf_der(config):
    return bytes(config.get_local_certificate().to_der())


class Server:
    """A QsslServer that answers lines reversed and records, per accepted
    socket, the name the client asked for and the certificate it was
    served with."""

    def __init__(self, pki, default="server-ec", hosts=HOSTS, configure=None):
        self.pki = pki
        self.server = Qssl.Server.new()
        self.server.set_ssl_configuration(self.configuration(default, configure))
        for name, cert in hosts.items():
            self.server.set_host_configuration(name, self.configuration(cert, configure))
        self.server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        self.server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
        self.port = self.server.get_server_port()
        self.accepted = []   # (requested server name, leaf DER, socket)
        self.errors = []
        self.started = []
        self.incoming = []   # accepted connections, before any TLS record
        self.server.connect("pending-connection-available", self.on_pending)
        self.server.connect("error-occurred", lambda server, sock, code: self.errors.append(code))
        self.server.connect("started-encryption-handshake", lambda server, sock: self.started.append(sock))
        self.server.connect("incoming", lambda server, connection, source: self.incoming.append(connection) and False)

    def configuration(self, cert, configure=None):
        config = server_configuration(self.pki, cert)
        if configure is not None:
            configure(config)
        return config

    def on_pending(self, server):
        while (sock := server.next_pending_connection()) is not None:
            self.accepted.append((sock.get_requested_server_name(), leaf_der(sock.get_ssl_configuration()), sock))
            sock.connect("ready-read", lambda s: s.write(reverse_lines(s.read_all())))
            if sock.bytes_available():
                sock.write(reverse_lines(sock.read_all()))

    def stop(self):
        for _, _, sock in self.accepted:
            sock.abort()
        self.server.close()


@pytest.fixture
def servers():
    started = []

    def start(*args, **kwargs):
        server = Server(*args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def client_context(pki, version=None, cert=None, alpn=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(pki / "ca.pem"))
    if version is not None:
        context.minimum_version = context.maximum_version = (
            ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3)
    if cert is not None:
        context.load_cert_chain(pki / f"{cert}-chain.pem", pki / f"{cert}.key")
    if alpn is not None:
        context.set_alpn_protocols(alpn)
    return context


def in_thread(function):
    """Runs function() in a thread while this thread's main context runs."""
    result = {}
    finished = []

    def run():
        try:
            result["value"] = function()
        except (OSError, ssl.SSLError) as error:
            result["error"] = error
        finally:
            finished.append(True)
            wake_main_context()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert run_until(lambda: finished)
    thread.join(TIMEOUT)
    return result


def exchange(conn):
    conn.sendall(PAYLOAD)
    answer = b""
    while len(answer) < len(PAYLOAD):
        chunk = conn.recv(4096)
        if not chunk:
            break
        answer += chunk
    assert answer == reverse_lines(PAYLOAD)


def python_connect(port, server_hostname, context, session=None, raw=None):
    """One connection: the certificate the client got, reuse, the session
    after an exchange, the ALPN protocol and the version."""
    context.check_hostname = False  # the certificate is what is checked here

    def run():
        sock = raw if raw is not None else pysocket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        with sock, context.wrap_socket(sock, server_hostname=server_hostname, session=session) as conn:
            exchange(conn)
            return {"cert": conn.getpeercert(binary_form=True), "resumed": conn.session_reused,
                    "session": conn.session, "alpn": conn.selected_alpn_protocol(),
                    "version": conn.version()}

    result = in_thread(run)
    return result.get("value") or {"error": result.get("error")}


NAMES = [
    ("a.example.test", "vhost-a", "a.example.test"),
    ("B.Example.TEST", "vhost-b", "B.Example.TEST"),  # case does not matter; the name is as sent
    ("c.example.org", "vhost-c", "c.example.org"),
    ("x.example.test", "wildcard", "x.example.test"),  # one label under the wildcard
    ("y.x.example.test", "server-ec", "y.x.example.test"),  # two labels: no match
    ("example.test", "server-ec", "example.test"),  # the wildcard's own suffix: no match
    ("other.example.org", "server-ec", "other.example.org"),
    (None, "server-ec", None),  # no SNI at all
]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("sent,served,requested", NAMES, ids=[str(n[0]) for n in NAMES])
def test_python_client_gets_its_host(pki, servers, version, sent, served, requested):
    server = servers(pki)
    result = python_connect(server.port, sent, client_context(pki, version))
    assert result["cert"] == der(pki, served)
    assert run_until(lambda: server.accepted)
    assert server.accepted[0][0] == requested
    assert server.accepted[0][1] == der(pki, served)


def s_client(pki, port, servername, extra=()):
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-CAfile", str(pki / "ca.pem"),
            "-ign_eof", "-showcerts"] + (["-servername", servername] if servername else ["-noservername"])
    process = Process(argv + list(extra), stdin=subprocess.PIPE, merge_stderr=True)
    process.feed(PAYLOAD)
    expected = reverse_lines(PAYLOAD)
    run_until(lambda: expected in process.out or process.eof)
    process.stop()
    return bytes(process.out)


@pytest.mark.parametrize("sent,served,requested", NAMES, ids=[str(n[0]) for n in NAMES])
def test_openssl_client_gets_its_host(pki, servers, sent, served, requested):
    need("openssl")
    server = servers(pki)
    out = s_client(pki, server.port, sent)
    subject = Qssl.Certificate.new_from_data(GLib.Bytes.new(der(pki, served)), Qssl.EncodingFormat.DER) \
        .get_subject_info(Qssl.SubjectInfo.COMMON_NAME)[0]
    assert reverse_lines(PAYLOAD) in out
    assert f"CN = {subject}".encode() in out.split(b"Certificate chain")[1].split(b"\n i:")[0]
    assert run_until(lambda: server.accepted)
    assert server.accepted[0][0] == requested
    assert server.accepted[0][1] == der(pki, served)


def test_host_verify_mode_and_alpn(pki, servers):
    """A host asks for client certificates and speaks h2; the server's own
    configuration does neither."""
    root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()), Qssl.EncodingFormat.PEM)
    server = servers(pki, hosts={})
    default = server.configuration("server-ec")
    default.set_allowed_next_protocols(["http/1.1"])
    server.server.set_ssl_configuration(default)
    strict = server.configuration("vhost-a")
    strict.set_ca_certificates([root])
    strict.set_peer_verify_mode(Qssl.PeerVerifyMode.VERIFY_PEER)
    strict.set_missing_certificate_is_fatal(True)
    strict.set_allowed_next_protocols(["h2"])
    server.server.set_host_configuration("a.example.test", strict)

    alpn = ["h2", "http/1.1"]
    result = python_connect(server.port, "localhost", client_context(pki, alpn=alpn))
    assert result["cert"] == der(pki, "server-ec") and result["alpn"] == "http/1.1"
    result = python_connect(server.port, "a.example.test", client_context(pki, alpn=alpn))
    assert "error" in result  # no client certificate
    result = python_connect(server.port, "a.example.test", client_context(pki, cert="client-ec", alpn=alpn))
    assert result["cert"] == der(pki, "vhost-a") and result["alpn"] == "h2"
    assert run_until(lambda: len(server.accepted) == 2)
    served = server.accepted[1][2]
    assert served.get_peer_certificate() is not None
    assert served.get_ssl_configuration().get_peer_verify_mode() == Qssl.PeerVerifyMode.VERIFY_PEER
    assert served.get_ssl_configuration().get_next_negotiated_protocol() == "h2"
    assert server.accepted[0][2].get_peer_certificate() is None


def test_host_protocol_range(pki, servers):
    """The protocol range is chosen after the ClientHello callback: it
    follows the host too."""
    server = servers(pki, hosts={})
    old = server.configuration("vhost-b")
    old.set_protocol(Qssl.Protocol.TLS_V1_2)
    server.server.set_host_configuration("b.example.test", old)
    assert python_connect(server.port, "localhost", client_context(pki))["version"] == "TLSv1.3"
    assert python_connect(server.port, "b.example.test", client_context(pki))["version"] == "TLSv1.2"


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("same_configuration", [True, False], ids=["same-configuration", "own-configuration"])
def test_sessions_never_cross_hosts(pki, servers, version, same_configuration):
    """A session from host A offered to host B is a full handshake, even
    when both hosts have one configuration (and so one SSL_CTX); it still
    resumes on A."""
    shared = None
    if same_configuration:
        shared = Server(pki, hosts={}).configuration("vhost-a")
        server = servers(pki, hosts={})
        for name in ("a.example.test", "b.example.test"):
            server.server.set_host_configuration(name, shared)
    else:
        server = servers(pki)
    context = client_context(pki, version)
    first = python_connect(server.port, "a.example.test", context)
    assert not first["resumed"] and first["session"] is not None
    other = python_connect(server.port, "b.example.test", context, first["session"])
    assert "error" not in other and not other["resumed"]
    default = python_connect(server.port, "localhost", context, first["session"])
    assert "error" not in default and not default["resumed"]
    again = python_connect(server.port, "a.example.test", context, first["session"])
    assert again["resumed"]
    assert run_until(lambda: len(server.accepted) == 4)
    assert [sock.is_session_resumed() for _, _, sock in server.accepted] == [False, False, False, True]


def test_openssl_session_never_crosses_hosts(pki, servers, tmp_path):
    need("openssl")
    server = servers(pki)
    session = tmp_path / "session.pem"
    out = s_client(pki, server.port, "a.example.test", ["-sess_out", str(session)])
    assert b"\nNew, " in out
    out = s_client(pki, server.port, "b.example.test", ["-sess_in", str(session)])
    assert reverse_lines(PAYLOAD) in out and b"\nReused, " not in out
    out = s_client(pki, server.port, "a.example.test", ["-sess_in", str(session)])
    assert b"\nReused, " in out


def test_remove_and_replace_host(pki, servers):
    server = servers(pki)
    server.server.remove_host_configuration("A.EXAMPLE.TEST.")  # compared as set
    # The wildcard matches a.example.test now.
    assert python_connect(server.port, "a.example.test", client_context(pki))["cert"] == der(pki, "wildcard")
    server.server.remove_host_configuration("*.example.test")
    assert python_connect(server.port, "a.example.test", client_context(pki))["cert"] == der(pki, "server-ec")
    server.server.set_host_configuration("*.Example.Test.", server.configuration("vhost-c"))
    assert python_connect(server.port, "q.example.test", client_context(pki))["cert"] == der(pki, "vhost-c")
    server.server.remove_host_configuration("never.example.test")  # nothing happens
    assert python_connect(server.port, "b.example.test", client_context(pki))["cert"] == der(pki, "vhost-b")


def test_unusable_host_configuration_fails_its_handshakes(pki, servers):
    server = servers(pki, hosts={})
    broken = server.configuration("vhost-a")
    broken.set_private_key(server.configuration("vhost-b").get_private_key())
    server.server.set_host_configuration("a.example.test", broken)
    assert "error" in python_connect(server.port, "a.example.test", client_context(pki))
    assert run_until(lambda: server.errors)
    assert server.errors == [Qssl.SocketError.SSL_INVALID_USER_DATA]
    # Other names are not affected.
    assert python_connect(server.port, "localhost", client_context(pki))["cert"] == der(pki, "server-ec")


def test_adopted_socket_with_hosts(pki):
    """start_server_encryption() on a socket an application accepted itself."""
    service = Gio.SocketService()
    port = service.add_any_inet_port(None)
    sockets = []
    encrypted = []

    def on_incoming(service, connection, source):
        sock = Qssl.Socket.new_from_socket(connection.get_socket())
        sock.set_ssl_configuration(server_configuration(pki, "server-ec"))
        sock.set_host_configuration("a.example.test", server_configuration(pki, "vhost-a"))
        sock.set_host_configuration("*.example.test", server_configuration(pki, "wildcard"))
        sock.remove_host_configuration("*.example.test")
        sock.connect("ready-read", lambda s: s.write(reverse_lines(s.read_all())))
        sock.connect("encrypted", lambda s: encrypted.append(s))
        assert sock.get_requested_server_name() is None
        sock.start_server_encryption()
        sockets.append((sock, connection))
        return True

    service.connect("incoming", on_incoming)
    service.start()
    try:
        result = python_connect(port, "a.example.test", client_context(pki))
        assert result["cert"] == der(pki, "vhost-a")
        assert run_until(lambda: encrypted)
        assert encrypted[0].get_requested_server_name() == "a.example.test"
        assert leaf_der(encrypted[0].get_ssl_configuration()) == der(pki, "vhost-a")
        result = python_connect(port, "x.example.test", client_context(pki))
        assert result["cert"] == der(pki, "server-ec")
    finally:
        service.stop()
        service.close()
        for sock, _ in sockets:
            sock.abort()


def test_client_socket_has_no_requested_server_name():
    assert Qssl.Socket().get_requested_server_name() is None


# --- reload -------------------------------------------------------------

def test_reload_applies_to_the_next_handshake(pki, servers):
    """Client 1 keeps exchanging over the connection it has while the
    server switches to another certificate; client 2 gets the new one."""
    server = servers(pki, hosts={})
    context = client_context(pki)
    context.check_hostname = False
    raw = pysocket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    first = in_thread(lambda: context.wrap_socket(raw, server_hostname="localhost"))["value"]
    try:
        assert first.getpeercert(binary_form=True) == der(pki, "server-ec")
        assert in_thread(lambda: exchange(first)) == {"value": None}
        server.server.set_ssl_configuration(server.configuration("server-rsa"))
        second = python_connect(server.port, "localhost", client_context(pki))
        assert second["cert"] == der(pki, "server-rsa")
        # The first connection carries on, with its certificate.
        assert in_thread(lambda: exchange(first)) == {"value": None}
        assert run_until(lambda: len(server.accepted) == 2)
        assert server.accepted[0][1] == der(pki, "server-ec")
        assert leaf_der(server.accepted[0][2].get_ssl_configuration()) == der(pki, "server-ec")
        assert server.accepted[1][1] == der(pki, "server-rsa")
    finally:
        first.close()


@pytest.mark.parametrize("change", ["configuration", "hosts"])
def test_handshake_in_flight_keeps_its_configuration(pki, servers, change):
    """A connection accepted before the change (the ClientHello not sent
    yet) is served as before the change."""
    server = servers(pki)
    raw = pysocket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    assert run_until(lambda: server.incoming)
    if change == "configuration":
        server.server.set_ssl_configuration(server.configuration("server-rsa"))
        name, before, after = "localhost", "server-ec", "server-rsa"
    else:
        server.server.set_host_configuration("a.example.test", server.configuration("vhost-c"))
        name, before, after = "a.example.test", "vhost-a", "vhost-c"
    assert python_connect(server.port, name, client_context(pki), raw=raw)["cert"] == der(pki, before)
    assert python_connect(server.port, name, client_context(pki))["cert"] == der(pki, after)


def test_host_groups_after_hello_retry(pki, servers):
    """A host that only takes P-384: a client whose first key share is
    X25519 gets a HelloRetryRequest, and its second ClientHello still
    reaches the same host."""
    need("openssl")
    server = servers(pki, hosts={})
    strict = server.configuration("vhost-a")
    strict.set_elliptic_curves(["P-384"])
    server.server.set_host_configuration("a.example.test", strict)
    out = s_client(pki, server.port, "a.example.test", ["-tls1_3", "-groups", "X25519:P-384", "-msg"])
    assert reverse_lines(PAYLOAD) in out
    assert out.count(b", ClientHello") == 2  # the second after a HelloRetryRequest
    assert b"Server Temp Key: ECDH, secp384r1" in out
    assert run_until(lambda: server.accepted)
    assert server.accepted[0][0] == "a.example.test" and server.accepted[0][1] == der(pki, "vhost-a")
    # The server's own configuration keeps OpenSSL's groups.
    out = s_client(pki, server.port, "localhost", ["-tls1_3", "-groups", "X25519:P-384", "-msg"])
    assert out.count(b", ClientHello") == 1 and b"Server Temp Key: X25519" in out


def test_session_ids_never_cross_hosts(pki, servers):
    """TLS 1.2 without tickets resumes by session ID, from the server's
    one cache: a host's session ID still only resumes on that host."""
    server = servers(pki, configure=lambda config: config.set_ssl_option(
        Qssl.SslOptions.DISABLE_SESSION_TICKETS, True))
    context = client_context(pki, "1.2")
    first = python_connect(server.port, "a.example.test", context)
    assert not first["session"].has_ticket and first["session"].id
    assert not python_connect(server.port, "b.example.test", context, first["session"])["resumed"]
    assert python_connect(server.port, "a.example.test", context, first["session"])["resumed"]


def test_refused_peer_is_not_resumed_on_a_host(pki, servers):
    """The resumption policy holds on a host: a TLS 1.2 peer the host
    refused (an untrusted client certificate under VERIFY_PEER) is refused
    again on its next connection, session or not."""
    root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()), Qssl.EncodingFormat.PEM)

    def strict(config):
        config.set_ca_certificates([root])
        config.set_peer_verify_mode(Qssl.PeerVerifyMode.VERIFY_PEER)
        config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_TICKETS, True)

    server = servers(pki, hosts={"a.example.test": "vhost-a"}, configure=strict)
    context = client_context(pki, "1.2", cert="client-untrusted")
    context.check_hostname = False

    def connect(session):
        def run():
            raw = pysocket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
            with raw, context.wrap_socket(raw, server_hostname="a.example.test", session=session) as conn:
                result = {"resumed": conn.session_reused, "session": conn.session}
                try:
                    exchange(conn)
                    result["answered"] = True
                except (OSError, ssl.SSLError, AssertionError):
                    result["answered"] = False
                return result
        return in_thread(run).get("value")

    first = connect(None)
    assert first is not None and not first["answered"]
    assert run_until(lambda: len(server.errors) == 1)
    second = connect(first["session"]) if first["session"] is not None else None
    if second is not None:
        assert not second["resumed"] and not second["answered"]
        assert run_until(lambda: len(server.errors) == 2)
    assert server.accepted == []


def test_adopted_socket_reused_starts_from_its_own_configuration(pki):
    """A socket whose last connection a host served goes back to its own
    configuration for the next one (set_socket_descriptor() again)."""
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    sock = Qssl.Socket()
    sock.set_ssl_configuration(server_configuration(pki, "server-ec"))
    sock.set_host_configuration("a.example.test", server_configuration(pki, "vhost-a"))
    sock.connect("ready-read", lambda s: s.write(reverse_lines(s.read_all())))
    served = []
    sock.connect("encrypted", lambda s: served.append(leaf_der(s.get_ssl_configuration())))
    try:
        for name, expected in [("a.example.test", "vhost-a"), ("localhost", "server-ec"),
                               ("a.example.test", "vhost-a")]:
            result = {}
            finished = []

            def run(name=name):
                try:
                    result.update(python_connect_blocking(port, name, client_context(pki)))
                finally:
                    finished.append(True)
                    wake_main_context()

            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            conn, _ = listener.accept()
            assert sock.set_socket_descriptor(conn.detach(), Qssl.SocketState.CONNECTED)
            sock.start_server_encryption()
            assert run_until(lambda: finished)
            thread.join(TIMEOUT)
            assert result.get("cert") == der(pki, expected), name
            assert served[-1] == der(pki, expected)
            sock.abort()
    finally:
        sock.abort()
        listener.close()


def python_connect_blocking(port, server_hostname, context):
    context.check_hostname = False
    with pysocket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw, \
            context.wrap_socket(raw, server_hostname=server_hostname) as conn:
        exchange(conn)
        return {"cert": conn.getpeercert(binary_form=True)}


@pytest.mark.parametrize("suite,version", [("TLS_AES_256_GCM_SHA384", "TLSv1.3"),
                                           ("ECDHE-ECDSA-AES128-GCM-SHA256", "TLSv1.2")])
def test_host_cipher_suites(pki, servers, suite, version):
    """A host with suites of one protocol version only: that version and
    suite, beside a server whose own configuration has the defaults."""
    server = servers(pki, hosts={})
    config = server.configuration("vhost-b")
    cipher = next(c for c in Qssl.Configuration.get_supported_ciphers() if c.get_name() == suite)
    config.set_ciphers([cipher])
    server.server.set_host_configuration("b.example.test", config)
    context = client_context(pki)

    def run():
        context.check_hostname = False
        raw = pysocket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
        with raw, context.wrap_socket(raw, server_hostname="b.example.test") as conn:
            exchange(conn)
            return conn.version(), conn.cipher()[0]

    result = in_thread(run)
    assert result.get("value") == (version, suite), result
    assert python_connect(server.port, "localhost", client_context(pki))["version"] == "TLSv1.3"
