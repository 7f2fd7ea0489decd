"""Export audit events as CSV or JSON lines, streamed (one event in memory at a time)."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable
from typing import Any, Literal, TextIO

from ..audit import AuditEvent
from ..errors import UsageError

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")
FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(AuditEvent))  # export column order


def event_json(ev: AuditEvent) -> dict[str, Any]:
    """One event as a JSON object (``reasons`` a list; absent values null)."""
    return {f: (list(ev.reasons) if f == "reasons" else getattr(ev, f)) for f in FIELDS}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return guard_formula(" ".join(value))
    if isinstance(value, float):
        return repr(value)
    return guard_formula(str(value))


def guard_formula(text: str) -> str:
    """Defuse a cell a spreadsheet would run as a formula (OWASP CSV injection): prefix a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_events(events: Iterable[AuditEvent], out: TextIO, fmt: str) -> int:
    """Write ``events`` to ``out`` in ``fmt`` (csv or jsonl); return how many were written."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use csv or jsonl")
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(FIELDS)
        for ev in events:
            obj = event_json(ev)
            writer.writerow([_csv_cell(obj[f]) for f in FIELDS])
            n += 1
    else:
        for ev in events:
            out.write(json.dumps(event_json(ev), ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    return n
