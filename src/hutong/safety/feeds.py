"""The on-disk feed store under ``data.dir/feeds/``: one file per feed, swapped in atomically.

A feed file is written to a temporary name in the same directory and renamed over the old one,
so a reader sees the old feed or the new one, never half of either. Layout (little-endian)::

    b"HUTFEED1" | u32 header length | header JSON | prefixes u32×N | full hashes 32×N
    | flags u8×N | host keys u32×N | record offsets u64×(N+1) | records (JSON lines)

Sections are in prefix order; the header JSON gives every section's offset. Loading copies only
the prefixes and host keys into memory and maps the rest, so a million entries load in well under
a second and take a few megabytes until they are hit.

A feed downloaded from a URL has a small JSON file beside it, ``NAME.fetch.json`` (:class:`FetchState`):
the validators of the stored copy (ETag, Last-Modified, a digest of the body) for the next conditional
request, and when the source last confirmed the copy. A ``304 Not Modified`` rewrites only that file, so
the feed keeps its entries, its readers keep their maps, and its age starts again from the confirmation.
"""

from __future__ import annotations

import dataclasses
import json
import mmap
import os
import re
import struct
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import DataError, InputError
from .canon import full_hash
from .hashindex import (
    FLAG_EXACT_HOST,
    FLAG_EXCEPTION,
    HASH_SIZE,
    HashIndex,
    build_sorted,
    expression_host,
    host_key,
    prefix_of,
    u32_array,
)
from .importers import FORMATS, Entry, Report, parse

MAGIC = b"HUTFEED1"
FORMAT_VERSION = 1
SUFFIX = ".feed"
STATE_SUFFIX = ".fetch.json"
_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,63}")


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """A stored feed's header: what it is, where it came from, when its data was current."""

    name: str
    format: str
    source: str
    fetched_at: datetime  # when the data was current: the download time, or the file's mtime for a local file
    imported_at: datetime
    entries: int
    exceptions: int
    malformed: int
    ignored: int
    checked_at: datetime | None = None  # when the source last confirmed this copy (a 304 or an equal body)

    @property
    def current_at(self) -> datetime:
        """When the data was last known to be current: the later of ``fetched_at`` and ``checked_at``."""
        return max(self.fetched_at, self.checked_at) if self.checked_at else self.fetched_at

    def age_seconds(self, now: datetime) -> float:
        return max(0.0, (now - self.current_at).total_seconds())

    def age_hours(self, now: datetime) -> float:
        return self.age_seconds(now) / 3600.0

    def is_stale(self, now: datetime, max_age_hours: float) -> bool:
        return self.age_hours(now) > max_age_hours


@dataclass(frozen=True, slots=True)
class FetchState:
    """What a feed's URL source last said, stored beside the feed (``NAME.fetch.json``).

    ``etag``, ``last_modified`` and ``digest`` describe the stored copy whose header has ``imported_at``;
    a copy imported any other way (or a state left by a crash between the two renames) does not match
    and is fetched in full next time.
    """

    source: str  # the URL fetched
    imported_at: str = ""  # the header's ``imported_at`` of the copy these validators describe
    etag: str = ""
    last_modified: str = ""
    digest: str = ""  # SHA-256 of the body imported: a server without validators that sends it again
    checked_at: datetime | None = None  # last time the source confirmed the stored copy (200 or 304)
    attempted_at: datetime | None = None  # last attempt, whatever came of it
    error: str = ""  # why the last attempt failed; "" if it did not

    def describes(self, info: FeedInfo) -> bool:
        """Whether these validators belong to the stored copy ``info`` describes."""
        return bool(self.imported_at) and self.imported_at == _iso(info.imported_at) and self.source == info.source

    def to_json(self) -> dict[str, str]:
        out = {k: v for k, v in dataclasses.asdict(self).items() if isinstance(v, str)}
        for key in ("checked_at", "attempted_at"):
            when = getattr(self, key)
            out[key] = _iso(when) if when else ""
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FetchState:
        def when(key: str) -> datetime | None:
            value = raw.get(key) or ""
            return datetime.fromisoformat(value) if value else None

        texts = {k: str(raw.get(k, "")) for k in ("imported_at", "etag", "last_modified", "digest", "error")}
        return cls(
            source=str(raw["source"]), checked_at=when("checked_at"), attempted_at=when("attempted_at"), **texts
        )


@dataclass(frozen=True, slots=True)
class Evidence:
    """The stored record behind one feed entry."""

    entry_id: str
    added: str
    threat: str
    target: str
    expression: str
    scope: str
    line: int
    exception: bool


def check_name(name: str) -> str:
    """A feed name usable as a file name; raises UsageError-family InputError otherwise."""
    if not _NAME.fullmatch(name):
        raise InputError(f"feed name {name!r}: use lower-case letters, digits, '-', '_' or '.' (up to 64)")
    return name


def _flags(entry: Entry) -> int:
    return (FLAG_EXACT_HOST if entry.scope == "host" else 0) | (FLAG_EXCEPTION if entry.exception else 0)


