"""Escape and exhaustion payloads run through ``skillgate run``: contained, host fine.

Every payload is a Python snippet run with ``--code`` in the ``plain`` skill's image for
an allowed agent, under the fixture's limits (policy/sandbox.yaml of the fixture repo).
Network checks only ever aim at loopback: a listener on the host's 127.0.0.1.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from sandbox.skill_sandbox import SkillSandbox
from tests.docker.conftest import TRUSTED, assert_host_fine, run_code

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("built")]

ERRNO_PROBE = """
import errno, json
def attempt(action):
    try:
        action()
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    return "OK"
"""


def test_no_network_egress(sandbox_repo: Path, docker_client: Any) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    code = ERRNO_PROBE + (
        "import os, socket\n"
        "def tcp():\n"
        "    s = socket.create_connection(('127.0.0.1', PORT), timeout=2)\n"
        "    s.close()\n"
        "def dns():\n"
        "    try:\n"
        "        socket.getaddrinfo('skillgate-test.invalid', 80)\n"
        "    except socket.gaierror:\n"
        "        raise OSError(errno.EHOSTUNREACH, 'no resolution')\n"
        "print(json.dumps({'interfaces': sorted(os.listdir('/sys/class/net')),\n"
        "                  'tcp': attempt(tcp), 'dns': attempt(dns)}))\n"
    ).replace("PORT", str(port))
    try:
        outcome = run_code(sandbox_repo, code)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    facts = outcome.facts()
    assert facts["interfaces"] == ["lo"]
    assert facts["tcp"] == "ECONNREFUSED"  # the container's loopback is its own
    assert facts["dns"] != "OK"
    assert_host_fine(docker_client)


def test_root_filesystem_is_read_only(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "def write(path):\n"
        "    return lambda: open(path, 'w').write('x')\n"
        "print(json.dumps({p: attempt(write(p)) for p in\n"
        "    ['/usr/evil', '/evil', '/etc/passwd', '/opt/skill/echo.py', '/opt/venv/evil']}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["/usr/evil"] == "EROFS"
    assert facts["/evil"] == "EROFS"
    assert facts["/etc/passwd"] in ("EROFS", "EACCES")
    assert facts["/opt/skill/echo.py"] in ("EROFS", "EACCES")
    assert facts["/opt/venv/evil"] in ("EROFS", "EACCES")
    assert_host_fine(docker_client)


def test_filling_tmp_ends_with_enospc_and_exec_is_refused(
    sandbox_repo: Path, docker_client: Any
) -> None:
    code = ERRNO_PROBE + (
        "import os, stat\n"
        "written = 0\n"
        "def fill():\n"
        "    global written\n"
        "    for i in range(1000):\n"
        "        with open(f'/tmp/fill{i}', 'wb') as f:\n"
        "            for _ in range(4):\n"
        "                f.write(b'x' * 1024 * 1024)\n"
        "                written += 1024 * 1024\n"
        "def big():\n"
        "    with open('/tmp/big', 'wb') as f:\n"
        "        f.write(b'x' * 9 * 1024 * 1024)\n"
        "efbig = attempt(big)\n"
        "os.remove('/tmp/big') if os.path.exists('/tmp/big') else None\n"
        "fill_result = attempt(fill)\n"
        "for name in os.listdir('/tmp'):\n"
        "    os.remove('/tmp/' + name)\n"
        "open('/tmp/run.sh', 'w').write('#!/bin/sh\\necho escaped\\n')\n"
        "os.chmod('/tmp/run.sh', stat.S_IRWXU)\n"
        "print(json.dumps({'efbig': efbig, 'fill': fill_result, 'written': written,\n"
        "                  'exec': attempt(lambda: os.execv('/tmp/run.sh', ['/tmp/run.sh']))}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["efbig"] == "EFBIG"  # fsize_mb: 8
    assert facts["fill"] == "ENOSPC"  # tmp_mb: 16
    assert facts["written"] <= 16 * 1024 * 1024
    assert facts["exec"] == "EACCES"  # noexec
    assert_host_fine(docker_client)


def test_fork_bomb_is_contained(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "import os, time\n"
        "children = 0\n"
        "def bomb():\n"
        "    global children\n"
        "    while True:\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        children += 1\n"
        "print(json.dumps({'result': attempt(bomb), 'children': children}))\n"
    )
    outcome = run_code(sandbox_repo, code, extra=["--timeout", "4"])
    facts = outcome.facts()
    assert facts["result"] == "EAGAIN"
    assert facts["children"] < 32  # pids: 32
    assert_host_fine(docker_client)


def test_memory_bomb_is_oom_killed_and_reported(sandbox_repo: Path, docker_client: Any) -> None:
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))\n"
    outcome = run_code(sandbox_repo, code)
    assert outcome.oom_killed
    assert outcome.exit_code == 137
    assert not outcome.timed_out
    assert_host_fine(docker_client)


@pytest.mark.parametrize(
    "code",
    ["while True:\n    pass\n", "import time\ntime.sleep(1000)\n"],
    ids=["cpu-spin", "sleep"],
)
def test_wall_clock_kills_within_the_limit(
    sandbox_repo: Path, docker_client: Any, code: str
) -> None:
    outcome = run_code(sandbox_repo, code, extra=["--timeout", "2"])
    assert outcome.timed_out
    assert outcome.exit_code != 0
    # Never before the limit (how soon after it is a benchmark figure, not an assertion).
    assert outcome.duration_seconds >= 2.0
    assert_host_fine(docker_client)


def test_requested_timeout_cannot_raise_the_level_limit(
    sandbox_repo: Path, docker_client: Any
) -> None:
    with SkillSandbox(sandbox_repo) as sandbox:
        grant = sandbox.authorize(agent=TRUSTED, skill="plain", timeout=600)
        assert grant.limits.timeout_seconds == 6.0  # SUPERVISED: timeout_seconds 6
        assert sandbox.authorize(agent=TRUSTED, skill="plain", timeout=3).limits == (
            grant.limits.with_timeout(3)
        )
    outcome = run_code(sandbox_repo, "import time\ntime.sleep(1000)\n", extra=["--timeout", "600"])
    assert outcome.timed_out
    assert_host_fine(docker_client)


def test_huge_output_is_truncated(sandbox_repo: Path, docker_client: Any) -> None:
    code = (
        "import sys\n"
        "chunk = 'x' * (1024 * 1024)\n"
        "for _ in range(100):\n"
        "    sys.stdout.write(chunk)\n"
        "sys.stdout.flush()\n"
    )
    outcome = run_code(sandbox_repo, code)
    assert outcome.truncated
    assert outcome.exit_code == 0
    assert len(outcome.stdout) == 65536  # output_bytes
    assert_host_fine(docker_client)


def test_no_privilege_gain_or_capabilities(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "import os, stat\n"
        "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
        "setuid_files = []\n"
        "for root, dirs, files in os.walk('/', topdown=True):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys')]\n"
        "    for name in files:\n"
        "        try:\n"
        "            mode = os.lstat(os.path.join(root, name)).st_mode\n"
        "        except OSError:\n"
        "            continue\n"
        "        if stat.S_ISREG(mode) and mode & (stat.S_ISUID | stat.S_ISGID):\n"
        "            setuid_files.append(os.path.join(root, name))\n"
        "print(json.dumps({\n"
        "    'uid': os.getuid(), 'cap_eff': status['CapEff'].strip(),\n"
        "    'no_new_privs': status['NoNewPrivs'].strip(),\n"
        "    'seccomp': status['Seccomp'].strip(),\n"
        "    'setuid': attempt(lambda: os.setuid(0)),\n"
        "    'chown': attempt(lambda: os.chown('/tmp', 0, 0)),\n"
        "    'setuid_files': setuid_files}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["uid"] == 65534
    assert facts["cap_eff"] == "0000000000000000"
    assert facts["no_new_privs"] == "1"
    assert facts["seccomp"] == "2"
    assert facts["setuid"] == "EPERM"
    assert facts["chown"] == "EPERM"
    assert facts["setuid_files"] == []
    assert_host_fine(docker_client)


def test_raw_sockets_are_refused(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "import socket\n"
        "print(json.dumps({\n"
        "  'raw': attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)),\n"
        "  'packet': attempt(lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["raw"] == "EPERM"
    assert facts["packet"] == "EPERM"
    assert_host_fine(docker_client)


def test_mount_and_unshare_are_refused(sandbox_repo: Path, docker_client: Any) -> None:
    code = (
        "import ctypes, errno, json\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "def call(name, *args):\n"
        "    if getattr(libc, name)(*args) == 0:\n"
        "        return 'OK'\n"
        "    return errno.errorcode[ctypes.get_errno()]\n"
        "print(json.dumps({\n"
        "  'unshare_user': call('unshare', 0x10000000),\n"
        "  'unshare_mount': call('unshare', 0x00020000),\n"
        "  'mount': call('mount', b'none', b'/tmp', b'tmpfs', 0, None)}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts == {"unshare_user": "EPERM", "unshare_mount": "EPERM", "mount": "EPERM"}
    assert_host_fine(docker_client)


def test_proc_sysrq_and_kcore_are_masked(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "def sysrq():\n"
        "    with open('/proc/sysrq-trigger', 'w') as f:\n"
        "        f.write('h')\n"
        "def kcore():\n"
        "    with open('/proc/kcore', 'rb') as f:\n"
        "        return len(f.read(64))\n"
        "try:\n"
        "    kcore_bytes = kcore()\n"
        "except OSError:\n"
        "    kcore_bytes = 0\n"
        "print(json.dumps({'sysrq': attempt(sysrq), 'kcore_bytes': kcore_bytes}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["sysrq"] != "OK"
    assert facts["kcore_bytes"] == 0
    assert_host_fine(docker_client)


def test_docker_socket_is_absent(sandbox_repo: Path, docker_client: Any) -> None:
    code = (
        "import json, os\n"
        "paths = ['/var/run/docker.sock', '/run/docker.sock', '/run/containerd']\n"
        "print(json.dumps({p: os.path.exists(p) for p in paths}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert not any(facts.values())
    assert_host_fine(docker_client)


def test_zombies_are_reaped_by_init(sandbox_repo: Path, docker_client: Any) -> None:
    code = (
        "import json, os, time\n"
        "for _ in range(5):\n"
        "    child = os.fork()\n"
        "    if child == 0:\n"
        "        if os.fork() == 0:\n"  # the grandchild is orphaned, then exits
        "            os._exit(0)\n"
        "        os._exit(0)\n"
        "    os.waitpid(child, 0)\n"
        # Wait, however long it takes, until only PID 1 and this process are left: without
        # a reaper the orphans stay zombies forever and the wall clock ends the run instead.
        "me = os.getpid()\n"
        "while [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, me)]:\n"
        "    time.sleep(0.01)\n"
        "print(json.dumps({'pid1': open('/proc/1/comm').read().strip()}))\n"
    )
    outcome = run_code(sandbox_repo, code)
    assert not outcome.timed_out
    # Orphaned grandchildren were re-parented to PID 1 and reaped: no zombie remains.
    assert outcome.facts()["pid1"] == "docker-init"
    assert_host_fine(docker_client)


def test_open_files_are_bounded(sandbox_repo: Path, docker_client: Any) -> None:
    code = ERRNO_PROBE + (
        "handles = []\n"
        "def many():\n"
        "    while True:\n"
        "        handles.append(open('/dev/null'))\n"
        "print(json.dumps({'result': attempt(many), 'opened': len(handles)}))\n"
    )
    facts = run_code(sandbox_repo, code).facts()
    assert facts["result"] == "EMFILE"
    assert facts["opened"] < 64  # nofile: 64
    assert_host_fine(docker_client)
