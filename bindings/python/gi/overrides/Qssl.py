# PyGObject override for Qssl: Pythonic conveniences on top of the typelib.
#
# - bytes in and out: methods that take or return GLib.Bytes also accept and
#   return plain bytes; `socket.read(n)` returns bytes (at most n);
# - `with Qssl.Socket() as s:` closes the socket, `with Qssl.Server() as s:`
#   stops listening;
# - `socket.connect("encrypted", handler)` connects a signal (GIO's
#   GSocketConnection.connect(address) would otherwise hide it);
# - asyncio: the GLib main context runs inside the asyncio loop (or the
#   other way round, asyncio_on_glib()); every *_async method called without
#   a callback returns an awaitable; Qssl.open_connection() and
#   Qssl.start_server() are asyncio's streams over libqssl; Qssl.run(coro)
#   runs a coroutine like asyncio.run().
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


# --- asyncio and the GLib main context, one loop --------------------------
#
# Two directions, one at a time per thread:
#
# - GLib on asyncio (asyncio.run(), the usual case): the asyncio loop runs,
#   and every one of its iterations is also an iteration of the GLib main
#   context: prepare, query, one poll over GLib's fds and the asyncio
#   selector's own epoll fd, check, dispatch. Set up by glib_on_asyncio(),
#   which the Qssl awaitables, Qssl.Socket() and Qssl.Server() call for the
#   running loop, so nothing is needed in user code.
# - asyncio on GLib (a GLib.MainLoop or a GTK application runs): a GSource
#   polls the asyncio selector's epoll fd, waits for the loop's next timer
#   and runs one asyncio iteration per dispatch. Set up by asyncio_on_glib().
#
# No thread and no polling at intervals: both wait in one poll() for
# either side's fds and the nearer of the two timeouts.
#
# Why the selector and not loop.add_reader(): GLib only signals its wakeup
# fd for a source attached from another thread (or to a context made with
# G_MAIN_CONTEXT_FLAGS_OWNERLESS_POLLING, which the default one is not).
# A coroutine that writes to
# a socket attaches sources from this thread, outside dispatch, so the
# context must be prepared again before each wait, as g_main_context_iterate
# does; asyncio's only "before waiting" point is its selector's select().
#
# Why ctypes: PyGObject 3.42 has prepare(), check() and dispatch(), but
# query() drops its caller-allocated GPollFD array (n_fds is an in
# argument), and check() needs that very array back. So the four calls go
# to the libglib that PyGObject itself uses.
import asyncio
import ctypes
import ctypes.util
import math
import select
import selectors

_glib = ctypes.CDLL(ctypes.util.find_library("glib-2.0") or "libglib-2.0.so.0")


class _GPollFD(ctypes.Structure):
    _fields_ = [("fd", ctypes.c_int), ("events", ctypes.c_ushort), ("revents", ctypes.c_ushort)]


_glib.g_main_context_ref_thread_default.restype = ctypes.c_void_p
_glib.g_main_context_ref_thread_default.argtypes = []
_glib.g_main_context_unref.argtypes = [ctypes.c_void_p]
_glib.g_main_context_acquire.argtypes = [ctypes.c_void_p]
_glib.g_main_context_acquire.restype = ctypes.c_int
_glib.g_main_context_release.argtypes = [ctypes.c_void_p]
_glib.g_main_context_prepare.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
_glib.g_main_context_prepare.restype = ctypes.c_int
_glib.g_main_context_query.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                       ctypes.POINTER(_GPollFD), ctypes.c_int]
_glib.g_main_context_query.restype = ctypes.c_int
_glib.g_main_context_check.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_GPollFD), ctypes.c_int]
_glib.g_main_context_check.restype = ctypes.c_int
_glib.g_main_context_dispatch.argtypes = [ctypes.c_void_p]

# GIOCondition and poll(2) use the same bits on Linux (G_IO_IN is POLLIN...).
_POLL_ALWAYS = select.POLLERR | select.POLLHUP | select.POLLNVAL


def _context_pointer(context):
    """A new reference to @context's GMainContext* (the thread-default one
    for None): pushing it makes GLib hand out its address."""
    if context is not None:
        context.push_thread_default()
    try:
        return _glib.g_main_context_ref_thread_default()
    finally:
        if context is not None:
            context.pop_thread_default()


