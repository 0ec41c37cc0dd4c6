/* client.vala: a small TLS line client on the generated qssl-1.vapi
 *
 * Usage: client HOST PORT [CA-FILE] [LINE]
 *
 * Connects with Qssl.Socket.connect_to_host_encrypted, waits for the
 * handshake, writes LINE and prints the line the server sends back. It
 * uses the blocking wait_for_* calls, so no main loop is needed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

const int TIMEOUT_MS = 10000;

int main (string[] args) {
    if (args.length < 3 || args.length > 5) {
        stderr.printf ("Usage: %s HOST PORT [CA-FILE] [LINE]\n", args[0]);
        return 2;
    }
    string host = args[1];
    uint64 port;
    if (!uint64.try_parse (args[2], out port) || port == 0 || port > uint16.MAX) {
        stderr.printf ("%s: not a port: %s\n", args[0], args[2]);
        return 2;
    }
    string line = args.length > 4 ? args[4] : "hello from vala";

    try {
        var configuration = Qssl.Configuration.get_default ();
        if (args.length > 3) {
            var roots = Qssl.Certificate.list_from_path (args[3], Qssl.EncodingFormat.PEM,
                                                         Qssl.PatternSyntax.FIXED_STRING);
            if (roots.length == 0) {
                stderr.printf ("%s: no certificate in %s\n", args[0], args[3]);
                return 1;
            }
            configuration.set_ca_certificates (roots);
        }

        var socket = new Qssl.Socket ();
        socket.set_ssl_configuration (configuration);
        socket.ssl_errors.connect ((errors) => {
            foreach (unowned Qssl.Error error in errors)
                stderr.printf ("ssl error: %s\n", error.get_error_string ());
        });
        socket.connect_to_host_encrypted (host, (uint16) port, Qssl.NetworkLayerProtocol.ANY_IP);
        socket.wait_for_encrypted (TIMEOUT_MS);

        var request = (line + "\n").data;
        if (socket.write (request) != request.length) {
            stderr.printf ("%s: write failed: %s\n", args[0], socket.get_error_string ());
            return 1;
        }
        while (!socket.can_read_line ())
            socket.wait_for_ready_read (TIMEOUT_MS);
        // read() into a buffer of our own: the caller-allocated array of
        // the C API. Only the line is buffered.
        var reply = new uint8[64 * 1024];
        var n = socket.read (reply);
        if (n <= 0) {
            stderr.printf ("%s: read failed\n", args[0]);
            return 1;
        }
        stdout.write (reply[0:n]);
        socket.disconnect_from_host ();
    } catch (Error e) {
        stderr.printf ("%s: %s\n", args[0], e.message);
        return 1;
    }
    return 0;
}
