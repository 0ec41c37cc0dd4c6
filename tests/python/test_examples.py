# Every program in examples/ runs here against a local server, as a user
# would run it, so that none of them can rot.
import os
import pathlib
import socket as pysocket
import ssl
import subprocess
import sys
import threading

import pytest

BUILD = pathlib.Path(os.environ.get("QSSL_BUILD_ROOT", ""))
SOURCE = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = BUILD / "examples"
PYTHON = sys.executable


def child_env(argv):
    """The environment for a child: a Python one loads libqssl, so under
    ASan it needs the sanitizer runtimes preloaded, as this interpreter."""
    env = dict(os.environ)
    if str(argv[0]) == PYTHON and "QSSL_ASAN_PRELOAD" in env:
        env["LD_PRELOAD"] = env["QSSL_ASAN_PRELOAD"]
        # Example programs, not leak tests (the library's leaks are checked
        # in this interpreter and in the C tests): without leak detection
        # they need no slow unwinding, which made a Python client slower
        # than an example server's 5 s handshake timeout on a busy machine.
        env["ASAN_OPTIONS"] = env.get("QSSL_C_ASAN_OPTIONS", env.get("ASAN_OPTIONS", "")) + ":detect_leaks=0"
    return env


def run(*args, timeout=60):
    return subprocess.run([str(a) for a in args], capture_output=True, timeout=timeout, env=child_env(args))


class Server:
    """A server example in the background; it prints its port first."""

    def __init__(self, *argv):
        self.proc = subprocess.Popen([str(a) for a in argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=child_env(argv))
        line = self.proc.stdout.readline().decode()
        assert line.startswith("Listening on"), line + self.proc.stderr.read().decode()
        self.port = int(line.rsplit(":", 1)[-1].split()[-1]) if ":" in line else int(line.split()[-1])

    def finish(self, timeout=60):
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(), err.decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        # pytest shows this only when the test failed: the server's side of it.
        err = self.proc.stderr.read().decode(errors="replace") if not self.proc.stderr.closed else ""
        print(f"server {self.proc.args[0]} exited {self.proc.returncode}; stderr:\n{err}", file=sys.stderr)


def cert_args(pki, name="server-ec"):
    return ["--cert", pki / f"{name}-chain.pem", "--key", pki / f"{name}.key"]


def test_http_get_blocking(pki):
    server = Server(BUILD / "examples" / "qssl", "serve", *cert_args(pki), "-n", "1", "-q")
    try:
        result = run(EXAMPLES / "http-get", "localhost", server.port, "--ca", pki / "ca.pem")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(b"HTTP/1.0 200 OK\r\n")
        assert b"Hello from libqssl." in result.stdout
        assert server.finish()[0] == 0
    finally:
        server.kill()


def test_http_get_untrusted_fails(pki):
    server = Server(BUILD / "examples" / "qssl", "serve", *cert_args(pki), "-q")
    try:
        result = run(EXAMPLES / "http-get", "localhost", server.port)  # system CAs only
        assert result.returncode == 1
        assert result.stdout == b""
        assert b"issuer" in result.stderr
    finally:
        server.kill()


def test_imap_client_writes_before_encrypted_against_echo_server(pki):
    server = Server(EXAMPLES / "echo-server", *cert_args(pki), "--port", "0", "-n", "1")
    try:
        result = run(EXAMPLES / "imap-client", "localhost", server.port, "--ca", pki / "ca.pem")
        assert result.returncode == 0, result.stderr
        lines = result.stdout.decode().splitlines()
        assert lines[0].startswith("encrypted with ")
        assert lines[1] == "server: 1 CAPABILITY"
        assert server.finish()[0] == 0
    finally:
        server.kill()


def test_incoming_server(pki):
    server = Server(EXAMPLES / "incoming-server", *cert_args(pki, "server-rsa"), "--port", "0", "-n", "1")
    try:
        result = run(EXAMPLES / "imap-client", "localhost", server.port, "--ca", pki / "ca.pem")
        assert result.returncode == 0, result.stderr
        assert b"server: 1 CAPABILITY" in result.stdout
        code, out, _ = server.finish()
        assert code == 0 and "client encrypted" in out
    finally:
        server.kill()


def test_ignore_self_signed(pki):
    self_signed = ["--cert", pki / "self-signed.pem", "--key", pki / "self-signed.key"]
    server = Server(BUILD / "examples" / "qssl", "serve", *self_signed, "--echo", "-q")
    try:
        result = run(EXAMPLES / "ignore-self-signed", pki / "self-signed.pem", "localhost", server.port)
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().splitlines() == [
            "encrypted, the expected self-signed certificate accepted", "server: hello"]
        # The same error for another certificate is not ignored.
        other = run(EXAMPLES / "ignore-self-signed", pki / "server-ec.pem", "localhost", server.port)
        assert other.returncode == 1
    finally:
        server.kill()


def test_extend_default_ca_list(pki):
    server = Server(EXAMPLES / "echo-server", *cert_args(pki), "--port", "0")
    try:
        result = run(EXAMPLES / "extend-ca", pki / "ca.pem", "localhost", server.port)
        assert result.returncode == 0, result.stderr
        assert b"encrypted; 1 CA certificates added" in result.stdout
        assert run(EXAMPLES / "extend-ca", pki / "other-ca.pem", "localhost", server.port).returncode == 1
    finally:
        server.kill()


def test_starttls_client(pki):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pki / "server-ec-chain.pem"), str(pki / "server-ec.key"))
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        f = conn.makefile("rwb", buffering=0)
        f.write(b"220 ready\r\n")
        assert f.readline() == b"STARTTLS\r\n"
        f.write(b"220 go ahead\r\n")
        with context.wrap_socket(conn, server_side=True) as tls:
            tf = tls.makefile("rwb", buffering=0)
            assert tf.readline() == b"NOOP\r\n"
            tf.write(b"250 OK\r\n")
            tf.readline()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = run(EXAMPLES / "starttls-client", "localhost", port, "--ca", pki / "ca.pem")
    thread.join(10)
    listener.close()
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "S: 220 go ahead" in out and "-- encrypted (TLSv1.3) --" in out and "S: 250 OK" in out


def test_python_client_and_server(pki):
    # A generous handshake timeout: under ASan both ends are many times slower.
    server = Server(PYTHON, SOURCE / "examples" / "python" / "server.py", *cert_args(pki), "--port", "0",
                    "--connections", "2", "--handshake-timeout", "60000")
    try:
        python_client = run(PYTHON, SOURCE / "examples" / "python" / "client.py", "localhost", server.port,
                            "--ca", pki / "ca.pem", "--line", "from the Python example")
        assert python_client.returncode == 0, python_client.stderr
        assert python_client.stdout.decode().splitlines()[-1] == "server: from the Python example"
        c_client = run(EXAMPLES / "imap-client", "localhost", server.port, "--ca", pki / "ca.pem")
        assert b"server: 1 CAPABILITY" in c_client.stdout
        assert server.finish()[0] == 0
    finally:
        server.kill()


def test_python_client_refuses_untrusted(pki):
    server = Server(EXAMPLES / "echo-server", *cert_args(pki), "--port", "0")
    try:
        result = run(PYTHON, SOURCE / "examples" / "python" / "client.py", "localhost", server.port)
        assert result.returncode == 1
        assert b"ssl error:" in result.stderr and b"failed:" in result.stderr
    finally:
        server.kill()
