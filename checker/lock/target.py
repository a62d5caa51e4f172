"""The interpreter and platform a lock is resolved for: the sandbox base, not the host.

The base image is Debian (``policy/sandbox.yaml`` ``base.suite``), so its Python and
glibc follow from the suite; ``base.python`` and ``base.platform`` override them when
the sandbox policy sets them. Everything a resolver needs to resolve for the target from
any host is here: the wheel tags it accepts, in preference order, and the PEP 508 marker
environment of its interpreter, so that no host property (OS, Python, machine) reaches a
lock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.tags import Tag, compatible_tags, cpython_tags

from checker.exit_codes import SkillgateError
from checker.layout import SANDBOX_FILE
from checker.policy.sandbox import BaseSpec

# Debian suite -> (python minor, glibc) of the system interpreter the image ships.
SUITES: dict[str, tuple[str, tuple[int, int]]] = {
    "bullseye": ("3.9", (2, 31)),
    "bookworm": ("3.11", (2, 36)),
    "trixie": ("3.13", (2, 41)),
}
# The patch release each suite ships (python_full_version in markers); a minor set by
# base.python alone is taken as its first release.
_FULL_VERSIONS = {"3.9": "3.9.2", "3.11": "3.11.2", "3.13": "3.13.5"}
DEFAULT_SUITE = "bookworm"
_TAG = re.compile(r"cp3(?P<minor>\d+)-manylinux_(?P<major>\d+)_(?P<glibc>\d+)_(?P<arch>\w+)")
_PLATFORM = re.compile(r"manylinux_(?P<major>\d+)_(?P<glibc>\d+)_(?P<arch>\w+)")
# Legacy manylinux names and the glibc they stand for (PEP 600).
_LEGACY = (("manylinux2014", 17), ("manylinux2010", 12), ("manylinux1", 5))


@dataclass(frozen=True, kw_only=True, slots=True)
class Target:
    """CPython ``python`` (``"3.11"``) on ``manylinux_<glibc>_<arch>``."""

    python: str = "3.11"
    glibc: tuple[int, int] = (2, 36)
    arch: str = "x86_64"

    @property
    def tag(self) -> str:
        """Compact form written in lock headers: ``cp311-manylinux_2_36_x86_64``."""
        return f"cp{self.python.replace('.', '')}-{self.platform}"

    @property
    def platform(self) -> str:
        return f"manylinux_{self.glibc[0]}_{self.glibc[1]}_{self.arch}"

    @property
    def abi(self) -> str:
        return f"cp{self.python.replace('.', '')}"

    def platforms(self) -> list[str]:
        """Every platform tag the target's glibc accepts, newest first.

        pip 23 does not expand ``manylinux_2_36`` to older glibc versions by itself, so
        the compatible tags are listed explicitly, legacy aliases included.
        """
        major, minor = self.glibc
        tags = [f"manylinux_{major}_{m}_{self.arch}" for m in range(minor, 4, -1)]
        tags += [f"{name}_{self.arch}" for name, glibc in _LEGACY if glibc <= minor]
        return tags

    @property
    def python_full_version(self) -> str:
        return _FULL_VERSIONS.get(self.python, f"{self.python}.0")

    def supported_tags(self) -> list[Tag]:
        """The wheel tags the target's interpreter accepts, most preferred first (pip's
        order for ``--implementation cp --abi cpXY --platform ...``)."""
        version = tuple(int(part) for part in self.python.split("."))
        platforms = self.platforms()
        tags = [*cpython_tags(version, [self.abi], platforms)]
        tags += compatible_tags(version, self.abi, platforms)
        return list(dict.fromkeys(tags))

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values of the target's interpreter (CPython on Linux).

        ``platform_release`` and ``platform_version`` describe a kernel, not the image; they
        are left empty so that no host's kernel reaches a lock.
        """
        return {
            "implementation_name": "cpython",
            "implementation_version": self.python_full_version,
            "os_name": "posix",
            "platform_machine": self.arch,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.python_full_version,
            "python_version": self.python,
            "sys_platform": "linux",
        }

    def pip_args(self) -> list[str]:
        """pip options that make it select wheels for this target and nothing else."""
        args = ["--only-binary", ":all:", "--implementation", "cp"]
        args += ["--python-version", self.python, "--abi", self.abi]
        for tag in self.platforms():
            args += ["--platform", tag]
        return args


def parse_tag(tag: str) -> Target:
    """The Target written as ``cp311-manylinux_2_36_x86_64``; SkillgateError otherwise."""
    match = _TAG.fullmatch(tag)
    if not match:
        raise SkillgateError(f"unknown lock target {tag!r} (expected cp3XY-manylinux_2_NN_arch)")
    return Target(
        python=f"3.{match['minor']}",
        glibc=(int(match["major"]), int(match["glibc"])),
        arch=match["arch"],
    )


def target_for(base: BaseSpec) -> Target:
    """The target of the sandbox's base image (``policy/sandbox.yaml`` ``base``)."""
    suite = base.suite or DEFAULT_SUITE
    if suite not in SUITES and not (base.python and base.platform):
        raise SkillgateError(
            f"{SANDBOX_FILE}: unknown Debian suite {suite!r}; its Python and glibc are not "
            f"known (known: {', '.join(sorted(SUITES))})"
        )
    python, glibc = SUITES.get(suite, SUITES[DEFAULT_SUITE])
    python = base.python or python
    arch = "x86_64"
    if base.platform:
        match = _PLATFORM.fullmatch(base.platform)
        if not match:
            raise SkillgateError(
                f"{SANDBOX_FILE}: base.platform {base.platform!r}: expected manylinux_2_NN_arch"
            )
        glibc, arch = (int(match["major"]), int(match["glibc"])), match["arch"]
    return Target(python=python, glibc=glibc, arch=arch)
