"""The bundle file's contract: its format version, its digest, and the error for a bad one.

Standard library only, like every module the runtime imports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

BUNDLE_FORMAT = 1
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class BundleError(Exception):
    """The bundle is missing, corrupt, or not a bundle this runtime understands."""


def canonical_digest(content: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of ``content`` without ``digest``, ``revision`` and
    ``signature`` (the signature covers the digest, so signing leaves the digest as it was)."""
    body = {k: v for k, v in content.items() if k not in ("digest", "revision", "signature")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def day_of(when: date) -> int:
    """Days since 1970-01-01 for a calendar date."""
    return when.toordinal() - _EPOCH_ORDINAL
