"""GTlsClientConnection (glib-networking) as a peer process for the interop
tests: CA PORT CHAIN KEY CONNECTIONS (CHAIN and KEY empty for no client
certificate). Sends stdin on each connection and writes what comes back, as
much as it sent, to stdout. glib-networking resumes its own sessions on a
second connection to the same identity.

A process of its own, like the other peers: glib-networking's TLS module,
loaded into the ASan-preloaded test interpreter, makes GCC 12's
LeakSanitizer crash at exit on a bogus dynamic-TLS range."""

import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio  # noqa: E402


def main(ca, port, chain, key, connections):
    port, connections = int(port), int(connections)
    payload = sys.stdin.buffer.read()
    database = Gio.TlsFileDatabase.new(ca)
    certificate = Gio.TlsCertificate.new_from_files(chain, key) if chain else None
    for _ in range(connections):
        connection = Gio.SocketClient.new().connect_to_host("127.0.0.1", port, None)
        tls = Gio.TlsClientConnection.new(connection, Gio.NetworkAddress.new("localhost", port))
        tls.set_database(database)
        if certificate is not None:
            tls.set_certificate(certificate)
        tls.handshake(None)
        tls.get_output_stream().write_all(payload, None)
        answer = bytearray()
        while len(answer) < len(payload):
            data = tls.get_input_stream().read_bytes(65536, None).get_data()
            if not data:
                break
            answer.extend(data)
        sys.stdout.buffer.write(answer)
        sys.stdout.buffer.flush()
        connection.close(None)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
