// A TLS client in TypeScript on the GJS helper: what `tsc --noEmit`
// type-checks against the declarations generated from Qssl-1.0.gir.
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Qssl from '../../../bindings/gjs/qssl.js';

export async function fetch(host: string, port: number, ca: GLib.Bytes,
    cancellable: Gio.Cancellable | null = null): Promise<string> {
    const config: Qssl.Configuration = Qssl.Configuration.get_default();
    config.set_ca_certificates([Qssl.Certificate.new_from_data(ca, Qssl.EncodingFormat.PEM)]);
    const socket = new Qssl.Socket();
    socket.set_ssl_configuration(config);
    socket.connect('ssl-errors', (_s: Qssl.Socket, errors: Qssl.Error[]) => {
        for (const error of errors)
            console.log(error.get_error_string());
    });
    const encrypted: boolean = await socket.connect_to_host_encrypted_async(host, port, cancellable);
    if (!encrypted)
        throw new Error('not encrypted');
    const cipher: Qssl.Cipher | null = socket.get_session_cipher();
    console.log(cipher?.get_name(), socket.get_session_protocol() === Qssl.Protocol.TLS_V1_3);
    socket.write(new TextEncoder().encode(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`));
    const decoder = new TextDecoder();
    let reply = '';
    for await (const chunk of socket.incoming())
        reply += decoder.decode(chunk.get_data() ?? new Uint8Array());
    return reply;
}

export async function serveOnce(config: Qssl.Configuration): Promise<number> {
    const server = new Qssl.Server();
    server.set_ssl_configuration(config);
    server.listen(null, 0);
    const peer: Qssl.Socket = await server.accept_async(null);
    peer.write(new TextEncoder().encode('hello\n'));
    peer.disconnect_from_host();
    server.close();
    return server.get_server_port();
}
