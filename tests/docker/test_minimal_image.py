"""Minimal images: no shell or package manager; an SBOM that is exactly what is inside."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from checker.exit_codes import ExitCode
from checker.lock.target import target_for
from checker.policy.load import load_repo
from sandbox.attestations import SBOM_FILE, image_dir, render_image_sbom
from sandbox.base_image import BaseImage, require_base
from sandbox.build import BuildResult, find_image
from sandbox.engine import LABEL_MANAGED
from sandbox.installed import installed_tree
from tests.conftest import ADVISORY_DB, run_cli
from tests.docker.conftest import TRUSTED, run_code

pytestmark = [pytest.mark.docker, pytest.mark.network]

EXAMPLES = ("markdown-render", "version-sort", "word-stats", "yaml-normalize")
ABSENT = ("sh", "/bin/sh", "bash", "/bin/bash", "apt", "apt-get", "dpkg", "perl", "/usr/bin/perl")


def _images(client: Any, repo: Path) -> dict[str, Any]:
    loaded = load_repo(repo)
    settings = loaded.sandbox_policy()
    base = require_base(client, settings.base)
    target = target_for(settings.base)
    found = {}
    for skill_id in EXAMPLES:
        image = find_image(client, loaded.skills[skill_id], base, target)
        assert image is not None, skill_id
        found[skill_id] = image
    return found


def _start_error(client: Any, image_id: str, program: str) -> str:
    """What the engine says when a container of ``image_id`` is started on ``program``."""
    import docker.errors

    container = client.containers.create(
        image=image_id,
        command=[program],
        entrypoint=[],
        network_disabled=True,
        labels={LABEL_MANAGED: "true", "org.skillgate.role": "test"},
    )
    try:
        container.start()
    except docker.errors.APIError as exc:
        return str(exc)
    finally:
        container.remove(force=True)
    return "started"


@pytest.mark.parametrize("skill", EXAMPLES)
def test_no_shell_package_manager_or_perl_in_example_images(
    docker_client: Any, team_images: Path, skill: str
) -> None:
    image = _images(docker_client, team_images)[skill]
    for program in ABSENT:
        error = _start_error(docker_client, image.id, program)
        assert "executable file not found" in error or "no such file or directory" in error, (
            f"{skill}: {program}: {error}"
        )
    # The image's own interpreter does start (so the failures above are absence).
    assert _start_error(docker_client, image.id, "/opt/venv/bin/python3") == "started"


def test_the_full_standard_library_loads_without_a_shell(
    sandbox_repo: Path, built: dict[str, BuildResult]
) -> None:
    """Every extension module of the standard library finds its shared libraries."""
    code = (
        "import importlib, json, os, sys, sysconfig\n"
        "dynload = os.path.join(sysconfig.get_paths()['stdlib'], 'lib-dynload')\n"
        "names = sorted({f.split('.')[0] for f in os.listdir(dynload)})\n"
        "failed = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as exc:\n"
        "        failed[name] = str(exc)\n"
        "import ssl, sqlite3, hashlib, ctypes, decimal, lzma, bz2, zlib, uuid\n"
        "print(json.dumps({'count': len(names), 'failed': failed,\n"
        "  'usr_bin': sorted(os.listdir('/usr/bin')), 'root': sorted(os.listdir('/')),\n"
        "  'sbin': sorted(os.listdir('/sbin'))}))\n"
    )
    facts = run_code(sandbox_repo, code, agent=TRUSTED).facts()
    assert facts["failed"] == {}
    assert facts["count"] > 30
    assert facts["usr_bin"] == ["python3", "python3.11"]
    assert "bin" not in facts["root"]
    assert facts["sbin"] == ["docker-init"]  # the engine's init, bind-mounted (SG.3)


def _export_paths(client: Any, image_id: str) -> set[str]:
    """Every non-directory path of the image's filesystem (``docker export``)."""
    container = client.containers.create(
        image=image_id, command=["/nonexistent"], entrypoint=[], labels={LABEL_MANAGED: "true"}
    )
    try:
        data = b"".join(container.export())
    finally:
        container.remove(force=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return {"/" + m.name.lstrip("./") for m in archive.getmembers() if not m.isdir()}


def _base_owners(client: Any, base: BaseImage) -> dict[str, set[str]]:
    """Canonical path -> owning packages, from the base image's dpkg file lists."""
    container = client.containers.create(
        image=base.image_id, command=["/nonexistent"], entrypoint=[], labels={LABEL_MANAGED: "true"}
    )
    try:
        stream, _ = container.get_archive("/var/lib/dpkg/info")
        data = b"".join(stream)
    finally:
        container.remove(force=True)
    table: dict[str, set[str]] = {}
    directories: set[str] = set()
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member in archive.getmembers():
            if not member.name.endswith(".list"):
                continue
            package = os.path.basename(member.name)[: -len(".list")].split(":")[0]
            handle = archive.extractfile(member)
            assert handle is not None
            for line in handle.read().decode("utf-8", "replace").splitlines():
                table.setdefault(_canonical(line), set()).add(package)
                directories.update((os.path.dirname(line), os.path.dirname(_canonical(line))))
    # Directories (every parent of a listed path) own nothing; /lib itself is one of them.
    return {path: owners for path, owners in table.items() if path not in directories}


def _canonical(path: str) -> str:
    """The base is merged-/usr: /lib, /lib64, /bin and /sbin are links into /usr."""
    for alias in ("/lib/", "/lib64/", "/bin/", "/sbin/"):
        if path.startswith(alias):
            return "/usr" + path
    return path


@pytest.mark.parametrize("skill", EXAMPLES)
def test_sbom_is_exactly_what_the_image_holds(
    docker_client: Any, base_image: BaseImage, team_images: Path, skill: str
) -> None:
    image = _images(docker_client, team_images)[skill]
    result = run_cli(["sbom", skill, "--repo", str(team_images)])
    assert result.exit_code == ExitCode.OK, result.stderr
    document = json.loads(result.stdout)
    assert document["bomFormat"] == "CycloneDX"
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["component"]["version"] == image.id
    components = document["components"]
    pypi = {c["name"]: c["version"] for c in components if c["purl"].startswith("pkg:pypi/")}
    debs = {c["name"]: c["version"] for c in components if c["purl"].startswith("pkg:deb/")}
    assert len(pypi) + len(debs) == len(components)
    # Python: exactly what pipdeptree finds installed inside the image.
    settings = load_repo(team_images).sandbox_policy()
    tree = installed_tree(docker_client, image.id, settings)
    installed = {e["package"]["key"]: e["package"]["installed_version"] for e in tree["plain"]}
    assert pypi == installed
    for component in components:
        if component["purl"].startswith("pkg:pypi/"):
            assert component["hashes"][0]["alg"] == "SHA-256"
            assert any(p["name"] == "skillgate:python:index" for p in component["properties"])
    # Debian: exactly the packages whose files are in the image (the base's dpkg lists,
    # read independently of the build), with the base's versions.
    owners = _base_owners(docker_client, base_image)
    present = {
        pkg
        for path in _export_paths(docker_client, image.id)
        for pkg in owners.get(_canonical(path), ())
    }
    assert set(debs) == present
    assert {"libc6", "python3.11-minimal", "libpython3.11-stdlib"} <= set(debs)
    assert not {"bash", "dash", "apt", "dpkg", "perl-base", "coreutils"} & set(debs)
    libc = next(c for c in components if c["name"] == "libc6")
    version = debs["libc6"].replace("+", "%2B")  # purl percent-encodes the version
    qualifiers = "arch=amd64&distro=debian-12&upstream=glibc"
    assert libc["purl"] == f"pkg:deb/debian/libc6@{version}?{qualifiers}"


def test_sbom_is_deterministic_and_stored(docker_client: Any, team_images: Path) -> None:
    image = _images(docker_client, team_images)["yaml-normalize"]
    first = run_cli(["sbom", "yaml-normalize", "--repo", str(team_images)]).stdout
    stored = (image_dir(team_images, image.id) / SBOM_FILE).read_text("utf-8")
    loaded = load_repo(team_images)
    target = target_for(loaded.sandbox_policy().base)
    properties = json.loads(first)["metadata"]["component"]["properties"]
    tag = next(p["value"] for p in properties if p["name"] == "skillgate:tag")
    again = render_image_sbom(docker_client, loaded.skills["yaml-normalize"], target, image, tag)
    assert first == stored == again


DEBIAN_OSV = Path(__file__).resolve().parents[1] / "data" / "debian-osv"


def test_scan_images_reports_the_vulnerable_os_packages(team_images: Path, tmp_path: Path) -> None:
    """The scheduled re-scan: PyPI and Debian OSV data imported together, then each
    image's SBOM matched; an image's OS is never passed over silently."""
    source = tmp_path / "osv"
    shutil.copytree(ADVISORY_DB, source / "pypi")
    shutil.copytree(DEBIAN_OSV, source / "debian")
    (source / "SNAPSHOT").write_text(f"test {datetime.now(UTC).isoformat()}\n", "utf-8")
    db = tmp_path / "db"
    imported = run_cli(["db", "update", "--from", str(source), "--vuln-db", str(db)])
    assert imported.exit_code == ExitCode.OK, imported.stderr
    args = ["scan-images", "yaml-normalize", "--vuln-db", str(db), "--repo", str(team_images)]
    result = run_cli(args)
    assert result.exit_code == ExitCode.FINDINGS, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(
        "error vuln.known libc6 (deb, source glibc)==" in line and "DEBIAN-CVE-2010-4756" in line
        for line in lines
    )
    assert any(
        "zlib1g (deb, source zlib)==" in line and "DEBIAN-CVE-2023-45853" in line for line in lines
    )
    for absent in ("DSA-5532-1", "DSA-5417-1", "DEBIAN-CVE-2022-37434", "DLA-9999-1"):
        assert absent not in result.stdout
    assert all(line.startswith(".skillgate/images/sha256-") for line in lines[:-1])
    assert result.stderr.startswith("scanned 1 image(s): ")
    # A DB with PyPI data only cannot decide for the image's Debian packages.
    pypi_only = tmp_path / "pypi-db"
    run_cli(["db", "update", "--from", str(ADVISORY_DB), "--vuln-db", str(pypi_only)])
    refused = run_cli([*args[:2], "--vuln-db", str(pypi_only), *args[4:]])
    assert refused.exit_code == ExitCode.UNDECIDED
    assert "the vulnerability DB has no Debian:12 records" in refused.stderr
