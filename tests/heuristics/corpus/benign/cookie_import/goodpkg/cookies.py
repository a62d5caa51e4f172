# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import sqlite3


def chrome_cookies(profile="Default"):
    path = os.path.expanduser(f"~/.config/google-chrome/{profile}/Cookies")
    with sqlite3.connect(path) as db:
        return db.execute("SELECT host_key, name FROM cookies").fetchall()
