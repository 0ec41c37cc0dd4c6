# QsslServer from Python: real TLS clients (openssl s_client, gnutls-cli)
# against it, with and without client certificates.
import os
import shutil
import subprocess
import time

import pytest
from gi.repository import GLib, Qssl

from test_socket import client_configuration, server_configuration
from conftest import SERVER_HANDSHAKE_TIMEOUT_MS


def serve(pki, verify_mode=Qssl.PeerVerifyMode.QUERY_PEER):
    config = server_configuration(pki, "server-ec")
    root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()),
                                          Qssl.EncodingFormat.PEM)
    config.set_ca_certificates([root])
    config.set_peer_verify_mode(verify_mode)
    server = Qssl.Server.new()
    server.set_ssl_configuration(config)
    server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
    server.listen(None, 0)
    return server


def talk(command, payload, server, timeout=20.0):
    """Runs a client process while this thread serves it; returns its output."""
    served = []

    def on_pending(srv):
        while True:
            sock = srv.next_pending_connection()
            if sock is None:
                break
            sock.connect("ready-read", lambda s: s.write(s.read_all()))
            if sock.bytes_available():
                sock.write(sock.read_all())
            served.append(sock)

    handler = server.connect("pending-connection-available", on_pending)
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    proc.stdin.write(payload)
    proc.stdin.flush()
    os.set_blocking(proc.stdout.fileno(), False)
    received = bytearray()
    deadline = time.monotonic() + timeout
    # gnutls-cli prints its progress on stdout before the echoed data.
    while not received.endswith(payload) and time.monotonic() < deadline and proc.poll() is None:
        GLib.MainContext.default().iteration(False)
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if chunk:
                received.extend(chunk)
        except BlockingIOError:
            time.sleep(0.001)
    proc.kill()
    proc.wait()
    # A client that exited between two reads (say, at a fatal alert) left
    # its last output in the pipe.
    while True:
        try:
            chunk = os.read(proc.stdout.fileno(), 65536)
        except BlockingIOError:
            break
        if not chunk:
            break
        received.extend(chunk)
    server.disconnect(handler)
    return bytes(received), served


PAYLOAD = b"".join(b"line %04d\n" % i for i in range(500))


def s_client(pki, port, cert=None):
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
           "-CAfile", str(pki / "ca.pem"), "-verify_return_error", "-quiet", "-ign_eof"]
    if cert:
        cmd += ["-cert", str(pki / f"{cert}.pem"), "-key", str(pki / f"{cert}.key"),
                "-cert_chain", str(pki / "intermediate.pem")]
    return cmd


def gnutls_cli(pki, port, cert=None):
    cmd = ["gnutls-cli", "--x509cafile", str(pki / "ca.pem"), "-p", str(port), "localhost"]
    if cert:
        cmd += ["--x509certfile", str(pki / f"{cert}-chain.pem"), "--x509keyfile", str(pki / f"{cert}.key")]
    return cmd


CLIENTS = [("openssl", s_client)]
if shutil.which("gnutls-cli"):
    CLIENTS.append(("gnutls", gnutls_cli))


@pytest.mark.parametrize("name,make", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_real_client_without_certificate(pki, name, make):
    server = serve(pki)
    try:
        received, served = talk(make(pki, server.get_server_port()), PAYLOAD, server)
        assert received.endswith(PAYLOAD)
        assert served and served[0].get_peer_certificate() is None
    finally:
        server.close()


@pytest.mark.parametrize("name,make", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_real_client_with_certificate(pki, name, make):
    server = serve(pki, Qssl.PeerVerifyMode.VERIFY_PEER)
    try:
        received, served = talk(make(pki, server.get_server_port(), "client"), PAYLOAD, server)
        assert received.endswith(PAYLOAD)
        subject = served[0].get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME)
        assert subject == ["libqssl test client"]
    finally:
        server.close()


def test_real_client_rejected_without_certificate(pki):
    server = serve(pki, Qssl.PeerVerifyMode.VERIFY_PEER)
    errors = []
    server.connect("error-occurred", lambda srv, sock, err: errors.append(err))
    try:
        received, served = talk(s_client(pki, server.get_server_port()), PAYLOAD, server, timeout=5)
        assert received == b""
        assert not served
        assert Qssl.SocketError.SSL_HANDSHAKE_FAILED in errors
    finally:
        server.close()


def test_sessions_resume_across_connections(pki, tmp_path):
    # Every accepted socket copies the server's configuration; the copies
    # must share one SSL_CTX, whose ticket keys let a second client resume.
    server = serve(pki)
    session = tmp_path / "session.pem"
    try:
        received, served = talk(s_client(pki, server.get_server_port()) + ["-sess_out", str(session)],
                                PAYLOAD, server)
        assert received.endswith(PAYLOAD)
        assert not served[0].is_session_resumed()
        assert session.exists()
        received, served = talk(s_client(pki, server.get_server_port()) + ["-sess_in", str(session)],
                                PAYLOAD, server)
        assert received.endswith(PAYLOAD)
        assert served[0].is_session_resumed()
    finally:
        server.close()


def test_mismatched_key_does_not_listen(pki):
    # A server whose key does not belong to its certificate would reset every
    # client: listen() refuses it.
    config = server_configuration(pki, "server-rsa")
    wrong = server_configuration(pki, "server-ec").get_private_key()
    config.set_private_key(wrong)
    server = Qssl.Server.new()
    server.set_ssl_configuration(config)
    with pytest.raises(GLib.Error) as raised:
        server.listen(None, 0)
    assert raised.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.SSL_INVALID_USER_DATA)
    assert not server.is_listening()


