# Shared fixtures for the Python suite: it runs against the typelib in the
# build tree (GI_TYPELIB_PATH and LD_LIBRARY_PATH are set by meson).
import os
import pathlib

# Under ASan the sanitizer runtimes are preloaded into this interpreter
# (see tests/meson.build); the programs the tests start (openssl, curl, our
# own, which link the runtimes themselves) must not inherit that. Python
# programs that load libqssl get it back from QSSL_ASAN_PRELOAD.
if "LD_PRELOAD" in os.environ:
    os.environ["QSSL_ASAN_PRELOAD"] = os.environ.pop("LD_PRELOAD")

import gi

gi.require_version("Qssl", "1.0")
gi.require_version("Gio", "2.0")

import pytest


@pytest.fixture(scope="session")
def pki():
    """Path of the generated test PKI."""
    path = os.environ.get("QSSL_TEST_PKI")
    if not path:
        pytest.fail("QSSL_TEST_PKI is not set: run the suite with 'meson test'")
    return pathlib.Path(path)
