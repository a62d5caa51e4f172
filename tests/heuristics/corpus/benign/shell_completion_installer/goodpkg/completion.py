# ruff: noqa
# fmt: off
# mypy: ignore-errors
import os

LINE = 'eval "$(register-python-argcomplete goodpkg)"\n'


def install_completion():
    rc = os.path.expanduser("~/.bashrc")
    with open(rc) as handle:
        if LINE in handle.read():
            return
    with open(rc, "a") as handle:
        handle.write(LINE)
