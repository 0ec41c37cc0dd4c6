# Session resumption, PSK, ALPN, OCSP stapling and the key log against real
# peers: openssl s_server / s_client and gnutls-serv / gnutls-cli.
import os
import re
import shutil
import socket as pysocket
import subprocess
import time

import pytest
from gi.repository import Gio, GLib, Qssl

from test_socket import client_configuration, server_configuration, free_port, wait_for_port
from conftest import SERVER_HANDSHAKE_TIMEOUT_MS

PSK_HEX = "0102030405060708090a0b0c0d0e0f10"
PSK_IDENTITY = "Client_identity"
needs_gnutls = pytest.mark.skipif(shutil.which("gnutls-serv") is None, reason="gnutls-bin not installed")


def iterate(timeout=0.01):
    GLib.MainContext.default().iteration(False)


def start_process(argv):
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.set_blocking(proc.stdout.fileno(), False)
    return proc


def serve_until_exit(proc, stdin=b"", timeout=30):
    """Feeds @stdin to a client process and runs our main context (where the
    server lives) until it exits; returns its output."""
    output = bytearray()
    if stdin:
        proc.stdin.write(stdin)
        proc.stdin.flush()
    proc.stdin.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if chunk:
                output.extend(chunk)
            elif proc.poll() is not None:
                break
        except BlockingIOError:
            if proc.poll() is not None:
                break
            time.sleep(0.002)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    return output.decode(errors="replace")


class Server:
    """A QsslServer on the default main context that echoes every socket."""

    def __init__(self, config, close_after_echo=False):
        self.close_after_echo = close_after_echo
        self.server = Qssl.Server()
        self.server.set_ssl_configuration(config)
        self.server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        self.server.listen(None, 0)
        self.port = self.server.get_server_port()
        self.sockets = []
        self.psk_identities = []
        self.server.connect("pending-connection-available", self.on_pending)

    def on_pending(self, server):
        while server.has_pending_connections():
            sock = server.next_pending_connection()
            sock.connect("ready-read", self.echo)
            self.sockets.append(sock)
            if sock.bytes_available():
                self.echo(sock)

    def echo(self, sock):
        sock.write(sock.read_all())
        if self.close_after_echo:
            sock.disconnect_from_host()

    def close(self):
        self.server.close()
        for sock in self.sockets:
            sock.abort()


def client_exchange(client, payload=b"hello\n"):
    client.write(payload)
    received = bytearray()
    deadline = time.monotonic() + 10
    while len(received) < len(payload) and time.monotonic() < deadline:
        client.wait_for_ready_read(10000)
        received.extend(client.read_all())
    return bytes(received)


