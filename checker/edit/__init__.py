"""Reviewed policy changes written for a pull request: ``approve``, ``ban``, ``graduate``.

Each verb builds a round-trip edit of one file (``yaml_edit``), proves it in a throwaway copy
of the repository (``review``: the edited file must gain no error; what else breaks is listed,
and the diff engine gives the blast radius), writes it, and renders a markdown block for the
pull request (``pull_request``). ``approve`` also checks the release itself (``release``): it
exists on the index for the sandbox target, and its wheel passes the vulnerability DB and the
malicious-code heuristics.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker.exit_codes import ExitCode, SkillgateError
from checker.findings import Finding


class EditRefused(SkillgateError):
    """The change is refused and nothing was written (exit 1); ``findings`` say why."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)
