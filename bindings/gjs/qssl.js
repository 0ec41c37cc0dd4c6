// GJS helper for libqssl: import Qssl from here instead of 'gi://Qssl'.
//
// GSocketConnection's connect(address) method hides GObject's
// connect(signal, handler) on every socket connection; QsslSocket is one, and
// Qt users connect signals first. A string first argument means a signal.
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import Qssl from 'gi://Qssl?version=1.0';

const socketConnect = Gio.SocketConnection.prototype.connect;

Qssl.Socket.prototype.connect = function (...args) {
    if (typeof args[0] === 'string')
        return GObject.Object.prototype.connect.apply(this, args);
    return socketConnect.apply(this, args);
};

export default Qssl;
