# PyGObject override for Qssl: Pythonic conveniences on top of the typelib.
from gi.repository import Gio, GObject

from ..module import get_introspection_module
from ..overrides import override

Qssl = get_introspection_module("Qssl")

__all__ = []


class Socket(Qssl.Socket):
    # GSocketConnection.connect(address) hides GObject's connect(signal, ...)
    # on every socket connection; Qt users connect signals first, so a
    # string first argument means a signal.
    def connect(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            return GObject.Object.connect(self, *args, **kwargs)
        return Gio.SocketConnection.connect(self, *args, **kwargs)


Socket = override(Socket)
__all__.append("Socket")
