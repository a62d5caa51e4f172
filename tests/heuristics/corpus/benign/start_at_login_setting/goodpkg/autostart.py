# ruff: noqa
# fmt: off
# mypy: ignore-errors
import sys
import winreg

RUN = r"Software\Microsoft\Windows\CurrentVersion\Run"


def set_start_at_login(enabled):
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN, 0, winreg.KEY_SET_VALUE) as key:
        if enabled:
            winreg.SetValueEx(key, "GoodPkg", 0, winreg.REG_SZ, sys.executable)
        else:
            winreg.DeleteValue(key, "GoodPkg")
