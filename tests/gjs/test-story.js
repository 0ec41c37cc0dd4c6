// The whole client/server story in GJS with Promises: a Qssl.Server and
// client sockets on one main context, awaited through Gio._promisify;
// verification failure and ignore, echo, PSK, ALPN and certificate
// inspection checked against openssl's own reading of the test PKI.
// TAP output; a watchdog fails the run if the main loop ever stalls.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
import Qssl from '../../bindings/gjs/qssl.js';

Gio._promisify(Qssl.Socket.prototype, 'connect_to_host_encrypted_async',
    'connect_to_host_encrypted_finish');
Gio._promisify(Qssl.Socket.prototype, 'handshake_async', 'handshake_finish');
Gio._promisify(Qssl.Server.prototype, 'accept_async', 'accept_finish');

const STEP_TIMEOUT_MS = 10000;
const WATCHDOG_S = 120;

const pki = GLib.getenv('QSSL_TEST_PKI');
const pem = Qssl.EncodingFormat.PEM;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const readPki = name => GLib.file_get_contents(`${pki}/${name}`)[1];
const pkiBytes = name => new GLib.Bytes(readPki(name));
const toText = bytes => decoder.decode(bytes instanceof GLib.Bytes ? bytes.toArray() : bytes);

// --- assertions -------------------------------------------------------------

class Failure extends Error {}

function fmt(value) {
    if (value instanceof GLib.Error)
        return `GLib.Error(${GLib.quark_to_string(value.domain)}, ${value.code}, ${value.message})`;
    try {
        return JSON.stringify(value);
    } catch (e) {
        return String(value);
    }
}

function assertEqual(actual, expected, what) {
    if (fmt(actual) !== fmt(expected))
        throw new Failure(`${what}: got ${fmt(actual)}, expected ${fmt(expected)}`);
}

function assertTrue(value, what) {
    if (value !== true)
        throw new Failure(`${what}: got ${fmt(value)}, expected true`);
}

async function assertRejects(promise, domain, code, what) {
    let result;
    try {
        result = await promise;
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw new Failure(`${what}: rejected with ${e}, expected a GLib.Error`);
        if (!e.matches(domain, code))
            throw new Failure(`${what}: rejected with ${fmt(e)}, expected code ${code}`);
        return e;
    }
    throw new Failure(`${what}: resolved with ${fmt(result)}, expected a rejection`);
}

// --- main loop helpers --------------------------------------------------------