def test_misuse_is_an_error_at_once(pki):
    """Waiting on a server that is not listening, and listening twice, raise
    Qt's operation error instead of blocking (wait with -1 never returned)."""
    server = Qssl.Server.new()
    for msecs in (-1, 60000):
        with pytest.raises(GLib.Error) as caught:
            server.wait_for_new_connection(msecs)
        assert caught.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.OPERATION)
    server = serve(pki)
    with pytest.raises(GLib.Error) as caught:
        server.listen(None, 0)
    assert caught.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.OPERATION)
    assert server.is_listening()
    server.close()
    with pytest.raises(GLib.Error):
        server.wait_for_new_connection(-1)


PSK_KEY = "00112233445566778899aabbccddeeff"


def psk_s_client(port, trace=False):
    """A TLS 1.2 client that offers nothing but PSK suites (every one
    OpenSSL has: plain, DHE, ECDHE and RSA-PSK); with trace, it prints the
    handshake messages it receives."""
    return ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-cipher", "PSK",
            "-psk", PSK_KEY, "-psk_identity", "probe", "-ign_eof"] + (["-msg"] if trace else ["-quiet"])


def test_no_psk_suite_without_a_handler(pki):
    """A server whose application does not handle PSK offers no PSK suite:
    a PSK-only client finds no shared cipher (no ServerHello choosing one,
    as a cipher scan would see)."""
    server = serve(pki)
    errors = []
    server.connect("error-occurred", lambda srv, sock, err: errors.append(err))
    try:
        received, served = talk(psk_s_client(server.get_server_port(), trace=True), PAYLOAD, server, timeout=5)
        assert b"ServerHello" not in received
        assert b"fatal handshake_failure" in received
        assert PAYLOAD not in received
        assert not served
        assert Qssl.SocketError.SSL_HANDSHAKE_FAILED in errors
    finally:
        server.close()


def test_psk_suites_with_a_handler(pki):
    """The same client with a handler that knows its key: PSK works."""
    server = serve(pki)
    identities = []

    def on_psk(srv, sock, authenticator):
        identities.append(bytes(authenticator.get_identity()))
        authenticator.set_pre_shared_key(GLib.Bytes.new(bytes.fromhex(PSK_KEY)))

    server.connect("pre-shared-key-authentication-required", on_psk)
    try:
        received, served = talk(psk_s_client(server.get_server_port()), PAYLOAD, server)
        assert received.endswith(PAYLOAD)
        assert identities == [b"probe"]
        assert "PSK" in served[0].get_session_cipher().get_name()
    finally:
        server.close()


def test_silent_peers_do_not_hold_the_queue(pki):
    """Handshakes in flight do not count against max-pending-connections:
    40 peers that connect and say nothing (more than the default 30) leave a
    Python ssl client served, where they used to keep it in the backlog."""
    import socket
    import ssl
    import threading

    server = serve(pki)
    # Long enough that no silent peer is dropped while the client waits.
    server.set_handshake_timeout(60000)
    assert server.get_max_pending_connections() == 30
    assert server.props.max_handshakes == 1024
    port = server.get_server_port()
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        GLib.MainContext.default().iteration(False)
        time.sleep(0.001)

    result = {}

    def client():
        context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    result["version"] = tls.version()
        except (OSError, ssl.SSLError) as error:
            result["error"] = error

    thread = threading.Thread(target=client)
    thread.start()
    deadline = time.monotonic() + 20
    while thread.is_alive() and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
        time.sleep(0.001)
    thread.join()
    for peer in silent:
        peer.close()
    server.close()
    assert "version" in result, result
