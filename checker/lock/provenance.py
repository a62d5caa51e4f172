"""Which index served each artifact, read from pip's own log of the pages it fetched.

pip does the resolution, so it alone knows which configured index (``PIP_INDEX_URL``,
``PIP_EXTRA_INDEX_URL``, pip.conf, ``--find-links``) each chosen file came from; its
debug log names the page of every candidate link. Credentials never reach the lock:
pip redacts them in its log and :func:`redact` strips any left in a URL.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.utils import canonicalize_name

# "Found link <url>[#fragment] (from <page>) (requires-python:...), version: X"
_FOUND = re.compile(r"Found link (?P<url>\S+?)(?:#\S*)?(?: \(from (?P<page>\S+?)\))?[ ,]")


def redact(url: str) -> str:
    """``url`` without user:password and without a fragment."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def index_of_page(page: str, project: str) -> str:
    """The index URL behind a project page (``.../simple/<project>/`` -> ``.../simple``).

    A page that is not a project page (a ``--find-links`` HTML page) is its own index.
    """
    page = redact(page)
    path = urlsplit(page).path
    trimmed = path.removesuffix("index.html").rstrip("/")
    last = unquote(trimmed.rpartition("/")[2])
    if last and canonicalize_name(last) == canonicalize_name(project):
        return page[: page.index(path)] + trimmed.rpartition("/")[0]
    return page


def pages_by_url(log: str) -> dict[str, str | None]:
    """Map each candidate file URL in pip's debug log to the page that listed it.

    ``None`` means pip found the file in a flat ``--find-links`` directory.
    """
    found: dict[str, str | None] = {}
    for match in _FOUND.finditer(log):
        found.setdefault(redact(match["url"]), match["page"])
    return found


def index_for(url: str, project: str, pages: dict[str, str | None]) -> str | None:
    """The index that served ``url`` for ``project``; None when pip's log does not say."""
    key = redact(url)
    if key not in pages:
        return None
    page = pages[key]
    if page is None:
        return key.rpartition("/")[0]
    return index_of_page(page, project)
