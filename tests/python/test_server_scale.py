# QsslServer beyond one process, the library side: SO_REUSEPORT listening
# sockets, and the PROXY protocol header (versions 1 and 2) that a balancer
# sends before the ClientHello, from crafted headers on raw sockets.
import ipaddress
import os
import socket as pysocket
import ssl
import struct
import threading
import time

import pytest
from gi.repository import Gio, GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_socket import server_configuration

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def make_server(pki, proxy=True, timeout=SERVER_HANDSHAKE_TIMEOUT_MS):
    server = Qssl.Server.new()
    server.set_ssl_configuration(server_configuration(pki, "server-ec"))
    server.set_handshake_timeout(timeout)
    server.set_proxy_protocol(proxy)
    server.listen(None, 0)
    return server


class Recorder:
    """Echoes every encrypted connection and records who the server thinks
    the peer is, and every failed one."""

    def __init__(self, server):
        self.server = server
        self.peers = []
        self.errors = []
        self.sockets = []
        server.connect("pending-connection-available", self.on_pending)
        server.connect("error-occurred", lambda srv, sock, error: self.errors.append(
            (error, sock.get_error_string())))

    def on_pending(self, server):
        while (sock := server.next_pending_connection()) is not None:
            address = sock.get_peer_address()
            self.peers.append((address.to_string() if address else None, sock.get_peer_port(),
                               sock.get_peer_name(), sock.get_remote_address().get_port()))
            sock.connect("ready-read", lambda s: s.write(s.read_all()))
            self.sockets.append(sock)


