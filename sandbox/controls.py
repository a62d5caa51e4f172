"""Every sandbox control, written once: what it asks of the engine and how it is proven.

Each ``Control`` contributes keyword arguments to ``containers.create`` (``apply``) and
checks a live container for them (``verify``: the ``docker inspect`` document and the facts
the probe script gathers from inside). ``hardening.create_kwargs`` merges every ``apply``;
``verify.checks`` runs every ``verify``: adding a control is one entry here (plus, when it
needs evidence from inside, one fact in ``probe_script.py``). Rows carry CIS Docker Benchmark
v1.6.0 numbers (sections 4 and 5) where one exists, ``SG.n`` for skillgate's own controls.
Nothing here can loosen a control: no capability is added, no host namespace, mount,
device or custom seccomp profile is ever passed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from checker.policy.sandbox import Limits
from sandbox.engine import LABEL_MANAGED

SANDBOX_USER = "65534:65534"
"""nobody:nogroup; the image's files are root-owned and read-only to it."""
TMP_PATH = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, not the host's /tmp
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Live:
    """What ``verify`` sees of a running container: inspect document and inside facts."""

    attrs: Mapping[str, Any]
    facts: Mapping[str, Any]

    @property
    def host(self) -> Mapping[str, Any]:
        return self.attrs.get("HostConfig") or {}

    @property
    def config(self) -> Mapping[str, Any]:
        return self.attrs.get("Config") or {}

    @property
    def security(self) -> list[str]:
        return list(self.host.get("SecurityOpt") or [])


Verdict = tuple[bool, str]


@dataclass(frozen=True, slots=True)
class Control:
    """One row of the hardening checklist."""

    id: str
    title: str
    apply: Callable[[Limits], dict[str, Any]]
    verify: Callable[[Live, Limits], Verdict]


def _none(limits: Limits) -> dict[str, Any]:
    return {}


def tmpfs_options(limits: Limits) -> str:
    """Mount options of the only writable path: no executables, no devices, sized."""
    return f"rw,noexec,nosuid,nodev,size={limits.tmp_mb}m,mode=1777"


def _ulimits(limits: Limits) -> dict[str, Any]:
    from docker.types import Ulimit  # noqa: PLC0415 - imported when a verb needs the engine

    return {
        "ulimits": [
            Ulimit(name=name, soft=value, hard=value) for name, value in _rlimits(limits).items()
        ]
    }


def _rlimits(limits: Limits) -> dict[str, int]:
    """RLIMITs: CPU seconds, file size, open files, and no core dumps."""
    return {
        "cpu": limits.cpu_seconds,
        "fsize": limits.fsize_mb * MIB,
        "nofile": limits.nofile,
        "core": 0,
    }


def _verify_ulimits(live: Live, limits: Limits) -> Verdict:
    set_on = {u["Name"]: u for u in live.host.get("Ulimits") or []}
    inside = live.facts.get("rlimits") or {}
    ok = all(
        name in set_on and set_on[name].get("Hard") == value and inside.get(name) == value
        for name, value in _rlimits(limits).items()
    )
    return ok, f"Ulimits={sorted(set_on)}, inside={inside}"


def _log_config(limits: Limits) -> dict[str, Any]:
    from docker.types import LogConfig  # noqa: PLC0415 - imported when a verb needs the engine

    return {"log_config": LogConfig(type=LogConfig.types.NONE)}


def _memory(limits: Limits) -> dict[str, Any]:
    return {"mem_limit": f"{limits.memory_mb}m", "memswap_limit": f"{limits.memory_mb}m"}


def _verify_tmpfs(live: Live, limits: Limits) -> Verdict:
    tmpfs = (live.host.get("Tmpfs") or {}).get(TMP_PATH, "")
    f = live.facts
    ok = (
        "noexec" in tmpfs
        and f"size={limits.tmp_mb}m" in tmpfs
        and f.get("tmp_bytes") == limits.tmp_mb * MIB
        and f.get("tmp_exec") == "EACCES"
    )
    return ok, f"Tmpfs /tmp={tmpfs!r}, size={f.get('tmp_bytes')}, exec {f.get('tmp_exec')}"


