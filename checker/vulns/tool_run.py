"""The one wrapper for running external tools: readable failures, never a traceback."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from checker.exit_codes import SkillgateError

_TAIL = 2_000


class ToolError(SkillgateError):
    """A tool could not run, timed out, or failed; the message carries its output."""


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
    """Run ``command`` (no shell); ``ToolError`` unless its return code is in ``ok_codes``."""
    argv = tuple(command)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=None if env is None else dict(env),
        )
    except FileNotFoundError:
        raise ToolError(f"`{argv[0]}` not found; is it installed?") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"`{' '.join(argv)}` timed out after {timeout:.0f}s") from None
    except OSError as exc:
        raise ToolError(f"`{' '.join(argv)}` could not start: {exc}") from None
    result = ToolResult(
        command=argv, returncode=done.returncode, stdout=done.stdout, stderr=done.stderr
    )
    if result.returncode not in ok_codes:
        raise ToolError(result.describe())
    return result
