# A QsslServer in a process of its own, for the session-ticket key tests
# (test_ticket_keys.py): several of these with the same keys stand for the
# workers or nodes of a fleet.
#
#   ticket_key_server.py PKI_DIR VERSION [KEY_FILE|-] [MODE]
#
# VERSION is 1.2 or 1.3; KEY_FILE holds nginx-format ticket keys (none or
# "-": the server's own key); MODE "verify" asks for client certificates
# (VERIFY_PEER against the test root, a missing one not fatal), otherwise
# the server's default (QUERY_PEER). Prints "port N" once listening, then one line per
# accepted connection, "accepted resumed=0" or "accepted resumed=1", and
# answers each line a client sends with the line reversed.
import pathlib
import sys

import gi

gi.require_version("Qssl", "1.0")
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib, Qssl  # noqa: E402

VERSIONS = {"1.2": Qssl.Protocol.TLS_V1_2, "1.3": Qssl.Protocol.TLS_V1_3}


def reverse_lines(data):
    return b"".join(line[::-1] + b"\n" for line in data.split(b"\n")[:-1])


def main():
    pki = pathlib.Path(sys.argv[1])
    config = Qssl.Configuration.get_default()
    config.set_local_certificate_chain(Qssl.Certificate.list_from_data(
        GLib.Bytes.new((pki / "server-ec-chain.pem").read_bytes()), Qssl.EncodingFormat.PEM))
    config.set_private_key(Qssl.Key.new_from_data(
        GLib.Bytes.new((pki / "server-ec.key").read_bytes()), Qssl.KeyAlgorithm.OPAQUE,
        Qssl.EncodingFormat.PEM, Qssl.KeyType.PRIVATE_KEY, None))
    config.set_protocol(VERSIONS[sys.argv[2]])
    if len(sys.argv) > 3 and sys.argv[3] != "-":
        config.set_session_ticket_keys(GLib.Bytes.new(pathlib.Path(sys.argv[3]).read_bytes()))
    if len(sys.argv) > 4 and sys.argv[4] == "verify":
        config.set_ca_certificates([Qssl.Certificate.new_from_data(
            GLib.Bytes.new((pki / "ca.pem").read_bytes()), Qssl.EncodingFormat.PEM)])
        config.set_peer_verify_mode(Qssl.PeerVerifyMode.VERIFY_PEER)
    server = Qssl.Server.new()
    server.set_ssl_configuration(config)
    server.set_handshake_timeout(60000)
    server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0)
    sockets = []

    def on_ready_read(sock):
        data = sock.read_all()
        if data:
            sock.write(reverse_lines(data))

    def on_pending(server):
        while (sock := server.next_pending_connection()) is not None:
            sockets.append(sock)
            print(f"accepted resumed={int(sock.is_session_resumed())}", flush=True)
            sock.connect("ready-read", on_ready_read)
            sock.connect("disconnected", lambda s: sockets.remove(s) if s in sockets else None)
            if sock.bytes_available():
                on_ready_read(sock)

    server.connect("pending-connection-available", on_pending)
    server.connect("error-occurred", lambda server, sock, code: print(f"failed {int(code)}", flush=True))
    print(f"port {server.get_server_port()}", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
