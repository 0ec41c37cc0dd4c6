// Types of the GJS helper (qssl.js): the Qssl-1.0 namespace as ts-for-gir
// generates it from the GIR (installed in types/ beside this file, with
// promise-returning overloads for every *_async method), plus what the
// helper adds.
import type GLib from 'gi://GLib?version=2.0';
import type GObject from 'gi://GObject?version=2.0';
import Qssl from 'gi://Qssl?version=1.0';

declare module 'gi://Qssl?version=1.0' {
    namespace Qssl {
        interface Socket {
            /**
             * A signal by name, as the helper connects it (GIO's
             * GSocketConnection.connect(address) hides it otherwise, and the
             * generator leaves it out for that clash).
             */
            connect<K extends keyof Socket.SignalSignatures>(signal: K,
                callback: GObject.SignalCallback<this, Socket.SignalSignatures[K]>): number;
            /**
             * What arrives on the socket, as GLib.Bytes, until the peer
             * closes; throws the GLib.Error of a socket error.
             * `for await (const chunk of socket.incoming())`.
             */
            incoming(): AsyncGenerator<GLib.Bytes, void, undefined>;
        }
    }
}

export default Qssl;
