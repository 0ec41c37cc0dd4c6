"""GTlsServerConnection (glib-networking) as a peer process for the interop
tests: CHAIN KEY CA REQUIRE_CLIENT_CERT (0 or 1). Prints "PORT n" once it
listens; reverses each line it receives on a connection; after each answer
prints "PEER subject" (or "PEER -" without a client certificate), and
"FAIL message" for a handshake that failed. Runs until stdin closes.

A process of its own, like gtls_client.py: glib-networking's TLS module,
loaded into the ASan-preloaded test interpreter, makes GCC 12's
LeakSanitizer crash at exit on a bogus dynamic-TLS range."""

import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402


def reverse_lines(data):
    return b"".join(line[::-1] + b"\n" for line in data.split(b"\n")[:-1])


def report(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Server:
    def __init__(self, chain, key, ca, require_client_cert):
        self.certificate = Gio.TlsCertificate.new_from_files(chain, key)
        self.database = Gio.TlsFileDatabase.new(ca)
        self.mode = Gio.TlsAuthenticationMode.REQUIRED if require_client_cert else Gio.TlsAuthenticationMode.NONE
        self.connections = []
        self.service = Gio.SocketService()
        self.port = self.listen()
        self.service.connect("incoming", self.on_incoming)
        self.service.start()

    def listen(self):
        address = Gio.InetSocketAddress.new_from_string("127.0.0.1", 0)
        _, effective = self.service.add_address(address, Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)
        return effective.get_port()

    def on_incoming(self, service, connection, source):
        tls = Gio.TlsServerConnection.new(connection, self.certificate)
        tls.set_database(self.database)
        tls.set_property("authentication-mode", self.mode)
        # glib-networking leaves a server's decision to this signal even
        # for a chain that verified: accept exactly those.
        tls.connect("accept-certificate", lambda conn, cert, errors: errors == 0)
        entry = {"tls": tls, "connection": connection, "buffer": bytearray(), "peer": "-"}
        self.connections.append(entry)
        tls.handshake_async(GLib.PRIORITY_DEFAULT, None, self.on_handshake, entry)
        return True

    def on_handshake(self, tls, result, entry):
        try:
            tls.handshake_finish(result)
        except GLib.Error as error:
            report("FAIL " + error.message)
            entry["connection"].close()
            return
        peer = tls.get_peer_certificate()
        if peer is not None:
            entry["peer"] = peer.get_property("subject-name")
        self.read_more(entry)

    def read_more(self, entry):
        entry["tls"].get_input_stream().read_bytes_async(4096, GLib.PRIORITY_DEFAULT, None, self.on_read, entry)

    def on_read(self, stream, result, entry):
        try:
            data = stream.read_bytes_finish(result).get_data()
        except GLib.Error:
            return  # the client went away
        if not data:
            return
        entry["buffer"].extend(data)
        if entry["buffer"].endswith(b"\n"):
            out = reverse_lines(bytes(entry["buffer"]))
            entry["buffer"].clear()
            entry["tls"].get_output_stream().write_bytes_async(GLib.Bytes.new(out), GLib.PRIORITY_DEFAULT,
                                                               None, None)
            report("PEER " + entry["peer"])
        self.read_more(entry)


def main(chain, key, ca, require_client_cert):
    loop = GLib.MainLoop()
    server = Server(chain, key, ca, require_client_cert == "1")
    report(f"PORT {server.port}")
    # The parent closes stdin to stop this server.
    GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, 0, GLib.IOCondition.IN | GLib.IOCondition.HUP,
                          lambda fd, condition: loop.quit())
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