def external_server(argv):
    port = free_port()
    proc = subprocess.Popen([a.replace("PORT", str(port)) for a in argv],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for_port(port)
    return proc, port


# --- PSK ------------------------------------------------------------------

def psk_client(version_protocol, cipher):
    config = Qssl.Configuration.new()
    config.set_protocol(version_protocol)
    config.set_ciphers_from_string(cipher)
    client = Qssl.Socket()
    client.set_ssl_configuration(config)
    seen = {}

    def on_psk(sock, authenticator):
        hint = authenticator.get_identity_hint()
        seen["hint"] = hint
        authenticator.set_identity(GLib.Bytes.new(PSK_IDENTITY.encode()))
        authenticator.set_pre_shared_key(GLib.Bytes.new(bytes.fromhex(PSK_HEX)))

    client.connect("pre-shared-key-authentication-required", on_psk)
    return client, seen


@pytest.mark.parametrize("version,cipher", [
    ("-tls1_2", "PSK-AES128-GCM-SHA256"),
    ("-tls1_3", "TLS_AES_128_GCM_SHA256"),
])
def test_psk_client_against_openssl_s_server(version, cipher):
    protocol = Qssl.Protocol.TLS_V1_2 if version == "-tls1_2" else Qssl.Protocol.TLS_V1_3
    cipher_flag = "-cipher" if version == "-tls1_2" else "-ciphersuites"
    proc, port = external_server(["openssl", "s_server", "-quiet", "-rev", "-accept", "PORT", version, "-nocert",
                                  "-psk", PSK_HEX, "-psk_identity", PSK_IDENTITY, "-psk_hint", "ServerHint",
                                  cipher_flag, cipher])
    try:
        client, seen = psk_client(protocol, cipher)
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        client.wait_for_encrypted(10000)
        assert client.get_session_cipher().get_name() == cipher
        assert client_exchange(client, b"abc\n") == b"cba\n"
        if version == "-tls1_2":
            assert seen["hint"] == b"ServerHint"
        client.abort()
    finally:
        proc.kill()
        proc.wait()


def test_psk_wrong_key_against_openssl_s_server():
    proc, port = external_server(["openssl", "s_server", "-quiet", "-accept", "PORT", "-tls1_2", "-nocert",
                                  "-psk", "ffffffffffffffffffffffffffffffff", "-cipher", "PSK-AES128-GCM-SHA256"])
    try:
        client, _ = psk_client(Qssl.Protocol.TLS_V1_2, "PSK-AES128-GCM-SHA256")
        alerts = []
        client.connect("alert-received", lambda s, level, kind, text: alerts.append((level, kind)))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        with pytest.raises(GLib.Error):
            client.wait_for_encrypted(10000)
        assert client.get_error() == Qssl.SocketError.SSL_HANDSHAKE_FAILED
        assert alerts and alerts[0][0] == Qssl.AlertLevel.FATAL
    finally:
        proc.kill()
        proc.wait()


def psk_server(protocol, cipher, hint=b"ServerHint"):
    config = Qssl.Configuration.new()
    config.set_protocol(protocol)
    config.set_ciphers_from_string(cipher)
    config.set_pre_shared_key_identity_hint(GLib.Bytes.new(hint))
    # Closing after the echo ends `s_client -ign_eof` once it has the answer.
    server = Server(config, close_after_echo=True)

    def on_psk(srv, sock, authenticator):
        server.psk_identities.append(authenticator.get_identity())
        authenticator.set_pre_shared_key(GLib.Bytes.new(bytes.fromhex(PSK_HEX)))

    server.server.connect("pre-shared-key-authentication-required", on_psk)
    return server


@pytest.mark.parametrize("version,cipher", [
    ("-tls1_2", "PSK-AES128-GCM-SHA256"),
    ("-tls1_3", "TLS_AES_128_GCM_SHA256"),
])
def test_psk_openssl_s_client_against_our_server(version, cipher):
    protocol = Qssl.Protocol.TLS_V1_2 if version == "-tls1_2" else Qssl.Protocol.TLS_V1_3
    cipher_flag = "-cipher" if version == "-tls1_2" else "-ciphersuites"
    server = psk_server(protocol, cipher)
    try:
        proc = start_process(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", version,
                              "-psk", PSK_HEX, "-psk_identity", PSK_IDENTITY, cipher_flag, cipher,
                              "-quiet", "-ign_eof"])
        output = serve_until_exit(proc, b"psk echo\n", timeout=30)
        assert "psk echo" in output
        assert server.psk_identities == [PSK_IDENTITY.encode()]
    finally:
        server.close()


@needs_gnutls
def test_psk_gnutls_cli_against_our_server():
    server = psk_server(Qssl.Protocol.TLS_V1_2, "PSK-AES128-GCM-SHA256")
    try:
        proc = start_process(["gnutls-cli", "-p", str(server.port), "127.0.0.1",
                              "--pskusername", PSK_IDENTITY, "--pskkey", PSK_HEX,
                              "--priority", "NORMAL:-KX-ALL:+PSK:-VERS-TLS1.3"])
        output = serve_until_exit(proc, b"gnutls psk\n", timeout=30)
        assert "Handshake was completed" in output
        assert "gnutls psk" in output.split("Handshake was completed", 1)[1]
        assert server.psk_identities == [PSK_IDENTITY.encode()]
    finally:
        server.close()


# --- ALPN -----------------------------------------------------------------

def test_alpn_client_against_openssl_s_server(pki):
    proc, port = external_server(["openssl", "s_server", "-quiet", "-rev", "-accept", "PORT",
                                  "-cert", str(pki / "server-rsa.pem"), "-key", str(pki / "server-rsa.key"),
                                  "-cert_chain", str(pki / "intermediate.pem"), "-alpn", "h2,http/1.1"])
    try:
        config = client_configuration(pki)
        config.set_allowed_next_protocols(["http/1.1", "spdy/1"])
        client = Qssl.Socket()
        client.set_ssl_configuration(config)
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        client.wait_for_encrypted(10000)
        state = client.get_ssl_configuration()
        assert state.get_next_negotiated_protocol() == "http/1.1"
        assert state.get_next_protocol_negotiation_status() == Qssl.NextProtocolNegotiationStatus.NEGOTIATED
        client.abort()
    finally:
        proc.kill()
        proc.wait()


