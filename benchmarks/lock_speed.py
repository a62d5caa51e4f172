"""`skillgate lock` with each resolver (uv, pip): same locks? how fast, against uv pip compile?

Correctness. Both resolvers lock (a) this repository's example skills (``policy/`` and
``skills/`` copied into a temporary directory, committed locks removed) and (b) one skill per
popular package whose dependencies carry environment markers (POPULAR below; each pinned to
its latest release from PyPI's JSON API at start, so both resolvers see the same requirement)
and (c) the 100-package skill below, each with ``python -m checker.cli.main lock --repo TMP
--resolver R`` and a fresh cache. The lock files are compared byte for byte; a unified diff is
printed for each that differs, and whether it differs only in provenance (``# index:`` and
``# file:`` lines: the same wheel served by another configured index) or in what was resolved.

Speed. Two workloads: (a) the example skills, (b) one skill whose requirements (HUNDRED
below, pinned the same way) resolve to about 100 packages (the count is printed). Timed, as
whole processes (wall clock), per run:

- ``skillgate lock --resolver uv`` and ``--resolver pip``; cold: a fresh ``SKILLGATE_CACHE``
  (uv's cache lives in it, under ``uv/``; pip's is put there too, as ``PIP_CACHE_DIR``, so it
  starts empty like uv's: the same as ``PIP_NO_CACHE_DIR=1`` for a first run, and the warm run
  can use it like uv's); warm: a second run over the same cache after deleting the locks;
- the baseline ``uv pip compile --generate-hashes --python-version 3.11.2 --python-platform
  x86_64-manylinux_2_36 --only-binary :all:`` over the same requirements (one call per skill;
  cold: a fresh ``--cache-dir``; warm: the same one again), with the index options and the
  ``--python <this interpreter> --no-python-downloads`` skillgate gives uv (without them uv
  searches the host's interpreters for a 3.11.2 on every call: about 1 s through pyenv shims);
- when pip-tools installs into a throwaway virtualenv, ``pip-compile --generate-hashes``
  as a second baseline (fresh ``--cache-dir`` and ``PIP_CACHE_DIR``, then reused). It has no
  target options: it resolves for this host's interpreter.

``skillgate lock`` does more than the baselines: it runs uv twice (``pylock.toml``, then the
index annotations), downloads every locked wheel into its artifacts cache and checks its
sha256 (a warm run re-hashes the cached files), reads each wheel's METADATA for the ``via``
edges, and writes the lock. The baselines download no wheel. This machine's pip and uv
configuration is used as it is (pip.conf applies to ``--resolver pip`` and pip-compile only).

Prints median and max per (workload, tool, cache state) and each tool's ratio to the uv
baseline. Asserts nothing about time; exits 1 when the resolvers' locks differ.
Usage: python benchmarks/lock_speed.py [--runs N] [--no-pip-tools] [--skip-correctness]
[--skip-speed]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from checker.lock.lockfile import read_lock
from checker.lock.target import Target
from checker.lock.uv_resolver import index_args, uv_binary

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.lock.conftest lays out a minimal repository
from tests.lock.conftest import write_repo  # noqa: E402

POPULAR = (
    *("requests", "black", "pytest", "ipython", "jupyter-client", "rich", "httpx"),
    *("sqlalchemy", "pandas", "matplotlib", "keyring", "virtualenv", "typer", "tqdm"),
    *("click", "pydantic", "aiohttp", "fastapi", "uvicorn[standard]", "boto3"),
)
HUNDRED = ("jupyter", "pandas", "tqdm")
RESOLVERS = ("uv", "pip")
SKILLGATE = (sys.executable, "-m", "checker.cli.main")
PYPI_JSON = "https://pypi.org/pypi/{name}/json"
LOCK = "requirements.lock"
TIMEOUT = 1800
_PIN_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?==\S+", re.MULTILINE)


# --- inputs -------------------------------------------------------------------------------


def latest(name: str) -> str:
    """The latest release of ``name`` on PyPI (its JSON API's ``info.version``)."""
    url = PYPI_JSON.format(name=canonicalize_name(name))
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https PyPI only)
        return str(json.load(response)["info"]["version"])


def pinned(spec: str) -> str:
    """``spec`` (a name with optional extras) pinned to its latest release."""
    req = Requirement(spec)
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras}=={latest(req.name)}"


def skill_id(requirement: str) -> str:
    req = Requirement(requirement)
    return "-".join([canonicalize_name(req.name), *sorted(req.extras)])


def example_repo(dest: Path) -> None:
    """This repository's ``policy/`` and ``skills/``, without their committed locks."""
    shutil.copytree(ROOT / "policy", dest / "policy")
    shutil.copytree(ROOT / "skills", dest / "skills")
    delete_locks(dest)


