# ruff: noqa
# fmt: off
# mypy: ignore-errors
__version__ = "1.0"