// Rejects when @promise does not settle within the step timeout, so a lost
// signal fails the test instead of hanging it.
function bounded(promise, what) {
    let id = 0;
    const timeout = new Promise((_resolve, reject) => {
        id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, STEP_TIMEOUT_MS, () => {
            id = 0;
            reject(new Failure(`timed out after ${STEP_TIMEOUT_MS} ms waiting for ${what}`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id)
            GLib.source_remove(id);
    });
}

// Resolves with the arguments of the next emission of @signal.
function once(object, signal) {
    return new Promise(resolve => {
        const id = object.connect(signal, (...args) => {
            object.disconnect(id);
            resolve(args.slice(1));
        });
    });
}

// Reads exactly @size bytes, waiting for ready-read as often as needed.
async function readExactly(socket, size) {
    const chunks = [];
    let have = 0;
    while (have < size) {
        if (socket.bytes_available() === 0)
            await bounded(once(socket, 'ready-read'), 'ready-read');
        const chunk = socket.read_bytes(size - have).toArray();
        chunks.push(chunk);
        have += chunk.length;
    }
    const all = new Uint8Array(have);
    let at = 0;
    for (const chunk of chunks) {
        all.set(chunk, at);
        at += chunk.length;
    }
    return all;
}

// openssl's own reading of a PKI file, to compare libqssl with.
function opensslX509(file, ...args) {
    const proc = Gio.Subprocess.new(['openssl', 'x509', '-in', `${pki}/${file}`, '-noout', ...args],
        Gio.SubprocessFlags.STDOUT_PIPE | Gio.SubprocessFlags.STDERR_PIPE);
    const [, out, err] = proc.communicate_utf8(null, null);
    if (!proc.get_successful())
        throw new Failure(`openssl x509 ${args.join(' ')}: ${err}`);
    return out;
}

// --- configurations -----------------------------------------------------------

function clientConfiguration() {
    const config = Qssl.Configuration.get_default();
    config.set_ca_certificates([Qssl.Certificate.new_from_data(pkiBytes('ca.pem'), pem)]);
    return config;
}

function serverConfiguration(name, chainFile = `${name}-chain.pem`) {
    const config = Qssl.Configuration.get_default();
    config.set_local_certificate_chain(Qssl.Certificate.list_from_data(pkiBytes(chainFile), pem));
    config.set_private_key(Qssl.Key.new_from_data(pkiBytes(`${name}.key`), Qssl.KeyAlgorithm.OPAQUE,
        pem, Qssl.KeyType.PRIVATE_KEY, null));
    return config;
}

const cleanups = [];

function startServer(config) {
    const server = new Qssl.Server();
    server.set_ssl_configuration(config);
    assertTrue(server.listen(Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4), 0), 'listen');
    assertTrue(server.is_listening(), 'is_listening');
    const port = server.get_server_port();
    assertTrue(port > 0, 'server port chosen');
    const failures = [];
    server.connect('error-occurred', (_server, _socket, error) => failures.push(error));
    cleanups.push(() => server.close());
    return {server, port, failures};
}

function newClient(config = clientConfiguration()) {
    const client = new Qssl.Socket();
    client.set_ssl_configuration(config);
    const events = [];
    const sslErrors = [];
    for (const name of ['host-found', 'connected', 'encrypted'])
        client.connect(name, () => events.push(name));
    client.connect('mode-changed', (_s, mode) => events.push(`mode:${mode}`));
    client.connect('ssl-errors', (_s, errors) => {
        events.push('ssl-errors');
        sslErrors.push(errors);
    });
    cleanups.push(() => client.abort());
    return {client, events, sslErrors};
}

// --- tests ----------------------------------------------------------------------

const tests = [];
function test(name, fn) {
    tests.push([name, fn]);
}

test('certificate inspection matches openssl', () => {
    const cert = Qssl.Certificate.new_from_data(pkiBytes('server-ec.pem'), pem);
    const subject = Qssl.SubjectInfo;
    assertEqual(cert.get_subject_info(subject.COMMON_NAME), ['localhost'], 'subject CN');
    assertEqual(cert.get_subject_info(subject.ORGANIZATION), ['libqssl tests'], 'subject O');
    assertEqual(cert.get_subject_info(subject.COUNTRY_NAME), ['DE'], 'subject C');
    assertEqual(cert.get_issuer_info(subject.COMMON_NAME), ['libqssl Test Intermediate CA'], 'issuer CN');
    assertEqual(cert.get_issuer_info(subject.ORGANIZATIONAL_UNIT_NAME), ['Testing'], 'issuer OU');
    assertEqual(cert.is_self_signed(), false, 'leaf is not self-signed');

    const dns = Qssl.AlternativeNameEntryType;
    assertEqual(cert.get_subject_alternative_names(dns.DNS_ENTRY), ['localhost'], 'SAN DNS');
    assertEqual(cert.get_subject_alternative_names(dns.IP_ADDRESS_ENTRY), ['127.0.0.1', '::1'], 'SAN IP');
    assertEqual(cert.get_subject_alternative_names(dns.EMAIL_ENTRY), ['server@example.test'], 'SAN email');

    const x509 = opensslX509('server-ec.pem', '-serial', '-enddate', '-dateopt', 'iso_8601',
        '-fingerprint', '-sha256');
    const field = name => x509.match(new RegExp(`^${name}=(.*)$`, 'm'))[1];

    // openssl prints "2036-11-30 21:39:56Z"; GLib wants a "T".
    const expiry = cert.get_expiry_date();
    const expected = GLib.DateTime.new_from_iso8601(field('notAfter').replace(' ', 'T'), null);
    assertTrue(expected !== null, 'openssl notAfter parses');
    assertEqual(expiry.to_unix(), expected.to_unix(), 'expiry date');
    assertEqual(expiry.to_unix(), cert.get_effective_date().add_years(10).to_unix(),
        'valid for ten years');
    const now = GLib.DateTime.new_now_utc().to_unix();
    assertTrue(cert.get_effective_date().to_unix() < now && now < expiry.to_unix(), 'valid now');

    assertEqual(cert.get_serial_number(), field('serial').toLowerCase().match(/../g).join(':'),
        'serial number');

    const digest = Array.from(cert.digest(GLib.ChecksumType.SHA256).toArray(),
        b => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
    assertEqual(digest, field('sha256 Fingerprint'), 'SHA-256 digest');
    // The digest is of the DER encoding: the same as hashing the .der file.
    assertEqual(GLib.compute_checksum_for_bytes(GLib.ChecksumType.SHA256, pkiBytes('server-ec.der')),
        digest.replace(/:/g, '').toLowerCase(), 'digest of the DER file');

    const root = Qssl.Certificate.new_from_data(pkiBytes('ca.pem'), pem);
    assertEqual(root.is_self_signed(), true, 'root is self-signed');
    assertEqual(root.get_subject_info(subject.COMMON_NAME), ['libqssl Test Root CA'], 'root CN');
    assertTrue(!root.equal(cert), 'different certificates are not equal');
    assertTrue(Qssl.Certificate.list_from_data(pkiBytes('server-ec-chain.pem'), pem)[0].equal(cert),
        'first of the chain file equals the leaf');
});

test('await connect and accept, then echo', async () => {
    const {server, port, failures} = startServer(serverConfiguration('server-ec'));
    const accepted = server.accept_async(null);
    const {client, events, sslErrors} = newClient();

    const connected = await bounded(
        client.connect_to_host_encrypted_async('localhost', port, null), 'connect_to_host_encrypted_async');
    assertEqual(connected, true, 'connect result');
    // The is-encrypted property shadows is_encrypted() in GJS.
    assertEqual(client.is_encrypted, true, 'client encrypted');
    assertEqual(events, ['host-found', 'connected', 'mode:1', 'encrypted'], 'client signal order');
    assertEqual(sslErrors.length, 0, 'no ssl-errors');
    assertEqual(client.get_mode(), Qssl.Mode.SSL_CLIENT, 'client mode');
    assertEqual(client.get_state(), Qssl.SocketState.CONNECTED, 'client state');
    assertEqual(client.get_session_protocol(), Qssl.Protocol.TLS_V1_3, 'session protocol');
    assertEqual(client.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME),
        ['localhost'], 'peer CN');
    assertTrue(client.get_peer_certificate().equal(
        Qssl.Certificate.new_from_data(pkiBytes('server-ec.pem'), pem)), 'peer is server-ec.pem');
    assertEqual(client.get_peer_certificate_chain().length, 2, 'peer chain length');

    const peer = await bounded(accepted, 'accept_async');
    assertTrue(peer instanceof Qssl.Socket, 'accept gives a Qssl.Socket');
    assertEqual(peer.is_encrypted, true, 'accepted socket encrypted');
    assertEqual(peer.get_mode(), Qssl.Mode.SSL_SERVER, 'server mode');
    assertEqual(peer.get_peer_port(), client.get_local_port(), 'server sees the client port');
    cleanups.push(() => peer.abort());

    // Client to server, then the server answers with the reversed line.
    const line = 'hello from gjs, über TLS\n';
    const data = encoder.encode(line);
    assertEqual(client.write(data), data.length, 'client write');
    const got = toText(await readExactly(peer, data.length));
    assertEqual(got, line, 'server reads what the client wrote');

    const answer = encoder.encode(`${[...got.trimEnd()].reverse().join('')}\n`);
    assertEqual(peer.write(answer), answer.length, 'server write');
    const reply = await readExactly(client, answer.length);
    assertEqual(toText(reply), 'SLT rebü ,sjg morf olleh\n', 'client reads the reply');
    assertEqual(client.bytes_available(), 0, 'nothing left over');

    // A larger write arrives whole and in order (several TLS records).
    const big = new Uint8Array(200000).map((_v, i) => (i * 7 + 3) & 0xff);
    assertEqual(client.write(big), big.length, 'large write accepted');
    const bigBack = await readExactly(peer, big.length);
    assertEqual(GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, bigBack),
        GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, big), 'large payload intact');

    // Orderly close: the server sees the disconnect.
    const gone = once(peer, 'disconnected');
    client.disconnect_from_host();
    await bounded(gone, 'server-side disconnected');
    assertEqual(peer.get_state(), Qssl.SocketState.UNCONNECTED, 'server side unconnected');
    assertEqual(failures, [], 'server reported no errors');
});

