"""Honest artifacts written here, shaped like real packages, trip no gating rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.findings import Severity
from checker.heuristics import scan_artifact
from tests.heuristics.artifacts import Files, write_sdist, write_wheel

SETUP_PY = """\
import os
import subprocess
from setuptools import Extension, setup

here = os.path.dirname(__file__)
about = {}
with open(os.path.join(here, "goodpkg", "__version__.py")) as f:
    exec(f.read(), about)


def pkg_config(*args):
    return subprocess.check_output(["pkg-config", *args]).decode().split()


setup(
    name="goodpkg",
    version=about["__version__"],
    ext_modules=[
        Extension("goodpkg._c", ["src/speedups.c"], extra_compile_args=pkg_config("--cflags"))
    ],
)
"""

CLIENT = """\
\"\"\"An HTTP client; see https://discord.com/api/webhooks/123/abc for a docstring example.\"\"\"

import base64
import marshal
import netrc
import os
import pickle
import subprocess
import zlib

import requests

IMDS = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
LOCAL = "http://127.0.0.1:8080/health"


def get(url, **kwargs):
    # exec(base64.b64decode(...)) in a comment is not code
    auth = netrc.netrc(os.path.expanduser("~/.netrc")).authenticators("example.org")
    proxy = os.environ.get("HTTPS_PROXY")
    return requests.get(url, auth=auth, proxies={"https": proxy}, **kwargs)


def basic_auth(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def decode_token(token):
    return base64.b64decode(token).decode()


def load_cache(path):
    with open(path, "rb") as f:
        return pickle.loads(zlib.decompress(f.read()))


def run_cached_bytecode(path, namespace):
    with open(path, "rb") as f:
        f.read(16)
        code = marshal.load(f)
    exec(code, namespace)


def render(template_path, context):
    with open(template_path) as f:
        source = f.read()
    namespace = dict(context)
    exec(compile(source, template_path, "exec"), namespace)
    return namespace


def git_revision():
    return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, check=False).stdout


def spawn_child(env=None):
    return subprocess.Popen(["python", "-m", "goodpkg.worker"], env=env or os.environ.copy())
"""

DISTUTILS_PTH = (
    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; "
    "enabled = os.environ.get(var, 'local') == 'local'; "
    "enabled and __import__('_distutils_hack').add_shim(); \n"
)

NSPKG_PTH = (
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);"
    "p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('google',));"
    "importlib = has_mfs and __import__('importlib.util');"
    "has_mfs and __import__('importlib.machinery');"
    "m = has_mfs and sys.modules.setdefault('google', importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec('google', [os.path.dirname(p)])));"
    "m = m or sys.modules.setdefault('google', types.ModuleType('google'));"
    "mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)\n"
)

SOCKET_ACTIVATION = """\
import os
import socket


def test_fd_zero_is_the_listening_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    os.dup2(sock.fileno(), 0)
"""

REMOTE_PRELOAD = """\
import urllib.request
from types import ModuleType


def download_module(url: str) -> ModuleType:
    with urllib.request.urlopen(url) as response:
        source = response.read()
    module = ModuleType(url)
    exec(compile(source, url, "exec"), module.__dict__)
    return module
"""

HTTP_TESTS = """\
def test_parse_ip_url():
    assert parse("http://173.194.35.7:80/test").host == "173.194.35.7"
"""

BENIGN: dict[str, tuple[str, Files]] = {
    "setup-py-with-build-tools": (
        "sdist",
        {
            "setup.py": SETUP_PY,
            "goodpkg/__version__.py": '__version__ = "1.0"\n',
            "src/speedups.c": "int x;\n",
        },
    ),
    "http-client-library": ("wheel", {"goodpkg/client.py": CLIENT}),
    "distutils-precedence-pth": (
        "wheel",
        {"distutils-precedence.pth": DISTUTILS_PTH, "_distutils_hack/__init__.py": ""},
    ),
    "virtualenv-pth": ("wheel", {"_virtualenv.pth": "import _virtualenv\n", "_virtualenv.py": ""}),
    "namespace-package-pth": (
        "wheel",
        {"goodpkg-1.0-nspkg.pth": NSPKG_PTH, "google/goodpkg/__init__.py": ""},
    ),
    "socket-activation": ("wheel", {"goodpkg/test_fd.py": SOCKET_ACTIVATION}),
    "path-only-pth": ("wheel", {"goodpkg.pth": "/opt/goodpkg/lib\n../vendor\n"}),
    "http-library-tests": ("sdist", {"goodpkg/__init__.py": "", "tests/test_url.py": HTTP_TESTS}),
    "native-wheel-with-so": (
        "wheel-native",
        {"goodpkg/_speedups.so": b"\x7fELF\x02\x01\x01" + b"\0" * 100, "goodpkg/__init__.py": ""},
    ),
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_artifact_has_no_gating_finding(name: str, tmp_path: Path) -> None:
    kind, files = BENIGN[name]
    if kind == "sdist":
        artifact = write_sdist(tmp_path, "goodpkg", files)
    elif kind == "wheel-native":
        artifact = write_wheel(tmp_path, "goodpkg", files, tag="cp311-cp311-manylinux_2_28_x86_64")
    else:
        artifact = write_wheel(tmp_path, "goodpkg", files)
    findings = scan_artifact(artifact)
    gating = [
        f"{f.rule} {f.location}: {f.message}" for f in findings if f.severity is Severity.ERROR
    ]
    assert gating == []


def test_honest_pth_lines_are_still_noted(tmp_path: Path) -> None:
    artifact = write_wheel(
        tmp_path,
        "goodpkg",
        {"distutils-precedence.pth": DISTUTILS_PTH, "_distutils_hack/__init__.py": ""},
    )
    [finding] = scan_artifact(artifact)
    assert (finding.rule, finding.severity, finding.line) == ("mal.pth-import", Severity.NOTICE, 1)


def test_build_tool_in_setup_py_is_reported_without_gating(tmp_path: Path) -> None:
    artifact = write_sdist(tmp_path, "goodpkg", dict(BENIGN["setup-py-with-build-tools"][1]))
    rules = {(f.rule, f.severity, f.line) for f in scan_artifact(artifact)}
    assert rules == {("mal.install-hook-process", Severity.WARNING, 12)}


def test_code_from_a_caller_supplied_url_is_a_warning(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "goodpkg", {"goodpkg/preloading.py": REMOTE_PRELOAD})
    found = {(f.rule, f.severity, f.line) for f in scan_artifact(artifact)}
    assert found == {
        ("mal.download-exec", Severity.WARNING, 9),
    }


def test_public_ip_in_test_suite_is_a_warning(tmp_path: Path) -> None:
    artifact = write_sdist(tmp_path, "goodpkg", dict(BENIGN["http-library-tests"][1]))
    [finding] = scan_artifact(artifact)
    assert (finding.rule, finding.severity) == ("mal.exfil-endpoint", Severity.WARNING)
