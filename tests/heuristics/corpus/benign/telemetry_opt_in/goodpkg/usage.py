# ruff: noqa
# fmt: off
# mypy: ignore-errors
import platform
import socket

import requests


def report_usage(enabled=False):
    if not enabled:
        return
    requests.post(
        "https://telemetry.goodpkg.dev/v1/usage",
        json={"host": socket.gethostname(), "python": platform.python_version()},
        timeout=2,
    )
