"""Runs INSIDE a sandbox container (system Python, ``-I -S``) for ``sandbox verify``.

It looks at the container from within and prints one JSON object of facts; it must
only use the standard library and never send traffic anywhere.
"""

# ruff: noqa: S108, S606 - this runs inside the sandbox and probes its /tmp, /dev/shm and exec.
from __future__ import annotations

import ctypes
import errno
import json
import os
import resource
import socket
import stat
from collections.abc import Callable
from typing import Any


def _status() -> dict[str, str]:
    fields: dict[str, str] = {}
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def _errno_of(action: Callable[[], object]) -> str:
    try:
        action()
    except OSError as exc:
        return errno.errorcode.get(exc.errno or 0, str(exc.errno))
    return "OK"


def _write(path: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("x")


def _exec_in_tmp() -> None:
    path = "/tmp/probe-exec"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("#!/bin/sh\nexit 0\n")
    os.chmod(path, stat.S_IRWXU)
    os.execv(path, [path])  # only reached when noexec failed; then the probe is replaced


def _raw_socket() -> None:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close()


def _libc_errno(call: str, *args: Any) -> str:
    libc = ctypes.CDLL(None, use_errno=True)
    result = getattr(libc, call)(*args)
    if result == 0:
        return "OK"
    return errno.errorcode.get(ctypes.get_errno(), "?")


def _read_kcore() -> int:
    try:
        with open("/proc/kcore", "rb") as handle:
            return len(handle.read(16))
    except OSError:
        return 0


def _dns() -> str:
    try:
        socket.getaddrinfo("skillgate-probe.invalid", 80)
    except OSError as exc:
        return type(exc).__name__
    return "RESOLVED"


def _size(path: str) -> int:
    info = os.statvfs(path)
    return info.f_blocks * info.f_frsize


def _root_mount_options() -> str:
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if parts[4] == "/":
                return parts[5]
    return ""


# Programs a minimal image must not hold: shells, package managers, compilers, perl.
_ABSENT_TOOLS = ("sh", "bash", "dash", "apt", "apt-get", "dpkg", "perl", "gcc", "cc", "pip")


def _present_tools() -> list[str]:
    found = []
    for directory in ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/opt/venv/bin"):
        for tool in _ABSENT_TOOLS:
            path = os.path.join(directory, tool)
            if os.path.lexists(path):
                found.append(path)
    return sorted(set(found))


def main() -> None:
    status = _status()
    limits = {
        name: resource.getrlimit(getattr(resource, f"RLIMIT_{name.upper()}"))[1]
        for name in ("cpu", "fsize", "nofile", "core")
    }
    facts = {
        "uid": os.getuid(),
        "gid": os.getgid(),
        "cap_eff": status.get("CapEff", ""),
        "no_new_privs": status.get("NoNewPrivs", ""),
        "seccomp": status.get("Seccomp", ""),
        "interfaces": sorted(os.listdir("/sys/class/net")),
        "dns": _dns(),
        "root_write": _errno_of(lambda: _write("/usr/probe")),
        "root_mount": _root_mount_options(),
        "tmp_bytes": _size("/tmp"),
        "tmp_exec": _errno_of(_exec_in_tmp),
        "shm_bytes": _size("/dev/shm"),
        "raw_socket": _errno_of(_raw_socket),
        "chown": _errno_of(lambda: os.chown("/tmp", 0, 0)),
        "unshare": _libc_errno("unshare", 0x10000000),
        "mount": _libc_errno("mount", b"none", b"/tmp", b"tmpfs", 0, None),
        "kcore_bytes": _read_kcore(),
        "sysrq_write": _errno_of(lambda: _write("/proc/sysrq-trigger")),
        "docker_socket": os.path.exists("/var/run/docker.sock")
        or os.path.exists("/run/docker.sock"),
        "pid1": open("/proc/1/comm", encoding="utf-8").read().strip(),  # noqa: SIM115
        "processes": sum(1 for entry in os.listdir("/proc") if entry.isdigit()),
        "rlimits": limits,
        "tools": _present_tools(),
    }
    print(json.dumps(facts))


if __name__ == "__main__":  # exec()-ed by `python3 -I -S -c` in the container
    main()