@needs_gnutls
def test_alpn_gnutls_cli_against_our_server(pki):
    config = server_configuration(pki, "server-ec")
    config.set_allowed_next_protocols(["h2", "http/1.1"])
    server = Server(config)
    try:
        proc = start_process(["gnutls-cli", "-p", str(server.port), "localhost",
                              "--x509cafile", str(pki / "ca.pem"), "--alpn", "http/1.1", "--alpn", "h2"])
        output = serve_until_exit(proc, b"alpn\n", timeout=30)
        assert "Application protocol: h2" in output, output
        state = server.sockets[0].get_ssl_configuration()
        assert state.get_next_negotiated_protocol() == "h2"
    finally:
        server.close()


def test_alpn_openssl_s_client_against_our_server(pki):
    config = server_configuration(pki, "server-ec")
    config.set_allowed_next_protocols(["imap", "h2"])
    server = Server(config)
    try:
        proc = start_process(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}",
                              "-CAfile", str(pki / "ca.pem"), "-alpn", "h2,imap"])
        output = serve_until_exit(proc, b"", timeout=30)
        assert "ALPN protocol: imap" in output
    finally:
        server.close()


# --- OCSP stapling --------------------------------------------------------

@pytest.mark.parametrize("cert,staple,status", [
    ("server-rsa", "ocsp-good.der", Qssl.OcspCertificateStatus.GOOD),
    ("revoked", "ocsp-revoked.der", Qssl.OcspCertificateStatus.REVOKED),
])
def test_ocsp_client_against_openssl_s_server(pki, cert, staple, status):
    key = f"{cert}.key"
    proc, port = external_server(["openssl", "s_server", "-quiet", "-rev", "-accept", "PORT",
                                  "-cert", str(pki / f"{cert}.pem"), "-key", str(pki / key),
                                  "-cert_chain", str(pki / "intermediate.pem"),
                                  "-status_file", str(pki / staple)])
    try:
        config = client_configuration(pki)
        config.set_ocsp_stapling_enabled(True)
        client = Qssl.Socket()
        client.set_ssl_configuration(config)
        errors = []
        client.connect("ssl-errors", lambda s, errs: errors.extend(e.get_error() for e in errs))
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        if status == Qssl.OcspCertificateStatus.GOOD:
            client.wait_for_encrypted(10000)
            assert errors == []
        else:
            with pytest.raises(GLib.Error):
                client.wait_for_encrypted(10000)
            assert errors == [Qssl.ErrorCode.CERTIFICATE_REVOKED]
        responses = client.get_ocsp_responses()
        assert [r.get_certificate_status() for r in responses] == [status]
        client.abort()
    finally:
        proc.kill()
        proc.wait()


def test_ocsp_openssl_s_client_against_our_server(pki):
    config = server_configuration(pki, "server-rsa")
    config.set_ocsp_response(GLib.Bytes.new((pki / "ocsp-good.der").read_bytes()))
    server = Server(config)
    try:
        proc = start_process(["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}",
                              "-CAfile", str(pki / "ca.pem"), "-status"])
        output = serve_until_exit(proc, b"", timeout=30)
        assert "OCSP Response Status: successful" in output
        assert "Cert Status: good" in output
    finally:
        server.close()


# --- Session resumption ---------------------------------------------------

@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_resumption_openssl_s_client_against_our_server(pki, tmp_path, version):
    # Closing after the echo lets s_client (which waits, -ign_eof) read the
    # TLS 1.3 tickets that follow the handshake, then exit.
    server = Server(server_configuration(pki, "server-ec"), close_after_echo=True)
    session = tmp_path / "session.pem"
    base = ["openssl", "s_client", "-connect", f"127.0.0.1:{server.port}", "-servername", "localhost",
            "-CAfile", str(pki / "ca.pem"), "-ign_eof", version]
    try:
        first = serve_until_exit(start_process(base + ["-sess_out", str(session)]), b"one\n", timeout=3)
        assert "New, TLSv1" in first
        second = serve_until_exit(start_process(base + ["-sess_in", str(session)]), b"two\n", timeout=3)
        assert "Reused, TLSv1" in second
        assert [s.is_session_resumed() for s in server.sockets] == [False, True]
    finally:
        server.close()


