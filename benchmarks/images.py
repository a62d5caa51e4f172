"""Image size, files and executables: the full base image against the minimal one.

For every skill of the repository both variants are built in the same run, from the same
verified wheelhouse and the same base image, with the network off:

* full: the previous template (``FULL_DOCKERFILE`` below): the whole debootstrap base,
  plus the venv and the code;
* minimal: today's ``sandbox/templates/Dockerfile``: ``FROM scratch`` with what
  ``sandbox/templates/rootfs.py`` keeps.

Each is built ``--runs`` times without the build cache (``nocache``: the cold build time,
median), then measured from ``docker export`` of a created, never started, container:
image size (the engine's), regular files, and executables (regular files with any x bit).

Usage: ``python benchmarks/images.py [--repo tests/fixtures/team-repo] [--runs 3]``. Needs a
Docker engine and a bootstrapped base image (``skillgate sandbox base --bootstrap``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.lock.target import target_for
from checker.policy.load import load_repo
from sandbox import wheelhouse
from sandbox.base_image import BaseImage, require_base
from sandbox.build import _stage_context
from sandbox.engine import LABEL_MANAGED, connect

FULL_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE} AS install
LABEL org.skillgate.role=build-stage
ENV PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pip.whl requirements.txt /build/
COPY wheels/ /build/wheels/
RUN python3 -m venv --without-pip /opt/venv \\
 && if grep -q '^[a-zA-Z0-9]' /build/requirements.txt; then \\
      python3 /build/pip.whl/pip --python /opt/venv/bin/python3 install \\
        --no-index --find-links /build/wheels --only-binary :all: \\
        --require-hashes --no-deps -r /build/requirements.txt; \\
    fi \\
 && chmod -R go-w /opt/venv
FROM ${BASE_IMAGE}
COPY --from=install /opt/venv /opt/venv
COPY skill/ /opt/skill/
ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 HOME=/tmp
WORKDIR /opt/skill
USER 65534:65534
"""
"""The final stage before issue 13 (the whole base), for comparison."""
SHELLS = ("bin/sh", "bin/bash", "bin/dash", "bin/apt", "bin/dpkg", "bin/perl")


@dataclass(frozen=True, kw_only=True, slots=True)
class Figures:
    """One variant of one skill's image."""

    size_bytes: int
    files: int
    executables: int
    shells: int
    build_seconds: list[float]


def build(client: Any, context: Path, tag: str, base: BaseImage) -> str:
    """A cold build (no cache, network off); the image id."""
    stream = client.api.build(
        path=str(context),
        tag=tag,
        buildargs={"BASE_IMAGE": base.image_id},
        network_mode="none",
        labels={LABEL_MANAGED: "true", "org.skillgate.role": "benchmark"},
        rm=True,
        forcerm=True,
        pull=False,
        nocache=True,
        decode=True,
    )
    for chunk in stream:
        if "error" in chunk:
            raise SystemExit(f"build of {tag} failed: {chunk['error']}")
    image_id: str = client.images.get(tag).id
    return image_id


def contents(client: Any, image_id: str) -> tuple[int, int, int]:
    """(regular files, executables, shells and package managers) of the image."""
    container = client.containers.create(
        image=image_id, command=["/nonexistent"], entrypoint=[], labels={LABEL_MANAGED: "true"}
    )
    try:
        data = b"".join(container.export())
    finally:
        container.remove(force=True)
    files = executables = shells = 0
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if member.name.endswith(SHELLS):
                shells += 1
            if member.isfile():
                files += 1
                executables += 1 if member.mode & 0o111 else 0
    return files, executables, shells


def measure(
    client: Any, skill: Any, base: BaseImage, dockerfile: str | None, runs: int, tag: str
) -> Figures:
    target = target_for(load_repo(Path(skill.directory).parents[1]).sandbox_policy().base)
    house = wheelhouse.collect(skill, target)
    timings = []
    image_id = ""
    with tempfile.TemporaryDirectory(prefix="skillgate-bench-") as tmp:
        context = Path(tmp)
        _stage_context(context, skill, house)
        if dockerfile is not None:
            (context / "Dockerfile").write_text(dockerfile, "utf-8")
        for _ in range(runs):
            with contextlib.suppress(Exception):
                client.images.remove(tag, force=True)
            started = time.perf_counter()
            image_id = build(client, context, tag, base)
            timings.append(time.perf_counter() - started)
    files, executables, shells = contents(client, image_id)
    size = int(client.images.get(image_id).attrs["Size"])
    client.images.remove(tag, force=True)
    return Figures(
        size_bytes=size,
        files=files,
        executables=executables,
        shells=shells,
        build_seconds=timings,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("tests/fixtures/team-repo"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    loaded = load_repo(args.repo)
    client = connect()
    base = require_base(client, loaded.sandbox_policy().base)
    print(f"base {base.tag} ({base.image_id[:19]}), {args.runs} cold build(s) per variant")
    header = (
        f"{'skill':<16} {'variant':<8} {'size MB':>8} {'files':>6} {'exec':>5} "
        f"{'sh/apt/dpkg/perl':>16} {'cold build median (runs)':>28}"
    )
    print(header)
    totals: dict[str, list[Figures]] = {"full": [], "minimal": []}
    for skill_id in sorted(loaded.skills):
        skill = loaded.skills[skill_id]
        for variant, dockerfile in (("full", FULL_DOCKERFILE), ("minimal", None)):
            tag = f"skillgate-bench/{variant}-{skill_id}:bench"
            figures = measure(client, skill, base, dockerfile, args.runs, tag)
            totals[variant].append(figures)
            runs = ", ".join(f"{t:.2f}" for t in figures.build_seconds)
            print(
                f"{skill_id:<16} {variant:<8} {figures.size_bytes / 1e6:>8.1f} "
                f"{figures.files:>6} {figures.executables:>5} {figures.shells:>16} "
                f"{statistics.median(figures.build_seconds):>9.2f} s ({runs})"
            )
            sys.stdout.flush()
    full, minimal = totals["full"], totals["minimal"]
    for what, attribute in (("size", "size_bytes"), ("files", "files"), ("exec", "executables")):
        before = statistics.median(getattr(f, attribute) for f in full)
        after = statistics.median(getattr(f, attribute) for f in minimal)
        print(f"median {what}: full {before:,.0f}, minimal {after:,.0f} ({after / before:.2f}x)")
    before_t = statistics.median(statistics.median(f.build_seconds) for f in full)
    after_t = statistics.median(statistics.median(f.build_seconds) for f in minimal)
    print(f"median cold build: full {before_t:.2f} s, minimal {after_t:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
