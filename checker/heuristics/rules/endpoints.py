"""Hard-coded endpoints that receive stolen data or hide where a request goes.

Gated (``mal.exfil-endpoint``): webhook and bot URLs carrying their secret, request catchers,
tunnels to a private machine (ngrok, trycloudflare, serveo, pinggy, ...), URLs to a public IP
address (with or without ``user:password@``) and addresses written as one number. Reported
(``mal.suspicious-endpoint``): paste and file-drop sites, bot APIs without a secret, serverless
relays (``*.workers.dev``), URL shorteners and public-IP lookup services, which honest tools and
documentation links use too. Test suites and the files of an sdist that nothing installs or
imports (``examples/``, ``docs/``) name such endpoints honestly: there, everything is a warning.
``classify`` is shared with the rules that judge what is sent to an address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from checker.findings import Finding, Severity
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import install_time_code, is_importable, is_test_file
from checker.heuristics.interface import HeuristicRule

EXFIL_ENDPOINT = "mal.exfil-endpoint"
SUSPICIOUS_ENDPOINT = "mal.suspicious-endpoint"
MAX_BARE_HOST_TEXT = 200


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What kind of endpoint a string names: the rule it falls under and why."""

    rule: str
    what: str


def classify(value: str) -> Endpoint | None:
    """The endpoint ``value`` names when it is an exfiltration or suspicious one, else None."""
    if "." not in value:  # every endpoint pattern has a dot: skip most literals cheaply
        return None
    if len(value) > MAX_BARE_HOST_TEXT and "://" not in value:
        return None  # long prose or data without a URL: a bare host name is not hidden in it
    if text.EXFIL_ENDPOINT.search(value):
        return Endpoint(
            EXFIL_ENDPOINT,
            "hard-coded exfiltration endpoint (webhook with its secret, catcher or tunnel)",
        )
    if "://" in value:
        for match in text.RAW_IP_URL.finditer(value):
            try:
                address = ipaddress.ip_address(match.group("ip"))
            except ValueError:
                continue
            if address.is_global:
                credentials = " with credentials" if match.group("userinfo") else ""
                return Endpoint(
                    EXFIL_ENDPOINT, f"hard-coded URL to a public IP address{credentials}"
                )
        if text.NUMERIC_HOST_URL.search(value):
            return Endpoint(EXFIL_ENDPOINT, "hard-coded URL whose address is written as a number")
        if text.URL_SHORTENER.search(value):
            return Endpoint(SUSPICIOUS_ENDPOINT, "hard-coded URL shortener (hides the destination)")
    if text.SUSPICIOUS_ENDPOINT.search(value):
        return Endpoint(
            SUSPICIOUS_ENDPOINT, "hard-coded paste, file-drop, bot API or serverless relay"
        )
    if text.IP_GRABBER.search(value):
        return Endpoint(SUSPICIOUS_ENDPOINT, "hard-coded public-IP lookup service")
    return None


def _runs_where_installed(artifact: ArtifactView, module: PythonModule) -> bool:
    """False for test suites and for sdist files nothing installs or imports (examples/)."""
    path = module.member.path
    if is_test_file(path):
        return False
    if artifact.kind != "sdist" or is_importable(artifact, path):
        return True
    code = install_time_code(artifact)
    return path in {code.setup, *code.helpers, *code.backends}


class Endpoints(HeuristicRule):
    """Webhook, tunnel, catcher, raw-IP and numeric-host URLs; paste, shortener, IP lookups."""

    name = "endpoints"
    rule_ids = (EXFIL_ENDPOINT, SUSPICIOUS_ENDPOINT)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        gates: bool | None = None
        for string in module.facts.strings:
            found = classify(string.value)
            if found is None:
                continue
            if gates is None:
                gates = _runs_where_installed(artifact, module)
            severity = Severity.WARNING
            if found.rule == EXFIL_ENDPOINT and gates:
                severity = Severity.ERROR
            yield artifact.code_finding(module, string.node, found.rule, severity, found.what)
