// The library loads in GJS and reports OpenSSL 3; enum values equal Qt's.
// Output is TAP so meson can count the assertions.
import Qssl from 'gi://Qssl?version=1.0';
import GLib from 'gi://GLib';
import System from 'system';

const checks = [];
function check(name, fn) {
    checks.push([name, fn]);
}

check('supports_ssl', () => Qssl.Socket.supports_ssl() === true);
check('openssl 3', () => Qssl.Socket.ssl_library_version_string().startsWith('OpenSSL 3.'));
check('version', () => Qssl.get_major_version() === 1);
check('PeerVerifyMode.AUTO_VERIFY_PEER', () => Qssl.PeerVerifyMode.AUTO_VERIFY_PEER === 3);
check('Protocol.SECURE_PROTOCOLS', () => Qssl.Protocol.SECURE_PROTOCOLS === 4);
check('Protocol.UNKNOWN_PROTOCOL', () => Qssl.Protocol.UNKNOWN_PROTOCOL === -1);
check('ErrorCode.HOST_NAME_MISMATCH', () => Qssl.ErrorCode.HOST_NAME_MISMATCH === 22);
check('SocketError.SSL_HANDSHAKE_FAILED', () => Qssl.SocketError.SSL_HANDSHAKE_FAILED === 13);
check('AlertType.NO_APPLICATION_PROTOCOL', () => Qssl.AlertType.NO_APPLICATION_PROTOCOL === 120);
check('SslOptions.DISABLE_SESSION_TICKETS', () => Qssl.SslOptions.DISABLE_SESSION_TICKETS === 2);
check('error domain', () => Qssl.socket_error_quark() === GLib.quark_from_string('qssl-socket-error-quark'));
check('ALPN constants', () => Qssl.ALPN_HTTP2 === 'h2' && Qssl.ALPN_HTTP_1_1 === 'http/1.1');

print(`1..${checks.length}`);
let failed = 0;
checks.forEach(([name, fn], i) => {
    let ok = false;
    let detail = '';
    try {
        ok = fn();
    } catch (e) {
        detail = ` # ${e}`;
    }
    if (!ok)
        failed++;
    print(`${ok ? 'ok' : 'not ok'} ${i + 1} ${name}${detail}`);
});
System.exit(failed ? 1 : 0);
