"""Start the service: load and verify the bundle and the tokens, then serve with uvicorn.

A bundle or tokens file that cannot be used stops the start (exit 3): a policy decision
point never serves without a verified policy. uvicorn handles SIGTERM and SIGINT: it stops
accepting, lets in-flight requests finish (``graceful_seconds``), then the lifespan removes
the warm containers and flushes the audit trail.
"""

from __future__ import annotations

import sys

from checker.audit.journal import JournalRecorder
from checker.audit.recorders import Recorder
from checker.audit.store import default_location, open_store
from checker.service.bundle_source import BundleSource, signature_verifier
from checker.service.logs import configure
from checker.service.settings import ServeSettings, journal_directory
from checker.service.state import Service
from checker.service.tokens import WatchedTokens


def open_recorder(settings: ServeSettings) -> JournalRecorder:
    """The audit trail of this service: its store, through a journal of its own."""
    location = settings.audit or default_location()
    store = open_store(location)
    return JournalRecorder(store, settings.audit_journal or journal_directory(store.location))


def build_service(settings: ServeSettings, recorder: Recorder | None = None) -> Service:
    """Everything a service needs, verified; SkillgateError when something is unusable."""
    recorder = recorder or open_recorder(settings)
    source = BundleSource(
        settings.bundle, verify=signature_verifier(settings.public_key), listener=recorder.record
    )
    source.load()
    tokens = WatchedTokens(settings.tokens)
    tokens.current()  # a missing or broken tokens file stops the start
    return Service(settings, source, tokens, recorder)


def serve(settings: ServeSettings, recorder: Recorder | None = None) -> None:
    """Serve until SIGTERM or SIGINT."""
    import uvicorn  # noqa: PLC0415 - only the serve verb needs it

    from checker.service.app import create_app  # noqa: PLC0415

    configure(settings.log_level)
    # The audit shipper thread shares the interpreter: a shorter GIL switch interval keeps
    # its batches from holding a decision up for the default 5 ms.
    sys.setswitchinterval(0.0005)
    service = build_service(settings, recorder)
    config = uvicorn.Config(
        create_app(service),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.log_level.lower() == "debug",
        lifespan="on",
        timeout_graceful_shutdown=int(settings.graceful_seconds),
        server_header=False,
    )
    uvicorn.Server(config).run()
