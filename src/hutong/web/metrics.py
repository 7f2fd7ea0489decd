"""Prometheus metrics: decisions by action and rule, fetch outcomes, request latencies.

Each app has its own registry (so tests and several apps in one process do not clash).
With several workers, ``hutong serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start; prometheus-client then writes every worker's samples to files there and
``/metrics`` on any worker reports the sum over all workers.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

from ..model import LinkReport

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's counters and histograms; the web app's ``hutong.service.Observer`` of its gateway."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter(
            "hutong_decisions",
            "Link decisions, by stage (check or click), action and policy rule.",
            ["stage", "action", "rule"],
            registry=self.registry,
        )
        self.fetches = Counter(
            "hutong_fetch_outcomes",
            "Outcomes of online resolution: resolved, unchanged or error.",
            ["outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hutong_request_seconds",
            "Request latency by route and status class.",
            ["route", "method", "status"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        # labels() takes a lock and builds a key on every call; the label sets are few, so keep the children
        self._decision_children: dict[tuple[str, str, str], Counter] = {}
        self._latency_children: dict[tuple[str, str, int], Histogram] = {}

    def decided(self, stage: str, reports: tuple[LinkReport, ...]) -> None:
        """Count the decision of each report."""
        for report in reports:
            if report.decision is not None:
                key = (stage, report.decision.action.value, report.decision.rule)
                child = self._decision_children.get(key)
                if child is None:
                    child = self._decision_children[key] = self.decisions.labels(*key)
                child.inc()

    def fetched(self, reports: tuple[LinkReport, ...]) -> None:
        """Count the outcome of each online resolution."""
        for report in reports:
            if report.error is not None:
                outcome = "error"  # the message is free text: never a label (unbounded cardinality)
            elif report.hops:
                outcome = "resolved"
            else:
                outcome = "unchanged"
            self.fetches.labels(outcome).inc()

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Record one request."""
        key = (route, method, status // 100)
        child = self._latency_children.get(key)
        if child is None:
            child = self._latency_children[key] = self.latency.labels(route, method, f"{key[2]}xx")
        child.observe(seconds)

    def render(self) -> bytes:
        """The text exposition, summed over workers in multiprocess mode."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))
