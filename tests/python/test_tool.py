# The `qssl` command, run as a user runs it: demo, connect, serve, cert,
# their exit codes, and connect against real peers (our own serve, an
# openssl s_server, a STARTTLS SMTP server written with Python's ssl).
import os
import pathlib
import select
import socket as pysocket
import ssl
import subprocess
import threading
import time

import pytest

from test_socket import free_port, wait_for_port

QSSL = pathlib.Path(os.environ.get("QSSL_BUILD_ROOT", "")) / "examples" / "qssl"


def qssl(*args, stdin=b"", env=None, timeout=30):
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([str(QSSL), *args], input=stdin, capture_output=True, timeout=timeout, env=full_env)


class Serve:
    """`qssl serve` in the background; the port comes from its first line."""

    def __init__(self, pki, *args, name="server-ec", preexec_fn=None):
        self.proc = subprocess.Popen([str(QSSL), "serve", "--cert", str(pki / f"{name}-chain.pem"),
                                      "--key", str(pki / f"{name}.key"), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
        line = self.proc.stdout.readline().decode()
        assert line.startswith("Listening on "), line
        self.port = int(line.split()[2].rsplit(":", 1)[1])

    def stop(self, expect_exit=False):
        """Stops the server; with @expect_exit, first gives it the time to
        exit by itself (after its -n connections)."""
        if expect_exit:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.terminate()
        out, err = self.proc.communicate(timeout=10)
        return self.proc.returncode, err.decode()


@pytest.fixture(scope="module", autouse=True)
def built():
    if not QSSL.exists():
        pytest.fail(f"{QSSL} was not built")


def test_demo():
    result = qssl("demo")
    out = result.stdout.decode()
    assert result.returncode == 0, out + result.stderr.decode()
    for expected in ("TLSv1.3", "ALPN", "h2", "Peer certificate 1 of 2", "qssl demo CA", "SHA-256",
                     "DNS:localhost", "The session was resumed",
                     "The host name did not match any of the valid hosts for this certificate"):
        assert expected in out, expected
    assert "\033[" not in out  # no colour when not on a terminal


def test_demo_in_chinese():
    result = qssl("demo", env={"LANGUAGE": "zh_CN", "LC_ALL": "C.UTF-8"})
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "主机名与此证书的任何有效主机都不匹配" in out


def test_serve_echo_and_connect(pki):
    server = Serve(pki, "--echo", "-n", "1")
    result = qssl("connect", f"localhost:{server.port}", "--ca", str(pki / "ca.pem"), stdin=b"ping\npong\n")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"ping\npong\n"
    err = result.stderr.decode()
    assert "Encrypted." in err and "TLSv1.3" in err and "libqssl Test Intermediate CA" in err
    code, server_err = server.stop(expect_exit=True)
    assert code == 0 and "Connection from" in server_err


def test_serve_answers_curl(pki):
    server = Serve(pki, "-n", "1", name="server-rsa")
    out = subprocess.run(["curl", "-sS", "--cacert", str(pki / "ca.pem"), f"https://localhost:{server.port}/"],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert b"Hello from libqssl." in out.stdout and b"Protocol: TLSv1.3" in out.stdout
    assert server.stop(expect_exit=True)[0] == 0


def test_connect_alpn(pki):
    server = Serve(pki, "--echo", "--alpn", "h2,http/1.1", "-n", "1")
    result = qssl("connect", f"localhost:{server.port}", "--ca", str(pki / "ca.pem"), "--alpn", "http/1.1,h2")
    assert result.returncode == 0
    assert any(line.split() == ["ALPN", "h2"] for line in result.stderr.decode().splitlines())
    server.stop()


def test_connect_untrusted_fails_with_exit_4(pki):
    server = Serve(pki, "--echo")
    try:
        result = qssl("connect", f"localhost:{server.port}", "--ca", str(pki / "other-ca.pem"))
        assert result.returncode == 4
        assert "local issuer" in result.stderr.decode() or "issuer" in result.stderr.decode()
        insecure = qssl("connect", f"localhost:{server.port}", "--ca", str(pki / "other-ca.pem"), "--insecure",
                        stdin=b"still\n")
        assert insecure.returncode == 0
        assert insecure.stdout == b"still\n"
        assert "Ignored:" in insecure.stderr.decode()
    finally:
        server.stop()


@pytest.mark.parametrize("name", ["nul-in-san", "nul-in-cn"])
def test_connect_rejects_nul_in_name(pki, name):
    """A certificate for "localhost\\0.evil.test" from the trusted CA does not
    pass for localhost: nothing is sent, exit code 4 (verification)."""
    server = Serve(pki, "--echo", name=name)
    try:
        result = qssl("connect", f"localhost:{server.port}", "--ca", str(pki / "ca.pem"), stdin=b"secret\n")
        assert result.returncode == 4, result.stderr.decode()
        assert "The host name did not match any of the valid hosts for this certificate" in result.stderr.decode()
        assert result.stdout == b""
    finally:
        server.stop()


def test_connect_exit_codes():
    assert qssl("connect", f"127.0.0.1:{free_port()}").returncode == 3
    assert qssl("connect", "no-port-here").returncode == 2
    assert qssl("connect").returncode == 2
    assert qssl("connect", "localhost:1", "--ca", "/nonexistent.pem").returncode == 5


def test_connect_starttls_smtp(pki):
    """A plain-text SMTP dialogue, then TLS, against Python's ssl module."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(pki / "server-rsa-chain.pem"), str(pki / "server-rsa.key"))
    listener = pysocket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    received = []

    def serve():
        conn, _ = listener.accept()
        with conn:
            f = conn.makefile("rwb", buffering=0)
            f.write(b"220 mail.example ESMTP\r\n")
            assert f.readline().startswith(b"EHLO")
            f.write(b"250-mail.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            assert f.readline() == b"STARTTLS\r\n"
            f.write(b"220 Go ahead\r\n")
            with context.wrap_socket(conn, server_side=True) as tls:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = tls.recv(100)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)
                tls.sendall(b"250 OK\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    result = qssl("connect", f"localhost:{port}", "--ca", str(pki / "ca.pem"), "--starttls", "smtp",
                  stdin=b"MAIL FROM:<a@example>\n")
    thread.join(10)
    listener.close()
    assert result.returncode == 0, result.stderr.decode()
    assert received == [b"MAIL FROM:<a@example>\n"]
    assert result.stdout == b"250 OK\r\n"
    assert "220 Go ahead" in result.stderr.decode()


def test_connect_to_openssl_s_server(pki):
    port = free_port()
    server = subprocess.Popen(["openssl", "s_server", "-quiet", "-rev", "-accept", str(port), "-tls1_2",
                               "-cert", str(pki / "server-rsa.pem"), "-key", str(pki / "server-rsa.key"),
                               "-cert_chain", str(pki / "intermediate.pem")],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for_port(port)
        result = qssl("connect", f"localhost:{port}", "--ca", str(pki / "ca.pem"), "-q", stdin=b"abc\n")
        assert result.returncode == 0
        assert result.stdout == b"cba\n"
        assert result.stderr == b""
    finally:
        server.kill()
        server.wait()


def test_cert(pki):
    result = qssl("cert", str(pki / "server-rsa-chain.pem"))
    out = result.stdout.decode()
    assert result.returncode == 0
    fingerprint = subprocess.run(["openssl", "x509", "-in", str(pki / "server-rsa.pem"), "-noout", "-fingerprint",
                                  "-sha256"], capture_output=True, text=True).stdout.strip().split("=", 1)[1]
    assert fingerprint in out
    assert "certificate 1 of 2" in out and "certificate 2 of 2" in out
    assert "RSA, 2048 bits" in out and "DNS:localhost" in out
    der = qssl("cert", "--der", str(pki / "server-ec.der"))
    assert der.returncode == 0 and "EC, 256 bits" in der.stdout.decode()
    p12 = qssl("cert", "--pkcs12", "secret", str(pki / "server-rsa.p12"))
    assert p12.returncode == 0 and "certificate 3 of 3" in p12.stdout.decode()
    wrong = qssl("cert", "--pkcs12", "wrong", str(pki / "server-rsa.p12"))
    assert wrong.returncode == 5
    assert qssl("cert", str(pki / "garbage.pem")).returncode == 5
    assert qssl("cert").returncode == 2


@pytest.mark.parametrize("command", ["demo", "connect", "serve", "cert"])
def test_help(command):
    result = qssl(command, "--help")
    assert result.returncode == 0
    assert f"qssl {command}" in result.stdout.decode()


def test_usage():
    assert qssl().returncode == 2
    assert qssl("frobnicate").returncode == 2
    top = qssl("--help")
    assert top.returncode == 0 and "connect" in top.stdout.decode()


def tls_client(pki, port, timeout=10):
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    raw = pysocket.create_connection(("127.0.0.1", port), timeout=timeout)
    return context.wrap_socket(raw, server_hostname="localhost")


def test_serve_idle_timeout(pki):
    """--idle-timeout: a client that goes quiet after its handshake is
    dropped by the server, not kept for ever."""
    server = Serve(pki, "--echo", "--idle-timeout", "300")
    try:
        with tls_client(pki, server.port) as tls:
            tls.sendall(b"ping\n")
            assert tls.recv(5) == b"ping\n"
            # Quiet now: the server's end comes (EOF or reset), well before
            # the socket's own 10 s timeout.
            try:
                assert tls.recv(1) == b""
            except (ConnectionResetError, ssl.SSLError):
                pass
    finally:
        server.stop()


def test_serve_comes_back_after_emfile(pki):
    """`ulimit -n 64`: silent clients take every descriptor and accept()
    fails; once they are gone, the server serves again by itself."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    server = Serve(pki, "--echo", "--max-handshakes", "0", preexec_fn=limit)
    silent = []
    try:
        for _ in range(80):
            silent.append(pysocket.create_connection(("127.0.0.1", server.port), timeout=10))
        # Give it the time to run out: accept() fails and is retried.
        deadline = time.monotonic() + 10
        seen = b""
        while b"Cannot accept a connection" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([server.proc.stderr], [], [], 0.1)
            if ready:
                seen += os.read(server.proc.stderr.fileno(), 65536)
        assert b"Cannot accept a connection" in seen, seen
        for peer in silent:
            peer.close()
        silent = []
        with tls_client(pki, server.port, timeout=20) as tls:
            tls.sendall(b"back\n")
            assert tls.recv(5) == b"back\n"
    finally:
        for peer in silent:
            peer.close()
        server.stop()
