"""Keeping the configured threat feeds fresh: fetch each URL source conditionally, import what changed.

One refresh of one ``[[safety.feeds]]`` URL source, through the guarded fetcher (purpose ``"feed"``:
``network.max_feed_bytes``, ``network.feed_timeout``, the per-host rate limit):

- a stored copy that its fetch state describes is asked for with ``If-None-Match`` / ``If-Modified-Since``;
- ``304 Not Modified``, or a ``200`` whose body hashes to the stored copy's: the feed stays as it is and
  only its fetch state is rewritten, so its age starts again and no worker reloads its index;
- a ``200`` with new content is imported whole and swapped in atomically, with the response's validators;
- anything else (an HTTP error, an HTML page, a body over the cap, a file that does not parse) keeps the
  old copy, and the error is recorded beside it.

``hutong feeds update`` refreshes every configured source once (:func:`refresh_all`). ``hutong serve``
calls :func:`refresh_due` on a timer: one process per data directory refreshes at a time (an ``flock`` on
``feeds/.refresh.lock``), and a source attempted less than an interval ago is skipped, so N workers sharing
``data.dir`` make one request per source per interval. The lock is scoped to the data directory on purpose,
not to the shared cache: machines with their own ``data.dir`` must each keep their own copy fresh. Where a
file system does not honour ``flock``, the interval check still spreads the work, and two refreshes of one
feed at once are harmless (each swaps in a whole feed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import io
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from ..config import FeedSource
from ..errors import ConfigError, DataError, HutongError, InputError
from ..net.types import FetchResult, Purpose, Validators
from .feeds import FeedStore, FetchState, ImportResult, check_name
from .importers import FORMATS

log = logging.getLogger("hutong.safety")
LOCK_FILE = ".refresh.lock"
Outcome = Literal["updated", "unchanged", "failed"]


class ConditionalFetcher(Protocol):
    """The guarded fetcher, as far as feeds need it (``hutong.net.fetcher.GuardedFetcher``)."""

    async def fetch(
        self, url: str, *, purpose: Purpose = "page", validators: Validators | None = None
    ) -> FetchResult: ...


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What one refresh of one source came to, with a line for the operator."""

    name: str
    outcome: Outcome
    message: str
    result: ImportResult | None = None  # the import, when the feed was (re)imported


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _check(source: FeedSource) -> None:
    check_name(source.name)
    if source.format not in FORMATS:
        raise ConfigError(
            f"safety.feeds: {source.name!r} has format {source.format!r}; use one of {', '.join(FORMATS)}"
        )


async def refresh(
    fetcher: ConditionalFetcher, store: FeedStore, source: FeedSource, *, now: datetime | None = None
) -> Refreshed:
    """Refresh one URL source (see the module docstring); failures are returned, not raised."""
    now = now or datetime.now(UTC)
    try:
        _check(source)
    except HutongError as exc:
        return Refreshed(source.name, "failed", exc.message)
    state = store.state(source.name)
    held = await asyncio.to_thread(_held_state, store, source, state)  # maps the stored feed: off the loop
    try:
        result = await fetcher.fetch(
            source.location, purpose="feed", validators=Validators(held.etag, held.last_modified) if held else None
        )
        if result.truncated:  # the feed purpose refuses an oversized body; never import a cut one
            raise DataError(f"{source.location} is larger than network.max_feed_bytes; the old copy is kept")
        validators = Validators.of(result)
        if result.not_modified and held is not None:
            return _confirm(store, source, held, validators, now, "304 Not Modified")
        digest = await asyncio.to_thread(_digest, result.body)
        if held is not None and held.digest == digest:
            return _confirm(store, source, held, validators, now, "the same body again")
        fresh = FetchState(
            source=source.location, etag=validators.etag, last_modified=validators.last_modified, digest=digest
        )
        imported = await asyncio.to_thread(_import, store, source, result.body, fresh, now)
    except (HutongError, OSError) as exc:
        # the old copy (if any) stays; say why in the state so the next try is an interval away
        why = exc.message if isinstance(exc, HutongError) else f"cannot store the feed: {exc}"
        base = state if state is not None and state.source == source.location else FetchState(source.location)
        _save(store, source.name, dataclasses.replace(base, attempted_at=now, error=why))
        return Refreshed(source.name, "failed", why)
    info = imported.info
    return Refreshed(source.name, "updated", f"{info.entries} entries from {info.source}", imported)


def _held_state(store: FeedStore, source: FeedSource, state: FetchState | None) -> FetchState | None:
    """The fetch state, if it describes the copy stored now (else the copy is fetched in full)."""
    if state is None or state.source != source.location:
        return None
    try:
        info = store.load(source.name).info
    except (DataError, InputError):
        return None
    return state if state.describes(info) else None


