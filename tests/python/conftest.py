# Shared fixtures for the Python suite: it runs against the typelib in the
# build tree (GI_TYPELIB_PATH and LD_LIBRARY_PATH are set by meson).
import os
import pathlib

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
