"""Signed provenance: verify-image, and run refusing a tampered image before any container.

A copy of the built team repository is attested with ``build --sign``; each test then
tampers with one thing (the image under the tag, the lock, the signature) in its own copy
and checks that ``verify-image`` reports it (exit 1) and that ``run``, the warm pool and the
in-process sandbox refuse it (exit 1) without creating a container.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.bundle.signing import PUBLIC_KEY_ENV, SIGNING_KEY_ENV, generate_keys
from checker.exit_codes import ExitCode, SkillgateError
from checker.lock.target import target_for
from checker.policy.load import load_repo
from sandbox.attestations import PROVENANCE_FILE, image_dir
from sandbox.base_image import require_base
from sandbox.build import find_image, image_tag
from sandbox.provenance import ProvenanceError
from sandbox.skill_sandbox import SkillSandbox
from tests.conftest import CliResult, run_cli
from tests.docker.conftest import containers_created

pytestmark = [pytest.mark.docker, pytest.mark.network]

SKILL, AGENT, OTHER = "yaml-normalize", "intern-7", "word-stats"
PAYLOAD = '{"yaml": "b: 1\\na: 2\\n"}'


@pytest.fixture(autouse=True)
def _no_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PUBLIC_KEY_ENV, raising=False)
    monkeypatch.delenv(SIGNING_KEY_ENV, raising=False)


@pytest.fixture(scope="module")
def signed_repo(tmp_path_factory: pytest.TempPathFactory, team_images: Path) -> Path:
    """The built team repository, its images attested and signed (``build --sign``)."""
    repo = tmp_path_factory.mktemp("signed") / "repo"
    shutil.copytree(team_images, repo)
    keys = repo / "keys"
    keys.mkdir()
    generate_keys(keys / "signing.pem", keys / "public.pem")
    result = run_cli(
        ["build", "--no-scan", "--sign", str(keys / "signing.pem"), "--repo", str(repo)]
    )
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    assert result.stderr.count("attested skillgate/skill-") == 4
    return repo


@pytest.fixture
def repo(tmp_path: Path, signed_repo: Path) -> Path:
    """A private copy of the signed repository, ``require_provenance`` on."""
    target = tmp_path / "repo"
    shutil.copytree(signed_repo, target)
    sandbox_yaml = target / "policy" / "sandbox.yaml"
    sandbox_yaml.write_text(
        sandbox_yaml.read_text("utf-8")
        + "\nrequire_provenance: true\npublic_key: keys/public.pem\n",
        "utf-8",
    )
    return target


def _image_of(client: Any, repo: Path, skill_id: str) -> tuple[str, str]:
    """(tag, image id) of the skill's image for the repository's current content."""
    loaded = load_repo(repo)
    settings = loaded.sandbox_policy()
    base = require_base(client, settings.base)
    skill = loaded.skills[skill_id]
    from sandbox.build import build_key

    tag = image_tag(skill, build_key(skill, base, target_for(settings.base)))
    image = find_image(client, skill, base, target_for(settings.base))
    return tag, "" if image is None else str(image.id)


def _verify(repo: Path, skill_id: str = SKILL, *, key: bool = True) -> CliResult:
    args = ["verify-image", skill_id, "--repo", str(repo)]
    if key:
        args += ["--public-key", str(repo / "keys" / "public.pem")]
    return run_cli(args)


def _run(repo: Path) -> CliResult:
    return run_cli(["run", SKILL, "--agent", AGENT, "--input", PAYLOAD, "--repo", str(repo)])


@pytest.fixture
def retag(docker_client: Any) -> Iterator[list[tuple[str, str | None]]]:
    """Tags moved by a test: (tag, original image id or None); put back afterwards."""
    moved: list[tuple[str, str | None]] = []
    yield moved
    for tag, original in reversed(moved):
        if original is None:
            docker_client.images.remove(tag)
        else:
            repository, _, name = tag.partition(":")
            docker_client.images.get(original).tag(repository, name)


def _move(client: Any, moved: list[tuple[str, str | None]], tag: str, image_id: str) -> None:
    import docker.errors

    try:
        original: str | None = str(client.images.get(tag).id)
    except docker.errors.ImageNotFound:
        original = None
    moved.append((tag, original))
    repository, _, name = tag.partition(":")
    client.images.get(image_id).tag(repository, name)


def test_an_attested_image_verifies_and_runs(docker_client: Any, repo: Path) -> None:
    result = _verify(repo)
    assert result.exit_code == ExitCode.OK, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "verified"
    for what in ("the image under the tag", "the lock", "the skill directory", "the Dockerfile"):
        assert any(line.startswith(f"PASS {what} ") for line in lines), what
    # The statement: in-toto v1, SLSA v1, the image as subject, every input by digest.
    tag, image_id = _image_of(docker_client, repo, SKILL)
    envelope = json.loads((image_dir(repo, image_id) / PROVENANCE_FILE).read_text("utf-8"))
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"] == [{"name": tag, "digest": {"sha256": image_id[7:]}}]
    dependencies = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    assert [d["name"] for d in dependencies] == [
        "base-image",
        "lock",
        "skill-dir",
        "dockerfile",
        "rootfs-script",
        "policy",
    ]
    byproducts = statement["predicate"]["runDetails"]["byproducts"]
    assert byproducts[0]["mediaType"] == "application/vnd.cyclonedx+json"
    # require_provenance on: the verified image runs, cold and from the warm pool.
    ran = _run(repo)
    assert ran.exit_code == ExitCode.OK, ran.stderr
    assert json.loads(ran.stdout) == {"yaml": "a: 2\nb: 1\n", "documents": 1}
    with SkillSandbox(repo, pool_size=1) as sandbox:
        warm = sandbox.run(agent=AGENT, skill=SKILL, payload=PAYLOAD.encode(), warm_up=True)
        assert warm.ok
        assert warm.warm


def test_without_a_key_or_a_provenance_it_cannot_decide(repo: Path, tmp_path: Path) -> None:
    no_key = _verify(repo, key=False)
    sandbox_yaml = repo / "policy" / "sandbox.yaml"
    sandbox_yaml.write_text(
        sandbox_yaml.read_text("utf-8").replace("public_key: keys/public.pem", "")
    )
    no_key = _verify(repo, key=False)
    assert no_key.exit_code == ExitCode.UNDECIDED
    assert no_key.stderr.startswith("Error: no public key to verify image provenance with")
    shutil.rmtree(repo / ".skillgate" / "images")
    missing = _verify(repo)
    assert missing.exit_code == ExitCode.UNDECIDED
    assert missing.stderr.startswith("Error: no provenance for image sha256:")


def test_a_swapped_image_is_reported_and_refused(
    docker_client: Any, repo: Path, retag: list[tuple[str, str | None]]
) -> None:
    tag, _ = _image_of(docker_client, repo, SKILL)
    _, other = _image_of(docker_client, repo, OTHER)
    _move(docker_client, retag, tag, other)  # another (attested) image under the skill's tag
    result = _verify(repo)
    assert result.exit_code == ExitCode.FINDINGS, result.stdout + result.stderr
    assert "FAIL the skill" in result.stdout
    assert "attested word-stats, now yaml-normalize" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("problem(s): the image does not verify")
    since = time.time()
    refused = _run(repo)
    assert refused.exit_code == ExitCode.FINDINGS
    assert refused.stderr.startswith(
        f"Error: refusing to run {SKILL}: the provenance of {other} does not verify: "
    )
    with SkillSandbox(repo, pool_size=2) as sandbox, pytest.raises(ProvenanceError):
        sandbox.warm(agent=AGENT, skill=SKILL)
    assert containers_created(docker_client, since) == 0


def test_a_changed_lock_is_reported_and_refused(
    docker_client: Any, repo: Path, retag: list[tuple[str, str | None]]
) -> None:
    _, attested_image = _image_of(docker_client, repo, SKILL)
    lock = repo / "skills" / SKILL / "requirements.lock"
    text = lock.read_text("utf-8")
    assert "# index: https://pypi.org/simple" in text
    # An edit nobody reviewed: the package now comes from another index.
    lock.write_text(text.replace("pypi.org/simple", "pypi.example/simple"), "utf-8")
    # Nothing is built for the new lock: the provenance of the skill says which lock it had.
    result = _verify(repo)
    assert result.exit_code == ExitCode.FINDINGS, result.stdout + result.stderr
    assert "FAIL the lock" in result.stdout
    assert "note: no image is tagged" in result.stdout
    # The attested image passed off as the new lock's (tagged with its content tag).
    new_tag, _ = _image_of(docker_client, repo, SKILL)
    _move(docker_client, retag, new_tag, attested_image)
    result = _verify(repo)
    assert result.exit_code == ExitCode.FINDINGS
    assert "FAIL the lock" in result.stdout
    assert "FAIL the image name" in result.stdout
    since = time.time()
    refused = _run(repo)
    assert refused.exit_code == ExitCode.FINDINGS, refused.stderr
    assert "the lock: attested sha256:" in refused.stderr
    assert containers_created(docker_client, since) == 0


def test_a_tampered_signature_is_reported_and_refused(docker_client: Any, repo: Path) -> None:
    _, image_id = _image_of(docker_client, repo, SKILL)
    path = image_dir(repo, image_id) / PROVENANCE_FILE
    envelope = json.loads(path.read_text("utf-8"))
    signature = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    signature[0] ^= 1
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(signature)).decode()
    path.write_text(json.dumps(envelope), "utf-8")
    result = _verify(repo)
    assert result.exit_code == ExitCode.FINDINGS
    assert "signature  FAIL the provenance signature by key " in result.stdout
    since = time.time()
    refused = _run(repo)
    assert refused.exit_code == ExitCode.FINDINGS
    assert "does not verify" in refused.stderr
    assert containers_created(docker_client, since) == 0
    # A statement edited to match (the payload changed, the signature kept) fails the same.
    envelope = json.loads(path.read_text("utf-8"))
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["buildDefinition"]["externalParameters"]["revision"] = "forged"
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope), "utf-8")
    assert _verify(repo).exit_code == ExitCode.FINDINGS


def test_an_unsigned_build_does_not_run_when_provenance_is_required(
    docker_client: Any, repo: Path
) -> None:
    _, image_id = _image_of(docker_client, repo, SKILL)
    (image_dir(repo, image_id) / PROVENANCE_FILE).unlink()
    built = run_cli(["build", SKILL, "--no-scan", "--repo", str(repo)])  # no --sign
    assert built.exit_code == ExitCode.OK, built.stderr
    assert (
        "SBOM and provenance (unsigned)" in built.stderr or "provenance (unsigned)" in built.stderr
    )
    result = _verify(repo)
    assert result.exit_code == ExitCode.FINDINGS
    assert "the provenance is not signed" in result.stdout
    with pytest.raises(SkillgateError, match="not signed"), SkillSandbox(repo) as sandbox:
        sandbox.run(agent=AGENT, skill=SKILL, payload=PAYLOAD.encode())