// A client that trusts the test root connects to a server presenting @name;
// the promise must reject and ssl-errors must list @codes (for @cert).
async function checkVerificationFailure(name, chainFile, certFile, codes) {
    const {server, port, failures} = startServer(serverConfiguration(name, chainFile));
    const accepted = server.accept_async(null);
    const {client, events, sslErrors} = newClient();
    const verifyErrors = [];
    client.connect('peer-verify-error', (_s, error) => verifyErrors.push(error.get_error()));

    const error = await bounded(assertRejects(client.connect_to_host_encrypted_async('localhost', port, null),
        Qssl.socket_error_quark(), Qssl.SocketError.SSL_HANDSHAKE_FAILED, 'connect rejects'),
    'connect failure');
    assertTrue(error.message.length > 0, 'error has a message');
    assertEqual(client.is_encrypted, false, 'not encrypted');
    assertEqual(client.get_error(), Qssl.SocketError.SSL_HANDSHAKE_FAILED, 'socket error');
    assertEqual(sslErrors.length, 1, 'ssl-errors emitted once');
    const errors = sslErrors[0];
    assertTrue(Array.isArray(errors), 'ssl-errors gives a JS array');
    assertTrue(errors.every(e => e instanceof Qssl.Error), 'of Qssl.Error');
    assertEqual(errors.map(e => e.get_error()), codes, 'ssl-errors codes');
    const expectedCert = Qssl.Certificate.new_from_data(pkiBytes(certFile), pem);
    assertTrue(errors.every(e => e.get_certificate().equal(expectedCert)), 'errors name the server certificate');
    assertTrue(errors.every(e => e.get_error_string().length > 0), 'errors have a text');
    assertEqual(verifyErrors, codes, 'peer-verify-error codes');
    assertEqual(client.get_ssl_handshake_errors().map(e => e.get_error()), codes, 'get_ssl_handshake_errors');
    assertEqual(events.includes('encrypted'), false, 'no encrypted signal');
    // The client verifies after OpenSSL's handshake, as Qt does: the server
    // has finished its side and then sees the client hang up.
    const peer = await bounded(accepted, 'accept');
    cleanups.push(() => peer.abort());
    if (peer.get_state() !== Qssl.SocketState.UNCONNECTED)
        await bounded(once(peer, 'disconnected'), 'server-side disconnected');
    assertEqual(peer.get_error(), Qssl.SocketError.REMOTE_HOST_CLOSED, 'server-side error');
    assertEqual(failures, [], 'no handshake failure on the server');
}

