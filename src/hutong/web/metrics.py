"""Prometheus metrics: decisions by action and rule, fetch outcomes, request latencies, feed freshness.

Each app has its own registry (so tests and several apps in one process do not clash).
With several workers, ``hutong serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before the
workers start; prometheus-client then writes every worker's samples to files there and
``/metrics`` on any worker reports the sum over all workers. Feed freshness is not summed: it is
the same data directory for every worker, so the worker that answers computes it when scraped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.core import GaugeMetricFamily

from ..core.model import LinkReport
from ..safety.freshness import Freshness

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
        self.feed_refreshes = Counter(
            "hutong_feed_refreshes",
            "Refreshes of URL threat feeds by this service, by feed and outcome (updated, unchanged, failed).",
            ["feed", "outcome"],
            registry=self.registry,
        )
        self._feeds: FeedCollector | None = None
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

    def watch_feeds(self, feeds: Callable[[], Sequence[Freshness]]) -> None:
        """Report ``feeds()`` (the freshness of the feeds screening uses) at every scrape."""
        self._feeds = FeedCollector(feeds)
        self.registry.register(self._feeds)

    def render(self) -> bytes:
        """The text exposition, summed over workers in multiprocess mode."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            _multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            if self._feeds is not None:
                registry.register(self._feeds)
            return bytes(generate_latest(registry))
        return bytes(generate_latest(self.registry))


class FeedCollector:
    """Gauges computed at scrape time: age, entries and staleness of every feed."""

    def __init__(self, feeds: Callable[[], Sequence[Freshness]]) -> None:
        self.feeds = feeds

    def collect(self) -> Iterator[Any]:
        age = GaugeMetricFamily(
            "hutong_feed_age_seconds",
            "Seconds since a threat feed's data was last known current (downloaded, imported, or confirmed "
            "by its source); absent for a configured feed that is not loaded.",
            labels=["feed"],
        )
        entries = GaugeMetricFamily("hutong_feed_entries", "Entries of a loaded threat feed.", labels=["feed"])
        stale = GaugeMetricFamily(
            "hutong_feed_stale",
            "1 while a feed is older than safety.max_feed_age_hours or configured but not loaded, else 0.",
            labels=["feed"],
        )
        for feed in self.feeds():
            if feed.age_seconds is not None:
                age.add_metric([feed.name], feed.age_seconds)
            entries.add_metric([feed.name], feed.entries)
            stale.add_metric([feed.name], 1.0 if feed.stale else 0.0)
        yield from (age, entries, stale)