class _GLibSelector(selectors.BaseSelector):
    """The asyncio loop's selector, wrapped: select() is one iteration of
    the GLib main context as well (see above)."""

    def __init__(self, inner, context):
        if not hasattr(inner, "fileno"):
            raise RuntimeError(f"Qssl needs an asyncio selector with a file descriptor "
                               f"(epoll on Linux), not {type(inner).__name__}")
        self._inner = inner
        self._context = _context_pointer(context)
        self._fds = (_GPollFD * 16)()

    # What asyncio asks of its selector, unchanged.
    def register(self, fileobj, events, data=None):
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._inner.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._inner.modify(fileobj, events, data)

    def get_key(self, fileobj):
        return self._inner.get_key(fileobj)

    def get_map(self):
        return self._inner.get_map()

    def fileno(self):
        return self._inner.fileno()

    def close(self):
        if self._context is not None:
            _glib.g_main_context_unref(self._context)
            self._context = None
        self._inner.close()

    def select(self, timeout=None):
        context = self._context
        if context is None or not _glib.g_main_context_acquire(context):
            # Another thread runs the context: it is not ours to drive.
            return self._inner.select(timeout)
        try:
            priority = ctypes.c_int(0)
            ready = _glib.g_main_context_prepare(context, ctypes.byref(priority))
            glib_timeout = ctypes.c_int(-1)
            while True:
                count = _glib.g_main_context_query(context, priority.value, ctypes.byref(glib_timeout),
                                                   self._fds, len(self._fds))
                if count <= len(self._fds):
                    break
                self._fds = (_GPollFD * count)()
            # The nearer of the two deadlines, in poll()'s milliseconds.
            if ready:
                wait = 0
            else:
                wait = -1 if timeout is None else math.ceil(timeout * 1000)
                if glib_timeout.value >= 0 and (wait < 0 or glib_timeout.value < wait):
                    wait = glib_timeout.value
            poller = select.poll()
            for i in range(count):
                poller.register(self._fds[i].fd, self._fds[i].events)
                self._fds[i].revents = 0
            poller.register(self._inner.fileno(), select.POLLIN)
            revents = dict(poller.poll(wait))
            for i in range(count):
                entry = self._fds[i]
                entry.revents = revents.get(entry.fd, 0) & (entry.events | _POLL_ALWAYS)
            if _glib.g_main_context_check(context, priority.value, self._fds, count):
                _glib.g_main_context_dispatch(context)
        finally:
            _glib.g_main_context_release(context)
        # What is ready on the asyncio side now, without waiting again.
        return self._inner.select(0)


def _running_loop():
    return asyncio.events._get_running_loop()


def _running_loop_future():
    loop = _drive_running_loop()
    if loop is None:
        raise RuntimeError("awaitables need a running asyncio loop (asyncio.run() or Qssl.run())")
    return loop.create_future()


def glib_on_asyncio(loop=None, context=None):
    """Makes asyncio @loop (the running one when None) run the GLib main
    context @context (the thread-default one, which libqssl's sockets use,
    when None) in each of its iterations. Idempotent. Called for you by
    every Qssl awaitable and by Qssl.Socket() and Qssl.Server() inside a
    running loop; call it yourself when your code uses only signals.
    Returns @loop."""
    if loop is None:
        loop = asyncio.get_running_loop()
    if getattr(loop, "_qssl_driven", False):
        return loop
    selector = getattr(loop, "_selector", None)
    if selector is None:
        raise RuntimeError(f"Qssl runs on asyncio's selector event loops, not on {type(loop).__name__}")
    loop._selector = _GLibSelector(selector, context)
    loop._qssl_driven = True
    return loop


def _drive_running_loop():
    loop = _running_loop()
    if loop is not None and not getattr(loop, "_qssl_driven", False):
        glib_on_asyncio(loop)
    return loop


class _ZeroTimeoutSelector(selectors.BaseSelector):
    """asyncio's selector for a loop that GLib runs: GLib has waited
    already when it dispatches, so select() never blocks."""

    def __init__(self, inner):
        self._inner = inner

    def register(self, fileobj, events, data=None):
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._inner.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._inner.modify(fileobj, events, data)

    def get_key(self, fileobj):
        return self._inner.get_key(fileobj)

    def get_map(self):
        return self._inner.get_map()

    def fileno(self):
        return self._inner.fileno()

    def close(self):
        self._inner.close()

    def select(self, timeout=None):
        return self._inner.select(0)


class _AsyncioSource(GLib.Source):
    """Runs an asyncio loop from a GLib main context: ready when the loop
    has callbacks to run, its epoll fd is readable or its next timer is
    due."""

    def __init__(self, loop):
        super().__init__()
        self._loop = loop
        self._poll = GLib.PollFD(loop._selector.fileno(), GLib.IOCondition.IN)
        self.add_poll(self._poll)
        self.set_name("[qssl] asyncio")

    def _timeout(self):
        loop = self._loop
        if loop._ready or loop._stopping:
            return 0
        if not loop._scheduled:
            return -1
        # The heap's first timer, as _run_once() sees it (a cancelled one
        # only wakes the loop early, and _run_once() then drops it).
        return max(0, math.ceil((loop._scheduled[0]._when - loop.time()) * 1000))

    def prepare(self):
        if self._loop.is_closed():
            return False, -1
        timeout = self._timeout()
        return timeout == 0, timeout

    def check(self):
        if self._loop.is_closed():
            return False
        return bool(self._poll.revents) or self._timeout() == 0

    def dispatch(self, callback, args):
        loop = self._loop
        if loop.is_closed():
            return GLib.SOURCE_REMOVE
        previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(loop)
        try:
            loop._run_once()
        finally:
            asyncio.events._set_running_loop(previous)
            # loop.stop() ends run_forever(), which does not run here: the
            # request is done with, or prepare() would never wait again.
            loop._stopping = False
        return GLib.SOURCE_CONTINUE


