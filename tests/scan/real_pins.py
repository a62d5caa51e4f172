"""The list of real package pins shared by the differential test and the benchmark."""

from __future__ import annotations

from pathlib import Path

from checker.vulns.engines import PinnedPackage

PINS_FILE = Path(__file__).parent / "data" / "real_pins.txt"


def real_pins() -> list[PinnedPackage]:
    """Every pin of ``data/real_pins.txt``, in file order."""
    out = []
    for line in PINS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            out.append(PinnedPackage(name=name, version=version))
    return out