@needs_gnutls
def test_resumption_gnutls_cli_against_our_server(pki):
    server = Server(server_configuration(pki, "server-ec"))
    try:
        proc = start_process(["gnutls-cli", "-p", str(server.port), "localhost",
                              "--x509cafile", str(pki / "ca.pem"), "--resume"])
        output = serve_until_exit(proc, b"", timeout=30)
        assert "This is a resumed session" in output, output
        assert any(s.is_session_resumed() for s in server.sockets)
    finally:
        server.close()


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_resumption_client_against_openssl_s_server(pki, version):
    proc, port = external_server(["openssl", "s_server", "-quiet", "-rev", "-accept", "PORT", version,
                                  "-cert", str(pki / "server-rsa.pem"), "-key", str(pki / "server-rsa.key"),
                                  "-cert_chain", str(pki / "intermediate.pem")])
    try:
        config = client_configuration(pki)
        config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_PERSISTENCE, False)
        first = Qssl.Socket()
        first.set_ssl_configuration(config)
        tickets = []
        first.connect("new-session-ticket-received", lambda s: tickets.append(1))
        first.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        first.wait_for_encrypted(10000)
        assert client_exchange(first, b"ab\n") == b"ba\n"
        assert tickets
        state = first.get_ssl_configuration()
        assert state.get_session_ticket() is not None
        first.disconnect_from_host()

        second = Qssl.Socket()
        second.set_ssl_configuration(state)
        second.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
        second.wait_for_encrypted(10000)
        assert second.is_session_resumed()
        assert client_exchange(second, b"cd\n") == b"dc\n"
        second.abort()
    finally:
        proc.kill()
        proc.wait()


# --- Key log --------------------------------------------------------------

KEYLOG_LINE = re.compile(r"^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|"
                         r"CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET) "
                         r"([0-9a-f]{64}) ([0-9a-f]{64,})$")


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_key_log_matches_openssl_s_server(pki, tmp_path, monkeypatch, version):
    ours = tmp_path / "ours.keys"
    theirs = tmp_path / "theirs.keys"
    monkeypatch.setenv("SSLKEYLOGFILE", str(ours))
    proc, port = external_server(["openssl", "s_server", "-quiet", "-rev", "-accept", "PORT", version,
                                  "-cert", str(pki / "server-rsa.pem"), "-key", str(pki / "server-rsa.key"),
                                  "-cert_chain", str(pki / "intermediate.pem"), "-keylogfile", str(theirs)])
    try:
        for _ in range(2):
            # A configuration of its own, so the context reads SSLKEYLOGFILE.
            config = client_configuration(pki)
            config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_SHARING, True)
            client = Qssl.Socket()
            client.set_ssl_configuration(config)
            client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
            client.wait_for_encrypted(10000)
            assert client_exchange(client, b"xy\n") == b"yx\n"
            client.disconnect_from_host()
    finally:
        proc.kill()
        proc.wait()
    our_lines = [l for l in ours.read_text().splitlines() if l and not l.startswith("#")]
    their_lines = [l for l in theirs.read_text().splitlines() if l and not l.startswith("#")]
    assert our_lines and all(KEYLOG_LINE.match(l) for l in our_lines), our_lines
    # Two handshakes, two client randoms; the same secrets the server logged.
    assert len({l.split()[1] for l in our_lines}) == 2
    assert set(our_lines) == set(their_lines)
    if version == "-tls1_2":
        assert {l.split()[0] for l in our_lines} == {"CLIENT_RANDOM"}
    else:
        assert {l.split()[0] for l in our_lines} >= {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                                      "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"}


def test_no_key_log_without_variable(pki, tmp_path, monkeypatch):
    monkeypatch.delenv("SSLKEYLOGFILE", raising=False)
    server = Server(server_configuration(pki, "server-ec"))
    try:
        client = Qssl.Socket()
        client.set_ssl_configuration(client_configuration(pki))
        client.connect_to_host_encrypted("localhost", server.port, Qssl.NetworkLayerProtocol.IPV4)
        deadline = time.monotonic() + 10
        while not client.get_property("is-encrypted") and time.monotonic() < deadline:
            GLib.MainContext.default().iteration(True)
        assert client.get_property("is-encrypted")
        assert list(tmp_path.iterdir()) == []
        client.abort()
    finally:
        server.close()


def handshake_with_own_configurations(pki):
    """One handshake between a server and a client whose configurations are
    new, so that both contexts read SSLKEYLOGFILE."""
    server = Server(server_configuration(pki, "server-ec"))
    try:
        config = client_configuration(pki)
        config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_SHARING, True)
        client = Qssl.Socket()
        client.set_ssl_configuration(config)
        client.connect_to_host_encrypted("localhost", server.port, Qssl.NetworkLayerProtocol.IPV4)
        deadline = time.monotonic() + 10
        while not client.get_property("is-encrypted") and time.monotonic() < deadline:
            GLib.MainContext.default().iteration(True)
        assert client.get_property("is-encrypted")
        client.abort()
    finally:
        server.close()


