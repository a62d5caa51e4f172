"""Prove an image holds exactly its lock: ``pipdeptree`` run inside it, compared with the lock.

pipdeptree is not installed in the image: its hash-pinned wheels (``tools/requirements.lock``)
are fetched into the cache, unpacked on the host (archives only, nothing run), and mounted
read-only into a hardened, network-less container of the built image, where the image's
own interpreter runs it over the skill's virtual environment. The installed distributions
must equal the lock's packages, and their dependency edges the lock's: every requirement the
installed metadata declares must be an edge of the lock, and every edge of the lock must be
a requirement (or an extra's requirement) of the installed parent. Any difference is a
``build.installed-mismatch`` finding at the lock.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from checker.exit_codes import SkillgateError
from checker.findings import Finding, Severity
from checker.layout import LOCK_NAME
from checker.lock.artifacts import cache_root, fetch_all
from checker.lock.lockfile import Lock, read_lock, sha256_text
from checker.policy.sandbox import SandboxPolicy
from sandbox.grant import probe_grant
from sandbox.runner import execute, prepare

RULE = "build.installed-mismatch"
TOOLS_MOUNT = "/opt/skillgate-tools"
SITE_PACKAGES = "/opt/venv/lib"
_SCRIPT = f"""
import contextlib, io, json, sys, glob
sys.path.insert(0, {TOOLS_MOUNT!r})
from pipdeptree.__main__ import main
site = glob.glob({SITE_PACKAGES!r} + "/python3*/site-packages")
out = {{}}
paths = [arg for p in site for arg in ("--path", p)]
for name, extra in (("plain", []), ("extras", ["-x"])):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["-o", "json", "-w", "silence", *extra, *paths])
    out[name] = json.loads(buffer.getvalue() or "[]")
    out[name + "_code"] = code
print(json.dumps(out))
"""


@dataclass(frozen=True, kw_only=True, slots=True)
class Expected:
    """What the image should hold: packages (name -> version) and edges (parent, child);
    ``edges`` is None when the skill has no lock (only its pins were installed)."""

    packages: dict[str, str]
    edges: frozenset[tuple[str, str]] | None


def expected_from(skill: Any) -> Expected:
    """From the skill's lock, else its exact pins (then nothing is known of edges)."""
    path = Path(skill.directory) / LOCK_NAME
    if path.is_file():
        lock = read_lock(path)
        return Expected(
            packages={p.name: p.version for p in lock.packages},
            edges=frozenset((parent, p.name) for p in lock.packages for parent in p.dependents),
        )
    pins: dict[str, str] = {}
    for requirement in skill.requirements:
        name, _, version = str(requirement).partition("==")
        pins[canonicalize_name(name.strip())] = version.strip()
    return Expected(packages=pins, edges=None)


def tools_dir(cache: Path | None = None) -> Path:
    """pipdeptree and its one dependency, unpacked once into the cache (by content)."""
    text = resources.files("sandbox").joinpath("tools/requirements.lock").read_text("utf-8")
    root = cache_root(cache) / "tools" / sha256_text(text).removeprefix("sha256:")[:24]
    if (root / "pipdeptree").is_dir():
        return root
    lock_path = resources.files("sandbox").joinpath("tools/requirements.lock")
    with resources.as_file(lock_path) as path:
        lock: Lock = read_lock(path)
    wheels = fetch_all(lock.packages, cache)
    partial = root.with_name(root.name + f".partial-{os.getpid()}")
    partial.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith("/") or ".." in member.split("/"):
                    raise SkillgateError(f"{wheel.name}: refusing member {member!r}")
            archive.extractall(partial)
    os.replace(partial, root)
    return root


def installed_tree(client: Any, image_id: str, settings: SandboxPolicy) -> dict[str, Any]:
    """pipdeptree's JSON (without and with extras) from inside a container of ``image_id``."""
    grant = probe_grant(settings, "(build)")
    prepared = prepare(
        client,
        grant,
        image_id=image_id,
        command=("/opt/venv/bin/python3", "-I", "-c", _SCRIPT),
        role="probe",
        mounts={str(tools_dir()): TOOLS_MOUNT},
    )
    try:
        prepared.start()
        result = execute(prepared, b"")
    finally:
        prepared.discard()
    if result.exit_code != 0 or result.timed_out:
        raise SkillgateError(
            f"pipdeptree failed inside the image (exit {result.exit_code}): "
            f"{result.stderr.decode('utf-8', 'replace')[-500:]}"
        )
    try:
        tree: dict[str, Any] = json.loads(result.stdout)
    except ValueError as exc:
        raise SkillgateError(f"pipdeptree printed no JSON inside the image: {exc}") from exc
    return tree


def _edges(entries: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {
        (canonicalize_name(e["package"]["key"]), canonicalize_name(d["key"]))
        for e in entries
        for d in e.get("dependencies", ())
    }


def compare(expected: Expected, tree: dict[str, Any], lock_file: str) -> list[Finding]:
    """Every difference between what the image holds and what the lock says."""
    plain = tree.get("plain") or []
    installed: dict[str, str] = {
        canonicalize_name(e["package"]["key"]): str(e["package"]["installed_version"])
        for e in plain
    }
    problems = []
    for name in sorted(set(installed) - set(expected.packages)):
        problems.append(f"{name}=={installed[name]} is installed but not locked")
    for name in sorted(set(expected.packages) - set(installed)):
        problems.append(f"{name}=={expected.packages[name]} is locked but not installed")
    for name in sorted(set(installed) & set(expected.packages)):
        if installed[name] != expected.packages[name]:
            problems.append(
                f"{name} is installed at {installed[name]}, the lock pins {expected.packages[name]}"
            )
    if expected.edges is not None:
        declared = _edges(plain) & {(a, b) for a in installed for b in installed}
        with_extras = _edges(tree.get("extras") or [])
        for parent, child in sorted(declared - expected.edges):
            problems.append(f"{parent} requires {child}, but the lock does not record it")
        for parent, child in sorted(expected.edges - with_extras):
            problems.append(
                f"the lock says {parent} requires {child}; the installed {parent} does not"
            )
    return [
        Finding(
            rule=RULE,
            severity=Severity.ERROR,
            message=f"the built image does not match its lock: {problem}",
            file=lock_file,
            line=1,
            column=1,
            hint="the image was removed; rebuild from a current lock (`skillgate lock`)",
        )
        for problem in problems
    ]


def verify_installed(
    client: Any, image_id: str, skill: Any, settings: SandboxPolicy, lock_file: str
) -> list[Finding]:
    """Findings for every way the image ``image_id`` differs from ``skill``'s lock."""
    return compare(expected_from(skill), installed_tree(client, image_id, settings), lock_file)
