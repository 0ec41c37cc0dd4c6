# Session-ticket keys shared by processes (qssl_configuration_set_session_ticket_keys):
# a ticket one server process issued resumes on another process with the
# same keys, checked on both ends (the client's reuse flag and the server
# socket's is_session_resumed()); the first key encrypts and every key
# decrypts; a ticket under a key a server does not have is a full handshake,
# not an error. The servers are ticket_key_server.py processes; the clients
# Python's ssl module and `openssl s_client -sess_out/-sess_in`.
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gi.repository import GLib, Qssl

from conftest import python_child_env
from test_interop import TIMEOUT, need, run_until
from test_resumption import python_connect, python_context, s_client

VERSIONS = ["1.2", "1.3"]
HERE = Path(__file__).resolve().parent


def new_keys(count, size=80):
    return os.urandom(count * size)


class ServerProcess:
    """ticket_key_server.py in a child process; its report lines are read
    from the main context."""

    def __init__(self, pki, version, keys, tmp_path, mode="query"):
        argv = [sys.executable, str(HERE / "ticket_key_server.py"), str(pki), version]
        if keys is not None:
            key_file = tmp_path / f"keys-{id(self)}"
            key_file.write_bytes(keys)
            argv.append(str(key_file))
        else:
            argv.append("-")
        argv.append(mode)
        env = python_child_env()
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        self.out = bytearray()
        fd = self.proc.stdout.fileno()
        os.set_blocking(fd, False)
        self.watch = GLib.unix_fd_add_full(GLib.PRIORITY_DEFAULT, fd, GLib.IOCondition.IN | GLib.IOCondition.HUP,
                                           self._on_output)
        assert run_until(lambda: b"\n" in self.out or self.proc.poll() is not None, 60), "server did not start"
        first = self.out.split(b"\n")[0].split()
        assert first[0] == b"port", bytes(self.out)
        self.port = int(first[1])

    def _on_output(self, fd, condition):
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return GLib.SOURCE_CONTINUE
        if chunk:
            self.out.extend(chunk)
            return GLib.SOURCE_CONTINUE
        self.watch = None
        return GLib.SOURCE_REMOVE

    def accepted(self):
        """resumed flag of every connection accepted so far, in order."""
        return [line.endswith(b"=1") for line in self.out.split(b"\n") if line.startswith(b"accepted")]

    def failed(self):
        return [line for line in self.out.split(b"\n") if line.startswith(b"failed")]

    def wait_accepted(self, count):
        assert run_until(lambda: len(self.accepted()) >= count, TIMEOUT), bytes(self.out)
        return self.accepted()

    def stop(self):
        if self.watch is not None:
            GLib.source_remove(self.watch)
        self.proc.kill()
        self.proc.wait(TIMEOUT)


@pytest.fixture
def servers(pki, tmp_path):
    started = []

    def start(version, keys, mode="query"):
        server = ServerProcess(pki, version, keys, tmp_path, mode)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


CONTEXTS = {}


def python_session(pki, server, version, session=None, answered=True):
    """One exchange with Python's client: (resumed, session afterwards).
    The ssl module offers a session only from the context that made it."""
    context = CONTEXTS.setdefault(version, python_context(pki, version, None))
    result = python_connect(context, server.port, session)
    assert result["answered"] == answered
    return result["resumed"], result["session"]


@pytest.mark.parametrize("size", [80, 48])
@pytest.mark.parametrize("version", VERSIONS)
def test_python_ticket_resumes_on_another_process(pki, servers, version, size):
    keys = new_keys(2, size)
    first, second = servers(version, keys), servers(version, keys)
    resumed, session = python_session(pki, first, version)
    assert not resumed and first.wait_accepted(1) == [False]
    assert session is not None and session.has_ticket
    resumed, _ = python_session(pki, second, version, session)
    assert resumed
    assert second.wait_accepted(1) == [True]


@pytest.mark.parametrize("version", VERSIONS)
def test_openssl_ticket_resumes_on_another_process(pki, servers, tmp_path, version):
    need("openssl")
    keys = new_keys(1)
    first, second = servers(version, keys), servers(version, keys)
    session = tmp_path / "session.pem"
    out = s_client(pki, first.port, version, None, ["-sess_out", str(session)])
    assert out["answered"] and not out["resumed"]
    assert first.wait_accepted(1) == [False]
    assert session.exists() and session.stat().st_size > 0
    out = s_client(pki, second.port, version, None, ["-sess_in", str(session)])
    assert out["answered"] and out["resumed"]
    assert second.wait_accepted(1) == [True]


@pytest.mark.parametrize("version", VERSIONS)
def test_rotated_keys(pki, servers, version):
    key_a, key_b = new_keys(1), new_keys(1)
    old = servers(version, key_b)           # before the rotation
    rotated = servers(version, key_a + key_b)  # A new and first, B still decrypts
    only_new = servers(version, key_a)      # after B was dropped
    _, under_b = python_session(pki, old, version)
    resumed, renewed = python_session(pki, rotated, version, under_b)
    assert resumed and rotated.wait_accepted(1) == [True]
    # The ticket was renewed under A: it resumes where only A is left...
    resumed, _ = python_session(pki, only_new, version, renewed)
    assert resumed and only_new.wait_accepted(1) == [True]
    # ... where the one under B is a full handshake, not an error.
    resumed, fresh = python_session(pki, only_new, version, under_b)
    assert not resumed and only_new.wait_accepted(2) == [True, False]
    assert fresh is not None and fresh.has_ticket


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_key_is_a_full_handshake(pki, servers, version):
    # A server with keys of its own (none set) and one with other keys.
    own, other = servers(version, None), servers(version, new_keys(1))
    _, session = python_session(pki, own, version)
    resumed, _ = python_session(pki, other, version, session)
    assert not resumed and other.wait_accepted(1) == [False]
    # The server's own key still resumes its own tickets.
    resumed, _ = python_session(pki, own, version, session)
    assert resumed and own.wait_accepted(2) == [False, True]


@pytest.mark.parametrize("length", [0, 1, 47, 79, 81, 100, 159])
def test_wrong_length_is_an_error(length):
    config = Qssl.Configuration.get_default()
    with pytest.raises(GLib.Error) as raised:
        config.set_session_ticket_keys(GLib.Bytes.new(b"k" * length))
    assert raised.value.matches(Qssl.SocketError.quark(), Qssl.SocketError.SSL_INVALID_USER_DATA)
    assert config.equal(Qssl.Configuration.get_default())


@pytest.mark.parametrize("length", [48, 80, 96, 160, 240, 480])
def test_key_lengths_taken(length):
    config = Qssl.Configuration.get_default()
    assert config.set_session_ticket_keys(GLib.Bytes.new(os.urandom(length)))
    assert not config.equal(Qssl.Configuration.get_default())
    copy = config.copy()
    assert copy.equal(config)
    assert config.set_session_ticket_keys(None)
    assert config.equal(Qssl.Configuration.get_default())


@pytest.mark.parametrize("version", VERSIONS)
def test_shared_keys_keep_the_resumption_policy(pki, servers, version):
    """Shared keys move tickets between processes, not past verification: a
    ticket an anonymous client got from a server that takes anyone does not
    let it into a process with the same keys that requires a certificate."""
    keys = new_keys(1)
    lenient, strict = servers(version, keys), servers(version, keys, "verify")
    _, session = python_session(pki, lenient, version)
    assert session is not None and session.has_ticket
    resumed, _ = python_session(pki, strict, version, session, answered=False)
    assert not resumed
    assert run_until(lambda: strict.failed(), TIMEOUT) and strict.accepted() == []
