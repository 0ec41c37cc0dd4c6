// GJS helper for libqssl: import Qssl from here instead of 'gi://Qssl'.
//
// GSocketConnection's connect(address) method hides GObject's
// connect(signal, handler) on every socket connection; QsslSocket is one, and
// Qt users connect signals first. A string first argument means a signal.
// Also: read(size) that works (see below), and ignore_ssl_errors_list.
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Qssl from 'gi://Qssl?version=1.0';

const socketConnect = Gio.SocketConnection.prototype.connect;
const signalConnect = GObject.Object.prototype.connect;

Qssl.Socket.prototype.connect = function (...args) {
    if (typeof args[0] === 'string')
        return signalConnect.apply(this, args);
    return socketConnect.apply(this, args);
};

// qssl_socket_read() fills a buffer the caller allocates; GJS 1.74 cannot
// call that ("not supported for (out caller-allocates)"). read(size) returns
// at most size buffered bytes as a Uint8Array, like read_bytes().
Qssl.Socket.prototype.read = function (size) {
    return this.read_bytes(size).toArray();
};

// ignore_ssl_errors_list takes a GPtrArray of QsslError. The typelib marks
// such boxed elements as non-pointers (g-ir-scanner drops the C type of an
// element-type annotation), and GJS 1.74 then passes NULL for every element:
// the C side never sees the list. So the list is kept and applied here, with
// the C rule: the handshake goes on only when every error found is listed,
// and a non-empty list decides even after ignore_ssl_errors().
const ignoreState = Symbol('qssl-ignore-list');
const ignoreAll = Qssl.Socket.prototype.ignore_ssl_errors;

function stateOf(socket) {
    if (!socket[ignoreState]) {
        const state = {list: [], ignoringAll: false};
        socket[ignoreState] = state;
        // Connected once, at the first call: it runs after the handlers
        // connected before it, and the C side decides after all of them.
        signalConnect.call(socket, 'ssl-errors', (self, errors) => {
            if (state.list.length === 0)
                return;
            if (errors.every(found => state.list.some(listed => listed.equal(found)))) {
                state.ignoringAll = true;
                ignoreAll.call(self);
            } else if (state.ignoringAll) {
                // ignore_ssl_errors() is sticky in C; the list says no.
                self.abort();
            }
        });
    }
    return socket[ignoreState];
}

Qssl.Socket.prototype.ignore_ssl_errors = function () {
    stateOf(this).ignoringAll = true;
    ignoreAll.call(this);
};

Qssl.Socket.prototype.ignore_ssl_errors_list = function (errors) {
    stateOf(this).list = Array.from(errors, error => error.copy());
};

export default Qssl;
