"""Browser credential stores opened: saved passwords (error), cookies and their key (warning).

Stealers copy Chromium's ``Login Data``/``Web Data`` or Firefox's ``logins.json`` and
``key4.db`` and query them for saved passwords and cards; nothing honest opens them. Cookie
stores and Chromium's ``Local State`` key are also read by honest tools that import a user's
browser session on request (yt-dlp's ``--cookies-from-browser``, browser_cookie3), so opening
those only informs. Sending any of them out is ``mal.credential-exfil``.
"""

from __future__ import annotations

from collections.abc import Iterable

from checker.findings import Finding, Severity
from checker.heuristics import api_names as api
from checker.heuristics import text_patterns as text
from checker.heuristics.artifact import ArtifactView, PythonModule
from checker.heuristics.flow_types import Taint
from checker.heuristics.interface import HeuristicRule

BROWSER_CREDENTIALS = "mal.browser-credentials"
OPENERS = api.FILE_READS | api.BROWSER_DB_OPENERS


class BrowserStores(HeuristicRule):
    """Opening browser password or cookie stores; SQL that reads saved passwords."""

    name = "browser-stores"
    rule_ids = (BROWSER_CREDENTIALS,)

    def check_module(self, artifact: ArtifactView, module: PythonModule) -> Iterable[Finding]:
        facts = module.facts
        for site in facts.calls:
            if site.name in OPENERS:
                labels = site.arguments
            elif site.method in api.FILE_READ_METHODS:
                labels = site.receiver
            else:
                continue
            if labels & Taint.PASSWORD_STORE:
                what = f"a browser's saved-password store is opened ({site.name or site.method})"
                yield artifact.code_finding(
                    module, site.node, BROWSER_CREDENTIALS, Severity.ERROR, what
                )
            elif labels & Taint.BROWSER_STORE:
                what = f"a browser's cookie store or its key is opened ({site.name or site.method})"
                yield artifact.code_finding(
                    module, site.node, BROWSER_CREDENTIALS, Severity.WARNING, what
                )
        for string in facts.strings:
            value = string.value
            if ("password_value" in value or "moz_logins" in value or "card_number" in value) and (
                text.PASSWORD_QUERY.search(value)
            ):
                what = "SQL that reads a browser's saved passwords or cards"
                yield artifact.code_finding(
                    module, string.node, BROWSER_CREDENTIALS, Severity.ERROR, what
                )
