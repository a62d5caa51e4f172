"""pip-audit as a second engine: the real tool, over the lock, without resolution.

pip-audit runs with ``-r REQS --no-deps --disable-pip --strict -f json`` so it neither
resolves nor downloads anything, and any package it cannot audit aborts the run. Its JSON
output is checked against the packages we asked about: a skip, an error, a missing or extra
package, or output that does not parse is a failure, never a pass (on our network the
default setup marks every package "skipped" and exits 0).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from checker.exit_codes import SkillgateError
from checker.vulns.engines import PinnedPackage, VulnerabilityEngine
from checker.vulns.matcher import VulnMatch
from checker.vulns.tool_run import ToolResult, run_tool

TIMEOUT_SECONDS = 900.0
# pip-audit exits 1 both when it finds vulnerabilities and on fatal errors; the JSON on
# stdout tells them apart.
_OK_CODES = (0, 1)


def pip_audit_command() -> list[str]:
    """How to start pip-audit: the console script on PATH, else ``python -m pip_audit``."""
    script = shutil.which("pip-audit")
    if script:
        return [script]
    if find_spec("pip_audit") is not None:
        return [sys.executable, "-m", "pip_audit"]
    raise SkillgateError("pip-audit is not installed (pip install pip-audit)")


class PipAuditEngine(VulnerabilityEngine):
    """Runs pip-audit against ``osv_url`` (our local server) or, when None, api.osv.dev."""

    name = "pip-audit"

    def __init__(self, *, osv_url: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        self._osv_url = osv_url
        self._timeout = timeout

    def audit(self, packages: Sequence[PinnedPackage]) -> dict[str, list[VulnMatch]]:
        """See ``VulnerabilityEngine.audit``."""
        if not packages:
            return {}
        with tempfile.TemporaryDirectory(prefix="skillgate-pip-audit-") as tmp:
            requirements = Path(tmp) / "requirements.txt"
            requirements.write_text(requirements_text(packages), encoding="utf-8")
            command = [
                *pip_audit_command(),
                *("-r", str(requirements), "--no-deps", "--disable-pip", "--strict"),
                *("-f", "json", "--desc", "on", "--aliases", "on"),
                *("--progress-spinner", "off", "--cache-dir", str(Path(tmp) / "cache")),
                *("-s", "osv"),
            ]
            if self._osv_url:
                command += ["--osv-url", self._osv_url]
            result = run_tool(command, timeout=self._timeout, ok_codes=_OK_CODES)
        return parse_report(result, packages)


def requirements_text(packages: Sequence[PinnedPackage]) -> str:
    """A requirements file pinning each package, with its hashes when the lock has them."""
    lines = []
    for package in packages:
        hashes = "".join(f" --hash={h}" for h in package.hashes)
        lines.append(f"{package.name}=={package.version}{hashes}")
    return "\n".join(lines) + "\n"


def parse_report(
    result: ToolResult, packages: Sequence[PinnedPackage]
) -> dict[str, list[VulnMatch]]:
    """Turn pip-audit's JSON into matches; ``SkillgateError`` unless every package was audited."""
    try:
        document: Any = json.loads(result.stdout)
        dependencies = document["dependencies"]
        if not isinstance(dependencies, list):
            raise TypeError("dependencies is not a list")
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SkillgateError(
            f"pip-audit output is not a report ({exc}): {result.describe()}"
        ) from None
    wanted = {p.name: p.version for p in packages}
    results: dict[str, list[VulnMatch]] = {}
    for entry in dependencies:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise SkillgateError(f"pip-audit reported a malformed dependency: {entry!r}")
        name = entry["name"]
        if "skip_reason" in entry:
            raise SkillgateError(f"pip-audit skipped {name}: {entry['skip_reason']}")
        if name not in wanted or not _same_version(wanted[name], entry.get("version")):
            raise SkillgateError(
                f"pip-audit reported {name}=={entry.get('version')}, which is not in the lock"
            )
        results[name] = [_match(name, wanted[name], vuln) for vuln in entry.get("vulns", [])]
    missing = sorted(set(wanted) - set(results))
    if missing:
        raise SkillgateError(f"pip-audit did not report on: {', '.join(missing)}")
    if result.returncode == 0 and any(results.values()):
        raise SkillgateError(f"pip-audit found vulnerabilities but exited 0: {result.describe()}")
    return results


def _same_version(locked: str, reported: Any) -> bool:
    # pip-audit prints versions normalised (2.0.0beta -> 2.0.0b0); compare them by PEP 440.
    try:
        return isinstance(reported, str) and Version(locked) == Version(reported)
    except InvalidVersion:
        return False


def _match(name: str, version: str, vuln: Any) -> VulnMatch:
    if not isinstance(vuln, dict) or not isinstance(vuln.get("id"), str):
        raise SkillgateError(f"pip-audit reported a malformed vulnerability for {name}: {vuln!r}")
    return VulnMatch(
        id=vuln["id"],
        aliases=tuple(sorted(str(a) for a in vuln.get("aliases", []))),
        package=name,
        version=version,
        fixed=tuple(str(v) for v in vuln.get("fix_versions", [])),
        summary=str(vuln.get("description") or ""),
        # pip-audit's report carries no severity; the scan looks it up in our DB if it can.
        severity="",
        score=None,
        malicious=vuln["id"].startswith("MAL-"),
    )
