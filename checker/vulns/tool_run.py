"""A finished external tool's result, as the pip-audit engine parses it.

Running goes through the project's one subprocess wrapper, ``checker.process``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checker.process import run_command

_TAIL = 2_000


@dataclass(frozen=True, kw_only=True, slots=True)
class ToolResult:
    """A finished process: command, return code and both output streams."""

    command: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        """Command, return code and the tails of stdout and stderr, for error messages."""
        return (
            f"`{' '.join(self.command)}` exited {self.returncode}; "
            f"stdout: {self.stdout[-_TAIL:].strip() or '<empty>'}; "
            f"stderr: {self.stderr[-_TAIL:].strip() or '<empty>'}"
        )


def run_tool(
    command: Sequence[str],
    *,
    timeout: float,
    ok_codes: Sequence[int] = (0,),
    env: Mapping[str, str] | None = None,
) -> ToolResult:
    """Run ``command`` (no shell); ``CommandError`` unless its return code is in ``ok_codes``."""
    done = run_command(command, timeout=timeout, ok_codes=ok_codes, env=env)
    return ToolResult(
        command=tuple(command), returncode=done.returncode, stdout=done.stdout, stderr=done.stderr
    )
