"""The pull requests people make, gated exactly as the pull-request workflow gates them.

Each case starts from a git repository holding the suite's team repository, makes one change
in the working tree, and runs ``skillgate gate --base BASE --format github`` and
``skillgate diff BASE`` as .github/workflows/pull-request.yml does, asserting the verdict,
the exit code, the annotation positions and the blast-radius lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.acceptance.cli_helpers import cli, commit_all, edit, parse_annotation
from tests.conftest import TEAM_REPO


@pytest.fixture
def pr_repo(tmp_path: Path, advisory_index: Path) -> tuple[Path, str, Path]:
    """(repository, base commit, vulnerability DB): the main branch a PR starts from."""
    repo = tmp_path / "repo"
    shutil.copytree(TEAM_REPO, repo, ignore=shutil.ignore_patterns("__pycache__"))
    return repo, commit_all(repo), advisory_index


def gate(repo: Path, base: str, db: Path, summary: Path) -> tuple[int, list[str], list[str]]:
    result = cli(
        repo,
        "gate",
        "--base",
        base,
        "--vuln-db",
        str(db),
        "--format",
        "github",
        "--summary",
        str(summary),
    )
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    return result.exit_code, annotations, result.stderr.splitlines()


def blast(repo: Path, base: str) -> list[str]:
    return cli(repo, "diff", base).stdout.splitlines()


def write_approval(repo: Path, name: str, versions: str, level: str = "SUPERVISED") -> None:
    (repo / "policy" / "packages" / f"{name}.yaml").write_text(
        "approvals:\n"
        f"  - package: {name}\n"
        f'    versions: "{versions}"\n'
        f"    min_level: {level}\n"
        "    approved_by: security-team\n"
        "    reason: needed by a report skill\n",
        encoding="utf-8",
    )


def test_approving_a_clean_release_passes_and_shows_who_gains_it(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    write_approval(repo, "jinja2", "==3.1.4")
    code, annotations, stages = gate(repo, base, db, tmp_path / "summary.md")
    assert (code, annotations) == (0, [])
    assert "ok   locks: 0 lock(s) checked for cp311-manylinux_2_36_x86_64 (0 of 4 skills: " in (
        "\n".join(stages)
    )
    lines = blast(repo, base)
    assert (
        "  approval added jinja2: ==3.1.4 for SUPERVISED (policy/packages/jinja2.yaml:2)" in lines
    )
    for agent, level in (("doc-bot", "AUTONOMOUS"), ("research-assistant", "SUPERVISED")):
        at = lines.index(f"  {agent} ({level})")
        assert lines[at + 1] == "    + jinja2 ==3.1.4"
    assert not any(line.startswith("  intern-7") for line in lines)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("## skillgate gate: passed (exit 0)")
    assert "| approval added | `jinja2` | ==3.1.4 for SUPERVISED |" in summary


def test_approving_a_known_vulnerable_release_fails_at_the_approval(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    write_approval(repo, "jinja2", "==2.10")
    code, annotations, _ = gate(repo, base, db, tmp_path / "summary.md")
    assert code == 1
    (annotation,) = annotations
    command, properties, message = parse_annotation(annotation)
    assert (command, properties) == (
        "error",
        {
            "file": "policy/packages/jinja2.yaml",
            "title": "approval.vulnerable",
            "line": "3",
            "col": "15",
        },
    )
    assert "PYSEC-2019-217 (fixed in 2.10.1)" in message


def test_approving_a_typosquat_fails_at_the_name(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    write_approval(repo, "reqeusts", "==2.32.3")
    code, annotations, _ = gate(repo, base, db, tmp_path / "summary.md")
    assert code == 1
    (annotation,) = annotations
    command, properties, message = parse_annotation(annotation)
    assert (command, properties["file"], properties["line"], properties["col"]) == (
        "error",
        "policy/packages/reqeusts.yaml",
        "2",
        "14",
    )
    assert message.startswith("'reqeusts' looks like a typosquat of 'requests'")


def test_banning_a_package_a_skill_uses_fails_at_the_skill(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    with (repo / "policy" / "bans.yaml").open("a", encoding="utf-8") as bans:
        bans.write('  - package: markdown\n    versions: ">=3.7"\n    reason: XSS in 3.7\n')
    code, annotations, _ = gate(repo, base, db, tmp_path / "summary.md")
    assert code == 1
    files = {parse_annotation(a)[1]["file"] for a in annotations}
    assert "skills/markdown-render/skill.yaml" in files
    lines = blast(repo, base)
    assert "  ban added markdown: >=3.7: XSS in 3.7 (policy/bans.yaml:12)" in lines
    at = lines.index("  research-assistant (SUPERVISED)")
    assert lines[at + 1 : at + 3] == ["    - markdown >=3.7,<4", "    - skill markdown-render"]


def test_graduating_an_agent_passes_and_lists_what_it_gains(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    edit(
        repo / "policy/agents.yaml",
        "id: ops-helper\n    level: INTERN",
        "id: ops-helper\n    level: SUPERVISED",
    )
    code, annotations, _ = gate(repo, base, db, tmp_path / "summary.md")
    assert (code, annotations) == (0, [])
    lines = blast(repo, base)
    assert "  agent graduated ops-helper: INTERN -> SUPERVISED (policy/agents.yaml:14)" in lines
    at = lines.index("  ops-helper (INTERN -> SUPERVISED)")
    assert (
        lines[at + 1 : at + 6]
        == [
            "    + markdown >=3.6,<4",
            "    + pyyaml >=6.0.1,<7,!=6.0.2",
            "    + requests >=2.32.3,<3",
            "    + skill markdown-render",
        ][: len(lines[at + 1 : at + 6])]
    )


def test_demoting_an_agent_that_a_policy_test_pins_fails_at_the_test(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    edit(
        repo / "policy/agents.yaml",
        "id: research-assistant\n    level: SUPERVISED",
        "id: research-assistant\n    level: INTERN",
    )
    code, annotations, stages = gate(repo, base, db, tmp_path / "summary.md")
    assert code == 1
    assert "FAIL policy tests: 12 passed, 1 failed" in stages
    positions = {
        (p["file"], p["line"], p["title"]) for _, p, _ in map(parse_annotation, annotations)
    }
    assert ("policy/tests/levels.yaml", "19", "policy-test.failed") in positions
    lines = blast(repo, base)
    assert (
        "  agent demoted research-assistant: SUPERVISED -> INTERN (policy/agents.yaml:2)" in lines
    )
    at = lines.index("  research-assistant (SUPERVISED -> INTERN)")
    assert "    - skill markdown-render" in lines[at + 1 :]
    assert "    - requests >=2.32.3,<3" in lines[at + 1 :]


def test_a_malformed_edit_fails_at_its_line(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    edit(repo / "policy/agents.yaml", "  - id: doc-bot\n", "  - id: doc-bot\n   level: [\n")
    code, annotations, stages = gate(repo, base, db, tmp_path / "summary.md")
    assert code == 1
    command, properties, _ = parse_annotation(annotations[0])
    assert (command, properties["file"], properties["title"]) == (
        "error",
        "policy/agents.yaml",
        "yaml.syntax",
    )
    assert stages[0].startswith("FAIL validate: ")


def test_a_comment_only_edit_changes_nothing(
    pr_repo: tuple[Path, str, Path], tmp_path: Path
) -> None:
    repo, base, db = pr_repo
    text = (repo / "policy/packages/markdown.yaml").read_text(encoding="utf-8")
    (repo / "policy/packages/markdown.yaml").write_text(
        "# reviewed again in 2026\n"
        + text.replace("    ticket:", "    # see the ticket\n    ticket:"),
        encoding="utf-8",
    )
    code, annotations, _ = gate(repo, base, db, tmp_path / "summary.md")
    assert (code, annotations) == (0, [])
    assert blast(repo, base) == [
        f"policy diff {base} -> working tree: no change to what any agent may use or run"
    ]
