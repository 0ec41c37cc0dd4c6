#!/usr/bin/python3
# A libqssl client in Python: connect, verify, send a line, print the reply.
#
#   client.py [HOST [PORT]] [--ca FILE]      (default: localhost 4433)
#
# Written as a coroutine run by Qssl.run() (asyncio, serving the GLib context); the
# blocking style (wait_for_encrypted, wait_for_ready_read) works as well.
import argparse
import sys

import gi

gi.require_version("Qssl", "1.0")
from gi.repository import GLib, Qssl  # noqa: E402


async def talk(host, port, ca_file, line):
    with Qssl.Socket() as socket:
        if ca_file:
            config = socket.get_ssl_configuration()
            config.add_ca_certificates_from_path(ca_file, Qssl.EncodingFormat.PEM, Qssl.PatternSyntax.FIXED_STRING)
            socket.set_ssl_configuration(config)
        socket.connect("ssl-errors", lambda sock, errors: print(
            "\n".join(f"ssl error: {e.get_error_string()}" for e in errors), file=sys.stderr))
        await socket.connect_encrypted(host, port)
        cipher = socket.get_session_cipher()
        print(f"encrypted: {cipher.get_protocol_string()} {cipher.get_name()}")
        await socket.send(line.encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = await socket.receive()
            if not chunk:
                break
            reply += chunk
        return reply.decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("host", nargs="?", default="localhost")
    parser.add_argument("port", nargs="?", type=int, default=4433)
    parser.add_argument("--ca", help="trust the CA certificates in this PEM file")
    parser.add_argument("--line", default="hello from Python")
    args = parser.parse_args()
    try:
        reply = Qssl.run(talk(args.host, args.port, args.ca, args.line))
    except GLib.Error as error:
        print(f"failed: {error.message}", file=sys.stderr)
        return 1
    print(f"server: {reply}", end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
