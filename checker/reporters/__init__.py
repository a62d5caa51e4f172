"""Reporters render Findings; one module per format, chosen from REPORTER_BY_NAME."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from checker.findings import Finding
from checker.reporters import github, json_report, markdown, sarif, text

Reporter = Callable[[Sequence[Finding]], str]

REPORTER_BY_NAME: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "github": github.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
}
