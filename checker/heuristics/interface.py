"""The one interface every heuristics rule family implements."""

from __future__ import annotations

import abc
from collections.abc import Iterable
from typing import ClassVar

from checker.findings import Finding
from checker.heuristics.artifact import ArtifactView, PythonModule


class HeuristicRule(abc.ABC):
    """A family of related checks over one artifact.

    ``check_artifact`` sees the whole artifact once (member names and first bytes);
    ``check_module`` is called for each parsed Python module in turn, so that only one syntax
    tree is alive at a time. Both yield Findings whose ``rule`` is one of ``rule_ids``. Rules
    never execute, import or extract anything. An exception escaping a hook is reported as a
    gating ``heuristics.rule-crashed`` finding.
    """

    name: ClassVar[str]
    rule_ids: ClassVar[tuple[str, ...]]

    def check_artifact(self, artifact: ArtifactView) -> Iterable[Finding]:
        """Findings about the artifact as a whole (none by default)."""
        return ()

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        """Findings about one parsed Python module (none by default)."""
        return ()
