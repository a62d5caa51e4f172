# ruff: noqa
# fmt: off
# mypy: ignore-errors
import pyperclip


def paste_lines():
    return pyperclip.paste().splitlines()
