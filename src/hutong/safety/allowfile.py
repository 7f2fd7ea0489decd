"""The persisted operator allowlist: sites the operator allowed while the service runs, in ``data.dir``.

``safety.allow`` lives in the configuration file, which a running service never writes. Sites the
operator allows from the appeals view go to ``data.dir/operator-allow.json`` instead::

    {"items": [{"item": "example.com", "added": 1718000000.0, "by": "ops", "note": "appeal 12"}]}

Screening consults both (the ``allowlist`` rule, ``hutong.safety.screen.AllowRule``). The file is
written whole to a temporary name and renamed over the old one, under a lock file, so a reader
sees the old list or the new one and two writers never lose each other's entry; every worker picks
a change up on its next reload tick, as it does for threat feeds. An entry that no longer parses
(the file edited by hand) is skipped with a warning rather than disabling the whole list.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ConfigError, DataError, InputError
from ..jsonfile import write_json
from .domains import DomainList

log = logging.getLogger("hutong.safety")
FILE = "operator-allow.json"
LIST_NAME = "operator allowlist"  # how the allowlist rule's evidence names this list


@dataclass(frozen=True, slots=True)
class AllowEntry:
    """One allowed site: what, when, by whom (an API key name) and why."""

    item: str
    added: float
    by: str = ""
    note: str = ""


def check_item(item: str) -> str:
    """``item`` trimmed, if it is a domain or URL prefix the allowlist rule can match; ``InputError`` if not."""
    text = item.strip()
    try:
        if not text or not DomainList((text,), setting=LIST_NAME):
            raise InputError(f"{item!r} is not a domain or URL prefix", code="allow.invalid")
    except ConfigError as exc:
        raise InputError(exc.message, code="allow.invalid") from exc
    return text


class OperatorAllowlist:
    """The allowlist file of one data directory."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.path = Path(data_dir) / FILE

    def signature(self) -> tuple[int, int, int] | None:
        """Changes whenever the file is replaced (mtime, inode, size); None when there is no file."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)

    def entries(self) -> tuple[AllowEntry, ...]:
        """Every valid entry, in the order added."""
        out = []
        for entry in self._read():
            try:
                check_item(entry.item)
            except InputError as exc:
                log.warning("%s: entry %r skipped: %s", self.path, entry.item, exc.message)
                continue
            out.append(entry)
        return tuple(out)

    def items(self) -> tuple[str, ...]:
        """The allowed domains and URL prefixes."""
        return tuple(e.item for e in self.entries())

    def add(self, item: str, *, by: str = "", note: str = "") -> AllowEntry:
        """Allow ``item`` (a domain, with its subdomains, or a URL prefix); an item already there stays as it was."""
        text = check_item(item)
        with self._locked():
            entries = list(self._read())
            for entry in entries:
                if entry.item == text:
                    return entry
            added = AllowEntry(text, time.time(), by, note)
            self._write([*entries, added])
        return added

    def remove(self, item: str) -> bool:
        """Stop allowing ``item``; False if it was not there."""
        with self._locked():
            entries = list(self._read())
            kept = [e for e in entries if e.item != item.strip()]
            if len(kept) == len(entries):
                return False
            self._write(kept)
        return True

    def _read(self) -> Iterator[AllowEntry]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise DataError(
                f"the operator allowlist {str(self.path)!r} is unreadable ({exc}); fix or delete it"
            ) from exc
        rows = doc.get("items") if isinstance(doc, dict) else None
        if not isinstance(rows, list):
            raise DataError(f"the operator allowlist {str(self.path)!r} has no list of items; fix or delete it")
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("item"), str):
                yield AllowEntry(
                    row["item"], float(row.get("added") or 0.0), str(row.get("by", "")), str(row.get("note", ""))
                )

    def _write(self, entries: list[AllowEntry]) -> None:
        doc = {"items": [asdict(e) for e in entries]}
        write_json(self.path, doc, sort_keys=False)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes (read, change, write back)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(FILE + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
