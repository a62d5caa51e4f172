"""Credentials, secrets and system information sent out over HTTP, sockets or DNS.

``mal.credential-exfil`` (error): the content of a credential store or the whole environment
reaches a network call; a signing secret honest code never transmits (``AWS_SECRET_ACCESS_KEY``)
is sent anywhere; another secret from the environment (tokens, passwords, API keys) is sent to
an exfiltration or suspicious endpoint, or by code that runs by itself at install or import
time (a warning when a function sends it to a hard-coded address: API clients send their
tokens to their service).

``mal.sysinfo-exfil``: who and where the machine is (host name, user name, MAC address, public
IP) sent to a hard-coded address: an error at install or import time or to a suspicious
endpoint, a warning from a function (telemetry does this honestly).

``mal.dns-exfil`` (error): system information or a secret placed in a DNS query name next to a
domain of the code's (``gethostbyname(f"{user}.{host}.collector.net")``, ``dns.resolver``,
``nslookup``/``dig`` processes); resolving the host's own name, or a name the caller passes,
is honest and not reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.code_context import ModuleContext
from checker.heuristics.flow_types import CallSite, Taint
from checker.heuristics.interface import HeuristicRule
from checker.heuristics.rules.endpoints import classify
from checker.heuristics.syntax import is_string_op

CREDENTIAL_EXFIL = "mal.credential-exfil"
SYSINFO_EXFIL = "mal.sysinfo-exfil"
DNS_EXFIL = "mal.dns-exfil"
DNS_DATA = Taint.SYSINFO | Taint.SECRET | Taint.SIGNING_KEY | Taint.CAPTURED
DOMAIN = re.compile(r"(?:^|\.)[a-z0-9-]+\.(?P<tld>[a-z]{2,63})\.?$", re.IGNORECASE)
DNS_TOOLS = frozenset({"nslookup", "dig", "host", "drill", "nslookup.exe"})
PRIVATE_TLDS = frozenset(
    {"local", "lan", "localdomain", "internal", "home", "corp", "intranet", "arpa", "localhost"}
)
Judgement = tuple[str, Severity, str]


def is_dns_lookup(site: CallSite) -> bool:
    """True for calls that resolve a name (the name travels to DNS servers)."""
    if site.name in api.DNS_CALLS:
        return True
    return site.method in api.DNS_METHODS and bool(site.receiver & Taint.NETWORK)


def sends(site: CallSite) -> bool:
    """True for calls that send data over the network (HTTP clients, sockets, SMTP, DNS)."""
    if site.name in api.NETWORK_CALLS or is_dns_lookup(site):
        return True
    return site.method in api.SEND_METHODS and bool(site.receiver & (Taint.NETWORK | Taint.SOCKET))


def fixed_destination(site: CallSite) -> bool:
    """True when the code itself spells where the data goes (a URL, a Request or client built
    with one)."""
    return "://" in site.address or bool((site.arguments | site.receiver) & Taint.FIXED_URL)


def suspicious_destination(site: CallSite) -> str:
    """Why the destination is an exfiltration or suspicious endpoint ("" when it is not)."""
    for value in (site.address, *site.strings):
        found = classify(value)
        if found:
            return found.what.removeprefix("hard-coded ")
    return ""


class Exfiltration(HeuristicRule):
    """Credentials, secrets, the environment or system information reaching the network."""

    name = "exfiltration"
    rule_ids = (CREDENTIAL_EXFIL, SYSINFO_EXFIL, DNS_EXFIL)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        context: ModuleContext | None = None
        for site in module.facts.calls:
            if not site.arguments:
                continue
            if site.name in api.PROCESS_SINKS and _resolves_out(site):
                what = "system information or a secret is sent in a DNS query name"
                yield artifact.code_finding(
                    module, site.node, DNS_EXFIL, Severity.ERROR, f"{what} ({site.name})"
                )
                continue
            if not sends(site):
                continue
            context = context or ModuleContext(artifact, module)
            for rule, severity, what in _judge(site, module, context):
                yield artifact.code_finding(module, site.node, rule, severity, what)


def _judge(site: CallSite, module: PythonModule, context: ModuleContext) -> Iterator[Judgement]:
    data = site.arguments
    how = site.name or site.method
    # A credential *path* handed to an auth helper is honest (netrc); its *content* (a file
    # read or directory listing) going out is theft.
    if data & Taint.CREDENTIAL and data & Taint.FILE:
        yield CREDENTIAL_EXFIL, Severity.ERROR, f"credential file content is sent out ({how})"
    elif data & Taint.ENVIRON:
        yield CREDENTIAL_EXFIL, Severity.ERROR, f"the whole environment is sent out ({how})"
    if is_dns_lookup(site):
        if data & DNS_DATA and _names_a_domain(site, module):
            what = "system information" if data & Taint.SYSINFO else "a secret"
            yield DNS_EXFIL, Severity.ERROR, f"{what} is sent in a DNS query name ({how})"
        return
    by_itself = context.runs_by_itself(site)
    endpoint = suspicious_destination(site)
    if data & Taint.SIGNING_KEY:
        what = f"a signing secret honest code never transmits is sent out ({how})"
        yield CREDENTIAL_EXFIL, Severity.ERROR, what
    elif data & Taint.SECRET and (endpoint or fixed_destination(site)):
        if endpoint or by_itself:
            where = f"to a {endpoint}" if endpoint else by_itself
            yield CREDENTIAL_EXFIL, Severity.ERROR, f"a secret is sent out {where} ({how})"
        else:
            what = f"a secret from the environment is sent to a hard-coded address ({how})"
            yield CREDENTIAL_EXFIL, Severity.WARNING, what
    if data & Taint.SYSINFO and (endpoint or fixed_destination(site)):
        what = "host or user information is sent to a hard-coded address"
        if endpoint or by_itself:
            where = f"to a {endpoint}" if endpoint else by_itself
            yield SYSINFO_EXFIL, Severity.ERROR, f"host or user information is sent {where} ({how})"
        else:
            yield SYSINFO_EXFIL, Severity.WARNING, f"{what} ({how})"


def _resolves_out(site: CallSite) -> bool:
    """``nslookup``/``dig``/``host`` run on a name built from system information or secrets."""
    if not site.arguments & DNS_DATA or not site.strings:
        return False
    words = " ".join(site.strings).split()
    if not words or words[0].rsplit("/", 1)[-1] not in DNS_TOOLS:
        return False
    return any(_public_domain(value) for value in site.strings[1:] or words[1:])


def _public_domain(value: str) -> bool:
    match = DOMAIN.search(value.strip())
    return match is not None and match.group("tld").lower() not in PRIVATE_TLDS


def _names_a_domain(site: CallSite, module: PythonModule) -> bool:
    """True when the queried name is built with a public domain the code spells."""
    if not site.node.args:
        return False
    query: ast.expr = site.node.args[0]
    if isinstance(query, ast.Name):
        query = module.facts.bound_value(query.id) or query
    plain = isinstance(query, ast.Name | ast.Attribute)
    if plain or (isinstance(query, ast.Call) and not is_string_op(query)):
        return False  # the host's own name, or a name the caller passes
    return any(
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _public_domain(node.value)
        for node in ast.walk(query)
    )
