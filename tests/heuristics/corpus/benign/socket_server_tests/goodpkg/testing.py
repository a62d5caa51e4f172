# ruff: noqa
# fmt: off
# mypy: ignore-errors
import socket
import subprocess
import sys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server():
    port = free_port()
    log = open(f"/tmp/server-{port}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "http.server", str(port)], stdout=log)
