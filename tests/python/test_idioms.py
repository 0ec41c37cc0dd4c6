# The Python idioms the override adds: bytes in and out, context managers,
# exceptions, Python lists in ssl-errors, and coroutines on the GLib loop
# through Qssl.run(). Client and server run in this process.
import pytest
from gi.repository import GLib, Qssl

from test_socket import client_configuration, server_configuration
from conftest import SERVER_HANDSHAKE_TIMEOUT_MS


def listening_server(config):
    server = Qssl.Server()
    server.set_ssl_configuration(config)
    server.set_handshake_timeout(SERVER_HANDSHAKE_TIMEOUT_MS)
    server.listen(None, 0)
    return server


def test_certificate_and_key_take_bytes(pki):
    pem = (pki / "server-ec.pem").read_bytes()
    cert = Qssl.Certificate.new_from_data(pem)
    assert cert.get_subject_info(Qssl.SubjectInfo.COMMON_NAME) == ["localhost"]
    assert isinstance(cert.to_der(), bytes)
    assert Qssl.Certificate.new_from_data(cert.to_der(), Qssl.EncodingFormat.DER).equal(cert)
    assert cert.to_pem().startswith(b"-----BEGIN CERTIFICATE-----")
    chain = Qssl.Certificate.list_from_data((pki / "server-ec-chain.pem").read_bytes())
    assert len(chain) == 2 and chain[0].equal(cert)
    key = Qssl.Key.new_from_data((pki / "server-ec.key").read_bytes())
    assert key.get_algorithm() == Qssl.KeyAlgorithm.EC
    assert isinstance(key.to_der(), bytes)


def test_configuration_bytes_accessors():
    config = Qssl.Configuration.new()
    config.set_pre_shared_key_identity_hint(b"hint")
    assert config.get_pre_shared_key_identity_hint() == b"hint"
    config.set_ocsp_response(b"\x30\x03\x0a\x01\x00")
    assert config.get_ocsp_response() == b"\x30\x03\x0a\x01\x00"
    config.set_session_ticket(None)
    assert config.get_session_ticket() is None


def test_story_with_coroutines(pki):
    """Server and client in one coroutine: accept, handshake, send, receive,
    certificate inspection, ALPN."""
    server_config = server_configuration(pki, "server-ec")
    server_config.set_allowed_next_protocols(["h2", "http/1.1"])
    client_config = client_configuration(pki)
    client_config.set_allowed_next_protocols(["http/1.1"])

    async def main():
        with listening_server(server_config) as server, Qssl.Socket() as client:
            client.set_ssl_configuration(client_config)
            accepted = server.accept()
            await client.connect_encrypted("localhost", server.get_server_port())
            peer = await accepted
            assert client.get_property("is-encrypted") and peer.get_property("is-encrypted")
            assert client.get_ssl_configuration().get_next_negotiated_protocol() == "http/1.1"
            names = client.get_peer_certificate().get_subject_alternative_names(Qssl.AlternativeNameEntryType.DNS_ENTRY)
            assert "localhost" in names

            assert await client.send(b"hello over TLS\n") == 15
            request = b""
            while not request.endswith(b"\n"):
                request += await peer.receive()
            assert request == b"hello over TLS\n"
            await peer.send(request.upper())
            reply = b""
            while len(reply) < 15:
                reply += await client.receive()
            peer.disconnect_from_host()
            assert await client.receive() == b""
            return reply

    assert Qssl.run(main()) == b"HELLO OVER TLS\n"


def test_verification_failure_is_an_exception(pki):
    seen = []

    async def main():
        with listening_server(server_configuration(pki, "wrong-host")) as server, Qssl.Socket() as client:
            client.set_ssl_configuration(client_configuration(pki))
            client.connect("ssl-errors", lambda sock, errors: seen.append(errors))
            await client.connect_encrypted("localhost", server.get_server_port())

    with pytest.raises(GLib.Error) as info:
        Qssl.run(main())
    assert info.value.matches(Qssl.socket_error_quark(), Qssl.SocketError.SSL_HANDSHAKE_FAILED)
    # The handler got a plain Python list of Qssl.Error.
    assert isinstance(seen[0], list)
    assert [e.get_error() for e in seen[0]] == [Qssl.ErrorCode.HOST_NAME_MISMATCH]


