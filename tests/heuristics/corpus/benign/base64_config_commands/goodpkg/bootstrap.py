# ruff: noqa
# fmt: off
# mypy: ignore-errors
import base64
import json
import subprocess

PAYLOAD = "eyJjb21tYW5kcyI6IFtbInB5dGhvbiIsICItLXZlcnNpb24iXV19"


def main():
    payload = json.loads(base64.b64decode(PAYLOAD))
    for command in payload["commands"]:
        subprocess.run(command, check=True)
