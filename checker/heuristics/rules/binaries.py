"""Native executables and libraries bundled in a project that is otherwise pure Python."""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics.archive import Member
from checker.heuristics.artifact import ArtifactView
from checker.heuristics.interface import HeuristicRule

BUNDLED_BINARY = "mal.bundled-binary"
MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
PE_OFFSET_FIELD = slice(0x3C, 0x40)
# Java class files share the fat Mach-O magic; their next word is a version (>= 45).
MAX_FAT_ARCHS = 30


def binary_format(member: Member) -> str | None:
    """``ELF``, ``PE`` or ``Mach-O`` when the member's first bytes say so, else None."""
    head = member.head
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head.startswith(MACHO_MAGICS):
        return "Mach-O"
    if head.startswith(b"\xca\xfe\xba\xbe") and len(head) >= 8:
        return "Mach-O" if 0 < int.from_bytes(head[4:8], "big") < MAX_FAT_ARCHS else None
    if head.startswith(b"MZ") and len(head) >= PE_OFFSET_FIELD.stop:
        offset = int.from_bytes(head[PE_OFFSET_FIELD], "little")
        return "PE" if 0 < offset < member.size else None
    return None


class BundledBinaries(HeuristicRule):
    """A pure-Python wheel, or an sdist without native sources, that carries a binary."""

    name = "bundled-binaries"
    rule_ids = (BUNDLED_BINARY,)

    def check_artifact(self, artifact: ArtifactView) -> Iterable[Finding]:
        if not artifact.is_pure_python:
            return
        for member in artifact.members:
            kind = binary_format(member)
            if kind:
                yield artifact.finding(
                    rule=BUNDLED_BINARY,
                    severity=Severity.WARNING,
                    member=member,
                    what=f"{kind} binary ({member.size} bytes) in a pure-Python project",
                    hint="native code cannot be reviewed from source; check where it comes from",
                )
