# ruff: noqa
# fmt: off
# mypy: ignore-errors
def make_init(fields):
    lines = [f"    self.{name} = {name}" for name in fields]
    source = "def __init__(self, " + ", ".join(fields) + "):\n" + "\n".join(lines)
    namespace = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace["__init__"]


exec("def reraise(tp, value, tb=None):\n    raise value.with_traceback(tb)\n")