test('wrong host: the promise rejects with SSL_HANDSHAKE_FAILED', () =>
    checkVerificationFailure('wrong-host', 'wrong-host-chain.pem', 'wrong-host.pem',
        [Qssl.ErrorCode.HOST_NAME_MISMATCH]));

test('self-signed: the promise rejects with SSL_HANDSHAKE_FAILED', () =>
    checkVerificationFailure('self-signed', 'self-signed.pem', 'self-signed.pem',
        [Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE]));

test('ignore_ssl_errors in the ssl-errors handler completes the handshake', async () => {
    const {server, port} = startServer(serverConfiguration('wrong-host'));
    const accepted = server.accept_async(null);
    const {client, events} = newClient();
    let seen = null;
    client.connect('ssl-errors', (socket, errors) => {
        seen = errors.map(e => e.get_error());
        socket.ignore_ssl_errors();
    });
    assertEqual(await bounded(client.connect_to_host_encrypted_async('localhost', port, null), 'connect'),
        true, 'connect resolves');
    assertEqual(seen, [Qssl.ErrorCode.HOST_NAME_MISMATCH], 'handler saw the mismatch');
    assertEqual(client.is_encrypted, true, 'encrypted');
    assertEqual(events, ['host-found', 'connected', 'mode:1', 'ssl-errors', 'encrypted'], 'signal order');
    assertEqual(client.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME),
        ['wrong.example.test'], 'peer CN');
    const peer = await bounded(accepted, 'accept');
    cleanups.push(() => peer.abort());
    assertEqual(peer.is_encrypted, true, 'server side encrypted');
    peer.write(encoder.encode('ping'));
    assertEqual(toText(await readExactly(client, 4)), 'ping', 'data flows after ignoring');
});

