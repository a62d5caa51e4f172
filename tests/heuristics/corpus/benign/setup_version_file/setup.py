# ruff: noqa
# fmt: off
# mypy: ignore-errors
from setuptools import setup

about = {}
exec(open("goodpkg/_version.py").read(), about)
setup(name="goodpkg", version=about["__version__"])