def asyncio_on_glib(context=None):
    """The other way round: a new asyncio event loop that the GLib main
    context @context (the global default one when None, which GTK's and
    GLib.MainLoop()'s run() iterate) runs, made the current event loop.
    Schedule coroutines with loop.create_task() and run GLib's loop; close
    the asyncio loop once done. Returns the loop."""
    loop = asyncio.SelectorEventLoop()
    loop._selector = _ZeroTimeoutSelector(loop._selector)
    # Qssl's awaitables must not drive GLib from inside GLib's dispatch.
    loop._qssl_driven = True
    source = _AsyncioSource(loop)
    source.attach(context)
    close = loop.close

    def close_and_detach():
        source.destroy()
        close()
    loop.close = close_and_detach
    asyncio.set_event_loop(loop)
    return loop


class Future(asyncio.Future):
    """An asyncio future on the running loop, to resolve from a signal
    handler and await (Qssl.run() awaited only these before it was
    asyncio; any asyncio awaitable works now)."""

    def __init__(self, *, loop=None):
        super().__init__(loop=loop if loop is not None else _drive_running_loop() or asyncio.get_event_loop())


def run(coroutine, context=None):
    """Runs @coroutine to its end on a new asyncio event loop that also
    runs the GLib main context @context (the thread-default one when None,
    pushed as thread-default meanwhile when given), and returns what it
    returns or raises what it raises. The same as asyncio.run(), which
    works just as well with Qssl."""
    if context is not None:
        context.push_thread_default()
    loop = asyncio.new_event_loop()
    try:
        glib_on_asyncio(loop, context)
        return loop.run_until_complete(coroutine)
    finally:
        try:
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            if context is not None:
                context.pop_thread_default()


# --- Awaitable *_async methods ---------------------------------------------

def _awaitable_call(start, finish, args, cancellable_index):
    """Starts the GIO-style @start(*args, callback) at once and returns an
    asyncio task of @finish(result). Cancelling the task cancels the
    GCancellable (made here when @args has none) and the task ends once GIO
    has reported the cancellation, so the operation is over by then."""
    loop = _drive_running_loop()
    if loop is None:
        raise RuntimeError("an *_async method without a callback returns an awaitable: "
                           "call it inside a running asyncio loop (asyncio.run() or Qssl.run())")
    args = list(args)
    while len(args) <= cancellable_index:
        args.append(None)
    cancellable = args[cancellable_index]
    if cancellable is None:
        cancellable = args[cancellable_index] = Gio.Cancellable()
    reported = loop.create_future()

    def done(source, result, *unused):
        # Finished even after a cancellation: that releases what the
        # operation produced (an accepted socket, say).
        try:
            value = finish(result)
        except GLib.Error as error:
            reported.set_exception(error)
            return
        reported.set_result(value)

    start(*args, done)
    return loop.create_task(_gio_outcome(reported, cancellable))


async def _gio_outcome(reported, cancellable):
    try:
        return await asyncio.shield(reported)
    except asyncio.CancelledError:
        if not reported.done():
            cancellable.cancel()
            try:
                await reported
            except BaseException:
                pass
        raise


def _make_awaitable(cls, name):
    start = getattr(cls, name)
    finish_name = name[:-len("_async")] + "_finish"
    try:
        arg_names = [arg.get_name() for arg in start.get_arguments()]
    except AttributeError:  # a Python function: wrapped already
        return None
    if "cancellable" not in arg_names or "callback" not in arg_names:
        return None
    cancellable_index = arg_names.index("cancellable") + 1  # after self
    callback_index = arg_names.index("callback")

    def method(self, *args, **kwargs):
        if len(args) > callback_index or "callback" in kwargs:
            return start(self, *args, **kwargs)
        if kwargs:
            args = list(args) + [None] * (callback_index - len(args))
            for key, value in kwargs.items():
                if key not in arg_names[:callback_index]:
                    raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
                args[arg_names.index(key)] = value
        finish = getattr(self, finish_name)
        return _awaitable_call(start, finish, (self,) + tuple(args), cancellable_index)

    method.__name__ = name
    method.__qualname__ = f"{cls.__name__}.{name}"
    method.__doc__ = (f"{start.__doc__}\n\nWithout a callback: returns an asyncio future of what "
                      f"{finish_name}() returns; cancelling it cancels the GCancellable.")
    return method


def _add_awaitables(cls):
    for name in dir(cls):
        if not name.endswith("_async") or name.startswith("do_"):
            continue
        if not hasattr(cls, name[:-len("_async")] + "_finish"):
            continue
        method = _make_awaitable(cls, name)
        if method is not None:
            setattr(cls, name, method)
    return cls


__all__ += ["Future", "run", "glib_on_asyncio", "asyncio_on_glib"]


# --- Socket -----------------------------------------------------------------

