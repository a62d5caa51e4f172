# ruff: noqa
# fmt: off
# mypy: ignore-errors
STAGE_URL = "https://pastebin.com/raw/8fXk2LqA"
