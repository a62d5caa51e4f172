"""Image verbs: ``sbom``, ``verify-image`` and ``scan-images``: the built images' supply chain."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from checker.cli.options import emit_findings, format_option, repo_option, vuln_db_option
from checker.exit_codes import ExitCode, SkillgateError, UsageError


@dataclass(frozen=True, kw_only=True, slots=True)
class _Context:
    client: Any
    skill: Any
    base: Any
    target: Any
    settings: Any


@contextlib.contextmanager
def _skill_context(repo: Path, skill_id: str) -> Iterator[_Context]:
    from checker.lock.target import target_for  # noqa: PLC0415 - keep CLI start fast
    from checker.policy.load import load_repo  # noqa: PLC0415
    from sandbox.base_image import require_base  # noqa: PLC0415
    from sandbox.engine import connect  # noqa: PLC0415

    loaded = load_repo(repo)
    skill = loaded.skills.get(skill_id)
    if skill is None:
        raise UsageError(f"unknown skill {skill_id!r}")
    settings = loaded.sandbox_policy()
    with contextlib.closing(connect()) as client:
        base = require_base(client, settings.base)
        yield _Context(
            client=client,
            skill=skill,
            base=base,
            target=target_for(settings.base),
            settings=settings,
        )


@click.command(name="sbom")
@repo_option
@click.argument("skill")
@click.pass_context
def sbom_cmd(ctx: click.Context, repo: Path, skill: str) -> None:
    """Print the CycloneDX SBOM (JSON) of SKILL's current image.

    It lists the Debian packages left in the image and every Python distribution of the
    lock, with hashes and index. `skillgate build` writes it; when it is missing it is made
    from the image now (the same bytes). Exit 3 when the skill is not built.
    """
    from sandbox.attestations import image_sbom  # noqa: PLC0415
    from sandbox.build import build_key, find_image, image_tag  # noqa: PLC0415

    with _skill_context(repo, skill) as c:
        image = find_image(c.client, c.skill, c.base, c.target)
        if image is None:
            raise SkillgateError(f"skill {skill} is not built; run `skillgate build {skill}`")
        tag = image_tag(c.skill, build_key(c.skill, c.base, c.target))
        text = image_sbom(c.client, repo, c.skill, c.target, image, tag)
    click.echo(text, nl=False)
    ctx.exit(ExitCode.OK)


@click.command(name="verify-image")
@repo_option
@click.argument("skill")
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Ed25519 public key (PEM) the provenance must be signed with [default: public_key "
    "in policy/sandbox.yaml, else $SKILLGATE_PUBLIC_KEY].",
)
@click.pass_context
def verify_image_cmd(ctx: click.Context, repo: Path, skill: str, public_key: Path | None) -> None:
    """Verify SKILL's image against its signed SLSA provenance.

    The signature must be by the key, and the image under the skill's tag, the lock, the
    skill directory, the base image and the Dockerfile must be what the provenance attests.
    Exit 0 verified; 1 a bad signature or a mismatch (each one printed); 3 no provenance,
    no key or no engine.
    """
    from sandbox.image_verify import public_key_for, render, verify_skill_image  # noqa: PLC0415

    with _skill_context(repo, skill) as c:
        key = public_key_for(repo, c.settings, public_key)
        result = verify_skill_image(c.client, repo, c.skill, c.base, c.target, key)
    click.echo(render(result), nl=False)
    ctx.exit(ExitCode.OK if result.ok else ExitCode.FINDINGS)


@click.command(name="scan-images")
@repo_option
@format_option
@vuln_db_option
@click.argument("skills", nargs=-1)
@click.pass_context
def scan_images_cmd(
    ctx: click.Context,
    repo: Path,
    output_format: str,
    vuln_db: Path | None,
    skills: tuple[str, ...],
) -> None:
    """Scan the built images of SKILLS (all by default) for known vulnerabilities.

    Each image's SBOM is matched against the offline DB: its Debian packages against the
    Debian OSV records of its release (through their source packages), its Python
    distributions against the PyPI ones; policy/scanning.yaml's gates and waivers apply.
    Exit 0 clean; 1 findings that fail the gate; 3 no DB, no Debian data, a stale DB, or
    an image that is not built. The scheduled re-scan runs it after `db update`.
    """
    from datetime import UTC, datetime  # noqa: PLC0415

    from checker.findings import fails, sort_findings  # noqa: PLC0415
    from sandbox.image_scan import scan_images  # noqa: PLC0415

    result = scan_images(repo, skills, vuln_db=vuln_db, now=datetime.now(UTC))
    findings = sort_findings(result.findings)
    emit_findings(findings, output_format)
    click.echo(
        f"scanned {result.images} image(s): {result.os_packages} Debian packages, "
        f"{result.distributions} Python distributions",
        err=True,
    )
    ctx.exit(ExitCode.FINDINGS if fails(findings) else ExitCode.OK)
