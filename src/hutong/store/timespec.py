"""Times on the command line: ISO dates and times (UTC unless an offset is given) or ages like ``7d``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..errors import UsageError

_AGE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}


def parse_time(text: str, now: float) -> float:
    """``2026-11-01``, ``2026-11-01T08:00``, ``2026-11-01T08:00+08:00`` or ``7d`` (ago) → Unix seconds."""
    spec = text.strip()
    if m := _AGE.fullmatch(spec):
        return now - float(m[1]) * _UNIT[m[2]]
    try:
        when = datetime.fromisoformat(spec.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r}; write a date (2026-11-01), a date and time "
            "(2026-11-01T08:00, UTC unless an offset like +08:00 follows) or an age (90m, 24h, 7d, 2w)"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