def run_in_thread(function, *args, timeout=30.0, **kwargs):
    """Runs @function in a thread while this one runs the server's context."""
    result = {}

    def target():
        try:
            result["value"] = function(*args, **kwargs)
        except BaseException as e:  # noqa: B036 - reported below
            result["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    context = GLib.MainContext.default()
    while thread.is_alive() and time.monotonic() < deadline:
        context.iteration(False)
        time.sleep(0.001)
    assert not thread.is_alive(), "the client did not finish"
    if "error" in result:
        raise result["error"]
    return result["value"]


def client_context(pki):
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    return context


def tls_exchange(pki, port, pieces, with_hello=False, pause=0.02):
    """Sends @pieces (the header, in segments of their own), then does a TLS
    handshake and an echo over the same connection. With @with_hello the
    last piece and the ClientHello go out in one send(). Returns the echo
    and the client's own source port."""
    raw = pysocket.create_connection(("127.0.0.1", port))
    raw.setsockopt(pysocket.IPPROTO_TCP, pysocket.TCP_NODELAY, 1)
    raw.settimeout(10)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context(pki).wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        raw.sendall(piece + hello if last and with_hello else piece)
        time.sleep(pause)
    if not with_hello:
        raw.sendall(hello)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            data = outgoing.read()
            if data:
                raw.sendall(data)
            chunk = raw.recv(65536)
            assert chunk, "the server closed during the handshake"
            incoming.write(chunk)
    tls.write(b"ping\n")
    raw.sendall(outgoing.read())
    echoed = b""
    while not echoed.endswith(b"ping\n"):
        try:
            echoed += tls.read(100)
        except ssl.SSLWantReadError:
            data = outgoing.read()
            if data:
                raw.sendall(data)
            chunk = raw.recv(65536)
            assert chunk, "the server closed before the echo"
            incoming.write(chunk)
    source_port = raw.getsockname()[1]
    raw.close()
    return echoed, source_port


def rejected(port, data, close=False):
    """Sends @data and waits for the server to close the connection."""
    with pysocket.create_connection(("127.0.0.1", port)) as raw:
        raw.settimeout(10)
        raw.sendall(data)
        if close:
            raw.shutdown(pysocket.SHUT_WR)
        try:
            while raw.recv(4096):
                pass
        except ConnectionResetError:
            pass
    return True


def v2(command, family, payload):
    return V2_SIGNATURE + bytes([0x20 | command, family]) + struct.pack("!H", len(payload)) + payload


def v2_inet(source, source_port, destination="192.0.2.1", destination_port=443, tlvs=b""):
    return v2(1, 0x11, ipaddress.IPv4Address(source).packed + ipaddress.IPv4Address(destination).packed +
              struct.pack("!HH", source_port, destination_port) + tlvs)


def v2_inet6(source, source_port, destination="2001:db8::1", destination_port=443):
    return v2(1, 0x21, ipaddress.IPv6Address(source).packed + ipaddress.IPv6Address(destination).packed +
              struct.pack("!HH", source_port, destination_port))


def served(pki, recorder, pieces, **kwargs):
    echoed, source_port = run_in_thread(tls_exchange, pki, recorder.server.get_server_port(), pieces, **kwargs)
    assert echoed == b"ping\n"
    deadline = time.monotonic() + 10
    while not recorder.peers and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
    return recorder.peers.pop(), source_port


@pytest.mark.parametrize("header,address,port", [
    (b"PROXY TCP4 203.0.113.7 192.0.2.1 40001 443\r\n", "203.0.113.7", 40001),
    (b"PROXY TCP6 2001:db8::7 2001:db8::1 40002 443\r\n", "2001:db8::7", 40002),
    (v2_inet("198.51.100.9", 40003), "198.51.100.9", 40003),
    (v2_inet6("2001:db8:5::9", 40004), "2001:db8:5::9", 40004),
    # TLVs (here ALPN, authority and a NOOP) are skipped.
    (v2_inet("198.51.100.10", 40005, tlvs=b"\x01\x00\x02h2" + b"\x02\x00\x09localhost" + b"\x04\x00\x40" + bytes(64)),
     "198.51.100.10", 40005),
], ids=["v1-tcp4", "v1-tcp6", "v2-inet", "v2-inet6", "v2-tlvs"])
def test_peer_is_the_original_client(pki, header, address, port):
    server = make_server(pki)
    recorder = Recorder(server)
    (peer, peer_port, name, remote_port), source_port = served(pki, recorder, [header])
    assert (peer, peer_port, name) == (address, port, address)
    # The GSocketConnection's own view stays the balancer's (here: us).
    assert remote_port == source_port
    assert recorder.errors == []
    server.close()


@pytest.mark.parametrize("header", [
    b"PROXY UNKNOWN\r\n",
    b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
    v2(0, 0x00, b""),                                           # LOCAL, as a health check sends
    v2(0, 0x11, bytes(12)),                                     # LOCAL with addresses: ignored
    v2(1, 0x00, b""),                                           # PROXY, unspecified family
], ids=["v1-unknown", "v1-unknown-addresses", "v2-local", "v2-local-addresses", "v2-unspec"])
def test_header_that_keeps_the_real_peer(pki, header):
    server = make_server(pki)
    recorder = Recorder(server)
    (peer, peer_port, name, _), source_port = served(pki, recorder, [header])
    assert peer in ("127.0.0.1", "::ffff:127.0.0.1")
    assert peer_port == source_port
    assert name is None
    server.close()


def test_header_split_across_segments(pki):
    """One byte per segment, through the signature, the CRLF and the v2
    length: the server neither blocks nor busy-loops, and takes no TLS byte."""
    server = make_server(pki)
    recorder = Recorder(server)
    header = b"PROXY TCP4 203.0.113.8 192.0.2.1 40010 443\r\n"
    (peer, port, _, _), _ = served(pki, recorder, [header[i:i + 1] for i in range(len(header))], pause=0.005)
    assert (peer, port) == ("203.0.113.8", 40010)
    header = v2_inet("198.51.100.11", 40011)
    (peer, port, _, _), _ = served(pki, recorder, [header[:5], header[5:13], header[13:15], header[15:20],
                                                   header[20:]])
    assert (peer, port) == ("198.51.100.11", 40011)
    assert recorder.errors == []
    server.close()


@pytest.mark.parametrize("header", [
    b"PROXY TCP4 203.0.113.12 192.0.2.1 40012 443\r\n",
    v2_inet("198.51.100.12", 40012, tlvs=b"\x04\x00\x10" + bytes(16)),
    v2(0, 0x00, b""),
], ids=["v1", "v2", "v2-local"])
def test_header_and_client_hello_in_one_segment(pki, header):
    server = make_server(pki)
    recorder = Recorder(server)
    (peer, _, _, _), _ = served(pki, recorder, [header], with_hello=True)
    assert peer in ("203.0.113.12", "198.51.100.12", "::ffff:127.0.0.1", "127.0.0.1")
    assert recorder.errors == []
    server.close()


BAD = {
    "no-header": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(40),   # a ClientHello right away
    "http": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "v1-bad-protocol": b"PROXY UDP4 203.0.113.1 192.0.2.1 1 2\r\n",
    "v1-bad-address": b"PROXY TCP4 203.0.113.300 192.0.2.1 1 2\r\n",
    "v1-family-mismatch": b"PROXY TCP4 2001:db8::1 192.0.2.1 1 2\r\n",
    "v1-bad-port": b"PROXY TCP4 203.0.113.1 192.0.2.1 65536 2\r\n",
    "v1-missing-field": b"PROXY TCP4 203.0.113.1 192.0.2.1 1\r\n",
    "v1-bare-lf": b"PROXY TCP4 203.0.113.1 192.0.2.1 1 2\n",
    "v1-oversized": b"PROXY TCP6 " + b"1" * 120 + b"\r\n",
    "v1-nul": b"PROXY TCP4 203.0.113.1\x00 192.0.2.1 1 2\r\n",
    "v2-bad-version": V2_SIGNATURE + b"\x11\x11\x00\x0c" + bytes(12),
    "v2-bad-command": V2_SIGNATURE + b"\x22\x11\x00\x0c" + bytes(12),
    "v2-bad-family": V2_SIGNATURE + b"\x21\x51\x00\x0c" + bytes(12),
    "v2-short-inet": v2(1, 0x11, bytes(8)),
    "v2-short-inet6": v2(1, 0x21, bytes(20)),
    "v2-oversized": V2_SIGNATURE + b"\x21\x11\x13\x88" + bytes(5000),
    "v2-bad-signature": b"\r\n\r\n\x00\r\nQUIT!" + bytes(20),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_header_closes_that_connection_only(pki, name):
    server = make_server(pki)
    recorder = Recorder(server)
    run_in_thread(rejected, server.get_server_port(), BAD[name])
    deadline = time.monotonic() + 10
    while not recorder.errors and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
    assert [e for e, _ in recorder.errors] == [Qssl.SocketError.PROXY_PROTOCOL], recorder.errors
    assert "PROXY protocol header" in recorder.errors[0][1]
    # The server goes on.
    (peer, port, _, _), _ = served(pki, recorder, [b"PROXY TCP4 203.0.113.20 192.0.2.1 40020 443\r\n"])
    assert (peer, port) == ("203.0.113.20", 40020)
    server.close()


@pytest.mark.parametrize("header", [b"PROXY TCP4 203.0.113.1 19", V2_SIGNATURE + b"\x21\x11\x00\x0c" + bytes(5)],
                         ids=["v1", "v2"])
def test_truncated_header(pki, header):
    """A peer that closes mid-header is reported as closed; one that stops
    sending is dropped by the handshake timeout, which covers the header."""
    server = make_server(pki, timeout=500)
    recorder = Recorder(server)
    run_in_thread(rejected, server.get_server_port(), header, True)
    run_in_thread(rejected, server.get_server_port(), header)
    deadline = time.monotonic() + 10
    while len(recorder.errors) < 2 and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
    assert sorted(e for e, _ in recorder.errors) == sorted([Qssl.SocketError.REMOTE_HOST_CLOSED,
                                                            Qssl.SocketError.SOCKET_TIMEOUT])
    server.close()


def test_without_proxy_protocol_a_header_is_a_failed_handshake(pki):
    server = make_server(pki, proxy=False)
    recorder = Recorder(server)
    run_in_thread(rejected, server.get_server_port(), b"PROXY TCP4 203.0.113.1 192.0.2.1 1 2\r\n")
    deadline = time.monotonic() + 10
    while not recorder.errors and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
    assert recorder.errors and recorder.errors[0][0] != Qssl.SocketError.PROXY_PROTOCOL
    server.close()


def test_proxy_protocol_property(pki):
    server = Qssl.Server.new()
    notified = []
    server.connect("notify::proxy-protocol", lambda *a: notified.append(True))
    assert server.get_proxy_protocol() is False and server.props.proxy_protocol is False
    server.set_proxy_protocol(True)
    server.set_proxy_protocol(True)
    assert server.props.proxy_protocol is True and notified == [True]
    server.props.proxy_protocol = False
    assert server.get_proxy_protocol() is False and len(notified) == 2


# SO_REUSEPORT

def test_reuse_port_lets_two_servers_share_a_port(pki):
    first = Qssl.Server.new()
    first.set_ssl_configuration(server_configuration(pki, "server-ec"))
    notified = []
    first.connect("notify::reuse-port", lambda *a: notified.append(True))
    first.set_reuse_port(True)
    assert first.get_reuse_port() is True and first.props.reuse_port is True and notified == [True]
    first.listen(None, 0)
    port = first.get_server_port()
    assert port != 0

    second = Qssl.Server.new()
    second.set_ssl_configuration(server_configuration(pki, "server-ec"))
    second.props.reuse_port = True
    second.listen(None, port)
    assert second.get_server_port() == port

    # Without it, the port is taken.
    third = Qssl.Server.new()
    third.set_ssl_configuration(server_configuration(pki, "server-ec"))
    with pytest.raises(GLib.Error) as info:
        third.listen(None, port)
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.ADDRESS_IN_USE)

    # Both serve: the kernel spreads the connections over them.
    served_by = []
    for server in (first, second):
        server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
        server.connect("pending-connection-available", lambda srv: served_by.append(srv.next_pending_connection()
                                                                                    and srv))
    for _ in range(40):
        run_in_thread(tls_handshake_only, pki, port)
    deadline = time.monotonic() + 10
    while len(served_by) < 40 and time.monotonic() < deadline:
        GLib.MainContext.default().iteration(False)
    assert len(served_by) == 40
    assert first in served_by and second in served_by
    first.close()
    second.close()


def test_reuse_port_on_one_address(pki):
    servers = []
    for _ in range(2):
        server = Qssl.Server.new()
        server.set_ssl_configuration(server_configuration(pki, "server-ec"))
        server.set_reuse_port(True)
        server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4),
                      servers[0].get_server_port() if servers else 0)
        servers.append(server)
    assert servers[0].get_server_port() == servers[1].get_server_port()
    assert servers[1].get_server_address().to_string() == "127.0.0.1"
    for server in servers:
        server.close()


