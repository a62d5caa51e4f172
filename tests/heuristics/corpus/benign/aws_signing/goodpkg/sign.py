# ruff: noqa
# fmt: off
# mypy: ignore-errors
import hashlib
import hmac
import os

import requests


def signed_get(url, payload):
    secret = os.environ["AWS_SECRET_ACCESS_KEY"]
    signature = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    headers = {"X-Signature": signature}
    return requests.get(url, headers=headers, timeout=10)
