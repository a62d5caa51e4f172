# ruff: noqa
# fmt: off
# mypy: ignore-errors
C2 = "http://45.77.12.9:8080/beacon"
