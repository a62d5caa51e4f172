# ruff: noqa
# fmt: off
# mypy: ignore-errors
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        subprocess.check_call(["cmake", "-S", ".", "-B", self.build_temp])
        subprocess.check_call(["cmake", "--build", self.build_temp])


setup(
    name="goodpkg",
    version="1.0",
    ext_modules=[Extension("goodpkg._native", [])],
    cmdclass={"build_ext": CMakeBuild},
)
