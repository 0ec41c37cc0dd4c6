// SNI virtual hosts of a QsslServer in GJS: a client that sends a name
// gets that host's certificate (verified against the name, so no
// ssl-errors), the accepted socket reports the name it asked for. TAP output.
import GLib from 'gi://GLib';
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

function serverConfiguration(name) {
    const config = Qssl.Configuration.get_default();
    config.set_local_certificate_chain(Qssl.Certificate.list_from_data(read(`${name}-chain.pem`), pem));
    config.set_private_key(Qssl.Key.new_from_data(read(`${name}.key`), Qssl.KeyAlgorithm.EC, pem,
        Qssl.KeyType.PRIVATE_KEY, null));
    return config;
}

const server = Qssl.Server.new();
server.set_ssl_configuration(serverConfiguration('server-ec'));
server.set_host_configuration('a.example.test', serverConfiguration('vhost-a'));
server.set_host_configuration('*.example.test', serverConfiguration('wildcard'));
server.listen(null, 0);
const accepted = [];
server.connect('pending-connection-available', () => {
    let sock;
    while ((sock = server.next_pending_connection()) !== null)
        accepted.push(sock);
});

const clientConfig = Qssl.Configuration.get_default();
clientConfig.set_ca_certificates([Qssl.Certificate.new_from_data(read('ca.pem'), pem)]);

for (const [name, commonName] of [['a.example.test', 'a.example.test'], ['b.example.test', '*.example.test'],
    ['localhost', 'localhost']]) {
    const client = new Qssl.Socket();
    client.set_ssl_configuration(clientConfig);
    let sslErrors = 0;
    client.connect('ssl-errors', (_s, errors) => {
        sslErrors += errors.length;
    });
    const count = accepted.length;
    client.connect_to_host_encrypted_with_peer_name('127.0.0.1', server.get_server_port(), name,
        Qssl.NetworkLayerProtocol.IPV4);
    check(`${name}: encrypted`, runUntil(() => client.is_encrypted && accepted.length > count));
    check(`${name}: no ssl-errors`, sslErrors === 0);
    check(`${name}: served by its host`,
        client.get_peer_certificate().get_subject_info(Qssl.SubjectInfo.COMMON_NAME)[0] === commonName);
    check(`${name}: requested server name`, accepted.length > count &&
        accepted[count].get_requested_server_name() === name);
    check(`${name}: client has none`, client.get_requested_server_name() === null);
    client.abort();
}

accepted.forEach(sock => sock.abort());
server.close();

print(`1..${results.length}`);
let failed = 0;
results.forEach(([name, ok], i) => {
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${i + 1} ${name}`);
});
System.exit(failed ? 1 : 0);
