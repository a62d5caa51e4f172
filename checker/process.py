"""The one wrapper around subprocesses (git, pip, pip-audit, debootstrap, tar, docker).

A failure carries the command, its return code, stdout and stderr, so that an
``Error: ...`` line says what ran and why it failed instead of a bare exit status.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from checker.exit_codes import SkillgateError

_TAIL_CHARS = 2_000


class CommandError(SkillgateError):
    """A subprocess failed or could not start (exit 3: could not decide)."""

    def __init__(self, args: Sequence[str], returncode: int | None, stdout: str, stderr: str):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        status = "could not start" if returncode is None else f"exited {returncode}"
        super().__init__(
            f"command {shlex.join(args)} {status}"
            f"{_section('stdout', stdout)}{_section('stderr', stderr)}"
        )


def _section(name: str, text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    if len(text) > _TAIL_CHARS:
        text = "..." + text[-_TAIL_CHARS:]
    return f"; {name}: {text}"


def run_command(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    ok_codes: Sequence[int] = (0,),
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` (never through a shell) and return it; raise CommandError when it
    cannot start, times out, or exits with a code not in ``ok_codes``."""
    try:
        completed = subprocess.run(
            list(args),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise CommandError(args, None, "", f"{exc.strerror}: {exc.filename}") from exc
    except subprocess.TimeoutExpired as exc:
        raise CommandError(args, None, _text(exc.stdout), f"timed out after {timeout}s") from exc
    if completed.returncode not in ok_codes:
        raise CommandError(args, completed.returncode, completed.stdout, completed.stderr)
    return completed


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data