def test_ignore_in_handler_then_talk(pki):
    config = Qssl.Configuration.new()
    config.set_local_certificate(Qssl.Certificate.new_from_data((pki / "self-signed.pem").read_bytes()))
    config.set_private_key(Qssl.Key.new_from_data((pki / "self-signed.key").read_bytes()))

    async def main():
        with listening_server(config) as server, Qssl.Socket() as client:
            client.set_ssl_configuration(client_configuration(pki))
            client.connect("ssl-errors", lambda sock, errors: sock.ignore_ssl_errors())
            accepted = server.accept()
            await client.connect_encrypted("localhost", server.get_server_port())
            peer = await accepted
            await peer.send("text is sent as UTF-8 ✓\n")
            data = b""
            while not data.endswith(b"\n"):
                data += await client.receive()
            return data.decode()

    assert Qssl.run(main()) == "text is sent as UTF-8 ✓\n"


def test_psk_handlers_use_bytes():
    server_config = Qssl.Configuration.new()
    server_config.set_protocol(Qssl.Protocol.TLS_V1_2)
    server_config.set_ciphers_from_string("PSK-AES128-GCM-SHA256")
    server_config.set_pre_shared_key_identity_hint(b"hint-from-server")
    client_config = Qssl.Configuration.new()
    client_config.set_protocol(Qssl.Protocol.TLS_V1_2)
    client_config.set_ciphers_from_string("PSK-AES128-GCM-SHA256")
    seen = {}

    def client_psk(sock, authenticator):
        seen["hint"] = authenticator.get_identity_hint()
        authenticator.set_identity(b"alice")
        authenticator.set_pre_shared_key(bytes(range(16)))

    def server_psk(server, sock, authenticator):
        seen["identity"] = authenticator.get_identity()
        authenticator.set_pre_shared_key(bytes(range(16)))

    async def main():
        with listening_server(server_config) as server, Qssl.Socket() as client:
            server.connect("pre-shared-key-authentication-required", server_psk)
            client.set_ssl_configuration(client_config)
            client.connect("pre-shared-key-authentication-required", client_psk)
            accepted = server.accept()
            await client.connect_encrypted("127.0.0.1", server.get_server_port())
            peer = await accepted
            await client.send(b"psk")
            got = b""
            while len(got) < 3:
                got += await peer.receive()
            return got

    assert Qssl.run(main()) == b"psk"
    assert seen == {"hint": b"hint-from-server", "identity": b"alice"}


def test_context_manager_closes(pki):
    server = listening_server(server_configuration(pki, "server-ec"))
    with Qssl.Socket() as client:
        client.set_ssl_configuration(client_configuration(pki))
        client.connect_to_host_encrypted("localhost", server.get_server_port(),
                                         Qssl.NetworkLayerProtocol.ANY_IP)
        context = GLib.MainContext.default()
        while not server.has_pending_connections():
            context.iteration(True)
        assert client.get_state() == Qssl.SocketState.CONNECTED
    assert client.get_state() == Qssl.SocketState.UNCONNECTED
    with server:
        assert server.is_listening()
    assert not server.is_listening()


def test_blocking_errors_raise(pki):
    client = Qssl.Socket()
    with pytest.raises(GLib.Error) as info:
        client.wait_for_encrypted(10)
    assert info.value.domain == GLib.quark_to_string(Qssl.socket_error_quark())


def test_run_takes_asyncio_awaitables():
    """Qssl.run() is asyncio: its own awaitables and the Qssl ones mix."""
    import asyncio

    async def main():
        await asyncio.sleep(0)
        return await asyncio.wait_for(asyncio.sleep(0, "asyncio"), 10)

    assert Qssl.run(main()) == "asyncio"

    async def bad():
        class Other:
            def __await__(self):
                yield "not a future"
        await Other()

    with pytest.raises(RuntimeError):
        Qssl.run(bad())
