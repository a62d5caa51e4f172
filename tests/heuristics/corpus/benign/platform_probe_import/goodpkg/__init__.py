# ruff: noqa
# fmt: off
# mypy: ignore-errors
import subprocess

ARCH = subprocess.check_output(['uname', '-m']).strip()