// Connects a client to a self-signed server after @prepare(client, cert).
async function connectSelfSigned(prepare) {
    const {port} = startServer(serverConfiguration('self-signed', 'self-signed.pem'));
    const {client, sslErrors} = newClient();
    prepare(client, Qssl.Certificate.new_from_data(pkiBytes('self-signed.pem'), pem));
    let result;
    try {
        result = await bounded(client.connect_to_host_encrypted_async('localhost', port, null), 'connect');
    } catch (e) {
        if (e instanceof Failure)
            throw e;
        result = e;
    }
    return {client, result, sslErrors};
}

test('ignore_ssl_errors_list: the exact error lets the handshake through', async () => {
    const {client, result, sslErrors} = await connectSelfSigned((socket, cert) =>
        socket.ignore_ssl_errors_list([Qssl.Error.new(Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE, cert)]));
    assertEqual(result, true, 'connect resolves');
    assertEqual(client.is_encrypted, true, 'encrypted');
    // As in Qt, ssl-errors is still emitted for what was found.
    assertEqual(sslErrors.map(list => list.map(e => e.get_error())),
        [[Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE]], 'ssl-errors');
});

test('ignore_ssl_errors_list: another certificate or code does not match', async () => {
    const other = Qssl.Certificate.new_from_data(pkiBytes('server-ec.pem'), pem);
    for (const make of [
        cert => Qssl.Error.new(Qssl.ErrorCode.HOST_NAME_MISMATCH, cert),
        () => Qssl.Error.new(Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE, other),
    ]) {
        // eslint-disable-next-line no-await-in-loop
        const {client, result} = await connectSelfSigned((socket, cert) =>
            socket.ignore_ssl_errors_list([make(cert)]));
        assertTrue(result instanceof GLib.Error &&
            result.matches(Qssl.socket_error_quark(), Qssl.SocketError.SSL_HANDSHAKE_FAILED), 'rejected');
        assertEqual(client.is_encrypted, false, 'not encrypted');
    }
});

test('ignore_ssl_errors_list: a later empty list clears it', async () => {
    const {client, result} = await connectSelfSigned((socket, cert) => {
        socket.ignore_ssl_errors_list([Qssl.Error.new(Qssl.ErrorCode.SELF_SIGNED_CERTIFICATE, cert)]);
        socket.ignore_ssl_errors_list([]);
    });
    assertTrue(result instanceof GLib.Error, 'rejected');
    assertEqual(client.is_encrypted, false, 'not encrypted');
});

test('ignore_ssl_errors_list: a list that does not match wins over ignore_ssl_errors()', async () => {
    const {client, result} = await connectSelfSigned((socket, cert) => {
        socket.ignore_ssl_errors();
        socket.ignore_ssl_errors_list([Qssl.Error.new(Qssl.ErrorCode.HOST_NAME_MISMATCH, cert)]);
    });
    assertTrue(result instanceof GLib.Error, `rejected (${fmt(result)})`);
    assertEqual(client.is_encrypted, false, 'not encrypted');
    assertEqual(client.get_state(), Qssl.SocketState.UNCONNECTED, 'unconnected');
});

