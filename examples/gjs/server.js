// server.js: a TLS echo server on Qssl.Server, in GJS.
//
//   gjs -m server.js --cert CHAIN.pem --key KEY.pem [--port N] [--once]
//
// Listens on the loopback address (port 0, the default, lets the system pick
// one), prints "listening on port N", and sends every line a client writes
// back to it. With --once it exits after the first client has gone.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
// The helper makes socket.connect('signal', ...) work; installed, it is
// $datadir/libqssl/gjs/qssl.js.
import Qssl from '../../bindings/gjs/qssl.js';

Gio._promisify(Qssl.Server.prototype, 'accept_async', 'accept_finish');

function usage(message) {
    if (message)
        printerr(`server.js: ${message}`);
    printerr('Usage: gjs -m server.js --cert CHAIN.pem --key KEY.pem [--port N] [--once]');
    System.exit(2);
}

function help() {
    print('Usage: gjs -m server.js --cert CHAIN.pem --key KEY.pem [--port N] [--once]');
    System.exit(0);
}

function parseArgs(args) {
    const options = {port: 0, once: false, cert: null, key: null};
    for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        const value = () => args[++i] ?? usage(`${arg} needs a value`);
        if (arg === '--cert')
            options.cert = value();
        else if (arg === '--key')
            options.key = value();
        else if (arg === '--port')
            options.port = Number(value());
        else if (arg === '--once')
            options.once = true;
        else if (arg === '--help')
            help();
        else
            usage(`unknown argument ${arg}`);
    }
    if (!options.cert || !options.key)
        usage('--cert and --key are required');
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
        usage('--port needs a number from 0 to 65535');
    return options;
}

function serverConfiguration(certFile, keyFile) {
    const pem = Qssl.EncodingFormat.PEM;
    const chain = Qssl.Certificate.list_from_path(certFile, pem, Qssl.PatternSyntax.FIXED_STRING);
    if (chain.length === 0)
        throw new Error(`no certificate in ${certFile}`);
    const [, keyData] = GLib.file_get_contents(keyFile);
    const config = Qssl.Configuration.get_default();
    config.set_local_certificate_chain(chain);
    // OPAQUE: let OpenSSL tell RSA from EC.
    config.set_private_key(Qssl.Key.new_from_data(new GLib.Bytes(keyData), Qssl.KeyAlgorithm.OPAQUE, pem,
        Qssl.KeyType.PRIVATE_KEY, null));
    return config;
}

// Echoes whole lines until the client leaves; resolves then.
function echo(socket) {
    return new Promise(resolve => {
        const reply = () => {
            while (socket.can_read_line())
                socket.write(socket.read_line(64 * 1024).toArray());
        };
        socket.connect('ready-read', reply);
        socket.connect('disconnected', () => resolve());
        // Data may have come with the handshake, before 'ready-read' was connected.
        reply();
        if (socket.get_state() === Qssl.SocketState.UNCONNECTED)
            resolve();
    });
}

async function serve(server, once) {
    for (;;) {
        // eslint-disable-next-line no-await-in-loop
        const socket = await server.accept_async(null);
        const peer = `${socket.get_peer_address().to_string()}:${socket.get_peer_port()}`;
        print(`${peer} connected (${socket.get_session_cipher().get_name()})`);
        const done = echo(socket).then(() => print(`${peer} disconnected`));
        if (once) {
            // eslint-disable-next-line no-await-in-loop
            await done;
            return;
        }
    }
}

const options = parseArgs(ARGV);
const server = new Qssl.Server();
try {
    server.set_ssl_configuration(serverConfiguration(options.cert, options.key));
    server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), options.port);
} catch (e) {
    printerr(`server.js: ${e.message}`);
    System.exit(1);
}
// Handshakes that fail never reach accept_async; say why they failed.
server.connect('error-occurred', (_server, socket, _error) =>
    printerr(`handshake failed: ${socket.get_error_string()}`));
print(`listening on port ${server.get_server_port()}`);

const loop = new GLib.MainLoop(null, false);
let status = 0;
serve(server, options.once).catch(e => {
    printerr(`server.js: ${e.message}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
server.close();
System.exit(status);
