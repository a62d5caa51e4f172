"""``skillgate sandbox verify``: every checklist row passes on a live container."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.policy.sandbox import SandboxPolicy
from sandbox.build import BuildResult
from sandbox.grant import probe_grant
from sandbox.verify import checks, row_findings, verify_image
from tests.conftest import run_cli

pytestmark = pytest.mark.docker


def test_verify_passes_every_row(sandbox_repo: Path, built: dict[str, BuildResult]) -> None:
    result = run_cli(["sandbox", "verify", "plain", "--repo", str(sandbox_repo)])
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "26 passed, 0 failed"
    for control in ("5.3", "5.9", "5.12", "5.21", "5.25", "5.28", "5.31", "SG.6", "SG.7"):
        assert any(line.startswith(f"{control} ") and " PASS " in line for line in lines)


def test_a_loosened_container_fails_its_rows(
    docker_client: Any, built: dict[str, BuildResult]
) -> None:
    policy = SandboxPolicy()
    grant = probe_grant(policy, "STUDENT")
    image = docker_client.images.get(built["plain"].tag)
    passing = verify_image(docker_client, grant, image.id)
    assert all(row.passed for row in passing)
    # Feed the same evidence back with privileges loosened: those rows must fail.
    attrs = {
        "Config": {"User": "", "Labels": {}},
        "HostConfig": {
            "Privileged": True,
            "NetworkMode": "host",
            "CapDrop": None,
            "Devices": [{"PathOnHost": "/dev/mem"}],
            "PidMode": "host",
            "IpcMode": "host",
            "UTSMode": "host",
            "UsernsMode": "host",
            "SecurityOpt": ["seccomp=unconfined", "systempaths=unconfined"],
            "LogConfig": {"Type": "json-file"},
            "Init": False,
            "ReadonlyRootfs": False,
            "Memory": 0,
            "NanoCpus": 0,
        },
        "Mounts": [{"Source": "/var/run/docker.sock"}],
    }
    facts = {
        "uid": 0,
        "cap_eff": "000001ffffffffff",
        "raw_socket": "OK",
        "chown": "OK",
        "interfaces": ["eth0", "lo"],
        "dns": "RESOLVED",
        "root_write": "OK",
        "root_mount": "rw",
        "processes": 300,
        "shm_bytes": 0,
        "rlimits": {},
        "seccomp": "0",
        "unshare": "OK",
        "mount": "OK",
        "no_new_privs": "0",
        "docker_socket": True,
        "tmp_bytes": 0,
        "tmp_exec": "OK",
        "kcore_bytes": 16,
        "sysrq_write": "OK",
        "pid1": "python3",
    }
    rows = checks(copy.deepcopy(attrs), facts, policy.defaults)
    assert not any(row.passed for row in rows)


def test_failing_rows_are_located_findings() -> None:
    attrs: dict[str, Any] = {"Config": {}, "HostConfig": {"Privileged": True}, "Mounts": []}
    rows = checks(attrs, {}, SandboxPolicy().defaults)
    findings = row_findings(rows, "skills/plain/skill.yaml")
    assert len(findings) == sum(1 for row in rows if not row.passed) >= 20
    privileged = next(f for f in findings if f.rule == "sandbox.verify.5.4")
    assert privileged.location == "skills/plain/skill.yaml:1:1"
    assert privileged.severity.label == "error"
    assert privileged.message == "Privileged containers are not used: Privileged=True"


def test_verify_in_github_format_is_silent_when_every_row_passes(
    sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    args = ["sandbox", "verify", "plain", "--format", "github", "--repo", str(sandbox_repo)]
    result = run_cli(args)
    assert (result.exit_code, result.stdout) == (ExitCode.OK, "")
