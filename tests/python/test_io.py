# Every call that moves plaintext in or out of a QsslSocket, from Python,
# against a Python ssl peer: the bytes that come out are exactly the bytes the
# peer sent, for 0 bytes up to 1 MiB held in the socket's buffer, and
# read(n) never gives more than n. (qssl_socket_read() once crashed here: its
# caller-allocated buffer cannot be passed by PyGObject 3.42.)
import os
import socket as pysocket
import ssl
import threading
import time

import pytest
from gi.repository import GLib, Qssl

from conftest import SERVER_HANDSHAKE_TIMEOUT_MS
from test_socket import client_configuration, run_until, server_configuration

SIZES = [0, 1, 6, 10 * 1024, 1024 * 1024]


class Peer:
    """A TLS server on a thread: sends @payload, then records what it
    receives until the client closes."""

    def __init__(self, pki, payload=b""):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki / "server-ec-chain.pem", pki / "server-ec.key")
        self.listener = pysocket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.payload = payload
        self.received = bytearray()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.serve, args=(context,), daemon=True)
        self.thread.start()

    def serve(self, context):
        try:
            connection, _ = self.listener.accept()
            with context.wrap_socket(connection, server_side=True) as tls:
                tls.sendall(self.payload)
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    self.received.extend(chunk)
        except (OSError, ssl.SSLError):
            pass
        finally:
            self.listener.close()
            self.done.set()


def run_until_peer(predicate, timeout=60.0):
    """run_until() for a condition the peer's thread changes: nothing wakes
    the main context then, so it is polled."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        if not context.iteration(False):
            time.sleep(0.005)
    return predicate()


def connected_client(pki, peer, buffered):
    client = Qssl.Socket()
    client.set_ssl_configuration(client_configuration(pki))
    client.connect_to_host_encrypted("localhost", peer.port, Qssl.NetworkLayerProtocol.IPV4)
    assert run_until(client.is_encrypted)
    # Nothing is read before this: all of it waits in the socket's buffer.
    assert run_until(lambda: client.bytes_available() >= buffered, timeout=60)
    assert client.bytes_available() == buffered
    return client


@pytest.mark.parametrize("size", SIZES)
def test_read_returns_at_most_n_and_loses_nothing(pki, size):
    payload = os.urandom(size)
    peer = Peer(pki, payload)
    client = connected_client(pki, peer, size)
    try:
        assert client.read(0) == b""
        assert client.bytes_available() == size
        got = bytearray()
        first = client.read(1)
        assert isinstance(first, bytes) and len(first) == min(1, size)
        got += first
        for n in (6, 10 * 1024, 1024 * 1024):
            chunk = client.read(n)
            assert isinstance(chunk, bytes)
            assert len(chunk) == min(n, size - len(got))
            got += chunk
        assert bytes(got) == payload
        assert client.bytes_available() == 0
        assert client.read(10) == b""
    finally:
        client.abort()


@pytest.mark.parametrize("size", SIZES)
def test_peek_read_bytes_read_all(pki, size):
    payload = os.urandom(size)
    peer = Peer(pki, payload)
    client = connected_client(pki, peer, size)
    try:
        assert client.peek_bytes(0) == b""
        assert client.peek_bytes(size + 10) == payload
        assert client.peek_bytes(6) == payload[:6]
        assert client.bytes_available() == size  # peeking takes nothing
        assert client.read_bytes(0) == b""
        head = client.read_bytes(6)
        assert head == payload[:6]
        assert client.read_all() == payload[6:]
        assert client.read_all() == b""
        assert client.bytes_available() == 0
    finally:
        client.abort()


def test_read_line(pki):
    lines = [b"\n", b"a\n", b"x" * 10 * 1024 + b"\n", b"y" * 1024 * 1024 + b"\n", b"no newline"]
    payload = b"".join(lines)
    peer = Peer(pki, payload)
    client = connected_client(pki, peer, len(payload))
    try:
        assert client.can_read_line()
        assert client.read_line(0) == b"\n"
        assert client.read_line(1) == b"a"  # max_size bounds the line
        assert client.read_line(0) == b"\n"
        assert client.read_line(0) == lines[2]
        assert client.read_line(0) == lines[3]
        assert not client.can_read_line()
        assert client.read_line(0) == b"no newline"
        assert client.bytes_available() == 0
    finally:
        client.abort()


@pytest.mark.parametrize("size", SIZES)
def test_write_and_write_bytes_deliver_exactly(pki, size):
    data = os.urandom(size)
    peer = Peer(pki)
    client = connected_client(pki, peer, 0)
    assert client.write(data) == size
    assert client.write_bytes(GLib.Bytes.new(data)) == size
    assert client.write_bytes(data) == size
    # The peer has all of it before the client closes (a close may reset
    # the connection, and a reset drops what the peer has not read yet).
    assert run_until_peer(lambda: len(peer.received) >= 3 * size)
    assert client.bytes_to_write() == 0
    client.disconnect_from_host()
    assert run_until(lambda: client.get_state() == Qssl.SocketState.UNCONNECTED, timeout=60)
    assert run_until_peer(peer.done.is_set)
    assert bytes(peer.received) == data * 3


def test_wait_for_new_connection_out_argument(pki):
    """The (out) timed_out comes back beside the result; a timeout is a
    GLib.Error in Python."""
    server = Qssl.Server.new()
    server.set_ssl_configuration(server_configuration(pki, "server-ec"))
    server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
    server.listen(None, 0)
    try:
        with pytest.raises(GLib.Error) as info:
            server.wait_for_new_connection(10)
        assert info.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.SOCKET_TIMEOUT)

        def connect():
            context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
            with pysocket.create_connection(("localhost", server.get_server_port())) as raw, \
                    context.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"x")
                tls.recv(1)
        thread = threading.Thread(target=connect, daemon=True)
        thread.start()
        assert server.wait_for_new_connection(60000) == (True, False)
        accepted = server.next_pending_connection()
        assert accepted.is_encrypted()
        accepted.abort()
        thread.join(10)
    finally:
        server.close()
