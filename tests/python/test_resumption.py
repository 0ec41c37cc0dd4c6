# Session resumption as an attacker uses it: a QsslServer that asks for
# client certificates must never let a session skip what a full handshake
# would refuse. The attacker is `openssl s_client` (-sess_out, then
# -sess_in) or Python's ssl module (SSLSocket.session, then session=).
#
# Each cell connects twice with the same client credentials (none, an
# untrusted certificate, a trusted one) and checks that the server decides
# the second connection as it decided the first, that a refused peer was
# never given a TLS 1.3 ticket and never resumes, and that an accepted
# one still resumes.
import os
import socket as pysocket
import ssl
import subprocess
import threading

import pytest
from gi.repository import GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_interop import TIMEOUT, Process, need, reverse_lines, run_until, wake_main_context
from test_socket import server_configuration

PAYLOAD = b"resumption probe\n"
VERSIONS = {"1.2": Qssl.Protocol.TLS_V1_2, "1.3": Qssl.Protocol.TLS_V1_3}
MODES = {"verify": Qssl.PeerVerifyMode.VERIFY_PEER, "query": Qssl.PeerVerifyMode.QUERY_PEER}
# Client credentials: PKI name of the certificate, and its chain file.
CLIENT_CERTS = {"none": None, "untrusted": "client-untrusted", "trusted": "client-ec"}


def full_handshake_accepts(client_cert, mode):
    """What a full handshake decides (Qt's rules): VERIFY_PEER wants a
    trusted certificate, QUERY_PEER takes anything."""
    return mode == "query" or client_cert == "trusted"


class Server:
    """A QsslServer that echoes lines and records what it accepted."""

    def __init__(self, pki, version, mode, fatal, tickets=True):
        config = server_configuration(pki, "server-ec")
        config.set_protocol(VERSIONS[version])
        root = Qssl.Certificate.new_from_data(GLib.Bytes.new((pki / "ca.pem").read_bytes()),
                                              Qssl.EncodingFormat.PEM)
        config.set_ca_certificates([root])
        config.set_peer_verify_mode(MODES[mode])
        config.set_missing_certificate_is_fatal(fatal)
        config.set_ssl_option(Qssl.SslOptions.DISABLE_SESSION_TICKETS, not tickets)
        self.server = Qssl.Server.new()
        self.server.set_ssl_configuration(config)
        self.server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        self.server.listen(None, 0)
        self.port = self.server.get_server_port()
        self.accepted = []    # (resumed, peer certificate) per accepted connection
        self.failed = 0
        self.sockets = []
        self.server.connect("pending-connection-available", self.on_pending)
        self.server.connect("error-occurred", self.on_error)

    def on_error(self, server, sock, error):
        self.failed += 1

    def on_pending(self, server):
        while True:
            sock = server.next_pending_connection()
            if sock is None:
                break
            self.sockets.append(sock)
            self.accepted.append((sock.is_session_resumed(), sock.get_peer_certificate()))
            sock.connect("ready-read", self.on_ready_read)
            if sock.bytes_available():
                self.on_ready_read(sock)

    def on_ready_read(self, sock):
        data = sock.read_all()
        if data:
            sock.write(reverse_lines(data))

    def decided(self, count):
        return len(self.accepted) + self.failed >= count

    def stop(self):
        for sock in self.sockets:
            sock.abort()
        self.server.close()


def s_client(pki, port, version, client_cert, extra):
    argv = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", "localhost",
            "-CAfile", str(pki / "ca.pem"), "-ign_eof", f"-tls1_{version[-1]}"] + extra
    if client_cert is not None:
        argv += ["-cert", str(pki / f"{client_cert}.pem"), "-key", str(pki / f"{client_cert}.key")]
        if client_cert == "client-ec":
            argv += ["-cert_chain", str(pki / "intermediate.pem")]
    process = Process(argv, stdin=subprocess.PIPE, merge_stderr=True)
    process.feed(PAYLOAD)
    expected = reverse_lines(PAYLOAD)
    run_until(lambda: expected in process.out or process.eof)
    process.stop()
    out = bytes(process.out)
    return {"answered": expected in out, "resumed": b"\nReused, " in out,
            "ticket": b"TLS session ticket:" in out or b"New Session Ticket" in out}


def openssl_attack(pki, server, version, client_cert):
    need("openssl")
    session = pki.parent / f"resumption-{os.getpid()}.pem"
    session.unlink(missing_ok=True)
    try:
        first = s_client(pki, server.port, version, client_cert, ["-sess_out", str(session)])
        assert run_until(lambda: server.decided(1))
        # s_client saves a TLS 1.3 session when a ticket arrives.
        first["ticket"] = first["ticket"] or (session.exists() and session.stat().st_size > 0)
        if not session.exists() or session.stat().st_size == 0:
            return first, None
        second = s_client(pki, server.port, version, client_cert, ["-sess_in", str(session)])
        assert run_until(lambda: server.decided(2))
        return first, second
    finally:
        session.unlink(missing_ok=True)


