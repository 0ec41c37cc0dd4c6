// client.js: a TLS line client on Qssl.Socket, in GJS, with async/await.
//
//   gjs -m client.js [--ca FILE] [HOST:PORT] [LINE]
//
// Connects to HOST:PORT (default localhost:4433), verifying the server
// against the certificates in FILE (default: the system's), sends LINE
// (default "hello") and prints the line the server sends back.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
// The helper makes socket.connect('signal', ...) work; installed, it is
// $datadir/libqssl/gjs/qssl.js.
import Qssl from '../../bindings/gjs/qssl.js';

Gio._promisify(Qssl.Socket.prototype, 'connect_to_host_encrypted_async',
    'connect_to_host_encrypted_finish');

const TIMEOUT_MS = 10000;

function usage(message) {
    if (message)
        printerr(`client.js: ${message}`);
    printerr('Usage: gjs -m client.js [--ca FILE] [HOST:PORT] [LINE]');
    System.exit(2);
}

function help() {
    print('Usage: gjs -m client.js [--ca FILE] [HOST:PORT] [LINE]');
    System.exit(0);
}

function parseArgs(args) {
    const options = {ca: null, host: 'localhost', port: 4433, line: 'hello'};
    const positional = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === '--help')
            help();
        else if (args[i] === '--ca')
            options.ca = args[++i] ?? usage('--ca needs a file');
        else if (args[i].startsWith('--'))
            usage(`unknown argument ${args[i]}`);
        else
            positional.push(args[i]);
    }
    if (positional.length > 2)
        usage('too many arguments');
    if (positional.length > 0) {
        // HOST:PORT, [V6ADDR]:PORT
        const match = positional[0].match(/^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/);
        if (!match)
            usage(`not HOST:PORT: ${positional[0]}`);
        options.host = match[1] ?? match[2];
        options.port = Number(match[3]);
        if (options.port < 1 || options.port > 65535)
            usage(`not a port: ${match[3]}`);
    }
    if (positional.length > 1)
        options.line = positional[1];
    return options;
}

// Resolves with the first whole line the socket receives.
function readLine(socket) {
    return new Promise((resolve, reject) => {
        const handlers = [];
        const finish = (fn, value) => {
            handlers.forEach(id => socket.disconnect(id));
            GLib.source_remove(timer);
            fn(value);
        };
        const check = () => {
            if (socket.can_read_line())
                finish(resolve, new TextDecoder().decode(socket.read_line(64 * 1024).toArray()));
        };
        const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, TIMEOUT_MS, () => {
            finish(reject, new Error('no reply in time'));
            return GLib.SOURCE_REMOVE;
        });
        handlers.push(socket.connect('ready-read', check));
        handlers.push(socket.connect('disconnected', () =>
            finish(reject, new Error('the server closed the connection'))));
        check();
    });
}

async function main(options) {
    const config = Qssl.Configuration.get_default();
    if (options.ca) {
        const roots = Qssl.Certificate.list_from_path(options.ca, Qssl.EncodingFormat.PEM,
            Qssl.PatternSyntax.FIXED_STRING);
        if (roots.length === 0)
            throw new Error(`no certificate in ${options.ca}`);
        config.set_ca_certificates(roots);
    }
    const socket = new Qssl.Socket();
    socket.set_ssl_configuration(config);
    socket.connect('ssl-errors', (_socket, errors) => {
        for (const error of errors)
            printerr(`ssl error: ${error.get_error_string()}`);
    });

    await socket.connect_to_host_encrypted_async(options.host, options.port, null);
    socket.write(new TextEncoder().encode(`${options.line}\n`));
    const reply = await readLine(socket);
    print(reply.replace(/\n$/, ''));
    socket.disconnect_from_host();
}

const options = parseArgs(ARGV);
const loop = new GLib.MainLoop(null, false);
let status = 0;
main(options).catch(e => {
    // A GLib.Error from the handshake carries the reason in its message.
    printerr(`client.js: ${e.message}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