class Socket(Qssl.Socket):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Created inside asyncio code: its signals need the GLib context run.
        _drive_running_loop()

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

    # Coroutine helpers, for asyncio (and so Qssl.run()).

    def connect_encrypted(self, host, port, cancellable=None):
        """Connects and completes the handshake; an awaitable of True that
        fails with the handshake's GLib.Error."""
        return self.connect_to_host_encrypted_async(host, port, cancellable)

    def handshake(self, cancellable=None):
        """Waits for the handshake that start_client_encryption() or
        start_server_encryption() began; an awaitable of True."""
        return self.handshake_async(GLib.PRIORITY_DEFAULT, cancellable)

    def receive(self, max_size=-1):
        """An awaitable of the next bytes available (at most @max_size), or
        of b"" once the peer has closed."""
        future = _running_loop_future()
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
            disconnect()

        def disconnect(*unused):
            for handler in handlers:
                GObject.Object.disconnect(self, handler)
            handlers.clear()

        handlers.append(GObject.Object.connect(self, "ready-read", settle))
        handlers.append(GObject.Object.connect(self, "read-channel-finished", settle))
        handlers.append(GObject.Object.connect(self, "disconnected", settle))
        future.add_done_callback(disconnect)
        settle()
        return future

    def send(self, data):
        """Queues @data and returns an awaitable of its length, resolved
        once all of it was handed to the network (bytes-written)."""
        future = _running_loop_future()
        length = self.write(data)
        if length < 0:
            future.set_exception(GLib.Error(Qssl.Socket.get_error_string(self)))
            return future
        handlers = []

        def disconnect(*unused):
            for handler in handlers:
                GObject.Object.disconnect(self, handler)
            handlers.clear()

        def on_written(sock, count):
            if Qssl.Socket.bytes_to_write(self) == 0 and not future.done():
                future.set_result(length)

        def on_error(sock, code):
            if not future.done():
                future.set_exception(GLib.Error(Qssl.Socket.get_error_string(self)))

        if Qssl.Socket.bytes_to_write(self) == 0:
            future.set_result(length)
            return future
        handlers.append(GObject.Object.connect(self, "bytes-written", on_written))
        handlers.append(GObject.Object.connect(self, "error-occurred", on_error))
        future.add_done_callback(disconnect)
        return future


Socket = override(Socket)
__all__.append("Socket")


# --- Server -----------------------------------------------------------------

class Server(Qssl.Server):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _drive_running_loop()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        Qssl.Server.close(self)
        return False

    def accept(self, cancellable=None):
        """An awaitable of the next encrypted QsslSocket."""
        return self.accept_async(cancellable)


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


# --- asyncio streams over QsslSocket ---------------------------------------
#
# Qssl.open_connection() and Qssl.start_server() give asyncio's own
# StreamReader and a StreamWriter subclass, over a transport that wraps a
# QsslSocket: asyncio's flow control, readexactly()/readuntil() and
# exceptions come with them.
import errno as _errno
import socket as _socket
import ssl as _ssl

_HIGH_WATER = 64 * 1024
# What the socket may hold unread while the StreamReader is full: then it
# stops reading and TCP slows the peer down.
_PAUSED_READ_BUFFER = 64 * 1024


class SSLError(_ssl.SSLError):
    """The TLS handshake failed for a reason other than verification; the
    GLib.Error is the __cause__."""


class SSLCertVerificationError(_ssl.SSLCertVerificationError):
    """Verification of the peer failed. @errors is the list of Qssl.Error
    that nobody ignored; verify_code and verify_message describe the first,
    like Python's own (the code is the Qssl.ErrorCode)."""

    def __init__(self, message, errors):
        super().__init__(1, message)
        self.errors = list(errors)
        first = self.errors[0] if self.errors else None
        self.verify_code = int(first.get_error()) if first is not None else 0
        self.verify_message = first.get_error_string() if first is not None else message
        self.reason = "CERTIFICATE_VERIFY_FAILED"


def _os_error(error, sock=None):
    """The exception an asyncio user catches for @error (a GLib.Error)."""
    if not isinstance(error, GLib.Error):
        return error
    message = error.message
    E = Qssl.SocketError
    if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
        return asyncio.CancelledError(message)
    if error.domain != GLib.quark_to_string(Qssl.socket_error_quark()):
        if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED):
            return ConnectionRefusedError(_errno.ECONNREFUSED, message)
        if error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT):
            return TimeoutError(_errno.ETIMEDOUT, message)
        return OSError(message)
    if error.code == int(E.CONNECTION_REFUSED):
        return ConnectionRefusedError(_errno.ECONNREFUSED, message)
    if error.code == int(E.HOST_NOT_FOUND):
        return _socket.gaierror(_socket.EAI_NONAME, message)
    if error.code == int(E.SOCKET_TIMEOUT):
        return TimeoutError(_errno.ETIMEDOUT, message)
    if error.code == int(E.REMOTE_HOST_CLOSED):
        return ConnectionResetError(_errno.ECONNRESET, message)
    if error.code == int(E.SSL_HANDSHAKE_FAILED):
        errors = list(Qssl.Socket.get_ssl_handshake_errors(sock) or []) if sock is not None else []
        if errors:
            return SSLCertVerificationError(message, errors)
        return SSLError(1, message)
    if error.code in (int(E.SSL_INTERNAL), int(E.SSL_INVALID_USER_DATA)):
        return SSLError(1, message)
    return ConnectionError(message)


def _raise_as_os_error(error, sock=None):
    mapped = _os_error(error, sock)
    if mapped is error:
        raise error
    raise mapped from error


def _address_tuple(address):
    if not isinstance(address, Gio.InetSocketAddress):
        return None
    inet = address.get_address()
    if inet.get_family() == Gio.SocketFamily.IPV6:
        return (inet.to_string(), address.get_port(), address.get_flowinfo(), address.get_scope_id())
    return (inet.to_string(), address.get_port())