def key_log_warnings(capfd):
    return [l for l in capfd.readouterr().err.splitlines() if "SSLKEYLOGFILE" in l]


def test_key_log_refuses_a_symlink(pki, tmp_path, monkeypatch, capfd):
    # Another user's link in a shared directory must not receive the secrets.
    target = tmp_path / "elsewhere"
    target.write_text("kept\n")
    link = tmp_path / "keys"
    link.symlink_to(target)
    monkeypatch.setenv("SSLKEYLOGFILE", str(link))
    handshake_with_own_configurations(pki)
    assert target.read_text() == "kept\n"
    assert link.is_symlink()
    warnings = key_log_warnings(capfd)
    assert len(warnings) == 1 and "symbolic link" in warnings[0], warnings


def test_key_log_refuses_a_dangling_symlink(pki, tmp_path, monkeypatch, capfd):
    # O_CREAT through a dangling link would create the file it names.
    link = tmp_path / "keys"
    link.symlink_to(tmp_path / "created-through-the-link")
    monkeypatch.setenv("SSLKEYLOGFILE", str(link))
    handshake_with_own_configurations(pki)
    assert not (tmp_path / "created-through-the-link").exists()
    assert len(key_log_warnings(capfd)) == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_key_log_refuses_a_file_of_another_user(pki, tmp_path, monkeypatch, capfd):
    theirs = tmp_path / "keys"
    theirs.write_text("")
    os.chown(theirs, 65534, 65534)
    monkeypatch.setenv("SSLKEYLOGFILE", str(theirs))
    handshake_with_own_configurations(pki)
    assert theirs.read_text() == ""
    warnings = key_log_warnings(capfd)
    assert len(warnings) == 1 and "another user" in warnings[0], warnings


def test_key_log_new_file_is_private_and_appended(pki, tmp_path, monkeypatch, capfd):
    keys = tmp_path / "keys"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keys))
    # Not the umask's doing: with none at all the file is still 0600.
    old_umask = os.umask(0)
    try:
        handshake_with_own_configurations(pki)
    finally:
        os.umask(old_umask)
    assert (os.stat(keys).st_mode & 0o777) == 0o600
    first = keys.read_text().splitlines()
    assert first and all(KEYLOG_LINE.match(l) for l in first), first

    # An existing file is appended to, never truncated, and keeps its mode.
    with open(keys, "a") as f:
        f.write("# a note of the user's\n")
    os.chmod(keys, 0o640)
    handshake_with_own_configurations(pki)
    lines = keys.read_text().splitlines()
    assert lines[:len(first) + 1] == first + ["# a note of the user's"]
    assert len(lines) > len(first) + 1
    assert all(KEYLOG_LINE.match(l) for l in lines[len(first) + 1:])
    assert (os.stat(keys).st_mode & 0o777) == 0o640
    assert key_log_warnings(capfd) == []


# --- SNI --------------------------------------------------------------------

@pytest.mark.parametrize("way", ["host", "peer-name", "verify-name", "adopted-socket"])
def test_sni_sent_is_the_verification_name(pki, way):
    """The server name sent is Qt's: peer_verify_name, else the peer name
    given to connect, else the host; and an adopted socket sends the verify
    name too."""
    import ssl
    import threading
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pki / "server-ec-chain.pem"), str(pki / "server-ec.key"))
    seen = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.sendall(tls.recv(10))
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = Qssl.Socket()
    client.set_ssl_configuration(client_configuration(pki))
    if way == "host":
        client.connect_to_host_encrypted("localhost", port, Qssl.NetworkLayerProtocol.IPV4)
    elif way == "peer-name":
        client.connect_to_host_encrypted_with_peer_name("127.0.0.1", port, "localhost",
                                                        Qssl.NetworkLayerProtocol.IPV4)
    elif way == "verify-name":
        client.set_peer_verify_name("localhost")
        client.connect_to_host_encrypted("127.0.0.1", port, Qssl.NetworkLayerProtocol.IPV4)
    else:
        raw = pysocket.create_connection(("127.0.0.1", port))
        gsocket = Gio.Socket.new_from_fd(os.dup(raw.fileno()))
        raw.close()
        client = Qssl.Socket.new_from_socket(gsocket)
        client.set_ssl_configuration(client_configuration(pki))
        client.set_peer_verify_name("localhost")
        client.start_client_encryption()
    client.wait_for_encrypted(10000)
    assert client_exchange(client, b"sni\n") == b"sni\n"
    client.abort()
    thread.join(10)
    listener.close()
    assert seen == ["localhost"]