test('PSK on both sides (TLS 1.2, PSK-AES128-GCM-SHA256, no certificate)', async () => {
    const cipher = 'PSK-AES128-GCM-SHA256';
    const key = new GLib.Bytes(encoder.encode('secret-psk-key-1234567890'));
    const serverConfig = Qssl.Configuration.new();
    serverConfig.set_protocol(Qssl.Protocol.TLS_V1_2);
    assertTrue(serverConfig.set_ciphers_from_string(cipher), 'server ciphers');
    serverConfig.set_pre_shared_key_identity_hint(new GLib.Bytes(encoder.encode('QtTestServerHint')));
    const {server, port, failures} = startServer(serverConfig);
    const serverSeen = [];
    server.connect('pre-shared-key-authentication-required', (_server, socket, authenticator) => {
        assertTrue(socket instanceof Qssl.Socket, 'server handler gets the socket');
        serverSeen.push([toText(authenticator.get_identity()), toText(authenticator.get_identity_hint())]);
        authenticator.set_pre_shared_key(key);
    });
    const accepted = server.accept_async(null);

    const clientConfig = clientConfiguration();
    clientConfig.set_protocol(Qssl.Protocol.TLS_V1_2);
    assertTrue(clientConfig.set_ciphers_from_string(cipher), 'client ciphers');
    const {client, sslErrors} = newClient(clientConfig);
    const clientSeen = [];
    client.connect('pre-shared-key-authentication-required', (_socket, authenticator) => {
        clientSeen.push(toText(authenticator.get_identity_hint()));
        assertTrue(authenticator.get_maximum_identity_length() >= 128, 'identity length');
        authenticator.set_identity(new GLib.Bytes(encoder.encode('Client_identity')));
        authenticator.set_pre_shared_key(key);
    });

    assertEqual(await bounded(client.connect_to_host_encrypted_async('localhost', port, null), 'connect'),
        true, 'connect resolves');
    assertEqual(clientSeen, ['QtTestServerHint'], 'client handler saw the hint');
    assertEqual(serverSeen, [['Client_identity', 'QtTestServerHint']], 'server handler saw the identity');
    assertEqual(sslErrors.length, 0, 'no ssl-errors');
    assertEqual(client.get_session_cipher().get_name(), cipher, 'session cipher');
    assertEqual(client.get_session_protocol(), Qssl.Protocol.TLS_V1_2, 'session protocol');
    assertEqual(client.get_peer_certificate(), null, 'no peer certificate');

    const peer = await bounded(accepted, 'accept');
    cleanups.push(() => peer.abort());
    assertEqual(peer.get_session_cipher().get_name(), cipher, 'server cipher');
    client.write(encoder.encode('psk data'));
    assertEqual(toText(await readExactly(peer, 8)), 'psk data', 'data over PSK');
    assertEqual(failures, [], 'server reported no errors');
});

test('PSK with a wrong key fails on both sides', async () => {
    const cipher = 'PSK-AES128-GCM-SHA256';
    const serverConfig = Qssl.Configuration.new();
    serverConfig.set_protocol(Qssl.Protocol.TLS_V1_2);
    serverConfig.set_ciphers_from_string(cipher);
    const {server, port} = startServer(serverConfig);
    server.connect('pre-shared-key-authentication-required', (_server, _socket, authenticator) =>
        authenticator.set_pre_shared_key(new GLib.Bytes(encoder.encode('another-key'))));
    const clientConfig = clientConfiguration();
    clientConfig.set_protocol(Qssl.Protocol.TLS_V1_2);
    clientConfig.set_ciphers_from_string(cipher);
    const {client} = newClient(clientConfig);
    const serverFailed = once(server, 'error-occurred');
    client.connect('pre-shared-key-authentication-required', (_socket, authenticator) => {
        authenticator.set_identity(new GLib.Bytes(encoder.encode('Client_identity')));
        authenticator.set_pre_shared_key(new GLib.Bytes(encoder.encode('secret-psk-key-1234567890')));
    });
    await bounded(assertRejects(client.connect_to_host_encrypted_async('localhost', port, null),
        Qssl.socket_error_quark(), Qssl.SocketError.SSL_HANDSHAKE_FAILED, 'connect rejects'), 'connect');
    assertEqual(client.is_encrypted, false, 'not encrypted');
    const [, serverError] = await bounded(serverFailed, 'server-side error-occurred');
    assertEqual(serverError, Qssl.SocketError.SSL_HANDSHAKE_FAILED, 'server-side error');
});

