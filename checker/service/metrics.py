"""The service's Prometheus metrics (``prometheus-client``), on a registry of its own.

Decisions by result and rule, decision latency, executions by outcome and their duration,
warm-pool hits, refused requests, bundle reloads and failures; the cache hit ratio, the
bundle's revision and age, and the audit queue are read at scrape time from the objects that
hold them, so the request path only increments counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily
from prometheus_client.registry import Collector

from checker.audit.recorders import Recorder
from checker.service.bundle_source import BundleSource

# The *_created series double every counter's output for no use here.
disable_created_metrics()  # type: ignore[no-untyped-call]
_DECISION_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05)
_EXECUTION_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class ServiceMetrics:
    """Every metric the service exports."""

    def __init__(
        self,
        source: BundleSource,
        recorder: Recorder | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.decisions = Counter(
            "skillgate_decisions",
            "Policy decisions made, by kind (package, skill), result and deciding rule.",
            ["kind", "result", "rule"],
            registry=self.registry,
        )
        self.decision_seconds = Histogram(
            "skillgate_decision_seconds",
            "Time to decide one query inside the service (authentication included).",
            ["kind"],
            buckets=_DECISION_BUCKETS,
            registry=self.registry,
        )
        self.refused = Counter(
            "skillgate_refused_requests",
            "Requests refused before a decision, by HTTP status (400, 401, 403, 404, 503).",
            ["status"],
            registry=self.registry,
        )
        self.executions = Counter(
            "skillgate_executions",
            "Skill executions, by outcome (ok, failed, timeout, oom, denied, error).",
            ["outcome"],
            registry=self.registry,
        )
        self.execution_seconds = Histogram(
            "skillgate_execution_seconds",
            "Wall time of one execution through the service.",
            buckets=_EXECUTION_BUCKETS,
            registry=self.registry,
        )
        self.warm_hits = Counter(
            "skillgate_warm_pool_hits",
            "Executions served by a pre-started container (misses ran cold).",
            ["hit"],
            registry=self.registry,
        )
        self.registry.register(_BundleCollector(source, clock))
        if recorder is not None:
            self.registry.register(_AuditCollector(recorder))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def add_collector(self, collector: Collector) -> None:
        self.registry.register(collector)


class _BundleCollector(Collector):
    """Bundle revision, age, reloads and failures, and the decision cache, at scrape time."""

    def __init__(self, source: BundleSource, clock: Callable[[], float]) -> None:
        self._source = source
        self._clock = clock

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | InfoMetricFamily]:
        source, current = self._source, self._source.current
        info = InfoMetricFamily("skillgate_bundle", "The bundle being served.")
        age = GaugeMetricFamily(
            "skillgate_bundle_age_seconds", "Seconds since the served bundle was loaded."
        )
        if current is not None:
            info.add_metric(
                [],
                {
                    "revision": current.revision,
                    "digest": current.digest,
                    "signed": str(current.signed).lower(),
                },
            )
            age.add_metric([], self._clock() - current.loaded_at)
        yield info
        yield age
        yield CounterMetricFamily(
            "skillgate_bundle_reloads", "Bundles swapped in since start.", source.reloads
        )
        yield CounterMetricFamily(
            "skillgate_bundle_reload_failures",
            "New bundles refused (unreadable, corrupt, wrongly signed) since start.",
            source.reload_failures,
        )
        if current is not None:
            cache = current.engine.cache_info()
            total = cache.hits + cache.misses
            yield GaugeMetricFamily(
                "skillgate_decision_cache_hit_ratio",
                "Share of package decisions answered from the cache (since the bundle loaded).",
                cache.hits / total if total else 0.0,
            )
            yield GaugeMetricFamily(
                "skillgate_decision_cache_entries", "Decisions cached.", cache.size
            )


class _AuditCollector(Collector):
    """The audit recorder's health, backlog and overflow, at scrape time."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        status = self._recorder.status()
        yield GaugeMetricFamily(
            "skillgate_audit_healthy",
            "1 while the audit store takes records, 0 while it does not.",
            1.0 if status.get("healthy", True) else 0.0,
        )
        for key, help_text in (
            ("accepted", "Audit records accepted into the journal."),
            ("overflow", "Audit records NOT accepted: the journal was full (store down)."),
            ("write_failures", "Failed attempts to write a batch to the audit store."),
        ):
            if key in status:
                yield CounterMetricFamily(f"skillgate_audit_{key}", help_text, status[key])
        if "backlog_bytes" in status:
            yield GaugeMetricFamily(
                "skillgate_audit_backlog_bytes",
                "Journal bytes not yet in the audit store.",
                status["backlog_bytes"],
            )
