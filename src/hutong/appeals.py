"""Appeals: a visitor's "this is a mistake" about one link's decision, and the operator's answer.

A report is filed from a block or warning page. The URL it is about always comes from the signed
go-link token of that page (the form only adds the visitor's words), and the decision, verdict and
evidence it records are those of a check made at that moment, so the operator sees what the
visitor saw. The operator then **allows** the site (it goes into the persisted operator allowlist,
``hutong.safety.allowfile``, that screening consults) or **dismisses** the report. The
transparency report counts reports received and how many led to a change.

Nothing here imports a web framework or a database driver: the audit stores implement
:class:`AppealStore`, and the service's pages are thin callers of :func:`new_appeal` and
:func:`settle`.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from .core.model import Level, LinkReport, Reason
from .errors import InputError

Status = Literal["open", "allowed", "dismissed"]
STATUSES: tuple[Status, ...] = ("open", "allowed", "dismissed")
MAX_MESSAGE = 2000  # characters of the visitor's explanation
MAX_CONTACT = 200  # characters of the optional contact (an address or a chat handle)


@dataclass(frozen=True, slots=True)
class Appeal:
    """One report of a mistake: what was decided about which URL, why, and what the visitor said."""

    time: float  # Unix seconds, when it was filed
    url: str  # from the signed go-link token
    site: str | None
    context: str
    action: str  # the decision when the report was filed
    rule: str
    level: str
    reasons: tuple[Reason, ...]  # the verdict's reasons, with their evidence
    policy_version: str
    message: str = ""
    contact: str = ""
    status: Status = "open"
    settled_at: float | None = None
    settled_by: str = ""  # the API key name of the operator who settled it
    note: str = ""  # what settling did ("allowed example.com")
    id: int = 0  # given by the store

    @property
    def host(self) -> str:
        """The URL's host (what an allowlist entry covers when the URL has no registrable domain)."""
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def allow_item(self) -> str:
        """What allowing this appeal adds to the operator allowlist: the registrable domain, else the host."""
        return self.site or self.host


@dataclass(frozen=True, slots=True)
class AppealCounts:
    """Appeals filed in a time range: all of them, those that led to a change, those still open."""

    received: int = 0
    changed: int = 0
    open: int = 0


@runtime_checkable
class AppealStore(Protocol):
    """Where appeals are kept: both audit stores (SQLite and PostgreSQL) implement it."""

    def add_appeal(self, appeal: Appeal) -> int:
        """Store a new appeal durably; return its id."""
        ...

    def appeals(self, *, status: Status | None = None, limit: int = 100) -> tuple[Appeal, ...]:
        """Appeals, newest first; only those with ``status`` if given."""
        ...

    def appeal(self, appeal_id: int) -> Appeal | None:
        """One appeal by id, or None."""
        ...

    def settle_appeal(self, appeal_id: int, status: Status, *, at: float, by: str, note: str) -> Appeal | None:
        """Record the operator's answer; the updated appeal, or None if there is no such appeal."""
        ...

    def appeal_counts(self, since: float | None = None, until: float | None = None) -> AppealCounts:
        """Counts of appeals filed with ``since <= time < until``."""
        ...


def clean_text(value: str, limit: int, field: str) -> str:
    """A visitor's text as stored: control characters (but newlines) dropped, trimmed, at most ``limit``."""
    text = "".join(c for c in value.replace("\r\n", "\n") if c == "\n" or unicodedata.category(c)[0] != "C").strip()
    if len(text) > limit:
        raise InputError(f"the {field} is {len(text)} characters; the limit is {limit}", code="appeal.too_long")
    return text


def new_appeal(
    report: LinkReport,
    *,
    context: str,
    policy_version: str,
    message: str = "",
    contact: str = "",
    now: float | None = None,
) -> Appeal:
    """An appeal against ``report`` (a check of the go-link's URL made now), with the visitor's words."""
    if report.url is None or report.decision is None:
        raise InputError("only a decided web link can be reported", code="appeal.not_a_link")
    return Appeal(
        time=time.time() if now is None else now,
        url=report.url,
        site=report.site,
        context=context,
        action=report.decision.action.value,
        rule=report.decision.rule,
        level=report.verdict.level.label,
        reasons=report.verdict.reasons,
        policy_version=policy_version,
        message=clean_text(message, MAX_MESSAGE, "message"),
        contact=clean_text(contact, MAX_CONTACT, "contact"),
    )


class Allowlist(Protocol):
    """The persisted operator allowlist, as settling needs it (``hutong.safety.allowfile.OperatorAllowlist``)."""

    def add(self, item: str, *, by: str, note: str) -> object: ...


def settle(
    store: AppealStore,
    appeal_id: int,
    *,
    allow: bool,
    by: str,
    allowlist: Allowlist,
    reload: Callable[[], object],
    now: float | None = None,
) -> Appeal:
    """Answer an appeal: ``allow`` adds its site to the operator allowlist and reloads screening, else dismiss.

    ``reload`` makes this process screen with the new allowlist at once (``Engine.reload``); other
    workers pick it up on their next reload tick.
    """
    found = store.appeal(appeal_id)
    if found is None:
        raise InputError(f"there is no appeal {appeal_id}", code="appeal.unknown")
    at = time.time() if now is None else now
    if allow:
        item = found.allow_item
        if not item:
            raise InputError(f"appeal {appeal_id} names no host to allow", code="appeal.no_host")
        allowlist.add(item, by=by, note=f"appeal {appeal_id}")
        reload()
        status: Status = "allowed"
        note = f"allowed {item}"
    else:
        status, note = "dismissed", "dismissed"
    settled = store.settle_appeal(appeal_id, status, at=at, by=by, note=note)
    if settled is None:  # deleted between the two calls (retention)
        raise InputError(f"there is no appeal {appeal_id}", code="appeal.unknown")
    return settled


# -- storage form ------------------------------------------------------------------------------------


def reasons_json(reasons: tuple[Reason, ...]) -> str:
    """The reasons as stored: a JSON list in the CLI contract's form."""
    return json.dumps([r.to_json() for r in reasons], ensure_ascii=False, separators=(",", ":"))


def reasons_from_json(text: str) -> tuple[Reason, ...]:
    """Inverse of :func:`reasons_json`."""
    out = []
    for item in json.loads(text or "[]"):
        out.append(_reason(item))
    return tuple(out)


def _reason(item: dict[str, Any]) -> Reason:
    evidence = item.get("evidence") or {}
    return Reason(
        code=str(item["code"]),
        detail=str(item.get("detail", "")),
        detail_zh=str(item.get("detail_zh", "")),
        level=Level.parse(str(item.get("level", "suspicious"))),
        evidence=tuple((str(k), str(v)) for k, v in evidence.items()),
    )


def with_id(appeal: Appeal, appeal_id: int) -> Appeal:
    """``appeal`` as stored under ``appeal_id``."""
    return replace(appeal, id=appeal_id)
