// GJS helper for libqssl: import Qssl from here instead of 'gi://Qssl'.
//
// - every *_async/*_finish pair of every Qssl class (inherited GIO ones too)
//   returns a Promise when called without a callback: `await
//   socket.connect_to_host_encrypted_async(host, port)`; the cancellable may
//   be left out or passed as a Gio.Cancellable;
// - `for await (const chunk of socket.incoming())`: the socket's data as
//   GLib.Bytes until the peer closes;
// - signals connect as in Qt (below), and ignore_ssl_errors_list works.
//
// GSocketConnection's connect(address) method hides GObject's
// connect(signal, handler) on every socket connection; QsslSocket is one, and
// Qt users connect signals first. A string first argument means a signal.
// read(size) is replaced by one that works (see below).
import GLib from 'gi://GLib';
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

// Promises. Not Gio._promisify(): it tells a call with a callback from one
// without by the argument count alone, so a left-out cancellable would take
// the callback's place. The pairs are found on the prototypes (GJS lists
// introspected methods there, inherited ones on the parents' prototypes)
// and the wrappers set on the Qssl class itself: GIO's classes stay as
// they are.
const promised = Symbol('qssl-promised');

function promisify(proto, asyncName, finishName) {
    const original = proto[asyncName];
    if (typeof original !== 'function' || original[promised])
        return;
    // The introspected arity counts the callback, not user_data.
    const inArgs = original.length - 1;
    const wrapper = function (...args) {
        if (args.length > inArgs || typeof args[inArgs] === 'function')
            return original.apply(this, args);
        while (args.length < inArgs)
            args.push(null);
        return new Promise((resolve, reject) => {
            original.call(this, ...args, (source, result) => {
                try {
                    resolve((source ?? this)[finishName](result));
                } catch (error) {
                    reject(error);
                }
            });
        });
    };
    wrapper[promised] = true;
    proto[asyncName] = wrapper;
}

function promisifyClass(klass) {
    const names = new Set();
    for (let p = klass.prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
        Object.getOwnPropertyNames(p).forEach(name => names.add(name));
    for (const name of names) {
        if (!name.endsWith('_async') || name.startsWith('vfunc_'))
            continue;
        const finishName = `${name.slice(0, -'_async'.length)}_finish`;
        if (names.has(finishName))
            promisify(klass.prototype, name, finishName);
    }
}

for (const name of Object.keys(Qssl)) {
    const value = Qssl[name];
    if (typeof value === 'function' && value.$gtype && GObject.type_is_a(value.$gtype, GObject.Object.$gtype))
        promisifyClass(value);
}

// socket.incoming(): an async iterator of what arrives, as GLib.Bytes, that
// ends when the peer has closed and throws on a socket error. Data is read
// only as the loop asks for it; meanwhile the socket buffers it (bound that
// with set_read_buffer_size() for backpressure).
Qssl.Socket.prototype.incoming = async function* () {
    const socket = this;
    let wake = null;
    let ended = false;
    let failure = null;
    const notify = () => {
        if (wake) {
            const resolve = wake;
            wake = null;
            resolve();
        }
    };
    const ids = [
        signalConnect.call(socket, 'ready-read', notify),
        signalConnect.call(socket, 'read-channel-finished', () => {
            ended = true;
            notify();
        }),
        signalConnect.call(socket, 'disconnected', () => {
            ended = true;
            notify();
        }),
        signalConnect.call(socket, 'error-occurred', (_s, code) => {
            if (code === Qssl.SocketError.REMOTE_HOST_CLOSED) {
                ended = true;
            } else {
                failure = new GLib.Error(Qssl.socket_error_quark(), code, socket.get_error_string());
            }
            notify();
        }),
    ];
    try {
        for (;;) {
            if (socket.bytes_available() > 0) {
                yield socket.read_all();
                continue;
            }
            if (failure)
                throw failure;
            if (ended || socket.at_end() || socket.get_state() === Qssl.SocketState.UNCONNECTED)
                return;
            // eslint-disable-next-line no-await-in-loop
            await new Promise(resolve => {
                wake = resolve;
            });
        }
    } finally {
        ids.forEach(id => GObject.Object.prototype.disconnect.call(socket, id));
    }
};

export default Qssl;
