# ruff: noqa
# fmt: off
# mypy: ignore-errors
import socket


def local_address():
    return socket.gethostbyname(socket.gethostname())


def mdns_address():
    return socket.getaddrinfo(socket.gethostname() + ".local", None)
