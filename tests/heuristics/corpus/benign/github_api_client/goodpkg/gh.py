# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os

import requests


def list_releases(repo):
    token = os.environ["GITHUB_TOKEN"]
    return requests.get(
        f"https://api.github.com/repos/{repo}/releases",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
