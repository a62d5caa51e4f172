"""skillgate's heuristics and GuardDog side by side, in one run: recall on malicious samples,
false positives and CPU cost on popular packages.

(a) Recall. Every sample of the malicious corpus (``tests/heuristics/corpus/malicious``, each
    built into the wheel or sdist its ``expect.yaml`` names, as ``test_corpus.py`` builds it;
    without that corpus, the artifacts ``tests/heuristics/test_malicious_artifacts.py`` builds)
    is scanned by both tools, from the same archive. skillgate catches a
    sample when ``checker.heuristics.scan_artifact`` reports at least one ERROR finding (or
    cannot read it: that fails closed too); GuardDog when a ``threat-*`` rule fires, and, by
    its own risk score, when the score reaches 5 (``suspicious``) or 7 (``high_risk``).
    Misses are tabled per sample.
(b) False positives. The latest sdist and wheel (the one heuristics_fp.py picks) of the 100
    most popular packages (the first rows of ``checker/heuristics/data/popular-packages.tsv``)
    and of heuristics_fp.py's TRICKY set, in its cache (``benchmarks/popular_artifacts.py``:
    PyPI's JSON API, sha256 verified, never installed, built or imported). skillgate
    artifacts with ERROR findings (must be none; exit 1 otherwise), GuardDog artifacts flagged
    by any threat rule, per rule and by score.
(c) Cost over (b), in CPU seconds per MB of (compressed) artifact, median and p95 over
    artifacts and overall: skillgate in-process (``time.process_time``), beside the read+parse
    baseline of heuristics_fp.py measured in the same run, and GuardDog as one
    ``guarddog pypi scan ARCHIVE --output-format json`` process per artifact (user+system time
    of that process from ``os.wait4``; its start-up, measured alone on an empty sdist, is part
    of every scan), at most two at once. Nothing is asserted about time.

GuardDog sends nothing. Version 3.2 scans with YARA rules (no semgrep). At start-up it loads
the typosquatting lists of every ecosystem and refreshes each one older than 30 days from
github.com, hugovk.github.io and packages.ecosyste.ms; this script seeds a fresh copy in a
temporary directory (``GUARDDOG_TOP_PACKAGES_CACHE_LOCATION``): PyPI's list is our
popular-packages.tsv, the others GuardDog's own shipped lists, all stamped now, so no refresh
is due. A local archive scan runs no metadata rule (those query DNS, WHOIS and GitHub; they
need ``--metadata``, never passed). Whatever HTTP(S) would remain goes to a dead proxy
(``HTTP(S)_PROXY``/``ALL_PROXY`` = http://127.0.0.1:9, ``NO_PROXY`` empty) and fails at
once; semgrep's metrics and version check are off for older GuardDogs; and GuardDog's own
kernel sandbox (Landlock via nono, on by default: GuardDog refuses to scan without it) blocks
the network of the scanning process. Each run checks it: the start-up scan (an empty sdist;
every scan runs the same code) runs once under ``strace -f`` tracing ``connect``, ``sendto``
and ``sendmsg``, and any call to an IP address is printed.

Only the archive's contents are compared: the name checks (skillgate's ``mal.typosquat`` at
``skillgate scan``, GuardDog's metadata rule ``typosquatting``) are left out of both.

Install GuardDog into its own virtualenv, never into the project's:
``python3 -m venv ~/.cache/skillgate-guarddog/venv &&
~/.cache/skillgate-guarddog/venv/bin/pip install 'guarddog>=3.2'``.

Usage: ``python benchmarks/heuristics_vs_guarddog.py [--guarddog PATH] [--limit N]
[--jobs 1|2] [--corpus DIR] [--cache DIR] [--timeout S] [--show-flagged]``; ``--limit N``
takes the first N popular and N tricky packages (0: the malicious samples only).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from popular_artifacts import DEFAULT_CACHE, TRICKY, fetch_corpus, percentile, read_and_parse

from checker.findings import Severity
from checker.heuristics import ArtifactError, scan_artifact
from checker.heuristics.typosquat import shipped_popular

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fallback samples come from tests/heuristics

DEFAULT_GUARDDOG = Path.home() / ".cache" / "skillgate-guarddog" / "venv" / "bin" / "guarddog"
DEFAULT_CORPUS = ROOT / "tests" / "heuristics" / "corpus" / "malicious"
TOP = 100
# The discard port: nothing listens there, so any request through the proxy fails at once.
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
SUSPICIOUS, HIGH_RISK = 5.0, 7.0  # GuardDog's score bands (risk_engine)


@dataclass(frozen=True, slots=True)
class Sample:
    """A malicious archive and what the corpus expects of skillgate."""

    id: str
    archive: Path
    expected: str


@dataclass(frozen=True, slots=True)
class OursResult:
    """skillgate's verdict on one artifact and its CPU time (and the baseline's)."""

    gating: tuple[str, ...]  # rule ids of ERROR findings, or the ArtifactError
    other: tuple[str, ...]  # rule ids of lower severities
    cpu_s: float = 0.0
    baseline_s: float = 0.0


@dataclass(frozen=True, slots=True)
class GuardDogResult:
    """GuardDog's verdict on one artifact and the scan process's CPU time."""

    threats: tuple[str, ...]  # threat-* rules that fired
    score: float | None
    label: str
    error: str | None
    cpu_s: float

    @property
    def flagged(self) -> bool:
        return bool(self.threats)


# -- GuardDog, offline ---------------------------------------------------------------------


def offline_environment(guarddog: Path, workdir: Path) -> dict[str, str]:
    """GuardDog's environment: seeded top-package lists, a dead proxy, no metrics."""
    found = sorted(guarddog.resolve().parent.parent.glob("lib/python3*/site-packages/guarddog"))
    if not found:
        raise SystemExit(f"Error: cannot find the guarddog package beside {guarddog}")
    seeded = workdir / "top-packages"
    seeded.mkdir()
    for shipped in sorted((found[0] / "analyzer" / "metadata" / "resources").glob("top_*.json")):
        cache = json.loads(shipped.read_text(encoding="utf-8"))
        if shipped.name == "top_pypi_packages.json":
            cache["packages"] = shipped_popular()
        cache["downloaded_timestamp"] = int(time.time())
        (seeded / shipped.name).write_text(json.dumps(cache), encoding="utf-8")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in {*PROXY_VARIABLES, "NO_PROXY"}
    }
    for name in PROXY_VARIABLES:
        environment[name] = environment[name.lower()] = DEAD_PROXY
    environment.update(
        NO_PROXY="",
        no_proxy="",
        GUARDDOG_TOP_PACKAGES_CACHE_LOCATION=str(seeded),
        SEMGREP_SEND_METRICS="off",  # GuardDog 2.x ran semgrep
        SEMGREP_ENABLE_VERSION_CHECK="0",
        TMPDIR=str(workdir),
    )
    return environment


