# PyGObject override for Qssl: Pythonic conveniences on top of the typelib.
#
# - bytes in and out: methods that take or return GLib.Bytes also accept and
#   return plain bytes; `socket.read(n)` returns bytes (at most n);
# - `with Qssl.Socket() as s:` closes the socket, `with Qssl.Server() as s:`
#   stops listening;
# - `socket.connect("encrypted", handler)` connects a signal (GIO's
#   GSocketConnection.connect(address) would otherwise hide it);
# - coroutines: `await socket.connect_encrypted(host, port)`,
#   `await socket.receive()`, `await socket.send(data)`,
#   `await server.accept()`, run on the GLib main loop by `Qssl.run(coro)`.
from gi.repository import Gio, GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Qssl = get_introspection_module("Qssl")

__all__ = []


def _to_gbytes(data):
    if data is None or isinstance(data, GLib.Bytes):
        return data
    if isinstance(data, str):
        data = data.encode("utf-8")
    return GLib.Bytes.new(bytes(data))


def _to_bytes(gbytes):
    return None if gbytes is None else gbytes.get_data()


# --- Coroutines on the GLib main loop --------------------------------------

class Future:
    """A result that arrives later, from the GLib main loop. `await` it in a
    coroutine run by `Qssl.run()`."""

    def __init__(self):
        self._done = False
        self._result = None
        self._error = None
        self._callbacks = []

    def done(self):
        return self._done

    def result(self):
        if not self._done:
            raise RuntimeError("the result is not there yet")
        if self._error is not None:
            raise self._error
        return self._result

    def _finish(self, result, error):
        if self._done:
            return
        self._done, self._result, self._error = True, result, error
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback(self)

    def set_result(self, result):
        self._finish(result, None)

    def set_exception(self, error):
        self._finish(None, error)

    def add_done_callback(self, callback):
        if self._done:
            callback(self)
        else:
            self._callbacks.append(callback)

    def __await__(self):
        if not self._done:
            yield self
        return self.result()


def run(coroutine, context=None):
    """Runs @coroutine on a GLib main loop of @context (the thread-default
    one when None) until it returns, and returns what it returns (or raises
    what it raises). Inside, await the Future objects that the Qssl
    coroutine helpers return. The loop serves every other source meanwhile:
    signals, timeouts, other sockets."""
    loop = GLib.MainLoop.new(context, False)
    outcome = {}

    def step(value=None, error=None):
        try:
            future = coroutine.throw(error) if error is not None else coroutine.send(value)
        except StopIteration as stop:
            outcome["result"] = stop.value
            loop.quit()
            return False
        except BaseException as exc:  # handed to the caller of run()
            outcome["error"] = exc
            loop.quit()
            return False
        if not isinstance(future, Future):
            outcome["error"] = TypeError(f"Qssl.run() cannot wait for {future!r}: await Qssl futures only")
            coroutine.close()
            loop.quit()
            return False

        def resume(done):
            # Always from the main loop, never from inside the call that
            # completed the future.
            def later():
                if done._error is not None:
                    step(error=done._error)
                else:
                    step(value=done._result)
                return False
            source = GLib.idle_source_new()
            source.set_callback(lambda *unused: later())
            source.attach(loop.get_context())
        future.add_done_callback(resume)
        return False

    source = GLib.idle_source_new()
    source.set_callback(lambda *unused: step())
    source.attach(loop.get_context())
    loop.run()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _task_future(start, finish, *args):
    future = Future()

    def done(source, result, *unused):
        try:
            future.set_result(finish(result))
        except GLib.Error as error:
            future.set_exception(error)
    start(*args, done)
    return future


__all__ += ["Future", "run"]


# --- Socket -----------------------------------------------------------------

