#!/usr/bin/python3
# A libqssl echo server in Python: a Qssl.Server and one coroutine per
# client, all on the GLib main loop.
#
#   server.py --cert FILE --key FILE [--port N] [--connections N] [--handshake-timeout MS]
import argparse
import sys

import gi

gi.require_version("Qssl", "1.0")
from gi.repository import GLib, Qssl  # noqa: E402


def configuration(cert_file, key_file):
    config = Qssl.Configuration.get_default()
    with open(cert_file, "rb") as f:
        config.set_local_certificate_chain(Qssl.Certificate.list_from_data(f.read()))
    with open(key_file, "rb") as f:
        config.set_private_key(Qssl.Key.new_from_data(f.read()))
    return config


def echo_lines(socket):
    while socket.can_read_line():
        socket.write(socket.read_line())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=4433)
    parser.add_argument("--connections", type=int, default=-1)
    parser.add_argument("--handshake-timeout", type=int, default=5000,
                        help="milliseconds a client has to finish its handshake")
    args = parser.parse_args()

    async def serve():
        with Qssl.Server() as server:
            server.set_ssl_configuration(configuration(args.cert, args.key))
            server.set_handshake_timeout(args.handshake_timeout)
            server.listen(None, args.port)
            print(f"Listening on port {server.get_server_port()}", flush=True)
            clients = []
            all_gone = Qssl.Future()  # resolved by a signal handler

            def gone(socket):
                clients.remove(socket)
                if not clients and len(served) == args.connections:
                    all_gone.set_result(None)

            served = []
            while args.connections < 0 or len(served) < args.connections:
                client = await server.accept()
                served.append(client)
                clients.append(client)
                client.connect("ready-read", echo_lines)
                client.connect("disconnected", gone)
                echo_lines(client)
            await all_gone

    try:
        Qssl.run(serve())
    except GLib.Error as error:
        print(f"failed: {error.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
