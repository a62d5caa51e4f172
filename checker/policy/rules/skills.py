"""Skills: ids match directories, entrypoints exist, requirements are exact pins and allowed."""

from __future__ import annotations

from collections.abc import Iterator

from packaging.requirements import InvalidRequirement, Requirement

from checker.findings import Finding
from checker.policy.model import Skill, Source
from checker.policy.rules.context import Rule, RuleContext
from checker.runtime.bundle_format import day_of
from checker.runtime.specs import canonical_name
from checker.yaml import Document


def _skill_documents(ctx: RuleContext) -> Iterator[tuple[str, Document]]:
    for rel, document in sorted(ctx.repo.raw.items()):
        if ctx.repo.kinds[rel] == "skill" and isinstance(document.data.get("id"), str):
            yield rel, document


def identity(ctx: RuleContext) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for rel, document in _skill_documents(ctx):
        skill_id = document.data["id"]
        directory = rel.split("/")[-2]
        if skill_id != directory:
            yield document.finding(
                ("id",),
                "skill.id-mismatch",
                f"skill id {skill_id!r} differs from its directory {directory!r}",
                hint="the directory name is the skill id",
            )
        if skill_id in seen:
            yield document.finding(
                ("id",),
                "skill.duplicate-id",
                f"skill id {skill_id!r} is also used by {seen[skill_id]}",
            )
        seen.setdefault(skill_id, rel)


def entrypoints(ctx: RuleContext) -> Iterator[Finding]:
    for skill in ctx.repo.skills.values():
        target = (skill.directory / skill.entrypoint).resolve()
        inside = target.is_relative_to(skill.directory.resolve())
        if not inside or not target.is_file():
            yield ctx.at(
                skill.source,
                "skill.entrypoint-missing",
                f"entrypoint {skill.entrypoint!r} is not a file inside skills/{skill.id}/",
                key="entrypoint",
            )


def pinned_requirements(skill: Skill) -> Iterator[tuple[int, str, str | None, str]]:
    """(index, canonical name, exact version or None, problem) for each requirement."""
    for index, text in enumerate(skill.requirements):
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            yield index, text, None, f"{text!r} is not a valid requirement: {exc}"
            continue
        specs = tuple(requirement.specifier)
        exact = (
            len(specs) == 1
            and specs[0].operator == "=="
            and "*" not in specs[0].version
            and requirement.marker is None
            and requirement.url is None
        )
        name = canonical_name(requirement.name)
        if not exact:
            why = (
                "has an environment marker"
                if requirement.marker is not None
                else "is a URL"
                if requirement.url is not None
                else "is not an exact pin"
            )
            yield index, name, None, f"{text!r} {why}; skills need name==version"
        else:
            yield index, name, specs[0].version, ""


def requirements(ctx: RuleContext) -> Iterator[Finding]:
    for skill in sorted(ctx.repo.skills.values(), key=lambda s: s.id):
        seen: set[str] = set()
        for index, name, version, problem in pinned_requirements(skill):
            position = ctx.repo.raw[skill.file].position(("requirements", index))
            where = Source(file=skill.file, line=position.line, column=position.column)
            if problem:
                yield ctx.at(
                    where,
                    "skill.unpinned",
                    problem,
                    hint="skills install exact pins only, e.g. pyyaml==6.0.2; run skillgate lock",
                )
                continue
            if name in seen:
                yield ctx.at(where, "skill.duplicate-requirement", f"{name} is required twice")
                continue
            seen.add(name)
            if ctx.engine is None or skill.min_level not in ctx.level_names:
                continue
            assert version is not None
            decision = ctx.engine.check_level(skill.min_level, name, version, day=day_of(ctx.today))
            if not decision.allowed:
                needs = (
                    f" (approved from {decision.maturity_required})"
                    if decision.maturity_required
                    else ""
                )
                yield ctx.at(
                    where,
                    "skill.not-allowed",
                    f"{name}=={version} is not allowed for the skill's min_level "
                    f"{skill.min_level}: {decision.reason}{needs}",
                    hint="approve it for that level in policy/packages/ or raise min_level",
                )


RULES: tuple[Rule, ...] = (identity, entrypoints, requirements)
