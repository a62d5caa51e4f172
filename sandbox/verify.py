"""``sandbox verify``: check a live container against every row of the hardening checklist.

A probe container is created exactly like a skill run (``sandbox.hardening``); its
configuration is read back with ``docker inspect`` and the probe script looks at it from
inside; each control of ``sandbox.controls`` judges that evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError, UsageError
from checker.findings import Finding, Severity
from checker.policy.sandbox import Limits
from sandbox.controls import CONTROLS, Live
from sandbox.grant import GrantedRun
from sandbox.runner import execute, prepare

_PROBE_COMMAND = (
    "/usr/bin/python3",
    "-I",
    "-S",
    "-c",
    "import sys; exec(compile(sys.stdin.read(), 'probe', 'exec'))",
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Check:
    """One row of the verify table."""

    control: str
    title: str
    passed: bool
    evidence: str


def probe_source() -> str:
    """The probe script (package data) that runs inside the container."""
    return resources.files("sandbox").joinpath("probe_script.py").read_text("utf-8")


def verify_skill(repo: Path, skill_id: str, level: str | None) -> tuple[list[Check], str]:
    """Verify a live probe container of ``skill_id``'s current image with the limits of
    ``level`` (default: the skill's own); returns the rows and the skill's file."""
    import contextlib  # noqa: PLC0415

    from checker.lock.target import target_for  # noqa: PLC0415
    from checker.policy.load import load_repo  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.build import find_image  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415
    from sandbox.grant import probe_grant  # noqa: PLC0415

    loaded = load_repo(repo)
    skill = loaded.skills.get(skill_id)
    if skill is None:
        raise UsageError(f"unknown skill {skill_id!r}")
    settings = loaded.sandbox_policy()
    grant = probe_grant(settings, level or skill.min_level)
    with contextlib.closing(connect()) as client:
        base = require_base(client, settings.base)
        image = find_image(client, skill, base, target_for(settings.base))
        if image is None:
            raise SkillgateError(f"skill {skill_id} is not built; run `skillgate build {skill_id}`")
        rows = verify_image(client, grant, image.id)
        rows.append(_installed_row(client, image.id, skill, settings))
        return rows, skill.file


def _installed_row(client: Any, image_id: str, skill: Any, settings: Any) -> Check:
    """SG.6: pipdeptree inside the image finds exactly the lock (``sandbox.installed``)."""
    from checker.layout import lock_file  # noqa: PLC0415
    from sandbox.installed import verify_installed  # noqa: PLC0415

    mismatch = verify_installed(client, image_id, skill, settings, lock_file(skill.id))
    evidence = "; ".join(f.message.split(": ", 1)[-1] for f in mismatch)
    return Check(
        control="SG.6",
        title="Installed distributions and edges equal the lock",
        passed=not mismatch,
        evidence=evidence or "pipdeptree inside the image matches the lock",
    )


def verify_image(client: Any, grant: GrantedRun, image_id: str) -> list[Check]:
    """Start a probe container from ``image_id`` and check every control."""
    prepared = prepare(client, grant, image_id=image_id, command=_PROBE_COMMAND, role="probe")
    try:
        prepared.container.reload()
        attrs = prepared.container.attrs
        prepared.start()
        result = execute(prepared, probe_source().encode("utf-8"))
    finally:
        prepared.discard()
    if result.exit_code != 0:
        raise SkillgateError(
            f"the verify probe failed (exit {result.exit_code}): "
            f"{result.stderr.decode('utf-8', 'replace')[-500:]}"
        )
    try:
        facts: dict[str, Any] = json.loads(result.stdout)
    except ValueError as exc:
        raise SkillgateError(f"the verify probe printed no facts: {exc}") from exc
    return checks(attrs, facts, grant.limits)


def checks(attrs: dict[str, Any], facts: dict[str, Any], limits: Limits) -> list[Check]:
    """Every checklist row (``sandbox.controls.CONTROLS``), from the inspect document and the
    probe's facts."""
    live = Live(attrs=attrs, facts=facts)
    rows = []
    for control in CONTROLS:
        passed, evidence = control.verify(live, limits)
        rows.append(
            Check(control=control.id, title=control.title, passed=bool(passed), evidence=evidence)
        )
    return rows


def render_table(rows: list[Check]) -> str:
    """The pass/fail table printed by ``sandbox verify``."""
    width = max(len(r.title) for r in rows)
    lines = [f"{'CIS':<5} {'control':<{width}}  result  evidence"]
    for row in rows:
        verdict = "PASS" if row.passed else "FAIL"
        lines.append(f"{row.control:<5} {row.title:<{width}}  {verdict:<6}  {row.evidence}")
    failed = sum(1 for r in rows if not r.passed)
    lines.append(f"{len(rows) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"


def row_findings(rows: list[Check], file: str) -> list[Finding]:
    """Every failing row as a located Finding (``sandbox.verify.<CIS control>``), so that
    ``--format github|sarif`` carry them."""
    return [
        Finding(
            rule=f"sandbox.verify.{row.control}",
            severity=Severity.ERROR,
            message=f"{row.title}: {row.evidence}",
            file=file,
            line=1,
            column=1,
            hint="a sandbox control is not in force on a live container of this skill",
        )
        for row in rows
        if not row.passed
    ]