def example_requirements() -> list[list[str]]:
    """The example skills' requirements, read from the copy skillgate would lock."""
    with tempfile.TemporaryDirectory(prefix="skillgate-bench-") as tmp:
        from checker.policy.load import load_repo  # noqa: PLC0415 - only for this read

        example_repo(Path(tmp))
        skills = load_repo(Path(tmp)).skills
        return [list(skills[k].requirements) for k in sorted(skills)]


def delete_locks(repo: Path) -> None:
    for path in repo.glob(f"skills/*/{LOCK}"):
        path.unlink()


def locks(repo: Path) -> dict[str, str]:
    """skill id -> lock text, for every lock written under ``repo``."""
    return {
        p.parent.name: p.read_text(encoding="utf-8") for p in sorted(repo.glob(f"skills/*/{LOCK}"))
    }


def locked_packages(repo: Path) -> int:
    return sum(len(read_lock(p).packages) for p in repo.glob(f"skills/*/{LOCK}"))


@dataclass(frozen=True)
class Workload:
    """What is locked: a repository maker and, for the baselines, each skill's requirements."""

    name: str
    make_repo: Callable[[Path], object]
    requirement_sets: list[list[str]] = field(default_factory=list)


# --- running ------------------------------------------------------------------------------


def lock_env(cache: Path, resolver: str) -> dict[str, str]:
    env = dict(os.environ, SKILLGATE_CACHE=str(cache))
    env.pop("SKILLGATE_RESOLVER", None)
    if resolver == "pip":
        env["PIP_CACHE_DIR"] = str(cache / "pip")
    return env


