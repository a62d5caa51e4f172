# ruff: noqa
# fmt: off
# mypy: ignore-errors
O0O0O0 = 1
OO00OO = 2
O0OO00 = O0O0O0 + OO00OO
OOO000 = O0OO00 * 2
O00O0O = OOO000 - 1
