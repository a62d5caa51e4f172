"""Hermetic builds: content-addressed, skipped when unchanged, no pip in the result."""

from __future__ import annotations

import datetime
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.lock.target import target_for
from checker.policy.load import load_repo
from sandbox import build as build_module
from sandbox.base_image import require_base
from sandbox.build import BuildResult
from tests.conftest import run_cli
from tests.docker.conftest import INTERN, run_code

pytestmark = [pytest.mark.docker, pytest.mark.network]


def _builder_events(client: Any, mark_ns: int) -> list[dict[str, Any]]:
    """What a build does in the engine after ``mark_ns`` (nanoseconds): create (step)
    containers, commit, tag or import images. The API's ``since`` has whole seconds, so
    events are filtered on their own ``timeNano``: a build in the same second before the
    mark is not counted."""
    since = datetime.datetime.fromtimestamp(mark_ns // 1_000_000_000, datetime.UTC)
    until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    stream = client.events(since=since, until=until, decode=True)
    try:
        events = list(stream)
    finally:
        stream.close()
    return [
        e
        for e in events
        if e.get("Action") in ("create", "commit", "tag", "import")
        and int(e.get("timeNano", 0)) > mark_ns
    ]


def test_images_carry_oci_labels(docker_client: Any, built: dict[str, BuildResult]) -> None:
    image = docker_client.images.get(built["yaml-echo"].tag)
    labels = image.labels
    assert labels["org.opencontainers.image.title"] == "yaml-echo"
    assert labels["org.opencontainers.image.revision"] == "test"
    assert labels["org.opencontainers.image.base.digest"].startswith("sha256:")
    assert labels["org.skillgate.lock.digest"].startswith("sha256:")
    assert labels["org.skillgate.role"] == "skill"
    assert image.attrs["Config"]["User"] == "65534:65534"


def test_unchanged_skill_is_not_rebuilt(
    docker_client: Any, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    # The first build attests the images the fixture built (SBOM and provenance); the
    # second finds everything in place and does nothing at all.
    first = run_cli(["build", "--no-scan", "--repo", str(sandbox_repo)])
    assert first.exit_code == ExitCode.OK, first.stdout + first.stderr
    mark_ns = time.time_ns()
    result = run_cli(["build", "--no-scan", "--repo", str(sandbox_repo)])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"up to date {built['plain'].tag}",
        f"up to date {built['yaml-echo'].tag}",
    ]
    # The same images, and the builder did nothing (it would create step containers and tag).
    for skill in ("plain", "yaml-echo"):
        assert docker_client.images.get(built[skill].tag).id == built[skill].image_id
    assert _builder_events(docker_client, mark_ns) == []


def test_changed_code_gets_a_new_tag(
    docker_client: Any, tmp_path: Path, sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sandbox_repo, repo)
    entry = repo / "skills" / "plain" / "echo.py"
    entry.write_text(entry.read_text("utf-8") + "# changed\n", "utf-8")
    result = run_cli(["build", "plain", "--no-scan", "--repo", str(repo)])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout.startswith("built skillgate/skill-plain:")
    new_tag = result.stdout.split()[1]
    assert new_tag != built["plain"].tag
    docker_client.images.remove(new_tag)


def test_build_refuses_a_policy_that_does_not_validate(tmp_path: Path, sandbox_repo: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(sandbox_repo, repo)
    skill = repo / "skills" / "plain" / "skill.yaml"
    skill.write_text(skill.read_text("utf-8").replace("min_level: STUDENT", "min_level: 7"))
    result = run_cli(["build", "--repo", str(repo)])
    assert result.exit_code == ExitCode.FINDINGS
    assert result.stderr.startswith("skills/plain/skill.yaml:4:12: error schema.type ")
    assert result.stderr.endswith(
        "Error: the policy has 1 error(s); run `skillgate validate` to see them\n"
    )


def test_final_image_has_no_pip_no_wheels_and_read_only_code(
    sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    code = (
        "import importlib.util, json, os\n"
        "found = []\n"
        "for root, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys')]\n"
        "    for name in files + dirs:\n"
        "        if name.endswith('.whl') or name in ('pip', 'wheels'):\n"
        "            found.append(os.path.join(root, name))\n"
        "for tool in ('gcc', 'cc', 'c++', 'ld', 'as', 'make', 'pip', 'pip3'):\n"
        "    for bindir in ('/usr/bin', '/bin', '/usr/local/bin', '/opt/venv/bin'):\n"
        "        if os.path.exists(os.path.join(bindir, tool)):\n"
        "            found.append(os.path.join(bindir, tool))\n"
        "st = os.stat('/opt/skill/echo.py')\n"
        "print(json.dumps({'pip': importlib.util.find_spec('pip') is not None,\n"
        "  'found': found, 'build_dir': os.path.exists('/build'),\n"
        "  'owner': st.st_uid, 'mode': oct(st.st_mode & 0o777)}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts == {
        "pip": False,
        "found": [],
        "build_dir": False,
        "owner": 0,
        "mode": "0o444",
    }


def test_skill_with_packages_runs_end_to_end(
    sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    result = run_cli(
        [
            "run",
            "yaml-echo",
            "--agent",
            INTERN,
            "--input",
            '{"b": [1, 2]}',
            "--repo",
            str(sandbox_repo),
        ]
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout) == {"yaml": "b:\n- 1\n- 2\n"}


def test_code_snippet_sees_the_skill_packages(
    sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    args = ["run", "yaml-echo", "--agent", INTERN, "--code", "import yaml; print(yaml.__version__)"]
    result = run_cli([*args, "--repo", str(sandbox_repo)])
    assert result.exit_code == ExitCode.OK, result.stderr
    assert result.stdout == "6.0.2\n"


PLANT = (
    "RUN mkdir -p /opt/venv/lib/python3.11/site-packages/planted-1.0.dist-info \\\n"
    " && printf 'Metadata-Version: 2.1\\nName: planted\\nVersion: 1.0\\n' \\\n"
    "    > /opt/venv/lib/python3.11/site-packages/planted-1.0.dist-info/METADATA\n"
)


def test_an_image_that_is_not_its_lock_fails_the_build(
    docker_client: Any, tmp_path: Path, sandbox_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template that plants an extra distribution (a compromised build step, say): the
    installed-tree check inside the image catches it, the image is removed, exit 1."""
    repo = tmp_path / "repo"
    shutil.copytree(sandbox_repo, repo)
    entry = repo / "skills" / "yaml-echo" / "yaml_echo.py"
    entry.write_text(entry.read_text("utf-8") + "# a new tag for this test\n", "utf-8")
    original = build_module.template_text()
    marker = "# --- stage 2"
    assert marker in original
    planted = original.replace(marker, PLANT + marker, 1)
    monkeypatch.setattr(build_module, "template_text", lambda: planted)
    result = run_cli(["build", "yaml-echo", "--no-scan", "--repo", str(repo)])
    assert result.exit_code == ExitCode.FINDINGS, result.stdout + result.stderr
    assert (
        "error build.installed-mismatch the built image does not match its lock: "
        "planted==1.0 is installed but not locked"
    ) in result.stdout
    assert result.stderr.endswith(
        "Error: skill yaml-echo: the built image does not match its lock; it was removed\n"
    )
    loaded = load_repo(repo)
    settings = loaded.sandbox_policy()
    base = require_base(docker_client, settings.base)
    skill = loaded.skills["yaml-echo"]
    assert build_module.find_image(docker_client, skill, base, target_for(settings.base)) is None