# Open transports. asyncio's own are kept alive by the selector's reference
# to their reader callback; ours only by signal closures on a socket that
# nothing else holds, a cycle the garbage collector would take.
_open_transports = set()


class _Transport(asyncio.Transport):
    """An asyncio transport whose bytes go through a QsslSocket."""

    def __init__(self, loop, sock, protocol, encrypted):
        super().__init__()
        self._loop = loop
        self._sock = sock
        self._protocol = protocol
        self._encrypted = encrypted
        self._closing = False
        self._lost = False
        self._eof = False
        self._reading_paused = False
        self._writing_paused = False
        self._high = _HIGH_WATER
        self._low = _HIGH_WATER // 4
        self._read_buffer_size = Qssl.Socket.get_read_buffer_size(sock)
        on = GObject.Object.connect
        self._handlers = [
            on(sock, "ready-read", self._on_ready_read),
            on(sock, "read-channel-finished", self._on_read_finished),
            on(sock, "bytes-written", self._on_written),
            on(sock, "encrypted-bytes-written", self._on_written),
            on(sock, "disconnected", self._on_disconnected),
            on(sock, "error-occurred", self._on_error),
        ]
        self._error = None
        self._started = False
        _open_transports.add(self)
        loop.call_soon(self._start)

    def _start(self):
        # Nothing reaches the protocol before connection_made().
        self._started = True
        self._protocol.connection_made(self)
        self._deliver()
        if Qssl.Socket.get_state(self._sock) == Qssl.SocketState.UNCONNECTED:
            self._on_disconnected()

    # Reading

    def _deliver(self, force=False):
        if not self._started or self._lost or (self._reading_paused and not force):
            return
        while Qssl.Socket.bytes_available(self._sock) > 0:
            data = _to_bytes(Qssl.Socket.read_all(self._sock))
            if not data:
                break
            self._protocol.data_received(data)
            if self._reading_paused and not force:
                return

    def _on_ready_read(self, *unused):
        self._deliver()

    def _on_read_finished(self, *unused):
        self._finish_reading()

    def _finish_reading(self):
        if self._eof or self._lost or not self._started:
            return
        self._deliver(force=True)
        self._eof = True
        keep_open = self._protocol.eof_received()
        if not keep_open:
            self.close()

    def is_reading(self):
        return not self._reading_paused and not self._lost

    def pause_reading(self):
        if self._reading_paused or self._lost:
            return
        self._reading_paused = True
        bound = _PAUSED_READ_BUFFER
        if self._read_buffer_size > 0:
            bound = min(bound, self._read_buffer_size)
        Qssl.Socket.set_read_buffer_size(self._sock, bound)

    def resume_reading(self):
        if not self._reading_paused or self._lost:
            return
        self._reading_paused = False
        Qssl.Socket.set_read_buffer_size(self._sock, self._read_buffer_size)
        self._loop.call_soon(self._on_ready_read)

    # Writing

    def get_write_buffer_size(self):
        return 0 if self._lost else Qssl.Socket.bytes_to_write(self._sock)

    def get_write_buffer_limits(self):
        return (self._low, self._high)

    def set_write_buffer_limits(self, high=None, low=None):
        if high is None:
            high = _HIGH_WATER if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high, self._low = high, low
        self._check_flow()

    def _check_flow(self):
        size = self.get_write_buffer_size()
        if not self._writing_paused and size > self._high:
            self._writing_paused = True
            self._protocol.pause_writing()
        elif self._writing_paused and size <= self._low:
            self._writing_paused = False
            self._protocol.resume_writing()

    def _on_written(self, *unused):
        self._check_flow()

    def write(self, data):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be a bytes-like object, not {type(data).__name__!r}")
        if self._closing or self._lost:
            return
        if not data:
            return
        if Qssl.Socket.write(self._sock, bytes(data)) < 0:
            self._fatal(ConnectionResetError(Qssl.Socket.get_error_string(self._sock)))
            return
        self._check_flow()

    def can_write_eof(self):
        return False

    def write_eof(self):
        raise NotImplementedError("TLS has no half-close: use close()")

    # Closing

    def is_closing(self):
        return self._closing or self._lost

    def close(self):
        if self._closing or self._lost:
            return
        self._closing = True
        # Sends what is queued, then close_notify; "disconnected" follows.
        Qssl.Socket.disconnect_from_host(self._sock)
        if Qssl.Socket.get_state(self._sock) == Qssl.SocketState.UNCONNECTED:
            self._lose(None)

    def abort(self):
        if self._lost:
            return
        self._closing = True
        Qssl.Socket.abort(self._sock)
        self._lose(None)

    def _on_error(self, sock, code):
        if code == Qssl.SocketError.REMOTE_HOST_CLOSED:
            return  # the end of the stream; "disconnected" follows
        error = GLib.Error.new_literal(Qssl.socket_error_quark(), Qssl.Socket.get_error_string(sock), int(code))
        self._error = _os_error(error)
        if isinstance(self._error, ConnectionError) and not isinstance(self._error, ConnectionResetError):
            self._error = ConnectionResetError(_errno.ECONNRESET, error.message)
        if self._started and Qssl.Socket.get_state(sock) == Qssl.SocketState.UNCONNECTED:
            self._lose(self._error)

    def _on_disconnected(self, *unused):
        if not self._started:
            return  # _start() sees it
        if not self._eof and self._error is None:
            self._finish_reading()
        self._lose(self._error)

    def _fatal(self, exc):
        self._error = exc
        Qssl.Socket.abort(self._sock)
        self._lose(exc)

    def _lose(self, exc):
        if self._lost:
            return
        self._lost = True
        self._closing = True
        for handler in self._handlers:
            GObject.Object.disconnect(self._sock, handler)
        self._handlers = []
        if self._writing_paused:
            self._writing_paused = False
            self._loop.call_soon(self._protocol.resume_writing)
        self._loop.call_soon(self._connection_lost, exc)

    def _connection_lost(self, exc):
        try:
            self._protocol.connection_lost(exc)
        finally:
            _open_transports.discard(self)

    # What asyncio's SSL transport tells

    def get_extra_info(self, name, default=None):
        sock = self._sock
        if name == "ssl_object":
            return sock
        if name == "socket":
            return Gio.SocketConnection.get_socket(sock)
        if name == "peername":
            try:
                return _address_tuple(Gio.SocketConnection.get_remote_address(sock))
            except GLib.Error:
                return default
        if name == "sockname":
            try:
                return _address_tuple(Gio.SocketConnection.get_local_address(sock))
            except GLib.Error:
                return default
        if not self._encrypted or not Qssl.Socket.is_encrypted(sock):
            return default
        if name == "sslcontext":
            return Qssl.Socket.get_ssl_configuration(sock)
        if name == "peercert":
            return Qssl.Socket.get_peer_certificate(sock)
        if name == "peercert_chain":
            return list(Qssl.Socket.get_peer_certificate_chain(sock) or [])
        if name == "cipher":
            cipher = Qssl.Socket.get_session_cipher(sock)
            if cipher is None:
                return default
            return (cipher.get_name(), cipher.get_protocol_string(), cipher.get_used_bits())
        if name == "compression":
            return None
        return default

    def get_protocol(self):
        return self._protocol

    def set_protocol(self, protocol):
        self._protocol = protocol