test('ALPN: both sides agree on the common protocol', async () => {
    const serverConfig = serverConfiguration('server-ec');
    serverConfig.set_allowed_next_protocols([Qssl.ALPN_HTTP_1_1]);
    const {server, port} = startServer(serverConfig);
    const accepted = server.accept_async(null);
    const clientConfig = clientConfiguration();
    clientConfig.set_allowed_next_protocols([Qssl.ALPN_HTTP2, Qssl.ALPN_HTTP_1_1]);
    assertEqual(clientConfig.get_allowed_next_protocols(), ['h2', 'http/1.1'], 'allowed protocols');
    const {client} = newClient(clientConfig);
    await bounded(client.connect_to_host_encrypted_async('localhost', port, null), 'connect');
    const clientSide = client.get_ssl_configuration();
    assertEqual(clientSide.get_next_negotiated_protocol(), 'http/1.1', 'client negotiated');
    assertEqual(clientSide.get_next_protocol_negotiation_status(),
        Qssl.NextProtocolNegotiationStatus.NEGOTIATED, 'client status');
    const peer = await bounded(accepted, 'accept');
    cleanups.push(() => peer.abort());
    assertEqual(peer.get_ssl_configuration().get_next_negotiated_protocol(), 'http/1.1', 'server negotiated');
});

test('ALPN: no protocol in common leaves nothing negotiated', async () => {
    const serverConfig = serverConfiguration('server-ec');
    serverConfig.set_allowed_next_protocols(['h2']);
    const {server, port} = startServer(serverConfig);
    const accepted = server.accept_async(null);
    const clientConfig = clientConfiguration();
    clientConfig.set_allowed_next_protocols(['http/1.1']);
    const {client} = newClient(clientConfig);
    // Qt's server accepts the connection without a protocol rather than
    // sending no_application_protocol.
    await bounded(client.connect_to_host_encrypted_async('localhost', port, null), 'connect');
    assertEqual(client.get_ssl_configuration().get_next_negotiated_protocol(), null, 'nothing negotiated');
    const peer = await bounded(accepted, 'accept');
    cleanups.push(() => peer.abort());
    assertEqual(peer.get_ssl_configuration().get_next_negotiated_protocol(), null, 'server: nothing');
});

test('start_server_encryption and handshake_async on adopted sockets', async () => {
    // The GIO way round: a plain Gio.SocketService hands over connections,
    // and both sides await handshake_async.
    const config = serverConfiguration('server-ec');
    const service = new Gio.SocketService();
    const port = service.add_any_inet_port(null);
    cleanups.push(() => service.stop());
    const incoming = new Promise(resolve => {
        service.connect('incoming', (_service, connection) => {
            const sock = Qssl.Socket.new_from_socket(connection.get_socket());
            sock.set_ssl_configuration(config);
            sock.start_server_encryption();
            resolve([sock, connection]);
            return true;
        });
    });
    service.start();
    const {client} = newClient();
    const clientDone = client.connect_to_host_encrypted_async('localhost', port, null);
    const [peer, connection] = await bounded(incoming, 'incoming');
    cleanups.push(() => peer.abort(), () => connection.close(null));
    assertEqual(await bounded(peer.handshake_async(GLib.PRIORITY_DEFAULT, null), 'server handshake'), true,
        'server handshake_async');
    assertEqual(await bounded(clientDone, 'client connect'), true, 'client connected');
    assertEqual(peer.is_encrypted && client.is_encrypted, true, 'both encrypted');
});

// --- runner -----------------------------------------------------------------------

const loop = new GLib.MainLoop(null, false);
let failed = 0;

GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, WATCHDOG_S, () => {
    print(`Bail out! the main loop ran for ${WATCHDOG_S} s`);
    System.exit(1);
    return GLib.SOURCE_REMOVE;
});

async function main() {
    if (!pki) {
        print('Bail out! QSSL_TEST_PKI is not set: run the suite with meson test');
        failed = 1;
        return;
    }
    print(`1..${tests.length}`);
    for (const [index, [name, fn]] of tests.entries()) {
        let detail = '';
        try {
            await fn();
        } catch (e) {
            detail = e instanceof Failure ? e.message : `${e}\n${e.stack ?? ''}`;
        }
        for (const cleanup of cleanups.splice(0))
            cleanup();
        if (detail) {
            failed++;
            print(`not ok ${index + 1} ${name}`);
            for (const line of detail.trimEnd().split('\n'))
                print(`# ${line}`);
        } else {
            print(`ok ${index + 1} ${name}`);
        }
    }
}

main().catch(e => {
    print(`Bail out! ${e}`);
    failed = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(failed ? 1 : 0);
