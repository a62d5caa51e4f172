# ruff: noqa
# fmt: off
# mypy: ignore-errors
import urllib.request
from types import ModuleType


def download_module(url: str) -> ModuleType:
    with urllib.request.urlopen(url) as response:
        source = response.read()
    module = ModuleType(url)
    exec(compile(source, url, "exec"), module.__dict__)
    return module
