"""The one place that turns per-level limits into ``containers.create`` keyword arguments.

Every row of the hardening checklist (docs/sandbox.md, CIS Docker Benchmark section 5)
is implemented here and nowhere else; ``sandbox.verify`` checks the same rows on a live
container. Nothing here can loosen a control: no capability is added, no host
namespace, mount, device or custom seccomp profile is ever passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.policy.sandbox import Limits
from sandbox.engine import LABEL_MANAGED

SANDBOX_USER = "65534:65534"
"""nobody:nogroup; the image's files are root-owned and read-only to it."""
TMP_PATH = "/tmp"  # noqa: S108 - the sandbox's own private tmpfs, not the host's /tmp
_MIB = 1024 * 1024


def tmpfs_options(limits: Limits) -> str:
    """Mount options of the only writable path: no executables, no devices, sized."""
    return f"rw,noexec,nosuid,nodev,size={limits.tmp_mb}m,mode=1777"


def ulimits(limits: Limits) -> list[Any]:
    """RLIMITs: CPU seconds, file size, open files, and no core dumps."""
    from docker.types import Ulimit  # noqa: PLC0415 - imported when a verb needs the engine

    fsize = limits.fsize_mb * _MIB
    return [
        Ulimit(name="cpu", soft=limits.cpu_seconds, hard=limits.cpu_seconds),
        Ulimit(name="fsize", soft=fsize, hard=fsize),
        Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
        Ulimit(name="core", soft=0, hard=0),
    ]


def create_kwargs(
    *,
    image: str,
    command: Sequence[str],
    limits: Limits,
    labels: Mapping[str, str],
    working_dir: str = "/opt/skill",
) -> dict[str, Any]:
    """Keyword arguments for ``client.containers.create`` implementing every control."""
    from docker.types import LogConfig  # noqa: PLC0415 - imported when a verb needs the engine

    memory = f"{limits.memory_mb}m"
    return {
        "image": image,
        "command": list(command),
        "entrypoint": [],
        "working_dir": working_dir,
        "environment": {"HOME": TMP_PATH, "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"},
        "hostname": "sandbox",
        "labels": {**labels, LABEL_MANAGED: "true"},
        # The payload arrives on stdin; stdout/stderr are read from the attach stream.
        "stdin_open": True,
        "tty": False,
        # CIS 5.31 / 5.12: no network at all, not even the default bridge.
        "network_mode": "none",
        # CIS 5.12: read-only root; the only writable path is a sized, noexec tmpfs.
        "read_only": True,
        "tmpfs": {TMP_PATH: tmpfs_options(limits)},
        # CIS 5.3 / 5.25: no capabilities and no privilege gain (setuid, file caps).
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "privileged": False,
        "user": SANDBOX_USER,
        # CIS 5.28 / 5.10 / 5.11: bounded processes, memory without swap, CPU share.
        "pids_limit": limits.pids,
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(limits.cpus * 1_000_000_000),
        "ulimits": ulimits(limits),
        # CIS 5.16: private IPC namespace with a sized /dev/shm.
        "ipc_mode": "private",
        "shm_size": f"{limits.shm_mb}m",
        # PID 1 is docker-init: signals forwarded, zombies reaped.
        "init": True,
        # The daemon keeps no copy of the output: host disk stays bounded.
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "auto_remove": False,
    }
