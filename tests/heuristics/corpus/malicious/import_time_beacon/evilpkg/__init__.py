# ruff: noqa
# fmt: off
# mypy: ignore-errors
import urllib.request

_r = urllib.request.urlopen('https://pkg-stats.example.net/hit', timeout=2)
