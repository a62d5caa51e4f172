# ruff: noqa
# fmt: off
# mypy: ignore-errors
import sys

RED = "\x1b[31m"
RESET = "\x1b[0m"
PNG = b"\x89PNG\r\n\x1a\n"


def warn(text):
    sys.stderr.write(RED + text + RESET + "\n")
