"""The one exit-code contract shared by every verb."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.findings import Finding


class ExitCode(enum.IntEnum):
    """0 ok; 1 findings at failing severity or deny; 2 usage error; 3 could not decide."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    UNDECIDED = 3


class SkillgateError(Exception):
    """A user-facing failure: printed as one ``Error: ...`` line, mapped to an exit code.

    Raise it (or a subclass) when the product cannot decide: missing data, a tool or
    engine that is unreachable, a corrupt bundle. The default exit code is 3 so that an
    undecidable situation fails CI like a finding does.
    """

    exit_code: ExitCode = ExitCode.UNDECIDED

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(SkillgateError):
    """The command line asked for something impossible (exit 2)."""

    exit_code = ExitCode.USAGE


class PolicyError(SkillgateError):
    """The policy has errors (exit 1 on every verb): nothing is decided, compiled or run
    over a policy that does not validate. ``findings`` holds the errors, for reporters."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)
