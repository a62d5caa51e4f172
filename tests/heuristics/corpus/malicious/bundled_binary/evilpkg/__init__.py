# ruff: noqa
# fmt: off
# mypy: ignore-errors
