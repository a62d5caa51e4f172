"""Credentials or the whole environment sent out, and hard-coded exfiltration endpoints."""

from __future__ import annotations

import ipaddress
import posixpath
from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import CallSite, StringSite, Taint
from checker.heuristics.interface import HeuristicRule

CREDENTIAL_EXFIL = "mal.credential-exfil"
EXFIL_ENDPOINT = "mal.exfil-endpoint"
SUSPICIOUS_ENDPOINT = "mal.suspicious-endpoint"
TEST_DIRECTORIES = frozenset({"test", "tests", "testing"})


def is_test_file(path: str) -> bool:
    """True for files of a test suite (``tests/``, ``test_*.py``, ``conftest.py``)."""
    parts = path.split("/")
    name = posixpath.basename(path)
    return (
        any(part in TEST_DIRECTORIES for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def _sends(site: CallSite) -> bool:
    if site.name in api.NETWORK_CALLS or site.name in api.DNS_CALLS:
        return True
    return site.method in api.SEND_METHODS and bool(site.receiver & (Taint.NETWORK | Taint.SOCKET))


def _endpoint(string: StringSite, in_tests: bool) -> tuple[str, Severity, str] | None:
    value = string.value
    if "." not in value:  # every endpoint pattern has a dot: skip most literals cheaply
        return None
    # Test suites of tunnel and HTTP clients name such endpoints honestly; they are not run
    # by importing the package, so there they inform without gating.
    gate = Severity.WARNING if in_tests else Severity.ERROR
    if api.EXFIL_ENDPOINT.search(value):
        what = "hard-coded exfiltration endpoint (webhook with its secret, catcher or tunnel)"
        return EXFIL_ENDPOINT, gate, what
    for match in api.RAW_IP_URL.finditer(value):
        try:
            address = ipaddress.ip_address(match.group(1))
        except ValueError:
            continue
        if address.is_global:
            return EXFIL_ENDPOINT, gate, "hard-coded URL to a public IP address"
    if api.SUSPICIOUS_ENDPOINT.search(value):
        return SUSPICIOUS_ENDPOINT, Severity.WARNING, "hard-coded paste, file-drop or bot API"
    return None


class Exfiltration(HeuristicRule):
    """Credential files or ``os.environ`` reaching a network call; webhook, tunnel, raw-IP URLs."""

    name = "exfiltration"
    rule_ids = (CREDENTIAL_EXFIL, EXFIL_ENDPOINT, SUSPICIOUS_ENDPOINT)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        for site in module.facts.calls:
            if not _sends(site):
                continue
            # A credential *path* handed to an auth helper is honest (netrc); its *content*
            # (a file read or directory listing) going out is theft.
            stolen = site.arguments & Taint.CREDENTIAL and site.arguments & Taint.FILE
            environment = site.arguments & Taint.ENVIRON
            if not stolen and not environment:
                continue
            what = "credential file content" if stolen else "the whole environment"
            yield artifact.code_finding(
                module,
                site.node,
                CREDENTIAL_EXFIL,
                Severity.ERROR,
                f"{what} is sent over the network ({site.name or site.method})",
            )
        in_tests = is_test_file(module.member.path)
        for string in module.facts.strings:
            found = _endpoint(string, in_tests)
            if found:
                rule, severity, what = found
                yield artifact.code_finding(module, string.node, rule, severity, what)
