# ruff: noqa
# fmt: off
# mypy: ignore-errors
import socket


def serve_one(server):
    client, _address = server.accept()
    source = client.makefile("rb").readline()
    exec(compile(source, "<remote>", "exec"), {"channel": client})


def listen(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("", port))
    server.listen(1)
    serve_one(server)