class StreamWriter(asyncio.StreamWriter):
    """asyncio's StreamWriter over a QsslSocket: write, writelines, drain
    (which waits while the socket holds more than the high-water mark
    unwritten), close, wait_closed, is_closing, get_extra_info and
    start_tls with a Qssl.Configuration."""

    async def start_tls(self, configuration=None, *, server_hostname=None, ssl_handshake_timeout=None,
                        server_side=None):
        """Upgrades the plaintext connection in place (STARTTLS): the
        client side unless the writer came from Qssl.start_server()."""
        if server_side is None:
            server_side = self._protocol._client_connected_cb is not None
        transport = self._transport
        sock = transport._sock
        await self.drain()
        if configuration is not None:
            Qssl.Socket.set_ssl_configuration(sock, configuration)
        if server_hostname is not None:
            Qssl.Socket.set_peer_verify_name(sock, server_hostname)
        if server_side:
            Qssl.Socket.start_server_encryption(sock)
        else:
            Qssl.Socket.start_client_encryption(sock)
        await _handshake(sock, ssl_handshake_timeout)
        transport._encrypted = True
        self._protocol._over_ssl = True


class _Protocol(asyncio.StreamReaderProtocol):
    """asyncio's own stream protocol, handing our StreamWriter to the
    server's callback."""

    def connection_made(self, transport):
        self._transport = transport
        reader = self._stream_reader
        if reader is not None:
            reader.set_transport(transport)
        self._over_ssl = transport._encrypted
        if self._client_connected_cb is not None:
            self._stream_writer = StreamWriter(transport, self, reader, self._loop)
            result = self._client_connected_cb(reader, self._stream_writer)
            if asyncio.iscoroutine(result):
                self._task = self._loop.create_task(result)
            self._strong_reader = None


async def _handshake(sock, timeout):
    try:
        if timeout is None:
            await sock.handshake_async(GLib.PRIORITY_DEFAULT)
        else:
            await asyncio.wait_for(sock.handshake_async(GLib.PRIORITY_DEFAULT), timeout)
    except GLib.Error as error:
        _raise_as_os_error(error, sock)
    except (asyncio.TimeoutError, asyncio.CancelledError):
        Qssl.Socket.abort(sock)
        raise


def _wait_connected(loop, sock):
    """A future that resolves when a plain connect_to_host() connects."""
    future = loop.create_future()
    handlers = []

    def settle(result=None, error=None):
        for handler in handlers:
            GObject.Object.disconnect(sock, handler)
        handlers.clear()
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(None)

    handlers.append(GObject.Object.connect(sock, "connected", lambda *unused: settle()))
    handlers.append(GObject.Object.connect(sock, "error-occurred", lambda s, code: settle(
        error=GLib.Error.new_literal(Qssl.socket_error_quark(), Qssl.Socket.get_error_string(s), int(code)))))
    future.add_done_callback(lambda f: f.cancelled() and (settle(), Qssl.Socket.abort(sock)))
    return future


