# ruff: noqa
# fmt: off
# mypy: ignore-errors
import subprocess


def run_with_library(program, library):
    return subprocess.run([program], env={"LD_PRELOAD": library}, capture_output=True, check=False)
