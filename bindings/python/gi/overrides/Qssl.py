# PyGObject override for Qssl: Pythonic conveniences on top of the typelib.
from ..module import get_introspection_module

Qssl = get_introspection_module("Qssl")

__all__ = []