async def open_connection(host, port, *, configuration=None, server_hostname=None, ssl=True, limit=2 ** 16,
                          ssl_handshake_timeout=None, read_buffer_size=0):
    """asyncio.open_connection() over libqssl: connects to @host:@port,
    completes the TLS handshake (unless @ssl is False: plaintext, for
    writer.start_tls() later) and returns (asyncio.StreamReader,
    Qssl.StreamWriter).

    @configuration is the Qssl.Configuration (the default one when None);
    @server_hostname the name to verify and send as SNI (@host when None).
    Raises ConnectionRefusedError, socket.gaierror, TimeoutError,
    Qssl.SSLCertVerificationError (an ssl.SSLCertVerificationError with the
    Qssl.Error list in .errors) or Qssl.SSLError (an ssl.SSLError)."""
    loop = _drive_running_loop()
    sock = Socket()
    if configuration is not None:
        sock.set_ssl_configuration(configuration)
    if read_buffer_size:
        sock.set_read_buffer_size(read_buffer_size)
    try:
        if ssl:
            if server_hostname is not None:
                sock.connect_to_host_encrypted_with_peer_name(host, port, server_hostname,
                                                              Qssl.NetworkLayerProtocol.ANY_IP)
            else:
                sock.connect_to_host_encrypted(host, port, Qssl.NetworkLayerProtocol.ANY_IP)
            await _handshake(sock, ssl_handshake_timeout)
        else:
            connected = _wait_connected(loop, sock)
            sock.connect_to_host(host, port, Qssl.NetworkLayerProtocol.ANY_IP)
            try:
                await connected
            except GLib.Error as error:
                _raise_as_os_error(error, sock)
    except BaseException:
        sock.abort()
        raise
    reader = asyncio.StreamReader(limit=limit, loop=loop)
    protocol = _Protocol(reader, loop=loop)
    transport = _Transport(loop, sock, protocol, bool(ssl))
    writer = StreamWriter(transport, protocol, reader, loop)
    # Let connection_made run before the caller writes.
    await asyncio.sleep(0)
    return reader, writer


class _ListeningSocket:
    """What Server.sockets holds: enough of socket.socket to tell where
    the server listens."""

    def __init__(self, server):
        self._server = server

    def getsockname(self):
        address = self._server.get_server_address()
        host = address.to_string() if address is not None else "0.0.0.0"
        if address is not None and address.get_family() == Gio.SocketFamily.IPV6:
            return (host, self._server.get_server_port(), 0, 0)
        return (host, self._server.get_server_port())

    @property
    def family(self):
        address = self._server.get_server_address()
        if address is not None and address.get_family() == Gio.SocketFamily.IPV6:
            return _socket.AF_INET6
        return _socket.AF_INET

    type = _socket.SOCK_STREAM

    def __repr__(self):
        return f"<Qssl listening socket {self.getsockname()}>"


class StreamServer:
    """What Qssl.start_server() returns, like asyncio.Server: close(),
    wait_closed(), serve_forever(), start_serving(), is_serving(), sockets,
    get_loop(), and `async with`. The QsslServer is .qssl_server."""

    def __init__(self, loop, server, client_connected_cb, limit, encrypted=True):
        self._loop = loop
        self._encrypted = encrypted
        self.qssl_server = server
        self._callback = client_connected_cb
        self._limit = limit
        self._serving = False
        self._closed = loop.create_future()
        self._serving_forever = None
        if isinstance(server, _PlainListener):
            server.on_pending = self._take
            self._handler = None
        else:
            self._handler = GObject.Object.connect(server, "pending-connection-available", self._take)

    def _take(self, *unused):
        server = self.qssl_server
        while self._serving and server.has_pending_connections():
            sock = server.next_pending_connection()
            if sock is None:
                break
            reader = asyncio.StreamReader(limit=self._limit, loop=self._loop)
            protocol = _Protocol(reader, self._callback, loop=self._loop)
            _Transport(self._loop, sock, protocol, self._encrypted)

    def get_loop(self):
        return self._loop

    def is_serving(self):
        return self._serving

    @property
    def sockets(self):
        if not self.qssl_server.is_listening():
            return ()
        return (_ListeningSocket(self.qssl_server),)

    async def start_serving(self):
        self._serving = True
        self.qssl_server.resume_accepting()
        self._take()

    async def serve_forever(self):
        if self._serving_forever is not None:
            raise RuntimeError(f"server {self!r} is already being awaited on serve_forever()")
        if self._closed.done():
            raise RuntimeError(f"server {self!r} is closed")
        await self.start_serving()
        self._serving_forever = self._loop.create_future()
        try:
            await self._serving_forever
        except asyncio.CancelledError:
            try:
                self.close()
                await self.wait_closed()
            finally:
                raise
        finally:
            self._serving_forever = None

    def close(self):
        if self._closed.done():
            return
        self._serving = False
        if self._handler is not None:
            GObject.Object.disconnect(self.qssl_server, self._handler)
            self._handler = None
        self.qssl_server.close()
        self._closed.set_result(None)
        if self._serving_forever is not None and not self._serving_forever.done():
            self._serving_forever.cancel()

    async def wait_closed(self):
        await asyncio.shield(self._closed)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        self.close()
        await self.wait_closed()

    def __repr__(self):
        return f"<Qssl.StreamServer sockets={self.sockets!r}>"