def run(command: Sequence[str], env: Mapping[str, str], ok: tuple[int, ...] = (0,)) -> float:
    """Run ``command``; its wall time. SystemExit (with its stderr) on another exit code."""
    start = time.perf_counter()
    done = subprocess.run(
        list(command),
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        tail = (done.stderr + done.stdout)[-3000:]
        raise SystemExit(f"{' '.join(command[:6])} ... exited {done.returncode}:\n{tail}")
    return elapsed


def skillgate_lock(repo: Path, resolver: str, cache: Path) -> subprocess.CompletedProcess[str]:
    command = [*SKILLGATE, "lock", "--repo", str(repo), "--resolver", resolver]
    return subprocess.run(
        command,
        env=lock_env(cache, resolver),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )


# One (seconds, packages locked) per call; a Session is one cache, called cold then warm.
Session = Callable[[], tuple[float, int]]


def skillgate_session(resolver: str) -> Callable[[Workload, Path], Session]:
    def start(workload: Workload, work: Path) -> Session:
        repo, cache = work / "repo", work / "cache"
        workload.make_repo(repo)
        command = [*SKILLGATE, "lock", "--repo", str(repo), "--resolver", resolver]

        def once() -> tuple[float, int]:
            delete_locks(repo)
            seconds = run(command, lock_env(cache, resolver))
            return seconds, locked_packages(repo)

        return once

    return start


def uv_compile_command(source: Path, cache: Path) -> list[str]:
    target = Target()
    platform = f"{target.arch}-manylinux_{target.glibc[0]}_{target.glibc[1]}"
    command = [uv_binary(), "pip", "compile", str(source), "--generate-hashes"]
    command += ["--python-version", target.python_full_version, "--python-platform", platform]
    command += ["--only-binary", ":all:", "--cache-dir", str(cache), "--no-header", "--quiet"]
    # As skillgate does: this interpreter for uv's "build" Python, not a search of the host's.
    command += ["--python", sys.executable, "--no-python-downloads"]
    return [*command, "-o", str(source.with_suffix(".txt")), *index_args(os.environ)]


def pip_compile_command(pip_compile: Path, source: Path, cache: Path) -> list[str]:
    command = [str(pip_compile), "--generate-hashes", "--quiet", "--no-header", "--strip-extras"]
    command += ["--cache-dir", str(cache / "pip-tools"), "--pip-args", "--only-binary :all:"]
    return [*command, "-o", str(source.with_suffix(".txt")), str(source)]


def baseline_session(
    make_command: Callable[[Path, Path], list[str]],
) -> Callable[[Workload, Path], Session]:
    """One compile per skill with requirements; outputs deleted before each call (both
    tools would otherwise take an existing output as preferences)."""

    def start(workload: Workload, work: Path) -> Session:
        cache = work / "cache"
        env = dict(os.environ, PIP_CACHE_DIR=str(cache / "pip"))
        sources = []
        for number, requirements in enumerate(workload.requirement_sets):
            source = work / f"skill{number}.in"
            source.write_text("".join(f"{r}\n" for r in requirements), encoding="utf-8")
            sources.append(source)

        def once() -> tuple[float, int]:
            seconds, packages = 0.0, 0
            for source in sources:
                output = source.with_suffix(".txt")
                output.unlink(missing_ok=True)
                seconds += run(make_command(source, cache), env)
                packages += len(_PIN_LINE.findall(output.read_text(encoding="utf-8")))
            return seconds, packages

        return once

    return start


def install_pip_tools(venv: Path) -> Path | None:
    """pip-compile in a throwaway virtualenv, or None (with the reason printed)."""
    start = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "pip-tools"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        version = subprocess.run(
            [str(venv / "bin" / "pip-compile"), "--version"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"pip-compile baseline skipped: pip-tools did not install ({exc})")
        return None
    print(f"baseline 2: {version}, installed in {time.perf_counter() - start:.1f} s")
    return venv / "bin" / "pip-compile"


# --- correctness --------------------------------------------------------------------------


# Lines that say where a file came from (and the digest over them), not what was resolved.
_PROVENANCE = ("# index:", "# file:", "# content-digest:")


def resolved(text: str) -> list[str]:
    """The lock without its provenance lines: packages, versions, hashes, via edges."""
    return [line for line in text.splitlines() if not line.strip().startswith(_PROVENANCE)]


def compare(label: str, make_repo: Callable[[Path], object], work: Path) -> int:
    """Lock with both resolvers and diff the locks; the number of differences."""
    written: dict[str, dict[str, str]] = {}
    for resolver in RESOLVERS:
        repo = work / f"{label}-{resolver}"
        make_repo(repo)
        done = skillgate_lock(repo, resolver, work / f"cache-{label}-{resolver}")
        findings = [line for line in done.stdout.splitlines() if line.strip()]
        if done.returncode not in (0, 1) or findings:
            print(f"  {resolver}: exit {done.returncode}; {' | '.join(findings)}")
            print("    " + "\n    ".join(done.stderr.strip().splitlines()[-5:]))
        written[resolver] = locks(repo)
    uv_locks, pip_locks = written["uv"], written["pip"]
    names = sorted(set(uv_locks) | set(pip_locks))
    differ = [n for n in names if uv_locks.get(n) != pip_locks.get(n)]
    provenance_only = [
        n
        for n in differ
        if n in uv_locks and n in pip_locks and resolved(uv_locks[n]) == resolved(pip_locks[n])
    ]
    packages = sum(len(re.findall(r"^\S+==", t, re.MULTILINE)) for t in uv_locks.values())
    print(
        f"{label}: {len(names) - len(differ)}/{len(names)} locks byte-identical between the "
        f"resolvers ({len(uv_locks)} written by uv, {len(pip_locks)} by pip; {packages} "
        f"packages in uv's)"
    )
    if differ:
        resolution = sorted(set(differ) - set(provenance_only))
        print(
            f"  {len(provenance_only)} of the {len(differ)} that differ differ only in "
            "provenance (# index: / # file: lines and the content-digest over them); "
            f"packages, versions, hashes or via differ in: {', '.join(resolution) or 'none'}"
        )
    for name in differ:
        diff = difflib.unified_diff(
            pip_locks.get(name, "").splitlines(keepends=True),
            uv_locks.get(name, "").splitlines(keepends=True),
            fromfile=f"pip/skills/{name}/{LOCK}",
            tofile=f"uv/skills/{name}/{LOCK}",
        )
        sys.stdout.writelines(diff)
    return len(differ)


def correctness(popular: list[str], hundred: list[str], tmp: Path) -> int:
    print("\n== correctness: the same lock from both resolvers ==")
    differences = compare("example skills", example_repo, tmp)

    def popular_repo(dest: Path) -> None:
        write_repo(dest, {skill_id(r): [r] for r in popular})

    differences += compare("popular packages", popular_repo, tmp)
    return differences + compare("100-package", hundred_repo(hundred), tmp)


def hundred_repo(hundred: list[str]) -> Callable[[Path], object]:
    """A repository with one skill, ``hundred``, requiring ``hundred``."""
    return lambda dest: write_repo(dest, {"hundred": hundred})


# --- speed --------------------------------------------------------------------------------


@dataclass
class Samples:
    seconds: list[float] = field(default_factory=list)
    packages: set[int] = field(default_factory=set)


def measure(
    workloads: Sequence[Workload],
    tools: Mapping[str, Callable[[Workload, Path], Session]],
    runs: int,
    tmp: Path,
) -> dict[tuple[str, str, str], Samples]:
    """Every (workload, tool, cold/warm), ``runs`` times; tools interleaved in each run."""
    results: dict[tuple[str, str, str], Samples] = {}
    for number in range(runs):
        for workload in workloads:
            for tool, start in tools.items():
                work = Path(tempfile.mkdtemp(prefix="run-", dir=tmp))
                once = start(workload, work)
                for state in ("cold", "warm"):
                    seconds, packages = once()
                    sample = results.setdefault((workload.name, tool, state), Samples())
                    sample.seconds.append(seconds)
                    sample.packages.add(packages)
                    print(
                        f"  run {number + 1}/{runs} {workload.name:<15} {tool:<17} {state} "
                        f"{seconds:7.2f} s  {packages} packages",
                        flush=True,
                    )
                if number == 0 and tool.startswith("skillgate"):
                    wheels = [p for p in (work / "cache" / "artifacts").rglob("*") if p.is_file()]
                    size = sum(p.stat().st_size for p in wheels) / 1e6
                    print(
                        f"    wheels downloaded and sha256-verified: {len(wheels)}, {size:.1f} MB"
                    )
                shutil.rmtree(work)
    return results


def report(
    workloads: Sequence[Workload],
    tools: Sequence[str],
    results: Mapping[tuple[str, str, str], Samples],
) -> None:
    print("\n== speed: wall seconds per lock of the whole workload ==")
    header = f"{'workload':<15} {'tool':<17} {'cache':<5} {'median':>8} {'max':>8}"
    print(f"{header} {'packages':>8}  ratio to uv pip compile (medians)")
    for workload in workloads:
        for state in ("cold", "warm"):
            base = statistics.median(results[(workload.name, "uv pip compile", state)].seconds)
            for tool in tools:
                sample = results[(workload.name, tool, state)]
                median, worst = statistics.median(sample.seconds), max(sample.seconds)
                counts = "/".join(str(c) for c in sorted(sample.packages))
                print(
                    f"{workload.name:<15} {tool:<17} {state:<5} {median:8.2f} {worst:8.2f} "
                    f"{counts:>8}  {median / base:6.2f}x"
                )


def describe_environment() -> None:
    uv_version = subprocess.run(
        [uv_binary(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    pip_version = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, check=False
    ).stdout.split(" from ")[0]
    config = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    ).stdout.split("\n")
    relevant = [c for c in config if re.search(r"index|find-links|constraint", c)]
    print(
        f"host: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {uv_version}; {pip_version}"
    )
    print(f"pip configuration (pip resolver and pip-compile only): {'; '.join(relevant) or 'none'}")
    uv_args = " ".join(index_args(os.environ)) or "none"
    print(f"index options skillgate gives uv (from PIP_* variables): {uv_args}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of every measurement")
    parser.add_argument("--no-pip-tools", action="store_true", help="skip the pip-compile baseline")
    parser.add_argument("--skip-correctness", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    describe_environment()
    popular = [pinned(spec) for spec in POPULAR]
    hundred = [pinned(spec) for spec in HUNDRED]
    print(f"popular packages (latest on PyPI now): {' '.join(popular)}")
    print(f"100-package lock requirements: {' '.join(hundred)}")
    differences = 0
    with tempfile.TemporaryDirectory(prefix="skillgate-lock-speed-") as name:
        tmp = Path(name)
        if not args.skip_correctness:
            differences = correctness(popular, hundred, tmp / "correctness")
        if not args.skip_speed:
            speed(args.runs, hundred, tmp, pip_tools=not args.no_pip_tools)
    if differences:
        print(f"\n{differences} lock(s) differ between the resolvers")
        sys.exit(1)


def speed(runs: int, hundred: list[str], tmp: Path, *, pip_tools: bool) -> None:
    print("\n== speed ==")
    workloads = [
        Workload("example skills", example_repo, example_requirements()),
        Workload("100-package", hundred_repo(hundred), [hundred]),
    ]
    tools: dict[str, Callable[[Workload, Path], Session]] = {
        f"skillgate {r}": skillgate_session(r) for r in RESOLVERS
    }
    tools["uv pip compile"] = baseline_session(uv_compile_command)
    pip_compile = install_pip_tools(tmp / "pip-tools") if pip_tools else None
    if pip_compile is not None:
        tools["pip-compile"] = baseline_session(
            lambda source, cache: pip_compile_command(pip_compile, source, cache)
        )
    elif not pip_tools:
        print("pip-compile baseline skipped (--no-pip-tools)")
    print(f"timing {runs} run(s); each tool: cold cache, then warm (same cache, locks deleted)")
    results = measure(workloads, tools, runs, tmp)
    report(workloads, list(tools), results)


if __name__ == "__main__":
    main()
