"""Runs INSIDE the source-build container (the base image's python3, ``-I``, no network).

argv: the sdist's file name in ``/in``. ``/in`` (read-only) holds the sdist, pip's own
wheel (``pip.whl``), the build requirements' wheels (``build/``) and their hash-pinned
requirements file; ``/out`` is the only writable mount. Steps, each a plain process (no
shell): a virtual environment in the tmpfs; the build requirements installed into it from
the mounted wheels only (``--no-index --require-hashes``); ``pip wheel`` of the sdist with
that environment as the build environment (``--no-build-isolation``: nothing is fetched);
the one wheel copied to ``/out``. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

INPUTS = "/in"
OUTPUT = "/out"
PIP = f"{INPUTS}/pip.whl/pip"
REQUIREMENTS = f"{INPUTS}/build-requirements.txt"
ENVIRONMENT = "/tmp/build-env"  # noqa: S108 - the container's private tmpfs
WHEELS = "/tmp/wheels"  # noqa: S108 - the container's private tmpfs


def _run(step: str, args: list[str]) -> None:
    print(f"skillgate: {step}", flush=True)
    completed = subprocess.run(args, check=False)
    if completed.returncode != 0:
        print(f"skillgate: {step} failed (exit {completed.returncode})", file=sys.stderr)
        raise SystemExit(1)


def main(argv: list[str]) -> int:
    (sdist,) = argv
    python = f"{ENVIRONMENT}/bin/python3"
    _run(
        "create the build environment", [sys.executable, "-m", "venv", "--without-pip", ENVIRONMENT]
    )
    with open(REQUIREMENTS, encoding="utf-8") as handle:
        pinned = handle.read().strip()
    if pinned:
        _run(
            "install the build requirements",
            [
                *(python, PIP, "install", "--no-index", "--find-links", f"{INPUTS}/build"),
                *("--only-binary", ":all:", "--require-hashes", "--no-deps", "-r", REQUIREMENTS),
            ],
        )
    _run(
        f"build {sdist}",
        [
            *(python, PIP, "wheel", "--no-deps", "--no-build-isolation", "--no-index"),
            *("--use-pep517", "--no-cache-dir", "-w", WHEELS, f"{INPUTS}/{sdist}"),
        ],
    )
    made = sorted(os.listdir(WHEELS))
    if len(made) != 1 or not made[0].endswith(".whl"):
        print(f"skillgate: the build made {made}, not one wheel", file=sys.stderr)
        return 1
    shutil.copyfile(f"{WHEELS}/{made[0]}", f"{OUTPUT}/{made[0]}")
    print(f"skillgate: built {made[0]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
