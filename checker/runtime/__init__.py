"""The in-process runtime: a compiled bundle in memory, decisions in microseconds.

``engine`` (the ``Engine``: load, reload, cache) over ``compiled`` (the bundle parsed for
speed), ``semantics`` (the decision rules of the architecture guide), ``explain`` (the same
path for humans); ``decision``, ``specs`` and ``bundle_format`` hold the values they share.

Imports only the standard library and ``packaging`` (a test proves it in a fresh
interpreter), so that an agent platform can embed it without the checker's dependencies.
"""

from checker.runtime.bundle_format import BundleError
from checker.runtime.decision import CacheInfo, Decision
from checker.runtime.engine import Engine, read_bundle

__all__ = ["BundleError", "CacheInfo", "Decision", "Engine", "read_bundle"]