@dataclass(frozen=True, slots=True)
class GuardDog:
    """The GuardDog executable, run offline (``offline_environment``), ``jobs`` at once."""

    path: Path
    environment: dict[str, str]
    jobs: int
    timeout: float

    def command(self, archive: Path) -> list[str]:
        return [str(self.path), "pypi", "scan", str(archive), "--output-format", "json"]

    def version(self) -> str:
        done = subprocess.run(
            [str(self.path), "--version"], env=self.environment, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
        return (done.stdout.strip().splitlines() or ["unknown"])[-1]

    def scan(self, archives: list[Path]) -> dict[Path, GuardDogResult]:
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            return dict(zip(archives, pool.map(self.scan_one, archives), strict=True))

    def scan_one(self, archive: Path) -> GuardDogResult:
        """One ``guarddog pypi scan``; its CPU time is the process's own, from ``wait4``."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(
                self.command(archive),
                stdout=out,
                stderr=err,
                env=self.environment,
                cwd=self.environment["TMPDIR"],
            )
            timer = threading.Timer(self.timeout, process.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
            process.returncode = code = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            stdout, stderr = (
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"),
            )
        return parse_report(stdout, stderr, code, usage.ru_utime + usage.ru_stime)

    def egress_check(self, archive: Path) -> str:
        """Scan ``archive`` under strace; name every connect or send to an IP address."""
        strace = shutil.which("strace")
        if strace is None:
            return "not checked (no strace on PATH)"
        trace = Path(self.environment["TMPDIR"]) / "egress.trace"
        calls = "trace=execve,socket,connect,sendto,sendmsg"  # execve: proof that strace traced
        subprocess.run(
            [strace, "-f", "-qq", "-e", calls, "-o", str(trace), *self.command(archive)],
            env=self.environment, capture_output=True, timeout=self.timeout, check=False,
        )  # fmt: skip
        lines = trace.read_text(errors="replace").splitlines() if trace.exists() else []
        if not any("execve(" in line for line in lines):
            return "strace could not trace the scan; not checked"
        sends = ("connect(", "sendto(", "sendmsg(")
        inet = [line for line in lines if "AF_INET" in line and any(s in line for s in sends)]
        if inet:
            return f"{len(inet)} connects/sends to IP addresses (strace -f), first: {inet[0][:160]}"
        sockets = sum("socket(" in line for line in lines)
        return f"{sockets} sockets opened, no connect or send to any IP address (strace -f)"


def parse_report(stdout: str, stderr: str, code: int, cpu_s: float) -> GuardDogResult:
    """The threat rules that fired and the risk score of a ``--output-format json`` report."""
    try:
        report: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError:
        last = stderr.strip().splitlines()[-1:] or ["no output"]
        return GuardDogResult((), None, "", f"exit {code}: {last[0]}", cpu_s)
    results: dict[str, Any] = report.get("results") or {}
    threats = tuple(sorted(r for r, hits in results.items() if r.startswith("threat") and hits))
    risk: dict[str, Any] = report.get("risk_score") or {}
    score = risk.get("score")
    errors: dict[str, Any] = report.get("errors") or {}
    error = "; ".join(f"{rule}: {text}" for rule, text in errors.items()) or None
    return GuardDogResult(
        threats, None if score is None else float(score), str(risk.get("label", "")), error,
        cpu_s,
    )  # fmt: skip


# -- skillgate -----------------------------------------------------------------------------


def scan_with_skillgate(path: Path, *, baseline: bool = False) -> OursResult:
    """skillgate's findings on one artifact, its CPU time and (optionally) the baseline's."""
    start = time.process_time()
    if baseline:
        with contextlib.suppress(ArtifactError):  # the scan below reports it
            read_and_parse(path)
    middle = time.process_time()
    try:
        findings = scan_artifact(path)
    except ArtifactError as exc:
        return OursResult((f"ArtifactError: {exc}",), (), time.process_time() - middle)
    end = time.process_time()
    gating = sorted({f.rule for f in findings if f.severity is Severity.ERROR})
    other = sorted({f.rule for f in findings if f.severity is not Severity.ERROR})
    return OursResult(tuple(gating), tuple(other), end - middle, middle - start)


# -- the malicious samples -----------------------------------------------------------------


def corpus_samples(corpus: Path, workdir: Path) -> list[Sample]:
    """Each ``<shape>/`` of the corpus built as ``tests/heuristics/test_corpus.py`` builds it:
    its source tree (less README, expect.yaml, __init__.py) as the wheel or sdist its
    ``expect.yaml`` names; expected are the findings listed there."""
    from tests.heuristics.artifacts import write_sdist, write_wheel  # noqa: PLC0415
    from tests.heuristics.test_corpus import SAMPLE_METADATA  # noqa: PLC0415

    samples: list[Sample] = []
    for sample in sorted(path.parent for path in corpus.glob("*/expect.yaml")):
        expect: dict[str, Any] = yaml.safe_load((sample / "expect.yaml").read_text("utf-8"))
        files = {
            path.relative_to(sample).as_posix(): path.read_bytes()
            for path in sorted(sample.rglob("*"))
            if path.is_file() and not (path.parent == sample and path.name in SAMPLE_METADATA)
        }
        target = workdir / sample.name
        target.mkdir(parents=True)
        if expect["artifact"] == "sdist":
            archive = write_sdist(target, "evilpkg", files)
        else:
            archive = write_wheel(target, "evilpkg", files, tag=expect.get("tag", "py3-none-any"))
        findings = expect.get("findings") or []
        expected = sorted({f"{item['rule']} ({item['severity']})" for item in findings})
        samples.append(Sample(sample.name, archive, ", ".join(expected)))
    return samples


def suite_samples(workdir: Path) -> list[Sample]:
    """The artifacts ``tests/heuristics/test_malicious_artifacts.py`` builds, as it builds them."""
    from tests.heuristics.artifacts import write_wheel  # noqa: PLC0415
    from tests.heuristics.test_malicious_artifacts import (  # noqa: PLC0415
        BUILDERS,
        CASES,
        EVASIONS,
    )

    samples: list[Sample] = []
    for case in CASES:
        target = workdir / case.id
        target.mkdir(parents=True)
        archive = BUILDERS[case.kind](target, "evilpkg", case.files)
        samples.append(Sample(case.id, archive, f"{case.rule} ({case.severity.label})"))
    for name, (source, rule) in sorted(EVASIONS.items()):
        target = workdir / f"evasion-{name}"
        target.mkdir(parents=True)
        archive = write_wheel(target, "evilpkg", {"evilpkg/__init__.py": source + "\n"})
        samples.append(Sample(f"evasion-{name}", archive, f"{rule} (error)"))
    return samples


# -- the report ----------------------------------------------------------------------------


def _share(count: int, total: int) -> str:
    return f"{count:3d}/{total} = {100 * count / total:5.1f}%" if total else "0/0"


def _score(result: GuardDogResult) -> str:
    if result.error:
        return f"error: {result.error[:60]}"
    return f"{result.score:.1f} {result.label}" if result.score is not None else "-"


def _at_least(result: GuardDogResult, threshold: float) -> bool:
    return result.score is not None and result.score >= threshold


def _table(rows: Iterable[tuple[str, ...]], header: tuple[str, ...]) -> None:
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  " + "  ".join([*cells, row[-1]]))


def report_recall(
    samples: list[Sample], ours: dict[Path, OursResult], theirs: dict[Path, GuardDogResult]
) -> None:
    total = len(samples)
    caught: dict[str, Callable[[Sample], bool]] = {
        "skillgate (>= 1 ERROR finding)": lambda s: bool(ours[s.archive].gating),
        "GuardDog (any threat rule fired)": lambda s: theirs[s.archive].flagged,
        "GuardDog (score >= 5, suspicious)": lambda s: _at_least(theirs[s.archive], SUSPICIOUS),
        "GuardDog (score >= 7, high_risk)": lambda s: _at_least(theirs[s.archive], HIGH_RISK),
    }
    print("recall:")
    for label, test in caught.items():
        print(f"  {label:<36} {_share(sum(map(test, samples)), total)}")
    misses = [s for s in samples if not ours[s.archive].gating or not theirs[s.archive].flagged]
    print(f"samples missed by either tool ({len(misses)}):")
    _table(
        (
            (
                s.id,
                s.expected or "-",
                ",".join(ours[s.archive].gating) or "miss" + _others(ours[s.archive]),
                ",".join(theirs[s.archive].threats) or "miss",
                _score(theirs[s.archive]),
            )
            for s in misses
        ),
        ("sample", "expected", "skillgate ERROR", "GuardDog threat rules", "GuardDog score"),
    )
    slipped = [s.id for s in samples if theirs[s.archive].flagged and not ours[s.archive].gating]
    print(
        "caught by a GuardDog threat rule but not gated by skillgate: "
        + (", ".join(slipped) if slipped else "none")
    )


def _others(result: OursResult) -> str:
    return f" (only {','.join(result.other)})" if result.other else ""


def report_false_positives(
    archives: list[Path],
    ours: dict[Path, OursResult],
    theirs: dict[Path, GuardDogResult],
    show_flagged: bool,
) -> None:
    total = len(archives)
    gating = [path for path in archives if ours[path].gating]
    print(f"skillgate artifacts with ERROR findings: {len(gating)}")
    for path in gating:
        print(f"  {path.name}: {', '.join(ours[path].gating)}")
    flagged = [path for path in archives if theirs[path].flagged]
    print(f"GuardDog artifacts flagged by any threat rule: {_share(len(flagged), total)}")
    for threshold, label in ((SUSPICIOUS, "suspicious"), (HIGH_RISK, "high_risk")):
        count = sum(_at_least(theirs[path], threshold) for path in archives)
        print(f"GuardDog artifacts with score >= {threshold:.0f} ({label}): {_share(count, total)}")
    failed = [path for path in archives if theirs[path].error]
    print(f"GuardDog scan errors: {len(failed)}")
    for path in failed:
        print(f"  {path.name}: {theirs[path].error}")
    per_rule = Counter(rule for path in archives for rule in theirs[path].threats)
    print("GuardDog threat rules (artifacts each fired on):")
    for rule, count in sorted(per_rule.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:5d}  {rule}")
    if show_flagged:
        for path in flagged:
            print(f"  {path.name}: {_score(theirs[path])}: {', '.join(theirs[path].threats)}")


def report_cost(
    archives: list[Path],
    ours: dict[Path, OursResult],
    theirs: dict[Path, GuardDogResult],
    startup_s: float,
) -> None:
    megabytes = {path: path.stat().st_size / 1e6 for path in archives}
    total_mb = sum(megabytes.values())
    seconds: dict[str, dict[Path, float]] = {
        "read+parse baseline": {path: ours[path].baseline_s for path in archives},
        "skillgate heuristics": {path: ours[path].cpu_s for path in archives},
        "GuardDog scan": {path: theirs[path].cpu_s for path in archives},
    }
    print(f"CPU cost over {len(archives)} artifacts, {total_mb:.1f} MB (compressed):")
    print(
        f"  {'':<20}  {'s/MB median':>11}  {'s/MB p95':>9}  {'s/artifact median':>17}"
        f"  {'s/artifact p95':>14}  {'total CPU s':>11}  {'overall s/MB':>12}"
    )
    overall: dict[str, float] = {}
    for label, times in seconds.items():
        per_mb = [times[path] / megabytes[path] for path in archives]
        each = list(times.values())
        total = sum(each)
        overall[label] = total / total_mb
        print(
            f"  {label:<20}  {statistics.median(per_mb):11.3f}  {percentile(per_mb, 0.95):9.3f}"
            f"  {statistics.median(each):17.2f}  {percentile(each, 0.95):14.2f}"
            f"  {total:11.1f}  {overall[label]:12.3f}"
        )
    ratio = overall["skillgate heuristics"] / overall["read+parse baseline"]
    print(
        f"skillgate heuristics: {overall['skillgate heuristics']:.3f} CPU s/MB overall "
        f"(issue: <= 0.6), {ratio:.2f}x the read+parse baseline measured in this run"
    )
    print(
        f"GuardDog: {overall['GuardDog scan']:.3f} CPU s/MB overall, "
        f"{overall['GuardDog scan'] / overall['skillgate heuristics']:.2f}x skillgate's; "
        f"its start-up alone (empty sdist) costs {startup_s:.2f} CPU s per scan"
    )


# -- main ----------------------------------------------------------------------------------


def malicious(corpus: Path, workdir: Path, guarddog: GuardDog) -> None:
    """(a): recall of both tools on the malicious corpus (or the test suite's samples)."""
    if corpus.is_dir():
        samples, source = corpus_samples(corpus, workdir), _shown(corpus)
    else:
        samples = suite_samples(workdir)
        source = (
            f"{_shown(corpus)} does not exist; the samples of "
            "tests/heuristics/test_malicious_artifacts.py (CASES and EVASIONS)"
        )
    print(f"(a) malicious samples: {len(samples)} ({source})")
    archives = [sample.archive for sample in samples]
    ours = {path: scan_with_skillgate(path) for path in archives}
    report_recall(samples, ours, guarddog.scan(archives))


def popular(
    limit: int, cache: Path, guarddog: GuardDog, startup_s: float, show_flagged: bool
) -> bool:
    """(b) and (c): false positives and cost on popular packages; True on a gating finding."""
    top, tricky = min(TOP, limit), TRICKY[:limit]
    names = list(dict.fromkeys([*shipped_popular()[:top], *tricky]))
    archives = list(dict.fromkeys(fetch_corpus(names, cache)))
    if not archives:
        print("(b) popular set: skipped (--limit 0)")
        return False
    print(
        f"(b) popular set: the first {top} of popular-packages.tsv and {len(tricky)} tricky "
        f"packages: {len(names)} packages, {len(archives)} artifacts ({cache})"
    )
    start = time.perf_counter()
    ours = {path: scan_with_skillgate(path, baseline=True) for path in archives}
    ours_wall = time.perf_counter() - start
    theirs = guarddog.scan(archives)
    theirs_wall = time.perf_counter() - start - ours_wall
    report_false_positives(archives, ours, theirs, show_flagged)
    print()
    report_cost(archives, ours, theirs, startup_s)
    print(
        f"wall: skillgate+baseline {ours_wall:.0f} s (in this process), "
        f"GuardDog {theirs_wall:.0f} s ({guarddog.jobs} scans at once)"
    )
    return any(result.gating for result in ours.values())


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main() -> int:
    """Run both tools over (a) and (b); print recall, false positives and cost."""
    from tests.heuristics.artifacts import write_sdist  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guarddog", type=Path, default=DEFAULT_GUARDDOG)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--limit", type=int, default=TOP, help="popular (and tricky) packages")
    parser.add_argument("--jobs", type=int, choices=(1, 2), default=2)
    parser.add_argument("--timeout", type=float, default=1800, help="per GuardDog scan, s")
    parser.add_argument("--show-flagged", action="store_true", help="list GuardDog's flags")
    args = parser.parse_args()
    if not args.guarddog.is_file():
        print(
            f"GuardDog not found at {args.guarddog}. Install it into its own virtualenv:\n"
            "  python3 -m venv ~/.cache/skillgate-guarddog/venv\n"
            "  ~/.cache/skillgate-guarddog/venv/bin/pip install 'guarddog>=3.2'\n"
            "or pass --guarddog PATH.",
            file=sys.stderr,
        )
        return 3
    wall_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="skillgate-vs-guarddog-") as tmp:
        workdir = Path(tmp)
        environment = offline_environment(args.guarddog, workdir)
        guarddog = GuardDog(args.guarddog, environment, args.jobs, args.timeout)
        print(f"GuardDog {guarddog.version()} ({guarddog.path})")
        (workdir / "empty").mkdir()
        empty = write_sdist(workdir / "empty", "emptypkg", {})
        print(f"GuardDog egress: {guarddog.egress_check(empty)}")
        [startup] = guarddog.scan([empty]).values()
        if startup.error:
            print(f"Error: GuardDog cannot scan an empty sdist: {startup.error}", file=sys.stderr)
            return 3
        print()
        malicious(args.corpus, workdir / "malicious", guarddog)
        print()
        gating = popular(args.limit, args.cache, guarddog, startup.cpu_s, args.show_flagged)
    print(f"whole run: wall {time.perf_counter() - wall_start:.0f} s")
    return 1 if gating else 0


if __name__ == "__main__":
    sys.exit(main())
