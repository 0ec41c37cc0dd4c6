// DTLS in GJS: a QsslDtlsServer echoing and a QsslDtlsConnection client on
// one main context. TAP output.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
import Qssl from '../../bindings/gjs/qssl.js';

const pki = GLib.getenv('QSSL_TEST_PKI');
const read = name => GLib.file_get_contents(`${pki}/${name}`)[1];
const pem = Qssl.EncodingFormat.PEM;
const loopback = Gio.InetAddress.new_loopback(Gio.SocketFamily.IPV4);

function runUntil(predicate, timeoutMs = 60000) {
    const context = GLib.MainContext.default();
    const deadline = GLib.get_monotonic_time() + timeoutMs * 1000;
    while (!predicate() && GLib.get_monotonic_time() < deadline)
        context.iteration(true);
    return predicate();
}

const results = [];
function check(name, ok) {
    results.push([name, ok]);
}

const serverConfig = Qssl.Configuration.get_default_dtls();
serverConfig.set_local_certificate_chain(Qssl.Certificate.list_from_data(read('server-rsa-chain.pem'), pem));
serverConfig.set_private_key(Qssl.Key.new_from_data(read('server-rsa.key'), Qssl.KeyAlgorithm.RSA, pem,
    Qssl.KeyType.PRIVATE_KEY, null));
const server = Qssl.DtlsServer.new();
server.set_dtls_configuration(serverConfig);
const connections = [];
server.connect('new-connection', (_server, connection) => {
    connections.push(connection);
    connection.connect('received', (conn, datagram) => conn.send(datagram));
});
server.listen(loopback, 0);

const clientConfig = Qssl.Configuration.get_default_dtls();
clientConfig.set_ca_certificates(Qssl.Certificate.from_file(`${pki}/ca.pem`, pem));
const client = Qssl.DtlsConnection.new_client(loopback, server.get_server_port(), 'localhost', clientConfig);
let handshake = null;
client.handshake_async(null, (conn, result) => {
    try {
        handshake = conn.handshake_finish(result);
    } catch (e) {
        handshake = e;
    }
});
check('handshake completes', runUntil(() => handshake !== null) && handshake === true);
check('DTLS 1.2', client.get_session_protocol() === Qssl.Protocol.DTLS_V1_2);
check('server has the peer', connections.length === 1 && server.get_connections().length === 1);

const received = [];
client.connect('received', (_conn, datagram) => received.push(new TextDecoder().decode(datagram.get_data())));
client.send(new GLib.Bytes(new TextEncoder().encode('hello over dtls from gjs')));
check('echo', runUntil(() => received.length === 1) && received[0] === 'hello over dtls from gjs');

// Larger than the MTU: DATAGRAM_TOO_LARGE.
let tooLarge = null;
try {
    client.send(new GLib.Bytes(new Uint8Array(2000)));
} catch (e) {
    tooLarge = e;
}
check('datagram too large', tooLarge !== null &&
    tooLarge.matches(Qssl.socket_error_quark(), Qssl.SocketError.DATAGRAM_TOO_LARGE));

client.close();
check('server forgets the closed peer', runUntil(() => server.get_connections().length === 0));
check('backend', Qssl.Socket.active_backend() === 'openssl' &&
    Qssl.Socket.is_class_implemented(Qssl.ImplementedClass.DTLS));
server.close();

print(`1..${results.length}`);
let failed = 0;
results.forEach(([name, ok], i) => {
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${i + 1} ${name}`);
});
System.exit(failed ? 1 : 0);
