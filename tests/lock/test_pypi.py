"""Against the real PyPI (marked ``network``): a small real package set, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.lock.artifacts import fetch, sha256_file
from checker.lock.resolver import resolve
from checker.lock.target import Target

PYYAML_WHEEL = "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
PYYAML_SHA256 = "3ad2a3decf9aaba3d29c8f537ac4b243e36bef957511b4766cb0057d32b0be85"
REQUESTS_SHA256 = "70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"


@pytest.mark.network
def test_requests_and_pyyaml_from_pypi(isolated_pip: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://pypi.org/simple")
    packages = resolve(["requests==2.32.3", "PyYAML==6.0.2"], Target(), isolated_pip).packages
    by_name = {p.name: p for p in packages}
    assert sorted(by_name) == [
        "certifi",
        "charset-normalizer",
        "idna",
        "pyyaml",
        "requests",
        "urllib3",
    ]
    assert by_name["pyyaml"].files[0].filename == PYYAML_WHEEL
    assert by_name["pyyaml"].hashes == (f"sha256:{PYYAML_SHA256}",)
    assert by_name["requests"].hashes == (f"sha256:{REQUESTS_SHA256}",)
    assert by_name["requests"].direct
    for name in ("certifi", "charset-normalizer", "idna", "urllib3"):
        assert by_name[name].parents == ("requests",)
    for pkg in packages:
        assert pkg.index_url == "https://pypi.org/simple"
        assert pkg.files[0].url.startswith("https://files.pythonhosted.org/packages/")
        (path,) = fetch(pkg, isolated_pip)  # already cached by the resolution, re-verified
        assert sha256_file(path) == pkg.files[0].sha256
