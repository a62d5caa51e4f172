# ruff: noqa
# fmt: off
# mypy: ignore-errors
from goodpkg._speedups import add
