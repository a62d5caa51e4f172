# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import zipfile

import requests


def install_cli(url, target_dir):
    archive = os.path.join(target_dir, "cli.zip")
    with open(archive, "wb") as handle:
        handle.write(requests.get(url, timeout=30).content)
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(target_dir)
    binary = os.path.join(target_dir, "cli")
    os.chmod(binary, 0o755)
    return binary