def _record(entry: Entry) -> bytes:
    rec = {
        "id": entry.entry_id,
        "added": entry.added,
        "threat": entry.threat,
        "target": entry.target,
        "expr": entry.expression,
        "scope": entry.scope,
        "line": entry.line,
        "exc": entry.exception,
    }
    return json.dumps(rec, ensure_ascii=True, separators=(",", ":")).encode("ascii") + b"\n"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def write_feed(path: Path, entries: Iterable[Entry], meta: dict[str, Any]) -> int:
    """Write a feed file atomically at ``path``; returns the number of entries."""
    digests: list[bytes] = []
    flags = bytearray()
    keys = array("I")
    offsets = array("Q")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=path.parent) as records:
        pos = 0
        for entry in entries:
            digests.append(full_hash(entry.expression))
            flags.append(_flags(entry))
            keys.append(host_key(expression_host(entry.expression)))
            rec = _record(entry)
            offsets.append(pos)
            records.write(rec)
            pos += len(rec)
        order = build_sorted(digests)
        n = len(digests)
        header = dict(
            meta, entries=n, exceptions=sum(1 for f in flags if f & FLAG_EXCEPTION), version=FORMAT_VERSION
        )
        head = json.dumps(header, ensure_ascii=True).encode("ascii")
        start = len(MAGIC) + 4 + len(head)
        sections = {
            "prefixes": start,
            "hashes": start + 4 * n,
            "flags": start + 36 * n,
            "keys": start + 37 * n,
            "offsets": start + 41 * n,
            "records": start + 49 * n + 8,
        }
        # The header names the section offsets, so it must be sized with them in it: iterate to a fixed point.
        while True:
            head = json.dumps(dict(header, sections=sections), ensure_ascii=True).encode("ascii")
            base = len(MAGIC) + 4 + len(head)
            new = {
                "prefixes": base,
                "hashes": base + 4 * n,
                "flags": base + 36 * n,
                "keys": base + 37 * n,
                "offsets": base + 41 * n,
                "records": base + 49 * n + 8,
            }
            if new == sections:
                break
            sections = new
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + struct.pack("<I", len(head)) + head)
                out.write(array("I", (prefix_of(digests[i]) for i in order)).tobytes())
                out.write(b"".join(digests[i] for i in order))
                out.write(bytes(flags[i] for i in order))
                out.write(array("I", (keys[i] for i in order)).tobytes())
                sorted_offsets = array("Q", (offsets[i] for i in order))
                sorted_offsets.append(pos)
                out.write(sorted_offsets.tobytes())
                records.seek(0)
                while chunk := records.read(1 << 20):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    return n


class LoadedFeed:
    """A feed file opened for lookups: its info, its :class:`HashIndex`, host keys, and records on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open("rb") as fh:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise DataError(
                f"cannot open feed file {path}: {exc}; re-import it with `hutong feeds import`"
            ) from exc
        mm = self._map
        if mm[: len(MAGIC)] != MAGIC:
            raise DataError(f"{path} is not a hutong feed file; re-import it with `hutong feeds import`")
        (hlen,) = struct.unpack_from("<I", mm, len(MAGIC))
        try:
            header = json.loads(mm[len(MAGIC) + 4 : len(MAGIC) + 4 + hlen])
            n = int(header["entries"])
            sec = header["sections"]
            self.info = _info(header)
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path} has a damaged header; re-import the feed") from exc
        if header.get("version") != FORMAT_VERSION:
            raise DataError(f"{path} has feed format version {header.get('version')!r}; re-import the feed")
        if len(mm) < sec["records"]:
            raise DataError(f"{path} is truncated; re-import the feed")
        view = memoryview(mm)
        self.index = HashIndex(
            u32_array(view[sec["prefixes"] : sec["prefixes"] + 4 * n]),
            view[sec["hashes"] : sec["hashes"] + HASH_SIZE * n],
            view[sec["flags"] : sec["flags"] + n],
        )
        self.host_keys = u32_array(view[sec["keys"] : sec["keys"] + 4 * n])
        self._offsets = view[sec["offsets"] : sec["offsets"] + 8 * (n + 1)].cast("B")
        self._records = sec["records"]

    def evidence(self, entry: int) -> Evidence:
        """The record of entry number ``entry`` (in prefix order)."""
        (start,) = struct.unpack_from("<Q", self._offsets, entry * 8)
        begin = self._records + start
        end = self._map.find(b"\n", begin)  # offsets are in prefix order, so a record ends at its newline
        try:
            rec = json.loads(self._map[begin : end if end != -1 else len(self._map)])
        except ValueError as exc:
            raise DataError(f"{self.path}: damaged record {entry}; re-import the feed") from exc
        return Evidence(
            entry_id=str(rec["id"]),
            added=str(rec["added"]),
            threat=str(rec["threat"]),
            target=str(rec["target"]),
            expression=str(rec["expr"]),
            scope=str(rec["scope"]),
            line=int(rec["line"]),
            exception=bool(rec["exc"]),
        )


def _info(header: dict[str, Any]) -> FeedInfo:
    return FeedInfo(
        name=str(header["name"]),
        format=str(header["format"]),
        source=str(header["source"]),
        fetched_at=datetime.fromisoformat(header["fetched_at"]),
        imported_at=datetime.fromisoformat(header["imported_at"]),
        entries=int(header["entries"]),
        exceptions=int(header.get("exceptions", 0)),
        malformed=int(header.get("malformed", 0)),
        ignored=int(header.get("ignored", 0)),
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The outcome of one import: the stored feed's info and the parse problems."""

    info: FeedInfo
    report: Report