def _confirm(
    store: FeedStore, source: FeedSource, held: FetchState, got: Validators, now: datetime, how: str
) -> Refreshed:
    # a 304 may carry updated validators (RFC 9110 §15.4.5); keep the held ones where it carries none
    state = dataclasses.replace(
        held,
        etag=got.etag or held.etag,
        last_modified=got.last_modified or held.last_modified,
        checked_at=now,
        attempted_at=now,
        error="",
    )
    _save(store, source.name, state)
    return Refreshed(source.name, "unchanged", f"unchanged ({how}); the stored copy is kept and counts as fresh")


def _save(store: FeedStore, name: str, state: FetchState) -> None:
    try:
        store.save_state(name, state)
    except OSError as exc:  # the feed itself is fine; only its next request will not be conditional
        log.warning("feed %s: cannot store its fetch state: %s", name, exc)


def _digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _import(store: FeedStore, source: FeedSource, body: bytes, state: FetchState, now: datetime) -> ImportResult:
    # decoded as it is parsed, line by line: no second copy of the body as one string
    text = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", errors="replace", newline=None)
    return store.import_lines(source.name, source.format, text, source=source.location, now=now, state=state)


def import_local(store: FeedStore, source: FeedSource) -> Refreshed:
    """Re-import a source that is a local path; never raises a ``HutongError``."""
    try:
        _check(source)
        path = Path(source.location).expanduser()
        result = store.import_file(path, source.format, name=source.name, source=source.location)
    except HutongError as exc:
        return Refreshed(source.name, "failed", exc.message)
    return Refreshed(source.name, "updated", f"{result.info.entries} entries from {source.location}", result)


async def refresh_all(fetcher: ConditionalFetcher, store: FeedStore, sources: Sequence[FeedSource]) -> list[Refreshed]:
    """Refresh every source now (URLs conditionally, paths by re-importing), one after another; waits for
    a refresh another process is running in the same data directory to finish first."""
    with refresh_lock(store, wait=True):
        out: list[Refreshed] = []
        for source in sources:
            out.append(
                await refresh(fetcher, store, source) if is_url(source.location) else import_local(store, source)
            )
        return out


async def refresh_due(
    fetcher: ConditionalFetcher,
    store: FeedStore,
    sources: Sequence[FeedSource],
    interval: float,
    *,
    now: datetime | None = None,
) -> list[Refreshed]:
    """Refresh the URL sources not attempted within ``interval`` seconds; none if another process of
    this data directory is refreshing now (it will have done them)."""
    with refresh_lock(store, wait=False) as mine:
        if not mine:
            return []
        out: list[Refreshed] = []
        for source in sources:
            if not is_url(source.location):
                continue
            when = now or datetime.now(UTC)
            if _attempted_within(store, source, when, interval):
                continue
            out.append(await refresh(fetcher, store, source, now=when))
        return out


def _attempted_within(store: FeedStore, source: FeedSource, now: datetime, interval: float) -> bool:
    try:
        state = store.state(source.name)
    except InputError:  # a bad name: let refresh report it
        return False
    last = state.attempted_at if state is not None and state.source == source.location else None
    return last is not None and (now - last).total_seconds() < interval


@contextlib.contextmanager
def refresh_lock(store: FeedStore, *, wait: bool) -> Iterator[bool]:
    """Hold the data directory's refresh lock; yields False (without waiting) if ``wait`` is off and
    another process holds it."""
    store.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


TICK_SECONDS = 60.0  # how often a serving worker looks for a due source (at most; less for short intervals)


async def keep_fresh(
    fetcher: ConditionalFetcher,
    store: FeedStore,
    sources: Sequence[FeedSource],
    interval: float,
    done: Callable[[Sequence[Refreshed]], Awaitable[None]],
) -> None:
    """A serving worker's background task: refresh the due URL sources at start and then every tick,
    handing each round that did something to ``done`` (the service reloads its engine and counts them)."""
    urls = tuple(s for s in sources if is_url(s.location))
    tick = min(interval, TICK_SECONDS)
    while True:
        try:
            refreshed = await refresh_due(fetcher, store, urls, interval)
        except OSError as exc:  # the lock or a state file cannot be written: data.dir is read-only or gone
            log.warning("threat feeds not refreshed: %s", exc)
            refreshed = []
        for r in refreshed:
            if r.outcome == "failed":
                log.warning("feed %s not refreshed, its old copy is kept: %s", r.name, r.message)
            else:
                log.info("feed %s: %s", r.name, r.message)
        if refreshed:
            await done(refreshed)
        await asyncio.sleep(tick)
