// A client and a server QsslSocket in GJS on one main context, through the
// bindings/gjs helper. TAP output.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
import Qssl from '../../bindings/gjs/qssl.js';

const pki = GLib.getenv('QSSL_TEST_PKI');
const read = name => GLib.file_get_contents(`${pki}/${name}`)[1];
const pem = Qssl.EncodingFormat.PEM;

function runUntil(predicate, timeoutMs = 10000) {
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

// Server: adopt each accepted connection and echo.
const serverConfig = Qssl.Configuration.get_default();
serverConfig.set_local_certificate_chain(Qssl.Certificate.list_from_data(read('server-ec-chain.pem'), pem));
serverConfig.set_private_key(Qssl.Key.new_from_data(read('server-ec.key'), Qssl.KeyAlgorithm.EC, pem,
    Qssl.KeyType.PRIVATE_KEY, null));
const service = new Gio.SocketService();
const port = service.add_any_inet_port(null);
const accepted = [];
service.connect('incoming', (_service, connection) => {
    const sock = Qssl.Socket.new_from_socket(connection.get_socket());
    sock.set_ssl_configuration(serverConfig);
    sock.connect('ready-read', s => s.write(s.read_all().get_data()));
    sock.start_server_encryption();
    accepted.push([sock, connection]);
    return true;
});
service.start();

// Client
const clientConfig = Qssl.Configuration.get_default();
clientConfig.set_ca_certificates([Qssl.Certificate.new_from_data(read('ca.pem'), pem)]);
const client = new Qssl.Socket();
client.set_ssl_configuration(clientConfig);
const events = [];
for (const name of ['host-found', 'connected', 'encrypted'])
    client.connect(name, () => events.push(name));
client.connect('mode-changed', (_s, mode) => events.push(`mode:${mode}`));
client.connect_to_host_encrypted('localhost', port, Qssl.NetworkLayerProtocol.ANY_IP);
// GJS reads the is-encrypted property here: properties win over same-named methods.
check('encrypted', runUntil(() => client.is_encrypted));
check('signal order', events.join(' ') === 'host-found connected mode:1 encrypted');
check('session protocol TLS 1.3', client.get_session_protocol() === Qssl.Protocol.TLS_V1_3);
check('negotiated group', typeof client.get_negotiated_group() === 'string' &&
    client.get_negotiated_group().length > 0);
check('Nagle off on the client', client.get_socket_option(Qssl.SocketOption.LOW_DELAY) === 1);
const cacheConfig = Qssl.Configuration.new();
cacheConfig.set_session_cache_size(1);
check('session cache size', cacheConfig.get_session_cache_size() === 1 &&
    Qssl.Configuration.new().get_session_cache_size() === 20480);
check('peer CN', client.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME)[0] === 'localhost');

let received = '';
client.connect('ready-read', s => {
    received += new TextDecoder().decode(s.read_all().get_data());
});
client.write(new TextEncoder().encode('hello from gjs\n'));
check('echo', runUntil(() => received === 'hello from gjs\n'));

// Verification failure: wrong host name.
const wrong = new Qssl.Socket();
wrong.set_ssl_configuration(clientConfig);
let sslErrors = null;
let failure = null;
wrong.connect('ssl-errors', (_s, errors) => {
    sslErrors = errors.map(e => e.get_error());
});
wrong.connect('error-occurred', (_s, error) => {
    failure = error;
});
wrong.connect_to_host_encrypted_with_peer_name('127.0.0.1', port, 'other.example.test',
    Qssl.NetworkLayerProtocol.IPV4);
check('handshake fails', runUntil(() => failure !== null) && failure === Qssl.SocketError.SSL_HANDSHAKE_FAILED);
check('ssl-errors lists HOST_NAME_MISMATCH', sslErrors !== null && sslErrors.length === 1 &&
    sslErrors[0] === Qssl.ErrorCode.HOST_NAME_MISMATCH);

client.abort();
service.stop();

print(`1..${results.length}`);
let failed = 0;
results.forEach(([name, ok], i) => {
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${i + 1} ${name}`);
});
System.exit(failed ? 1 : 0);