class FeedStore:
    """The feed files under one directory (``data.dir/feeds``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}{SUFFIX}"

    def import_lines(
        self,
        name: str,
        fmt: str,
        lines: Iterable[str],
        *,
        source: str,
        fetched_at: datetime | None = None,
        now: datetime | None = None,
        state: FetchState | None = None,
    ) -> ImportResult:
        """Parse ``lines`` as ``fmt`` and store them as feed ``name``, replacing any older copy atomically.

        ``state`` (a URL source's validators) is stored beside the new copy; without one, a stored
        state is removed, since it described the copy this import replaces.
        """
        if fmt not in FORMATS:
            raise InputError(f"unknown feed format {fmt!r}; use one of {', '.join(FORMATS)}")
        now = now or datetime.now(UTC)
        report = Report()
        meta: dict[str, Any] = {
            "name": check_name(name),
            "format": fmt,
            "source": source,
            "fetched_at": _iso(fetched_at or now),
            "imported_at": _iso(now),
        }

        def entries() -> Iterator[Entry]:
            yield from parse(fmt, lines, report)
            # write_feed builds its header after the last entry, so the counts land in it.
            meta.update(malformed=report.malformed_count, ignored=report.ignored_count)

        path = self.path(name)
        write_feed(path, entries(), meta)
        if state is not None:
            state = dataclasses.replace(state, imported_at=meta["imported_at"], checked_at=now, attempted_at=now)
            self.save_state(name, state)
        else:
            self.state_path(name).unlink(missing_ok=True)
        return ImportResult(self.load(name).info, report)

    def import_file(
        self,
        file: Path,
        fmt: str,
        *,
        name: str | None = None,
        source: str | None = None,
        fetched_at: datetime | None = None,
    ) -> ImportResult:
        """Import a local feed file; its data is taken to be as old as the file's modification time."""
        try:
            mtime = datetime.fromtimestamp(file.stat().st_mtime, UTC)
            with file.open(encoding="utf-8", errors="replace", newline="") as fh:
                return self.import_lines(
                    name or _default_name(file),
                    fmt,
                    fh,
                    source=source or str(file),
                    fetched_at=fetched_at or min(mtime, datetime.now(UTC)),
                )
        except FileNotFoundError as exc:
            raise InputError(f"feed file {str(file)!r} does not exist") from exc
        except OSError as exc:
            raise InputError(f"cannot read feed file {str(file)!r}: {exc.strerror}") from exc

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name[: -len(SUFFIX)] for p in self.root.glob(f"*{SUFFIX}") if not p.name.startswith(".")
        )

    def signature(self) -> tuple[tuple[str, int, int, int], ...]:
        """Names, inodes, sizes and modification times of the feed files: changes when a feed is replaced."""
        out = []
        for name in self.names():
            try:
                st = self.path(name).stat()
            except OSError:
                continue
            out.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def state_path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}{STATE_SUFFIX}"

    def state(self, name: str) -> FetchState | None:
        """The stored fetch state of feed ``name``; None if there is none or it cannot be read (the next
        fetch is then unconditional, which is always safe)."""
        try:
            raw = json.loads(self.state_path(name).read_text(encoding="utf-8"))
            return FetchState.from_json(raw)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save_state(self, name: str, state: FetchState) -> None:
        """Store ``state`` beside feed ``name``, atomically (temporary file, then rename)."""
        path = self.state_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state.to_json(), out, ensure_ascii=True, indent=1)
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def confirmed(self, info: FeedInfo) -> FeedInfo:
        """``info`` with ``checked_at`` from the stored fetch state, if that state describes this copy."""
        state = self.state(info.name)
        checked = state.checked_at if state is not None and state.describes(info) else None
        return info if checked == info.checked_at else dataclasses.replace(info, checked_at=checked)

    def state_signature(self) -> tuple[tuple[str, int, int], ...]:
        """Names, sizes and modification times of the fetch states: changes when a source confirms a copy."""
        out = []
        for name in self.names():
            try:
                st = self.state_path(name).stat()
            except OSError:
                continue
            out.append((name, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def load(self, name: str) -> LoadedFeed:
        feed = LoadedFeed(self.path(name))
        feed.info = self.confirmed(feed.info)
        return feed

    def load_all(self) -> list[LoadedFeed]:
        return [self.load(n) for n in self.names()]

    def infos(self) -> list[FeedInfo]:
        return [feed.info for feed in self.load_all()]


def _default_name(file: Path) -> str:
    stem = re.sub(r"[^a-z0-9_.\-]+", "-", file.name.lower().split(".")[0]).strip("-.")
    return stem or "feed"
