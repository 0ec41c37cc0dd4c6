# DTLS from Python: QsslDtlsServer and QsslDtlsConnection, and Qt's QDtls
# flow with a Gio.Socket the script owns.
import os
import pathlib
import shutil
import socket as pysocket
import subprocess
import time

import pytest
from gi.repository import Gio, GLib, Qssl

from test_socket import client_configuration, server_configuration


def dtls(config):
    config.set_protocol(Qssl.Protocol.DTLS_V1_2_OR_LATER)
    return config


def iterate_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    context = GLib.MainContext.default()
    while not predicate() and time.monotonic() < deadline:
        context.iteration(True)
    return predicate()


@pytest.fixture
def echo_server(pki):
    server = Qssl.DtlsServer.new()
    server.set_dtls_configuration(dtls(server_configuration(pki, "server-rsa")))
    connections = []

    def on_new_connection(srv, connection):
        connections.append(connection)
        connection.connect("received", lambda conn, data: conn.send(data))

    server.connect("new-connection", on_new_connection)
    server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
    server.connections_made = connections
    yield server
    server.close()


def test_connection_echo(pki, echo_server):
    client = Qssl.DtlsConnection.new_client(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4),
                                            echo_server.get_server_port(), "localhost",
                                            dtls(client_configuration(pki)))
    done, received = [], []
    client.connect("received", lambda conn, data: received.append(data.get_data()))
    client.handshake_async(None, lambda conn, result: done.append(conn.handshake_finish(result)))
    assert iterate_until(lambda: done)
    assert done == [True]
    assert client.get_session_protocol() == Qssl.Protocol.DTLS_V1_2
    client.send(GLib.Bytes.new(b"from python"))
    assert iterate_until(lambda: received)
    assert received == [b"from python"]
    assert len(echo_server.get_connections()) == 1
    client.close()
    assert iterate_until(lambda: not echo_server.get_connections())


def test_connection_untrusted_raises(pki, echo_server):
    client = Qssl.DtlsConnection.new_client(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4),
                                            echo_server.get_server_port(), "localhost",
                                            Qssl.Configuration.get_default_dtls())
    errors, outcome = [], []
    client.connect("ssl-errors", lambda conn, errs: errors.extend(errs))

    def on_done(conn, result):
        try:
            conn.handshake_finish(result)
            outcome.append(None)
        except GLib.Error as error:
            outcome.append(error)

    client.handshake_async(None, on_done)
    assert iterate_until(lambda: outcome)
    assert outcome[0].matches(Qssl.dtls_error_quark(), Qssl.DtlsError.PEER_VERIFICATION_ERROR)
    assert errors and all(isinstance(e, Qssl.Error) for e in errors)


def test_qdtls_with_own_socket(pki, echo_server):
    """Qt's secureudpclient flow: the script reads the socket and drives QsslDtls."""
    # Python's socket reads; the same descriptor as a Gio.Socket sends.
    udp = pysocket.socket(pysocket.AF_INET, pysocket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    socket = Gio.Socket.new_from_fd(udp.fileno())
    crypto = Qssl.Dtls.new(Qssl.Mode.SSL_CLIENT)
    crypto.set_peer(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), echo_server.get_server_port(),
                    "localhost")
    crypto.set_dtls_configuration(dtls(client_configuration(pki)))
    crypto.connect("handshake-timeout", lambda c: c.handle_timeout(socket))
    received = []

    def on_readable(fd, condition):
        try:
            data, _ = udp.recvfrom(65536)
        except BlockingIOError:
            return True
        if crypto.is_connection_encrypted():
            plain = crypto.decrypt_datagram(socket, GLib.Bytes.new(data))
            if plain is not None:
                received.append(plain.get_data())
        else:
            crypto.do_handshake(socket, GLib.Bytes.new(data))
        return True

    watch = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, socket.get_fd(), GLib.IOCondition.IN, on_readable)
    try:
        assert crypto.do_handshake(socket, None)
        assert crypto.get_handshake_state() == Qssl.DtlsHandshakeState.IN_PROGRESS
        assert iterate_until(lambda: crypto.get_handshake_state() == Qssl.DtlsHandshakeState.COMPLETE)
        assert crypto.get_session_cipher() is not None
        assert crypto.write_datagram_encrypted(socket, GLib.Bytes.new(b"ping")) == 4
        assert iterate_until(lambda: received)
        assert received == [b"ping"]
        assert crypto.shutdown(socket)
    finally:
        GLib.source_remove(watch)
        socket.close()
        udp.detach()


def test_dtls_errors_are_gerrors():
    crypto = Qssl.Dtls.new(Qssl.Mode.SSL_CLIENT)
    socket = Gio.Socket.new(Gio.SocketFamily.IPV4, Gio.SocketType.DATAGRAM, Gio.SocketProtocol.UDP)
    with pytest.raises(GLib.Error) as info:
        crypto.do_handshake(socket, None)
    assert info.value.matches(Qssl.dtls_error_quark(), Qssl.DtlsError.INVALID_OPERATION)
    assert crypto.get_dtls_error() == Qssl.DtlsError.INVALID_OPERATION


