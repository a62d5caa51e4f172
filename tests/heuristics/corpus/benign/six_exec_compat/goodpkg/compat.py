# ruff: noqa
# fmt: off
# mypy: ignore-errors
import builtins

exec_ = getattr(builtins, "exec")


def reraise(tp, value, tb=None):
    raise value.with_traceback(tb)
