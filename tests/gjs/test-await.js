// The GJS helper's promises and async iteration: a client and a QsslServer
// on one main loop, awaited. TAP output.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import System from 'system';
import Qssl from '../../bindings/gjs/qssl.js';

const pki = GLib.getenv('QSSL_TEST_PKI');
const read = name => GLib.file_get_contents(`${pki}/${name}`)[1];
const pem = Qssl.EncodingFormat.PEM;

const results = [];
function check(name, ok) {
    results.push([name, Boolean(ok)]);
}

const serverConfig = Qssl.Configuration.get_default();
serverConfig.set_local_certificate_chain(Qssl.Certificate.list_from_data(read('server-ec-chain.pem'), pem));
serverConfig.set_private_key(Qssl.Key.new_from_data(read('server-ec.key'), Qssl.KeyAlgorithm.EC, pem,
    Qssl.KeyType.PRIVATE_KEY, null));
const clientConfig = Qssl.Configuration.get_default();
clientConfig.set_ca_certificates([Qssl.Certificate.new_from_data(read('ca.pem'), pem)]);

async function main() {
    const server = new Qssl.Server();
    server.set_ssl_configuration(serverConfig);
    server.set_handshake_timeout(60000);
    server.listen(null, 0);
    const port = server.get_server_port();

    // Every pair returns a promise, without a callback and without a cancellable.
    const client = new Qssl.Socket();
    client.set_ssl_configuration(clientConfig);
    const accepted = server.accept_async();
    check('accept_async returns a promise', accepted instanceof Promise);
    const connected = client.connect_to_host_encrypted_async('localhost', port);
    check('connect_to_host_encrypted_async returns a promise', connected instanceof Promise);
    check('connect resolves true', await connected === true);
    const peer = await accepted;
    check('accept resolves to an encrypted socket', peer instanceof Qssl.Socket && peer.is_encrypted);
    check('handshake_async (priority only)', await peer.handshake_async(GLib.PRIORITY_DEFAULT) === true);

    // for await over incoming data, until the peer closes.
    const chunks = [];
    const reading = (async () => {
        for await (const chunk of client.incoming())
            chunks.push(new TextDecoder().decode(chunk.get_data()));
    })();
    peer.write(new TextEncoder().encode('one,'));
    await new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, () => resolve() ?? false));
    peer.write(new TextEncoder().encode('two'));
    peer.disconnect_from_host();
    await reading;
    check('for await gets every byte, then ends', chunks.join('') === 'one,two');
    check('incoming yields GLib.Bytes', chunks.length >= 1);

    // The callback form still works as before.
    const other = new Qssl.Socket();
    other.set_ssl_configuration(clientConfig);
    const viaCallback = await new Promise(resolve => {
        server.accept_async(null, (s, result) => resolve(s.accept_finish(result)));
        other.connect_to_host_encrypted('localhost', port, Qssl.NetworkLayerProtocol.ANY_IP);
    });
    check('callback form', viaCallback instanceof Qssl.Socket && viaCallback.is_encrypted);

    // Rejection carries the GLib.Error.
    const wrong = new Qssl.Socket();
    wrong.set_ssl_configuration(clientConfig);
    wrong.set_peer_verify_name('other.example.test');
    try {
        await wrong.connect_to_host_encrypted_async('127.0.0.1', port, null);
        check('verification failure rejects', false);
    } catch (error) {
        check('verification failure rejects', error.matches(Qssl.socket_error_quark(),
            Qssl.SocketError.SSL_HANDSHAKE_FAILED));
        check('errors stay on the socket', wrong.get_ssl_handshake_errors().map(e => e.get_error())
            .includes(Qssl.ErrorCode.HOST_NAME_MISMATCH));
    }

    // Cancelling the GCancellable rejects with CANCELLED. On a server of its
    // own: the TLS 1.3 client above checks the name after its Finished, so
    // the first server has that connection queued already.
    const idle = new Qssl.Server();
    idle.set_ssl_configuration(serverConfig);
    idle.listen(null, 0);
    const cancellable = new Gio.Cancellable();
    const waiting = idle.accept_async(cancellable);
    cancellable.cancel();
    try {
        await waiting;
        check('cancelled accept rejects', false);
    } catch (error) {
        check('cancelled accept rejects', error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED));
    }

    // Inherited GIO pairs are promised on the Qssl class too.
    check('close_async (GIOStream) awaits', await other.close_async(GLib.PRIORITY_DEFAULT, null) === true);
    client.abort();
    viaCallback.abort();
    idle.close();
    server.close();
}

const loop = new GLib.MainLoop(null, false);
let crashed = null;
main().catch(error => {
    crashed = error;
}).finally(() => loop.quit());
loop.run();
if (crashed)
    check(`no exception (${crashed})`, false);

print(`1..${results.length}`);
let failed = 0;
results.forEach(([name, ok], i) => {
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${i + 1} ${name}`);
});
System.exit(failed ? 1 : 0);
