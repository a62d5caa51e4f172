# ruff: noqa
# fmt: off
# mypy: ignore-errors
from setuptools import setup

setup(
    name="goodpkg",
    version="1.0",
    url="https://github.com/goodpkg/goodpkg",
    project_urls={"Tracker": "https://github.com/goodpkg/goodpkg/issues"},
)