def tls_handshake_only(pki, port):
    with pysocket.create_connection(("127.0.0.1", port)) as raw:
        with client_context(pki).wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version()


# Socket activation, in process (tests/python/test_fleet.py has the real
# launcher, systemd-socket-activate)

@pytest.mark.parametrize("environment,code", [
    ({}, Gio.IOErrorEnum.NOT_FOUND),
    ({"LISTEN_PID": "1", "LISTEN_FDS": "1"}, Gio.IOErrorEnum.NOT_FOUND),
    ({"LISTEN_PID": "self", "LISTEN_FDS": "x"}, Gio.IOErrorEnum.INVALID_DATA),
    ({"LISTEN_PID": "-3", "LISTEN_FDS": "1"}, Gio.IOErrorEnum.INVALID_DATA),
    ({"LISTEN_PID": "self", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "a:b:c"}, Gio.IOErrorEnum.INVALID_DATA),
], ids=["unset", "other-process", "bad-count", "bad-pid", "names-mismatch"])
def test_listen_activated_refuses_and_clears_the_environment(pki, environment, code):
    """As sd_listen_fds (1): the variables go whatever they held, so that a
    process this one starts cannot take them for its own."""
    for name in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        GLib.unsetenv(name)
    for name, value in environment.items():
        GLib.setenv(name, str(os.getpid()) if value == "self" else value, True)
    server = Qssl.Server.new()
    server.set_ssl_configuration(server_configuration(pki, "server-ec"))
    with pytest.raises(GLib.Error) as info:
        server.listen_activated()
    assert info.value.matches(Gio.io_error_quark(), code), info.value.message
    assert not server.is_listening()
    assert [GLib.getenv(n) for n in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")] == [None] * 3


def test_listen_activated_checks_the_configuration_first(pki):
    """A key that is not the certificate's: refused before anything else,
    as listen() refuses it."""
    config = server_configuration(pki, "server-ec")
    config.set_private_key(Qssl.Key.new_from_data(GLib.Bytes.new((pki / "client-ec.key").read_bytes()),
                                                  Qssl.KeyAlgorithm.OPAQUE, Qssl.EncodingFormat.PEM,
                                                  Qssl.KeyType.PRIVATE_KEY, None))
    server = Qssl.Server.new()
    server.set_ssl_configuration(config)
    with pytest.raises(GLib.Error) as info:
        server.listen_activated()
    assert info.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.SSL_INVALID_USER_DATA)
