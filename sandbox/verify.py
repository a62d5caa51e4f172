"""``sandbox verify``: check a live container against every row of the hardening checklist.

A probe container is created exactly like a skill run (``sandbox.hardening``); its
configuration is read back with ``docker inspect`` and the probe script looks at it from
inside. Rows carry CIS Docker Benchmark v1.6.0 numbers (sections 4 and 5) where one
exists, ``SG.n`` for skillgate's own controls.
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
from sandbox.grant import GrantedRun
from sandbox.hardening import SANDBOX_USER, TMP_PATH
from sandbox.runner import execute, prepare

_MIB = 1024 * 1024
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
        return verify_image(client, grant, image.id), skill.file


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
    """Every checklist row, from the inspect document and the probe's facts."""
    host = attrs["HostConfig"]
    config = attrs["Config"]
    ulimits = {u["Name"]: u for u in host.get("Ulimits") or []}
    security = host.get("SecurityOpt") or []
    tmpfs = (host.get("Tmpfs") or {}).get(TMP_PATH, "")
    return [
        _row(
            "4.1",
            "Container runs as a non-root user",
            config.get("User") == SANDBOX_USER and facts["uid"] == 65534,
            f"User={config.get('User')!r}, uid={facts['uid']}",
        ),
        _row(
            "5.3",
            "Linux kernel capabilities are restricted",
            host.get("CapDrop") == ["ALL"]
            and not host.get("CapAdd")
            and int(facts["cap_eff"], 16) == 0
            and facts["raw_socket"] == "EPERM"
            and facts["chown"] == "EPERM",
            f"CapDrop={host.get('CapDrop')}, CapEff={facts['cap_eff']}, "
            f"raw socket {facts['raw_socket']}, chown {facts['chown']}",
        ),
        _row(
            "5.4",
            "Privileged containers are not used",
            host.get("Privileged") is False,
            f"Privileged={host.get('Privileged')}",
        ),
        _row(
            "5.5",
            "Sensitive host system directories are not mounted",
            not attrs.get("Mounts") and not host.get("Binds"),
            f"Mounts={attrs.get('Mounts')}, Binds={host.get('Binds')}",
        ),
        _row(
            "5.9",
            "The host's network namespace is not shared",
            host.get("NetworkMode") == "none"
            and facts["interfaces"] == ["lo"]
            and facts["dns"] != "RESOLVED",
            f"NetworkMode={host.get('NetworkMode')}, interfaces={facts['interfaces']}, "
            f"DNS {facts['dns']}",
        ),
        _row(
            "5.10",
            "Memory usage is limited (no swap beyond it)",
            host.get("Memory") == limits.memory_mb * _MIB
            and host.get("MemorySwap") == host.get("Memory"),
            f"Memory={host.get('Memory')}, MemorySwap={host.get('MemorySwap')}",
        ),
        _row(
            "5.11",
            "CPU usage is limited",
            host.get("NanoCpus") == int(limits.cpus * 1e9),
            f"NanoCpus={host.get('NanoCpus')}",
        ),
        _row(
            "5.12",
            "The root filesystem is mounted read-only",
            host.get("ReadonlyRootfs") is True
            and facts["root_write"] == "EROFS"
            and "ro" in facts["root_mount"].split(","),
            f"ReadonlyRootfs={host.get('ReadonlyRootfs')}, write to /usr: {facts['root_write']}",
        ),
        _row(
            "5.15",
            "The host's process namespace is not shared",
            host.get("PidMode", "") == "" and facts["processes"] < 10,
            f"PidMode={host.get('PidMode')!r}, processes visible={facts['processes']}",
        ),
        _row(
            "5.16",
            "The host's IPC namespace is not shared",
            host.get("IpcMode") == "private" and facts["shm_bytes"] == limits.shm_mb * _MIB,
            f"IpcMode={host.get('IpcMode')}, /dev/shm={facts['shm_bytes']} bytes",
        ),
        _row(
            "5.17",
            "Host devices are not exposed",
            not host.get("Devices") and not host.get("DeviceRequests"),
            f"Devices={host.get('Devices')}",
        ),
        _row(
            "5.18",
            "Ulimits are set (cpu, fsize, nofile, core=0)",
            _ulimits_ok(ulimits, facts["rlimits"], limits),
            f"Ulimits={sorted(ulimits)}, inside={facts['rlimits']}",
        ),
        _row(
            "5.20",
            "The host's UTS namespace is not shared",
            host.get("UTSMode", "") == "",
            f"UTSMode={host.get('UTSMode')!r}",
        ),
        _row(
            "5.21",
            "The default seccomp profile is not disabled",
            not any("unconfined" in opt for opt in security)
            and facts["seccomp"] == "2"
            and facts["unshare"] == "EPERM"
            and facts["mount"] == "EPERM",
            f"Seccomp={facts['seccomp']}, unshare {facts['unshare']}, mount {facts['mount']}",
        ),
        _row(
            "5.25",
            "The container cannot acquire additional privileges",
            "no-new-privileges:true" in security and facts["no_new_privs"] == "1",
            f"SecurityOpt={security}, NoNewPrivs={facts['no_new_privs']}",
        ),
        _row(
            "5.28",
            "The PIDs cgroup limit is used",
            host.get("PidsLimit") == limits.pids,
            f"PidsLimit={host.get('PidsLimit')}",
        ),
        _row(
            "5.29",
            "Docker's default bridge docker0 is not used",
            host.get("NetworkMode") == "none",
            f"NetworkMode={host.get('NetworkMode')}",
        ),
        _row(
            "5.30",
            "The host's user namespace is not shared",
            host.get("UsernsMode", "") == "",
            f"UsernsMode={host.get('UsernsMode')!r}",
        ),
        _row(
            "5.31",
            "The Docker socket is not mounted inside the container",
            facts["docker_socket"] is False,
            f"docker.sock present={facts['docker_socket']}",
        ),
        _row(
            "SG.1",
            "Scratch space is a sized noexec tmpfs",
            "noexec" in tmpfs
            and f"size={limits.tmp_mb}m" in tmpfs
            and facts["tmp_bytes"] == limits.tmp_mb * _MIB
            and facts["tmp_exec"] == "EACCES",
            f"Tmpfs /tmp={tmpfs!r}, size={facts['tmp_bytes']}, exec {facts['tmp_exec']}",
        ),
        _row(
            "SG.2",
            "/proc is masked (kcore, sysrq-trigger)",
            not any("systempaths=unconfined" in opt for opt in security)
            and "/proc/kcore" in (host.get("MaskedPaths") or [])
            and facts["kcore_bytes"] == 0
            and facts["sysrq_write"] != "OK",
            f"kcore read {facts['kcore_bytes']} bytes, sysrq write {facts['sysrq_write']}",
        ),
        _row(
            "SG.3",
            "An init reaps zombies and forwards signals",
            host.get("Init") is True and facts["pid1"] == "docker-init",
            f"Init={host.get('Init')}, PID 1={facts['pid1']}",
        ),
        _row(
            "SG.4",
            "The daemon keeps no copy of the output",
            host.get("LogConfig", {}).get("Type") == "none",
            f"LogConfig={host.get('LogConfig')}",
        ),
        _row(
            "SG.5",
            "Containers are labelled for cleanup",
            (config.get("Labels") or {}).get("org.skillgate.managed") == "true",
            "label org.skillgate.managed=true",
        ),
    ]


def _ulimits_ok(ulimits: dict[str, Any], inside: dict[str, int], limits: Limits) -> bool:
    expected = {
        "cpu": limits.cpu_seconds,
        "fsize": limits.fsize_mb * _MIB,
        "nofile": limits.nofile,
        "core": 0,
    }
    return all(
        name in ulimits and ulimits[name].get("Hard") == value and inside.get(name) == value
        for name, value in expected.items()
    )


def _row(control: str, title: str, passed: bool, evidence: str) -> Check:
    return Check(control=control, title=title, passed=bool(passed), evidence=evidence)


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
