# ruff: noqa
# fmt: off
# mypy: ignore-errors
import json
import os

from cryptography.fernet import Fernet


def load(path):
    key = os.environ["GOODPKG_KEY"].encode()
    with open(path, "rb") as handle:
        return json.loads(Fernet(key).decrypt(handle.read()))
