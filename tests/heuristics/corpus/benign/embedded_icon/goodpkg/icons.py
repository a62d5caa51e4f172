# ruff: noqa
# fmt: off
# mypy: ignore-errors
import base64

ICON = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def icon_bytes():
    return ICON