CONTROLS: tuple[Control, ...] = (
    Control(
        "4.1",
        "Container runs as a non-root user",
        lambda limits: {"user": SANDBOX_USER},
        lambda live, limits: (
            live.config.get("User") == SANDBOX_USER and live.facts.get("uid") == 65534,
            f"User={live.config.get('User')!r}, uid={live.facts.get('uid')}",
        ),
    ),
    Control(
        "5.3",
        "Linux kernel capabilities are restricted",
        lambda limits: {"cap_drop": ["ALL"]},
        lambda live, limits: (
            live.host.get("CapDrop") == ["ALL"]
            and not live.host.get("CapAdd")
            and int(str(live.facts.get("cap_eff", "1")), 16) == 0
            and live.facts.get("raw_socket") == "EPERM"
            and live.facts.get("chown") == "EPERM",
            f"CapDrop={live.host.get('CapDrop')}, CapEff={live.facts.get('cap_eff')}, "
            f"raw socket {live.facts.get('raw_socket')}, chown {live.facts.get('chown')}",
        ),
    ),
    Control(
        "5.4",
        "Privileged containers are not used",
        lambda limits: {"privileged": False},
        lambda live, limits: (
            live.host.get("Privileged") is False,
            f"Privileged={live.host.get('Privileged')}",
        ),
    ),
    Control(
        "5.5",
        "Sensitive host system directories are not mounted",
        _none,
        lambda live, limits: (
            not live.attrs.get("Mounts") and not live.host.get("Binds"),
            f"Mounts={live.attrs.get('Mounts')}, Binds={live.host.get('Binds')}",
        ),
    ),
    Control(
        "5.9",
        "The host's network namespace is not shared",
        lambda limits: {"network_mode": "none"},
        lambda live, limits: (
            live.host.get("NetworkMode") == "none"
            and live.facts.get("interfaces") == ["lo"]
            and live.facts.get("dns") != "RESOLVED",
            f"NetworkMode={live.host.get('NetworkMode')}, "
            f"interfaces={live.facts.get('interfaces')}, DNS {live.facts.get('dns')}",
        ),
    ),
    Control(
        "5.10",
        "Memory usage is limited (no swap beyond it)",
        _memory,
        lambda live, limits: (
            live.host.get("Memory") == limits.memory_mb * MIB
            and live.host.get("MemorySwap") == live.host.get("Memory"),
            f"Memory={live.host.get('Memory')}, MemorySwap={live.host.get('MemorySwap')}",
        ),
    ),
    Control(
        "5.11",
        "CPU usage is limited",
        lambda limits: {"nano_cpus": int(limits.cpus * 1_000_000_000)},
        lambda live, limits: (
            live.host.get("NanoCpus") == int(limits.cpus * 1_000_000_000),
            f"NanoCpus={live.host.get('NanoCpus')}",
        ),
    ),
    Control(
        "5.12",
        "The root filesystem is mounted read-only",
        lambda limits: {"read_only": True},
        lambda live, limits: (
            live.host.get("ReadonlyRootfs") is True
            and live.facts.get("root_write") == "EROFS"
            and "ro" in str(live.facts.get("root_mount", "")).split(","),
            f"ReadonlyRootfs={live.host.get('ReadonlyRootfs')}, "
            f"write to /usr: {live.facts.get('root_write')}",
        ),
    ),
    Control(
        "5.15",
        "The host's process namespace is not shared",
        _none,
        lambda live, limits: (
            live.host.get("PidMode", "") == "" and int(live.facts.get("processes", 1 << 30)) < 10,
            f"PidMode={live.host.get('PidMode')!r}, "
            f"processes visible={live.facts.get('processes')}",
        ),
    ),
    Control(
        "5.16",
        "The host's IPC namespace is not shared",
        lambda limits: {"ipc_mode": "private", "shm_size": f"{limits.shm_mb}m"},
        lambda live, limits: (
            live.host.get("IpcMode") == "private"
            and live.facts.get("shm_bytes") == limits.shm_mb * MIB,
            f"IpcMode={live.host.get('IpcMode')}, /dev/shm={live.facts.get('shm_bytes')} bytes",
        ),
    ),
    Control(
        "5.17",
        "Host devices are not exposed",
        _none,
        lambda live, limits: (
            not live.host.get("Devices") and not live.host.get("DeviceRequests"),
            f"Devices={live.host.get('Devices')}",
        ),
    ),
    Control("5.18", "Ulimits are set (cpu, fsize, nofile, core=0)", _ulimits, _verify_ulimits),
    Control(
        "5.20",
        "The host's UTS namespace is not shared",
        lambda limits: {"hostname": "sandbox"},
        lambda live, limits: (
            live.host.get("UTSMode", "") == "",
            f"UTSMode={live.host.get('UTSMode')!r}",
        ),
    ),
    Control(
        "5.21",
        "The default seccomp profile is not disabled",
        _none,
        lambda live, limits: (
            not any("unconfined" in opt for opt in live.security)
            and live.facts.get("seccomp") == "2"
            and live.facts.get("unshare") == "EPERM"
            and live.facts.get("mount") == "EPERM",
            f"Seccomp={live.facts.get('seccomp')}, unshare {live.facts.get('unshare')}, "
            f"mount {live.facts.get('mount')}",
        ),
    ),
    Control(
        "5.25",
        "The container cannot acquire additional privileges",
        lambda limits: {"security_opt": ["no-new-privileges:true"]},
        lambda live, limits: (
            "no-new-privileges:true" in live.security and live.facts.get("no_new_privs") == "1",
            f"SecurityOpt={live.security}, NoNewPrivs={live.facts.get('no_new_privs')}",
        ),
    ),
    Control(
        "5.28",
        "The PIDs cgroup limit is used",
        lambda limits: {"pids_limit": limits.pids},
        lambda live, limits: (
            live.host.get("PidsLimit") == limits.pids,
            f"PidsLimit={live.host.get('PidsLimit')}",
        ),
    ),
    Control(
        "5.29",
        "Docker's default bridge docker0 is not used",
        lambda limits: {"network_mode": "none"},
        lambda live, limits: (
            live.host.get("NetworkMode") == "none",
            f"NetworkMode={live.host.get('NetworkMode')}",
        ),
    ),
    Control(
        "5.30",
        "The host's user namespace is not shared",
        _none,
        lambda live, limits: (
            live.host.get("UsernsMode", "") == "",
            f"UsernsMode={live.host.get('UsernsMode')!r}",
        ),
    ),
    Control(
        "5.31",
        "The Docker socket is not mounted inside the container",
        _none,
        lambda live, limits: (
            live.facts.get("docker_socket") is False,
            f"docker.sock present={live.facts.get('docker_socket')}",
        ),
    ),
    Control(
        "SG.1",
        "Scratch space is a sized noexec tmpfs",
        lambda limits: {"tmpfs": {TMP_PATH: tmpfs_options(limits)}},
        _verify_tmpfs,
    ),
    Control(
        "SG.2",
        "/proc is masked (kcore, sysrq-trigger)",
        _none,
        lambda live, limits: (
            not any("systempaths=unconfined" in opt for opt in live.security)
            and "/proc/kcore" in (live.host.get("MaskedPaths") or [])
            and live.facts.get("kcore_bytes") == 0
            and live.facts.get("sysrq_write") != "OK",
            f"kcore read {live.facts.get('kcore_bytes')} bytes, "
            f"sysrq write {live.facts.get('sysrq_write')}",
        ),
    ),
    Control(
        "SG.3",
        "An init reaps zombies and forwards signals",
        lambda limits: {"init": True},
        lambda live, limits: (
            live.host.get("Init") is True and live.facts.get("pid1") == "docker-init",
            f"Init={live.host.get('Init')}, PID 1={live.facts.get('pid1')}",
        ),
    ),
    Control(
        "SG.4",
        "The daemon keeps no copy of the output",
        _log_config,
        lambda live, limits: (
            (live.host.get("LogConfig") or {}).get("Type") == "none",
            f"LogConfig={live.host.get('LogConfig')}",
        ),
    ),
    Control(
        "SG.5",
        "Containers are labelled for cleanup",
        lambda limits: {"labels": {LABEL_MANAGED: "true"}},
        lambda live, limits: (
            (live.config.get("Labels") or {}).get(LABEL_MANAGED) == "true",
            f"label {LABEL_MANAGED}=true",
        ),
    ),
    Control(
        "SG.7",
        "No shell, package manager, compiler or perl in the image",
        _none,
        lambda live, limits: (
            live.facts.get("tools") == [],
            f"present: {', '.join(live.facts.get('tools') or []) or 'none'}",
        ),
    ),
)