def python_context(pki, version, client_cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(pki / "ca.pem"))
    context.minimum_version = context.maximum_version = (
        ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3)
    if client_cert is not None:
        context.load_cert_chain(pki / f"{client_cert}-chain.pem", pki / f"{client_cert}.key")
    return context


def python_connect(context, port, session):
    """One connection of the ssl module's client, in a thread."""
    result = {"answered": False, "resumed": False, "ticket": False, "session": None}
    finished = []

    def run():
        try:
            with pysocket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
                with context.wrap_socket(raw, server_hostname="localhost", session=session) as conn:
                    result["resumed"] = conn.session_reused
                    try:
                        conn.sendall(PAYLOAD)
                        answer = b""
                        while len(answer) < len(PAYLOAD):
                            chunk = conn.recv(4096)
                            if not chunk:
                                break
                            answer += chunk
                        result["answered"] = answer == reverse_lines(PAYLOAD)
                    except (OSError, ssl.SSLError):
                        pass
                    # Whatever the server sent before refusing is the attacker's.
                    result["session"] = conn.session
                    result["ticket"] = conn.session is not None and conn.session.has_ticket
                    try:
                        conn.unwrap()
                    except (OSError, ssl.SSLError):
                        pass
        except (OSError, ssl.SSLError):
            pass
        finally:
            finished.append(True)
            wake_main_context()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert run_until(lambda: finished)
    thread.join(TIMEOUT)
    return result


def python_attack(pki, server, version, client_cert):
    context = python_context(pki, version, client_cert)
    first = python_connect(context, server.port, None)
    assert run_until(lambda: server.decided(1))
    if first["session"] is None:
        return first, None
    second = python_connect(context, server.port, first["session"])
    assert run_until(lambda: server.decided(2))
    return first, second


ATTACKERS = {"openssl": openssl_attack, "python": python_attack}
CELLS = [(attacker, version, cert, fatal, mode)
         for attacker in ATTACKERS for version in VERSIONS for cert in CLIENT_CERTS
         for fatal in (False, True) for mode in MODES]


@pytest.mark.parametrize("attacker,version,cert,fatal,mode", CELLS,
                         ids=[f"{a}-tls{v}-{c}-{'fatal' if f else 'lenient'}-{m}" for a, v, c, f, m in CELLS])
def test_resumption_needs_what_a_full_handshake_needs(pki, attacker, version, cert, fatal, mode):
    server = Server(pki, version, mode, fatal)
    try:
        first, second = ATTACKERS[attacker](pki, server, version, CLIENT_CERTS[cert])
        accepts = full_handshake_accepts(cert, mode)
        connections = 1 if second is None else 2
        assert len(server.accepted) == (connections if accepts else 0)
        assert first["answered"] == accepts
        for resumed, peer in server.accepted:
            # A resumed session keeps its certificate; VERIFY_PEER never
            # hands the application a peer without one.
            assert (peer is not None) == (cert != "none")
        if not accepts:
            # Refused: no TLS 1.3 ticket was ever sent, and whatever a TLS 1.2
            # handshake left the attacker resumes nothing.
            if version == "1.3":
                assert not first["ticket"]
            if second is not None:
                assert not second["resumed"]
                assert not second["answered"]
        else:
            # Accepted peers still resume, except after verification errors
            # (QUERY_PEER with an untrusted certificate: verified again).
            assert second is not None
            assert second["answered"]
            should_resume = cert != "untrusted"
            assert second["resumed"] == should_resume
            assert server.accepted[1][0] == should_resume
    finally:
        server.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_no_ticket_when_tickets_are_disabled(pki, version):
    """DISABLE_SESSION_TICKETS: no ticket of any kind (TLS 1.3 has no other
    way to resume; TLS 1.2 keeps its session IDs)."""
    server = Server(pki, version, "query", False, tickets=False)
    try:
        context = python_context(pki, version, "client-ec")
        first = python_connect(context, server.port, None)
        assert first["answered"]
        assert not first["ticket"]
        second = python_connect(context, server.port, first["session"])
        assert second["answered"]
        assert second["resumed"] == (version == "1.2")
        need("openssl")
        session = pki.parent / f"no-ticket-{os.getpid()}.pem"
        session.unlink(missing_ok=True)
        try:
            out = s_client(pki, server.port, version, None, ["-sess_out", str(session)])
            assert out["answered"]
            assert not out["ticket"]
            if version == "1.3":
                assert not session.exists() or session.stat().st_size == 0
        finally:
            session.unlink(missing_ok=True)
    finally:
        server.stop()
