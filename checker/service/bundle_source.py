"""The bundle a service decides with: loaded from a file or a URL, verified, hot-reloaded.

``BundleSource.refresh()`` looks for a new bundle (a file whose size, mtime or inode changed;
a URL whose ETag changed), reads it, checks its signature when a public key is configured,
and swaps it into the engine atomically. A bundle that cannot be read, parsed, verified or
compiled is refused: the last good one keeps serving, and the failure is kept for
``/health/ready`` and the metrics. A background thread calls ``refresh`` on an interval.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.exit_codes import SkillgateError
from checker.runtime import BundleError, Engine

MAX_BUNDLE_BYTES = 256 * 1024 * 1024

Verifier = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True, slots=True)
class LoadedBundle:
    """The bundle being served: its engine, revision, digest and when it was loaded."""

    engine: Engine
    revision: str
    digest: str
    loaded_at: float
    signed: bool


class BundleSource:
    """One bundle location (file path or http(s) URL), watched and verified."""

    def __init__(
        self,
        location: str,
        *,
        verify: Verifier | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        listener: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.location = location
        self._verify = verify
        self._listener = listener
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._marker: object = None
        self.current: LoadedBundle | None = None
        self.last_error: str | None = None
        self.reload_failures = 0
        self.reloads = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("https://", "http://"))

    def load(self) -> LoadedBundle:
        """The first load: a bad bundle here is an error (the service does not start)."""
        if not self.refresh(force=True):
            raise SkillgateError(f"cannot serve the bundle at {self.location}: {self.last_error}")
        assert self.current is not None
        return self.current

    def refresh(self, *, force: bool = False) -> bool:
        """Load the bundle if it changed; True when a new bundle was swapped in."""
        with self._lock:
            try:
                found = self._read(force)
                if found is None:
                    return False
                marker, raw = found
                bundle = self._parse(raw)
                if self._verify is not None:
                    self._verify(bundle)
                engine = Engine.from_bundle(bundle)
            except (BundleError, SkillgateError, OSError, ValueError) as exc:
                self.last_error = (
                    f"{type(exc).__name__}: {exc}" if isinstance(exc, OSError) else str(exc)
                )
                self.reload_failures += 1
                return False
            self._marker = marker
            self.current = LoadedBundle(
                engine=engine,
                revision=engine.revision,
                digest=engine.digest,
                loaded_at=self._clock(),
                signed="signature" in bundle,
            )
            self.last_error = None
            self.reloads += 1
            self._tell(
                {
                    "result": "accepted",
                    "revision": engine.revision,
                    "digest": engine.digest,
                    "signed": "signature" in bundle,
                }
            )
            return True

    def _tell(self, what: dict[str, Any]) -> None:
        """A bundle load, good or refused, for the audit trail."""
        if self._listener is not None:
            self._listener({"kind": "bundle.load", "location": self.location, **what})

    def _read(self, force: bool) -> tuple[object, bytes] | None:
        if self.is_url:
            return self._read_url(force)
        path = Path(self.location)
        stat = path.stat()
        marker = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        if not force and marker == self._marker:
            return None
        if stat.st_size > MAX_BUNDLE_BYTES:
            raise BundleError(f"bundle {path} is larger than {MAX_BUNDLE_BYTES} bytes")
        return marker, path.read_bytes()

    def _read_url(self, force: bool) -> tuple[object, bytes] | None:
        request = urllib.request.Request(self.location)  # noqa: S310 - http(s) checked above
        if isinstance(self._marker, str) and not force:
            request.add_header("If-None-Match", self._marker)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                raw = response.read(MAX_BUNDLE_BYTES + 1)
                etag = response.headers.get("ETag") or ""
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return None
            raise BundleError(f"GET {self.location} answered {exc.code}") from exc
        except urllib.error.URLError as exc:
            raise BundleError(f"GET {self.location} failed: {exc.reason}") from exc
        if len(raw) > MAX_BUNDLE_BYTES:
            raise BundleError(f"bundle at {self.location} is larger than {MAX_BUNDLE_BYTES} bytes")
        return (etag or object()), raw

    @staticmethod
    def _parse(raw: bytes) -> dict[str, Any]:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BundleError(f"the bundle is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BundleError("the bundle is not a JSON object")
        return data

    def start(self, interval: float) -> None:
        """Poll for a new bundle every ``interval`` seconds in a daemon thread."""

        def loop() -> None:
            while not self._stop.wait(interval):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="skillgate-bundle", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def signature_verifier(public_key: Path | None) -> Verifier | None:
    """A verifier for bundles signed with the key at ``public_key`` (None: no checking)."""
    if public_key is None:
        return None
    from checker.bundle.signing import load_public_key, verify_bundle  # noqa: PLC0415

    key = load_public_key(public_key)

    def verify(bundle: Mapping[str, Any]) -> None:
        verify_bundle(bundle, key)

    return verify


def bundle_location(value: str) -> str:
    """A bundle given as a path is made absolute, so reloads do not depend on the cwd."""
    if value.startswith(("https://", "http://")):
        return value
    return os.path.abspath(value)
