// Every call that moves plaintext in or out of a QsslSocket, from GJS through
// the bindings/gjs helper: the bytes that come out are exactly the bytes the
// peer sent, for 0 bytes up to 1 MiB held in the socket's buffer, and
// read(n) never gives more than n. TAP output.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
import Qssl from '../../bindings/gjs/qssl.js';

const pki = GLib.getenv('QSSL_TEST_PKI');
const file = name => GLib.file_get_contents(`${pki}/${name}`)[1];
const pem = Qssl.EncodingFormat.PEM;
const SIZES = [0, 1, 6, 10 * 1024, 1024 * 1024];

// Polls instead of blocking: no JS callback runs from the main loop in this
// test. GJS 1.74 refuses to run one while an incremental garbage collection
// is sweeping (the megabyte arrays here start many), and a signal handler or
// a timeout skipped that way would look like lost data.
function runUntil(predicate, timeoutMs = 60000) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    while (!predicate() && GLib.get_monotonic_time() < deadline) {
        if (!context.iteration(false))
            GLib.usleep(2000);
    }
    return predicate();
}

// TAP, each result as it comes (the plan at the end), so that a hang shows
// where it is.
let count = 0;
let failed = 0;
function check(name, ok) {
    count++;
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${count} ${name}`);
}

function equal(a, b) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length)
        return false;
    for (let i = 0; i < a.length; i++) {
        if (a[i] !== b[i])
            return false;
    }
    return true;
}

function concat(chunks) {
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
        out.set(c, at);
        at += c.length;
    }
    return out;
}

// Bytes that differ from position to position and from call to call
// (xorshift32, seeded from GLib).
function randomBytes(size) {
    const data = new Uint8Array(size);
    let x = GLib.random_int_range(1, 0x7fffffff);
    for (let i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        data[i] = x & 0xff;
    }
    return data;
}

// The peer: a QsslServer in this process; its sockets are driven from here.
const serverConfig = Qssl.Configuration.get_default();
serverConfig.set_local_certificate_chain(Qssl.Certificate.list_from_data(file('server-ec-chain.pem'), pem));
serverConfig.set_private_key(Qssl.Key.new_from_data(file('server-ec.key'), Qssl.KeyAlgorithm.EC, pem,
    Qssl.KeyType.PRIVATE_KEY, null));
const server = Qssl.Server.new();
server.set_ssl_configuration(serverConfig);
server.set_handshake_timeout(60000);
server.listen(null, 0);
const port = server.get_server_port();
let peer = null;

const clientConfig = Qssl.Configuration.get_default();
clientConfig.set_ca_certificates([Qssl.Certificate.new_from_data(file('ca.pem'), pem)]);

// Sockets are never left to the garbage collector here: finalizing one
// closes it, which can dispatch other sources from inside the collector.
const sockets = [];

// A client with @payload.length bytes from the peer waiting in its buffer.
function connect(payload) {
    const client = new Qssl.Socket();
    sockets.push(client);
    client.set_ssl_configuration(clientConfig);
    client.connect_to_host_encrypted('localhost', port, Qssl.NetworkLayerProtocol.IPV4);
    if (!runUntil(() => client.is_encrypted && server.has_pending_connections()))
        throw new Error('no connection');
    peer = {socket: server.next_pending_connection(), received: []};
    sockets.push(peer.socket);
    if (payload.length > 0)
        peer.socket.write(payload);
    if (!runUntil(() => client.bytes_available() >= payload.length))
        throw new Error(`no ${payload.length} bytes from the peer`);
    return client;
}

// What the peer has received so far.
function peerReceived() {
    if (peer.socket.bytes_available() > 0)
        peer.received.push(peer.socket.read_all().toArray());
    return peer.received.reduce((n, c) => n + c.length, 0);
}

function finish(client) {
    client.abort();
    peer.socket.abort();
}

for (const size of SIZES) {
    const payload = randomBytes(size);
    let client = connect(payload);
    check(`${size}: all buffered`, client.bytes_available() === size);
    const none = client.read(0);
    check(`${size}: read(0) is empty`, none instanceof Uint8Array && none.length === 0);
    const chunks = [];
    let ok = true;
    for (const n of [1, 6, 10 * 1024, 1024 * 1024]) {
        const before = chunks.reduce((total, c) => total + c.length, 0);
        const chunk = client.read(n);
        ok = ok && chunk instanceof Uint8Array && chunk.length === Math.min(n, size - before);
        chunks.push(chunk);
    }
    check(`${size}: read(n) returns at most n`, ok);
    check(`${size}: read() returns exactly what was sent`, equal(concat(chunks), payload));
    check(`${size}: nothing left`, client.bytes_available() === 0 && client.read(10).length === 0);
    finish(client);

    client = connect(payload);
    check(`${size}: peek_bytes(0)`, client.peek_bytes(0).toArray().length === 0);
    check(`${size}: peek_bytes(all)`, equal(client.peek_bytes(size + 10).toArray(), payload));
    check(`${size}: peek_bytes(6)`, equal(client.peek_bytes(6).toArray(), payload.slice(0, 6)));
    check(`${size}: peeking takes nothing`, client.bytes_available() === size);
    check(`${size}: read_bytes(0)`, client.read_bytes(0).toArray().length === 0);
    check(`${size}: read_bytes(6)`, equal(client.read_bytes(6).toArray(), payload.slice(0, 6)));
    check(`${size}: read_all() the rest`, equal(client.read_all().toArray(), payload.slice(6)));
    check(`${size}: read_all() then empty`, client.read_all().toArray().length === 0);

    // Writing: write() and write_bytes() deliver exactly.
    const data = randomBytes(size);
    check(`${size}: write() returns the size`, client.write(data) === size);
    check(`${size}: write_bytes() returns the size`, client.write_bytes(new GLib.Bytes(data)) === size);
    check(`${size}: the peer got both, exactly`,
        runUntil(() => peerReceived() >= 2 * size) &&
        equal(concat(peer.received), concat([data, data])));
    finish(client);
}

// read_line
{
    const text = new TextEncoder();
    const lines = ['\n', 'a\n', `${'x'.repeat(10 * 1024)}\n`, `${'y'.repeat(1024 * 1024)}\n`, 'no newline'];
    const payload = text.encode(lines.join(''));
    const client = connect(payload);
    const line = max => new TextDecoder().decode(client.read_line(max).toArray());
    check('can_read_line', client.can_read_line());
    check('read_line empty line', line(0) === '\n');
    check('read_line(1) bounds the line', line(1) === 'a');
    check('read_line rest of the line', line(0) === '\n');
    check('read_line 10 kB', line(0) === lines[2]);
    check('read_line 1 MiB', line(0) === lines[3]);
    check('no whole line left', !client.can_read_line());
    check('read_line without newline', line(0) === 'no newline');
    check('read_line left nothing', client.bytes_available() === 0);
    finish(client);
}

// An (out) argument beside a GError: wait_for_new_connection's timed_out.
{
    const server = Qssl.Server.new();
    server.set_ssl_configuration(serverConfig);
    server.set_handshake_timeout(60000);
    server.listen(null, 0);
    let timedOut = false;
    try {
        server.wait_for_new_connection(10);
    } catch (e) {
        timedOut = e.matches(Qssl.socket_error_quark(), Qssl.SocketError.SOCKET_TIMEOUT);
    }
    check('wait_for_new_connection times out with an error', timedOut);
    // A real client (openssl s_client, its stdin kept open) while it blocks.
    const sClient = Gio.Subprocess.new(['openssl', 's_client', '-quiet', '-connect',
        `127.0.0.1:${server.get_server_port()}`], Gio.SubprocessFlags.STDIN_PIPE |
        Gio.SubprocessFlags.STDOUT_SILENCE | Gio.SubprocessFlags.STDERR_SILENCE);
    const [pending, timedOutFlag] = server.wait_for_new_connection(60000);
    check('wait_for_new_connection returns [true, false]', pending === true && timedOutFlag === false);
    const accepted = server.next_pending_connection();
    sockets.push(accepted);
    check('the pending connection is encrypted', accepted !== null && accepted.is_encrypted);
    accepted.abort();
    sClient.force_exit();
    sClient.wait(null);
    server.close();
}

// (out) arguments: import_pkcs12's key, certificate and CA list.
{
    const [ok, key, certificate, cas] = Qssl.Certificate.import_pkcs12(file('server-rsa.p12'), 'secret');
    check('import_pkcs12 returns its out-arguments', ok === true &&
        key.get_algorithm() === Qssl.KeyAlgorithm.RSA &&
        certificate.equal(Qssl.Certificate.new_from_data(file('server-rsa.pem'), pem)) && cas.length === 2);
}

server.close();

print(`1..${count}`);
System.exit(failed ? 1 : 0);
