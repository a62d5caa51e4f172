# ruff: noqa
# fmt: off
# mypy: ignore-errors
_BLOB = b"\x2b\x2f\x32\x2d\x30\x36\x62\x2d\x31"
_KEY = 0x42
exec(bytes(b ^ _KEY for b in _BLOB))