QSSL = pathlib.Path(os.environ.get("QSSL_BUILD_ROOT", "")) / "examples" / "qssl"


class DtlsServe:
    """`qssl dtls-serve` in the background; the port comes from its first line."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([str(QSSL), "dtls-serve", "-a", "127.0.0.1", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("Listening on 127.0.0.1:"), line
        self.port = int(line.split()[2].rsplit(":", 1)[1])

    def stop(self):
        self.proc.terminate()
        _, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err.decode()


def test_tool_dtls_echo(pki):
    server = DtlsServe("--echo", "--cert", str(pki / "server-rsa-chain.pem"), "--key", str(pki / "server-rsa.key"))
    try:
        result = subprocess.run([str(QSSL), "dtls-connect", f"127.0.0.1:{server.port}", "--ca", str(pki / "ca.pem"),
                                 "--name", "localhost"], input=b"first datagram\nsecond datagram\n",
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().splitlines() == ["first datagram", "second datagram"]
        assert "DTLS 1.2" in result.stderr.decode()
        # Untrusted: exit status 4, nothing sent.
        untrusted = subprocess.run([str(QSSL), "dtls-connect", f"127.0.0.1:{server.port}", "--name", "localhost"],
                                   input=b"never sent\n", capture_output=True, timeout=60)
        assert untrusted.returncode == 4
        assert untrusted.stdout == b""
    finally:
        code, err = server.stop()
    assert code == 0
    assert "Connection from 127.0.0.1:" in err


def test_tool_dtls_psk():
    server = DtlsServe("--echo", "--psk", "1a2b3c4d5e6f", "--psk-hint", "qssl test")
    try:
        result = subprocess.run([str(QSSL), "dtls-connect", f"127.0.0.1:{server.port}", "--psk", "1a2b3c4d5e6f",
                                 "--psk-identity", "tester"], input=b"over psk\n", capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"over psk\n"
        assert "PSK" in result.stderr.decode()
    finally:
        server.stop()


def free_udp_port():
    with pysocket.socket(pysocket.AF_INET, pysocket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("gnutls-serv"), reason="gnutls-serv is not installed")
def test_connection_against_gnutls_serv(pki):
    """QsslDtlsConnection (through `qssl dtls-connect`) against GnuTLS's DTLS server."""
    port = free_udp_port()
    server = subprocess.Popen(["gnutls-serv", "--udp", "--echo", "-p", str(port),
                               "--x509certfile", str(pki / "server-rsa-chain.pem"),
                               "--x509keyfile", str(pki / "server-rsa.key")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert b"listening" in server.stdout.readline()
        result = subprocess.run([str(QSSL), "dtls-connect", f"127.0.0.1:{port}", "--ca", str(pki / "ca.pem"),
                                 "--name", "localhost"], input=b"to gnutls\nand back\n",
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().splitlines() == ["to gnutls", "and back"]
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(not shutil.which("gnutls-cli"), reason="gnutls-cli is not installed")
def test_server_against_gnutls_cli(pki):
    """QsslDtlsServer (through `qssl dtls-serve --echo`) against GnuTLS's DTLS client."""
    server = DtlsServe("--echo", "--cert", str(pki / "server-rsa-chain.pem"), "--key", str(pki / "server-rsa.key"))
    client = subprocess.Popen(["gnutls-cli", "--udp", "-p", str(server.port), "127.0.0.1",
                               "--x509cafile", str(pki / "ca.pem"), "--verify-hostname", "localhost"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        client.stdin.write(b"from gnutls-cli\n")
        client.stdin.flush()
        os.set_blocking(client.stdout.fileno(), False)
        received = bytearray()
        deadline = time.monotonic() + 60
        while b"from gnutls-cli" not in received and time.monotonic() < deadline and client.poll() is None:
            try:
                received.extend(os.read(client.stdout.fileno(), 65536) or b"")
            except BlockingIOError:
                time.sleep(0.01)
        assert b"- Handshake was completed" in received
        assert b"from gnutls-cli" in received
    finally:
        client.kill()
        client.wait()
        server.stop()


@pytest.mark.skipif(not shutil.which("gnutls-serv"), reason="gnutls-serv is not installed")
def test_connection_psk_against_gnutls_serv(tmp_path):
    """A PSK client (through `qssl dtls-connect --psk`) against GnuTLS's DTLS server."""
    port = free_udp_port()
    (tmp_path / "psk.txt").write_text("tester:1a2b3c4d5e6f\n")
    server = subprocess.Popen(["gnutls-serv", "--udp", "--echo", "-p", str(port), "--pskpasswd",
                               str(tmp_path / "psk.txt"), "--priority", "NORMAL:+ECDHE-PSK:+PSK"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        line = b"-"
        while line and b"listening" not in line:
            line = server.stdout.readline()
        assert b"listening" in line
        result = subprocess.run([str(QSSL), "dtls-connect", f"127.0.0.1:{port}", "--psk", "1a2b3c4d5e6f",
                                 "--psk-identity", "tester"], input=b"psk to gnutls\n",
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout == b"psk to gnutls\n"
        assert "PSK" in result.stderr.decode()
    finally:
        server.kill()
        server.wait()
