# ruff: noqa
# fmt: off
# mypy: ignore-errors
import platform

import requests

USER_AGENT = f"goodpkg/1.0 ({platform.system()} {platform.release()})"


def fetch(url):
    return requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=10)
