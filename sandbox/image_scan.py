"""``skillgate scan-images``: known vulnerabilities of everything in the built images.

Each skill's current image is scanned from its SBOM (``sandbox.attestations``): the Debian
packages against the DB's ``Debian:<release>`` records (``checker.vulns.debian``, through
their source packages), the Python distributions against its PyPI records. The gates and
waivers are ``policy/scanning.yaml``'s; a finding is located at the component's line in the
stored SBOM. A DB without records for the image's Debian release cannot decide (exit 3):
an OS that was never checked must not look clean.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.findings import Finding
from checker.lock.lockfile import LockedPackage
from checker.vulns import debian
from checker.vulns.matcher import MatchError, VulnMatch, match_all, parse_version
from checker.vulns.vuln_index import VulnIndex
from checker.vulns.waivers import WaiverBook
from sandbox.attestations import SBOM_FILE, image_dir, image_sbom

_PREFIX = "skillgate:"


@dataclass(frozen=True, kw_only=True, slots=True)
class ImageScan:
    """The findings over the scanned images and how much they covered."""

    findings: list[Finding]
    images: int
    os_packages: int
    distributions: int


def _properties(component: dict[str, Any]) -> dict[str, str]:
    return {
        str(p["name"]).removeprefix(_PREFIX): str(p["value"])
        for p in component.get("properties") or []
    }


def _line_of(text: str, bom_ref: str) -> int:
    needle = f'"bom-ref": {json.dumps(bom_ref)}'
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def scan_sbom(
    text: str, sbom_file: str, index: VulnIndex, policy: Any, waivers: WaiverBook
) -> tuple[list[Finding], int, int]:
    """Findings for one SBOM; (findings, Debian packages, Python distributions)."""
    from checker.scan.vuln_findings import vuln_findings  # noqa: PLC0415

    document = json.loads(text)
    packages: list[LockedPackage] = []
    matches: dict[str, list[VulnMatch]] = {}
    debs = pythons = 0
    for component in document.get("components") or []:
        purl = str(component.get("purl", ""))
        ref = str(component.get("bom-ref", ""))
        name, version = str(component["name"]), str(component["version"])
        try:
            if purl.startswith("pkg:deb/"):
                debs += 1
                props = _properties(component)
                distro = purl.partition("distro=")[2].partition("&")[0]
                ecosystem = debian.ecosystem_for(distro)
                if not index.has_ecosystem(ecosystem):
                    raise SkillgateError(
                        f"the vulnerability DB has no {ecosystem} records, so the image's "
                        "Debian packages cannot be checked; import Debian OSV data with "
                        "`skillgate db update --from` (vuln.db-missing)"
                    )
                package = debian.DebPackage(
                    name=name,
                    version=version,
                    source=props.get("deb:source", name),
                    source_version=props.get("deb:source-version", version),
                )
                key = debian.index_key(ecosystem, package.source)
                found = debian.match_package(index.records(key), ecosystem, package)
                shown = f"{name} (deb, source {package.source})"
            elif purl.startswith("pkg:pypi/"):
                pythons += 1
                found = match_all(index.records(name), name, parse_version(version, name))
                shown = name
            else:
                continue
        except MatchError as exc:
            raise SkillgateError(f"{sbom_file}: cannot match {name} {version}: {exc}") from None
        packages.append(
            LockedPackage(
                name=shown,
                version=version,
                hashes=(),
                parents=(),
                index_url="",
                files=(),
                line=_line_of(text, ref),
            )
        )
        matches[shown] = found
    return vuln_findings(sbom_file, packages, matches, policy, waivers), debs, pythons


def scan_images(
    repo: Path, skills: Sequence[str], *, vuln_db: Path | None, now: datetime
) -> ImageScan:
    """Scan the current image of each of ``skills`` (every skill when empty)."""
    from checker.lock.target import target_for  # noqa: PLC0415
    from checker.policy.load import load_repo  # noqa: PLC0415
    from checker.vulns.db_location import resolve_db_dir  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.build import build_key, find_image, image_tag  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415
    from sandbox.images import selected_skills  # noqa: PLC0415

    loaded = load_repo(repo)
    selected = selected_skills(loaded, skills)
    policy = loaded.scanning_policy()
    settings = loaded.sandbox_policy()
    target = target_for(settings.base)
    index = VulnIndex.open(resolve_db_dir(vuln_db))
    findings: list[Finding] = []
    debs = pythons = 0
    waivers = WaiverBook(policy.waivers, now.date())
    with contextlib.closing(index), contextlib.closing(connect()) as client:
        index.info.ensure_fresh(policy.max_db_age_days, now)
        base = require_base(client, settings.base)
        for skill_id in selected:
            skill = loaded.skills[skill_id]
            image = find_image(client, skill, base, target)
            if image is None:
                raise SkillgateError(
                    f"skill {skill_id} is not built; run `skillgate build {skill_id}`"
                )
            tag = image_tag(skill, build_key(skill, base, target))
            text = image_sbom(client, repo, skill, target, image, tag)
            sbom_file = (image_dir(repo, str(image.id)) / SBOM_FILE).relative_to(repo)
            found, d, p = scan_sbom(text, sbom_file.as_posix(), index, policy, waivers)
            findings += found
            debs += d
            pythons += p
    return ImageScan(
        findings=findings, images=len(selected), os_packages=debs, distributions=pythons
    )
