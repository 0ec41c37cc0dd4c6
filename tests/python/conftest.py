# Shared fixtures for the Python suite: it runs against the typelib in the
# build tree (GI_TYPELIB_PATH and LD_LIBRARY_PATH are set by meson).
import faulthandler
import os
import pathlib

# Under ASan the sanitizer runtimes are preloaded into this interpreter
# (see tests/meson.build); the programs the tests start (openssl, curl, our
# own, which link the runtimes themselves) must not inherit that. Python
# programs that load libqssl get it back from QSSL_ASAN_PRELOAD.
if "LD_PRELOAD" in os.environ:
    os.environ["QSSL_ASAN_PRELOAD"] = os.environ.pop("LD_PRELOAD")
    # This interpreter's own options (slow unwinding, for the suppressions)
    # go back to Python children only; C children get the fast unwinder.
    if "QSSL_C_ASAN_OPTIONS" in os.environ:
        os.environ["QSSL_PYTHON_ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"]
        os.environ["ASAN_OPTIONS"] = os.environ["QSSL_C_ASAN_OPTIONS"]



def python_child_env(env=None):
    """The environment for a Python child that loads libqssl: under ASan it
    gets the preloaded runtimes and the interpreter's options back."""
    env = dict(os.environ if env is None else env)
    if "QSSL_ASAN_PRELOAD" in env:
        env["LD_PRELOAD"] = env["QSSL_ASAN_PRELOAD"]
        env["ASAN_OPTIONS"] = env.get("QSSL_PYTHON_ASAN_OPTIONS", env.get("ASAN_OPTIONS", ""))
    return env


import gi

gi.require_version("Qssl", "1.0")
gi.require_version("Gio", "2.0")

import pytest


# A test that waits forever (a main loop nobody quits) fails instead: after
# this long the process exits (pytest's faulthandler_timeout, set a little
# lower in tests/meson.build, has printed every thread's traceback by then).
TEST_DEADLINE = 300

# For servers in the test process whose tests are not about the handshake
# timeout: under ASan the interpreter allocates with the slow unwinder, and
# on a loaded machine a handshake in this process can outlast Qt's 5 s.
SERVER_HANDSHAKE_TIMEOUT_MS = 60000


@pytest.fixture(autouse=True)
def deadline():
    faulthandler.dump_traceback_later(TEST_DEADLINE, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def pki():
    """Path of the generated test PKI."""
    path = os.environ.get("QSSL_TEST_PKI")
    if not path:
        pytest.fail("QSSL_TEST_PKI is not set: run the suite with 'meson test'")
    return pathlib.Path(path)