class Socket(Qssl.Socket):
    # GSocketConnection.connect(address) hides GObject's connect(signal, ...)
    # on every socket connection; Qt users connect signals first, so a
    # string first argument means a signal.
    def connect(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            return GObject.Object.connect(self, *args, **kwargs)
        return Gio.SocketConnection.connect(self, *args, **kwargs)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        # Graceful when nothing went wrong, immediate otherwise.
        if exc_info[0] is None:
            Qssl.Socket.close(self)
        else:
            Qssl.Socket.abort(self)
        return False

    # qssl_socket_read() fills a buffer the caller allocates, with its size as
    # an in-argument. PyGObject 3.42 hides that size and passes a buffer of
    # its own (a crash with 10 kB buffered, lost bytes with 6), so read()
    # is read_bytes() here: at most @size bytes, as bytes, b"" when none.
    def read(self, size=-1):
        return self.read_bytes(size)

    def read_bytes(self, max_size=-1):
        if max_size is None or max_size < 0:
            return _to_bytes(Qssl.Socket.read_all(self))
        return _to_bytes(Qssl.Socket.read_bytes(self, max_size))

    def read_all(self):
        return _to_bytes(Qssl.Socket.read_all(self))

    def read_line(self, max_size=0):
        return _to_bytes(Qssl.Socket.read_line(self, max_size))

    def peek_bytes(self, max_size):
        return _to_bytes(Qssl.Socket.peek_bytes(self, max_size))

    def write(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        return Qssl.Socket.write(self, bytes(data))

    def write_bytes(self, data):
        return Qssl.Socket.write_bytes(self, _to_gbytes(data))

    # Coroutine helpers (see Qssl.run).

    def connect_encrypted(self, host, port, cancellable=None):
        """Connects and completes the handshake; a Future of None that fails
        with the handshake's GLib.Error."""
        return _task_future(Qssl.Socket.connect_to_host_encrypted_async,
                            lambda result: Qssl.Socket.connect_to_host_encrypted_finish(self, result),
                            self, host, port, cancellable)

    def handshake(self, cancellable=None):
        """Waits for the handshake that start_client_encryption() or
        start_server_encryption() began; a Future of None."""
        return _task_future(Qssl.Socket.handshake_async,
                            lambda result: Qssl.Socket.handshake_finish(self, result),
                            self, GLib.PRIORITY_DEFAULT, cancellable)

    def receive(self, max_size=-1):
        """A Future of the next bytes available (at most @max_size), or of
        b"" once the peer has closed."""
        future = Future()
        handlers = []

        def settle(*unused):
            if future.done():
                return
            if Qssl.Socket.bytes_available(self) > 0:
                future.set_result(self.read_bytes(max_size))
            elif Qssl.Socket.at_end(self):
                future.set_result(b"")
            else:
                return
            for handler in handlers:
                GObject.Object.disconnect(self, handler)

        handlers.append(GObject.Object.connect(self, "ready-read", settle))
        handlers.append(GObject.Object.connect(self, "read-channel-finished", settle))
        handlers.append(GObject.Object.connect(self, "disconnected", settle))
        settle()
        return future

    def send(self, data):
        """Queues @data and returns a Future of its length, resolved once
        all of it was handed to the network (bytes-written)."""
        future = Future()
        length = self.write(data)
        if length < 0:
            future.set_exception(GLib.Error(Qssl.Socket.get_error_string(self)))
            return future
        pending = [Qssl.Socket.bytes_to_write(self)]
        handlers = []

        def finish(result=None, error=None):
            for handler in handlers:
                GObject.Object.disconnect(self, handler)
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(length)

        def on_written(sock, count):
            if Qssl.Socket.bytes_to_write(self) == 0:
                finish()

        def on_error(sock, code):
            finish(error=GLib.Error(Qssl.Socket.get_error_string(self)))

        if pending[0] == 0:
            future.set_result(length)
            return future
        handlers.append(GObject.Object.connect(self, "bytes-written", on_written))
        handlers.append(GObject.Object.connect(self, "error-occurred", on_error))
        return future


Socket = override(Socket)
__all__.append("Socket")


# --- Server -----------------------------------------------------------------

class Server(Qssl.Server):
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        Qssl.Server.close(self)
        return False

    def accept(self, cancellable=None):
        """A Future of the next encrypted QsslSocket."""
        return _task_future(Qssl.Server.accept_async,
                            lambda result: Qssl.Server.accept_finish(self, result),
                            self, cancellable)


Server = override(Server)
__all__.append("Server")


# --- Value types: bytes instead of GLib.Bytes -------------------------------

class Certificate(Qssl.Certificate):
    @classmethod
    def new_from_data(cls, data, format=Qssl.EncodingFormat.PEM):
        return Qssl.Certificate.new_from_data(_to_gbytes(data), format)

    @staticmethod
    def list_from_data(data, format=Qssl.EncodingFormat.PEM):
        return Qssl.Certificate.list_from_data(_to_gbytes(data), format)

    def to_pem(self):
        return _to_bytes(Qssl.Certificate.to_pem(self))

    def to_der(self):
        return _to_bytes(Qssl.Certificate.to_der(self))


Certificate = override(Certificate)
__all__.append("Certificate")


class Key(Qssl.Key):
    @classmethod
    def new_from_data(cls, data, algorithm=Qssl.KeyAlgorithm.OPAQUE, format=Qssl.EncodingFormat.PEM,
                      key_type=Qssl.KeyType.PRIVATE_KEY, passphrase=None):
        return Qssl.Key.new_from_data(_to_gbytes(data), algorithm, format, key_type, passphrase)

    def to_pem(self, passphrase=None):
        return _to_bytes(Qssl.Key.to_pem(self, passphrase))

    def to_der(self):
        return _to_bytes(Qssl.Key.to_der(self))


Key = override(Key)
__all__.append("Key")


class PreSharedKeyAuthenticator(Qssl.PreSharedKeyAuthenticator):
    def get_identity_hint(self):
        return _to_bytes(Qssl.PreSharedKeyAuthenticator.get_identity_hint(self))

    def get_identity(self):
        return _to_bytes(Qssl.PreSharedKeyAuthenticator.get_identity(self))

    def set_identity(self, identity):
        Qssl.PreSharedKeyAuthenticator.set_identity(self, _to_gbytes(identity))

    def get_pre_shared_key(self):
        return _to_bytes(Qssl.PreSharedKeyAuthenticator.get_pre_shared_key(self))

    def set_pre_shared_key(self, key):
        Qssl.PreSharedKeyAuthenticator.set_pre_shared_key(self, _to_gbytes(key))


PreSharedKeyAuthenticator = override(PreSharedKeyAuthenticator)
__all__.append("PreSharedKeyAuthenticator")


# Configuration is a boxed type: wrap its GBytes accessors in place.
def _bytes_getter(name):
    original = getattr(Qssl.Configuration, name)

    def getter(self):
        return _to_bytes(original(self))
    getter.__name__ = name
    getter.__doc__ = original.__doc__
    return getter


def _bytes_setter(name):
    original = getattr(Qssl.Configuration, name)

    def setter(self, value):
        return original(self, _to_gbytes(value))
    setter.__name__ = name
    setter.__doc__ = original.__doc__
    return setter


class Configuration(Qssl.Configuration):
    pass


for _name in ("get_session_ticket", "get_pre_shared_key_identity_hint", "get_ocsp_response"):
    setattr(Configuration, _name, _bytes_getter(_name))
for _name in ("set_session_ticket", "set_pre_shared_key_identity_hint", "set_ocsp_response"):
    setattr(Configuration, _name, _bytes_setter(_name))

Configuration = override(Configuration)
__all__.append("Configuration")
