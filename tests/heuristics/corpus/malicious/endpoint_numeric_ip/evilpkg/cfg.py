# ruff: noqa
# fmt: off
# mypy: ignore-errors
C2 = "http://3232235777:8080/gate.php"