async def _listen_address(host):
    if host is None or host == "":
        return None
    if isinstance(host, (list, tuple)):
        host = host[0]
    if Gio.InetAddress.new_from_string(host) is not None:
        return Gio.InetAddress.new_from_string(host)
    try:
        resolver = Gio.Resolver.get_default()
        addresses = await _awaitable_call(Gio.Resolver.lookup_by_name_async, resolver.lookup_by_name_finish,
                                          (resolver, host), 2)
    except GLib.Error as error:
        raise _socket.gaierror(_socket.EAI_NONAME, error.message) from error
    # IPv4 first, as a client resolving "localhost" tries both.
    addresses = sorted(addresses, key=lambda a: a.get_family() != Gio.SocketFamily.IPV4)
    return addresses[0]


class _PlainListener:
    """For start_server(ssl=False): what StreamServer needs of a QsslServer,
    over a GSocketService whose connections become UNENCRYPTED QsslSockets
    (for writer.start_tls())."""

    def __init__(self):
        self.on_pending = None
        self._service = Gio.SocketService()
        self._service.set_backlog(100)
        self._address = None
        self._pending = []
        self._service.connect("incoming", self._on_incoming)

    def _on_incoming(self, service, connection, source):
        sock = Socket.new_from_socket(connection.get_socket())
        # The GSocketConnection owns the fd too: keep it as long as the socket.
        sock._qssl_connection = connection
        self._pending.append(sock)
        if self.on_pending is not None:
            self.on_pending()
        return True

    def listen(self, address, port):
        if address is None:
            # Every address, IPv6 and IPv4, as QsslServer.listen() does.
            if port == 0:
                port = self._service.add_any_inet_port(None)
            else:
                self._service.add_inet_port(port, None)
            self._address = Gio.InetSocketAddress.new(Gio.InetAddress.new_any(Gio.SocketFamily.IPV6), port)
        else:
            self._address = self._service.add_address(Gio.InetSocketAddress.new(address, port),
                                                      Gio.SocketType.STREAM, Gio.SocketProtocol.TCP, None)[1]
        self._service.start()

    def set_backlog(self, backlog):
        self._service.set_backlog(backlog)

    def is_listening(self):
        return self._address is not None

    def get_server_address(self):
        return self._address.get_address() if self._address is not None else None

    def get_server_port(self):
        return self._address.get_port() if self._address is not None else 0

    def has_pending_connections(self):
        return bool(self._pending)

    def next_pending_connection(self):
        return self._pending.pop(0) if self._pending else None

    def pause_accepting(self):
        self._service.stop()

    def resume_accepting(self):
        if self._address is not None:
            self._service.start()

    def close(self):
        self._service.stop()
        self._service.close()
        self._address = None
        for sock in self._pending:
            sock.abort()
        self._pending = []


async def start_server(client_connected_cb, host=None, port=0, *, configuration=None, ssl=True, limit=2 ** 16,
                       ssl_handshake_timeout=None, start_serving=True, reuse_port=None, backlog=100):
    """asyncio.start_server() over libqssl: listens on @host:@port (every
    address when @host is None; port 0 picks one) and calls
    client_connected_cb(reader, writer) for each connection once its TLS
    handshake completed (a coroutine function becomes a task). Connections
    whose handshake fails never reach the callback. @configuration is the
    server's Qssl.Configuration (certificate and key); @ssl False serves
    plaintext, for writer.start_tls(); @ssl_handshake_timeout in seconds.
    Returns a Qssl.StreamServer."""
    loop = _drive_running_loop()
    if ssl:
        server = Server()
        if configuration is not None:
            server.set_ssl_configuration(configuration)
        if ssl_handshake_timeout is not None:
            server.set_handshake_timeout(int(ssl_handshake_timeout * 1000))
        if reuse_port:
            server.set_reuse_port(True)
        # The listen(2) backlog, as asyncio's (GIO's default is 10).
        Gio.SocketListener.set_backlog(server, backlog)
    else:
        server = _PlainListener()
        server.set_backlog(backlog)
    address = await _listen_address(host)
    try:
        server.listen(address, port)
    except GLib.Error as error:
        if error.matches(Qssl.socket_error_quark(), Qssl.SocketError.ADDRESS_IN_USE) or \
                error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.ADDRESS_IN_USE):
            raise OSError(98, error.message) from error
        raise OSError(error.message) from error
    stream_server = StreamServer(loop, server, client_connected_cb, limit, bool(ssl))
    if start_serving:
        await stream_server.start_serving()
    else:
        server.pause_accepting()
    return stream_server


__all__ += ["open_connection", "start_server", "StreamWriter", "StreamServer", "SSLError",
            "SSLCertVerificationError"]


# Every *_async/*_finish pair of every Qssl class, inherited GIO ones too.
for _name in dir(Qssl):
    _cls = globals().get(_name) if _name in __all__ else getattr(Qssl, _name, None)
    if isinstance(_cls, type) and issubclass(_cls, GObject.Object):
        _add_awaitables(_cls)
