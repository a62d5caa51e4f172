"""Read a policy repository: every YAML file loaded once, schema-checked, turned into the model.

Problems never stop the load: each becomes a Finding and the entries that passed
their schema still make it into the model, so one run reports every mistake. The typed
settings of ``scanning.yaml`` and ``sandbox.yaml`` are built here too, from the same
documents, and handed to ``lock``, ``scan``, ``build`` and ``run`` on the ``LoadedRepo``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checker import layout
from checker.exit_codes import PolicyError
from checker.findings import Finding, Severity
from checker.layout import (
    LOCK_NAME,
    POLICY_DIR,
    SANDBOX_FILE,
    SCANNING_FILE,
    SKILL_FILE,
    SKILLS_DIR,
)
from checker.policy import model
from checker.policy.sandbox import SandboxPolicy
from checker.policy.scanning import ScanningPolicy
from checker.policy.schema import check_document
from checker.yaml import Document, JsonPath, load_file

_SINGLE_FILES = {
    layout.MATURITY_FILE: "maturity",
    layout.AGENTS_FILE: "agents",
    layout.BANS_FILE: "bans",
    layout.SCANNING_FILE: "scanning",
    layout.SANDBOX_FILE: "sandbox",
}
_REQUIRED = (layout.MATURITY_FILE,)
_DIRECTORIES = {layout.PACKAGES_DIR: "packages", layout.POLICY_TESTS_DIR: "policy-tests"}


@dataclass(kw_only=True, slots=True)
class LoadedRepo:
    """A repository after loading and schema checks; ``findings`` holds their problems."""

    root: Path
    policy: model.Policy
    skills: dict[str, model.Skill]
    raw: dict[str, Document] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    scanning: ScanningPolicy | None = None
    sandbox: SandboxPolicy | None = None

    def scanning_policy(self) -> ScanningPolicy:
        """The ``scanning.yaml`` settings; PolicyError (exit 1) when that file has errors."""
        if self.scanning is None:
            raise self._file_error(SCANNING_FILE)
        return self.scanning

    def sandbox_policy(self) -> SandboxPolicy:
        """The ``sandbox.yaml`` settings; PolicyError (exit 1) when that file has errors."""
        if self.sandbox is None:
            raise self._file_error(SANDBOX_FILE)
        return self.sandbox

    def _file_error(self, rel: str) -> PolicyError:
        errors = [f for f in self.findings if f.file == rel and f.severity >= Severity.ERROR]
        first = f": {errors[0].location}: {errors[0].message}" if errors else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return PolicyError(f"{rel} has errors{first}{more}", errors)


def policy_files(root: Path) -> Iterator[tuple[str, str]]:
    """(relative path, kind) of every file that belongs to the policy, sorted."""
    for rel, kind in sorted(_SINGLE_FILES.items()):
        if (root / rel).is_file() or rel in _REQUIRED:
            yield rel, kind
    for directory, kind in sorted(_DIRECTORIES.items()):
        for path in sorted((root / directory).glob("*.yaml")):
            yield path.relative_to(root).as_posix(), kind
    for path in sorted((root / SKILLS_DIR).glob(f"*/{SKILL_FILE}")):
        yield path.relative_to(root).as_posix(), "skill"


def input_files(root: Path) -> list[Path]:
    """Every file whose content a compiled bundle depends on (for freshness checks)."""
    files = [root / rel for rel, _ in policy_files(root) if (root / rel).is_file()]
    files += sorted((root / SKILLS_DIR).glob(f"*/{LOCK_NAME}"))
    return sorted(files)


def _stray_files(root: Path) -> Iterator[Finding]:
    policy = root / POLICY_DIR
    if not policy.is_dir():
        return
    known = {rel for rel, _ in policy_files(root)}
    for path in sorted(policy.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in known and path.suffix in (".yml", ".yaml", ".json"):
            # An error, not a warning: a ban saved as bans.yml would otherwise be
            # ignored while validate passes. Line 1 so the annotation shows in the diff.
            yield Finding(
                rule="repo.unknown-file",
                severity=Severity.ERROR,
                message="this file is not part of the policy layout and would be ignored",
                file=rel,
                line=1,
                column=1,
                hint="policy files end in .yaml and live where the layout says (see README)",
            )


def load_repo(root: Path) -> LoadedRepo:
    """Load and schema-check every policy and skill file under ``root``."""
    findings: list[Finding] = list(_stray_files(root))
    raw: dict[str, Document] = {}
    kinds: dict[str, str] = {}
    bad: dict[str, set[JsonPath]] = {}
    for rel, kind in policy_files(root):
        path = root / rel
        if not path.is_file():
            findings.append(
                Finding(
                    rule="repo.missing-file",
                    severity=Severity.ERROR,
                    message=f"required policy file {rel} is missing",
                    file=rel,
                )
            )
            continue
        document, load_findings = load_file(path, rel)
        findings += load_findings
        if document is None:
            continue
        schema_results = check_document(document, kind)
        findings += [finding for finding, _ in schema_results]
        raw[rel], kinds[rel] = document, kind
        paths = [path for _, path in schema_results]
        bad[rel] = _bad_entries(paths, whole=kind in ("maturity", "skill", "scanning", "sandbox"))
    policy = _policy(raw, kinds, bad)
    skills = {
        doc.data["id"]: model.skill_from(doc, (root / rel).parent)
        for rel, doc in raw.items()
        if kinds[rel] == "skill" and () not in bad[rel]
    }
    scanning, sandbox = _settings(raw, findings)
    return LoadedRepo(
        root=root,
        policy=dataclasses.replace(
            policy, transitive=scanning.transitive if scanning else "inherit"
        ),
        skills=skills,
        raw=raw,
        kinds=kinds,
        findings=findings,
        scanning=scanning,
        sandbox=sandbox,
    )


def _settings(
    raw: dict[str, Document], findings: list[Finding]
) -> tuple[ScanningPolicy | None, SandboxPolicy | None]:
    """The typed settings; defaults for an absent file, None for one with errors."""
    scanning: ScanningPolicy | None = ScanningPolicy()
    sandbox: SandboxPolicy | None = SandboxPolicy()
    broken = {f.file for f in findings if f.severity >= Severity.ERROR}
    if SCANNING_FILE in broken:
        scanning = None
    if SANDBOX_FILE in broken:
        sandbox = None
    if scanning is not None and SCANNING_FILE in raw:
        scanning, date_findings = ScanningPolicy.from_document(raw[SCANNING_FILE])
        findings += date_findings
    if sandbox is not None and SANDBOX_FILE in raw:
        sandbox = SandboxPolicy.from_dict(raw[SANDBOX_FILE].data)
    return scanning, sandbox


def _bad_entries(paths: list[JsonPath], *, whole: bool) -> set[JsonPath]:
    """Entries (``(key, index)``) that failed the schema; ``()`` means the whole file."""
    bad: set[JsonPath] = set()
    for path in paths:
        if whole or len(path) < 2 or not isinstance(path[1], int):
            bad.add(())
        else:
            bad.add(path[:2])
    return bad


def _policy(
    raw: dict[str, Document], kinds: dict[str, str], bad: dict[str, set[JsonPath]]
) -> model.Policy:
    levels: tuple[model.Level, ...] = ()
    default_level, enabled = "", True
    agents: list[model.Agent] = []
    approvals: list[model.Approval] = []
    bans: list[model.Ban] = []
    cases: list[model.PolicyCase] = []
    for rel, document in raw.items():
        kind, skip = kinds[rel], bad[rel]
        if kind == "maturity" and () not in skip:
            levels = model.levels_from(document, skip)
            default_level = document.data["default_level"]
            enabled = document.data.get("enabled", True)
        elif kind == "agents" and () not in skip:
            agents += model.agents_from(document, skip)
        elif kind == "packages" and () not in skip:
            approvals += model.approvals_from(document, skip)
        elif kind == "bans" and () not in skip:
            bans += model.bans_from(document, skip)
        elif kind == "policy-tests" and () not in skip:
            cases += model.cases_from(document, skip)
    return model.Policy(
        levels=levels,
        default_level=default_level,
        enabled=enabled,
        agents=tuple(agents),
        approvals=tuple(approvals),
        bans=tuple(bans),
        cases=tuple(cases),
    )
