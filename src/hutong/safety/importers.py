"""One small parser per threat-feed format, each turning lines into :class:`Entry` values.

Formats: URLhaus CSV, PhishTank CSV/JSON, OpenPhish (one URL a line), hosts files (exact host),
AdGuard/uBlock domain rules (``||domain^`` with ``@@`` exceptions), plain domain lists and plain
URL lists. A malformed line is reported with its line number and skipped; a rule hutong cannot
evaluate exactly (a modifier that narrows it, a path rule, a cosmetic rule) is reported as
ignored rather than applied more broadly than written. Nothing else is lost.
"""

from __future__ import annotations

import contextlib
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.psl import is_public_suffix
from ..errors import DataError, InputError
from .canon import canonical_host, canonicalize

Scope = Literal["url", "domain", "host"]
FORMATS: tuple[str, ...] = ("urlhaus", "phishtank", "openphish", "hosts", "adblock", "domains", "urls")
MAX_REPORTED = 1000  # problems kept with their text; past this only counted, so a junk file stays bounded

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")
_HOSTS_IGNORED = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "local",
        "broadcasthost",
        "ip6-localhost",
        "ip6-loopback",
        "0.0.0.0",  # noqa: S104 - a hosts-file address, not a bind
        "127.0.0.1",
        "::1",
    }
)
# Adblock modifiers that do not narrow a network rule for a DNS-level/domain decision.
_HARMLESS_MODIFIERS = frozenset({"important", "all", "document", "doc", "popup", "first-party", "1p"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed entry with its evidence; ``expression`` is a Safe Browsing expression (``host/path``)."""

    expression: str
    scope: Scope
    line: int
    entry_id: str = ""
    added: str = ""
    threat: str = ""
    target: str = ""
    exception: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that was skipped (malformed) or not applied (ignored), and why."""

    line: int
    message: str
    text: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class Report:
    """What a parse saw: counts, and the first problems with line numbers."""

    lines: int = 0
    entries: int = 0
    malformed: list[Problem] = field(default_factory=list)
    ignored: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    malformed_count: int = 0
    ignored_count: int = 0

    def bad(self, line: int, message: str, text: str = "") -> None:
        self.malformed_count += 1
        if len(self.malformed) < MAX_REPORTED:
            self.malformed.append(Problem(line, message, text[:200]))

    def ignore(self, line: int, message: str, text: str = "") -> None:
        self.ignored_count += 1
        if len(self.ignored) < MAX_REPORTED:
            self.ignored.append(Problem(line, message, text[:200]))

    def note(self, line: int, message: str) -> None:
        if len(self.notes) < MAX_REPORTED:
            self.notes.append(Problem(line, message))


def normalise_domain(text: str) -> str:
    """A domain name in canonical ASCII form; raises InputError when it is not one."""
    raw = text.strip().rstrip(".")
    if not raw or " " in raw or "/" in raw or ":" in raw or "@" in raw:
        raise InputError(f"{text!r} is not a domain name")
    host, is_ip = canonical_host(raw.encode("utf-8", "replace").decode("latin-1"))  # canon works on bytes
    if is_ip:
        return host
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InputError(f"{text!r} is not a domain name")
    return host


def _domain_entry(report: Report, line: int, host: str, scope: Scope, **evidence: Any) -> Entry:
    if scope == "domain" and is_public_suffix(host):
        # A shared-hosting suffix (github.io, weebly.com) is never blocked wholesale for one bad tenant.
        report.note(line, f"{host} is a public or shared-hosting suffix: matched as that exact host only")
        scope = "host"
    return Entry(expression=f"{host}/", scope=scope, line=line, **evidence)


def _url_entry(report: Report, line: int, url: str, **evidence: Any) -> Entry | None:
    url = url.strip()
    if len(url.split(maxsplit=1)) != 1:  # empty, or whitespace inside (str.split runs in C)
        report.bad(line, "not a URL (empty, or contains spaces)", url)
        return None
    try:
        c = canonicalize(url)
    except InputError as exc:
        report.bad(line, exc.message, url)
        return None
    scope: Scope = "url"
    if c.path == "/" and c.query is None and not c.is_ip and is_public_suffix(c.host):
        report.note(line, f"{c.host} is a shared-hosting suffix: matched as that exact host only")
        scope = "host"
    return Entry(expression=c.expression, scope=scope, line=line, **evidence)


def _text_lines(lines: Iterable[str], report: Report, comment: str = "#") -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(lines, start=1):
        report.lines = number
        text = raw.strip().lstrip("\ufeff")
        if text and not text.startswith(comment):
            yield number, text


def parse_urlhaus(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """URLhaus CSV: ``#`` comment header, every field quoted; ``id,dateadded,url,url_status,...``."""
    columns = [
        "id",
        "dateadded",
        "url",
        "url_status",
        "last_online",
        "threat",
        "tags",
        "urlhaus_link",
        "reporter",
    ]
    for number, raw in enumerate(lines, start=1):
        report.lines = number
        text = raw.strip().lstrip("\ufeff")
        if text.startswith("#"):
            header = text.lstrip("#").strip()
            if header.startswith("id,") and "url" in header:
                columns = [c.strip() for c in header.split(",")]
            continue
        if not text:
            continue
        rec = _csv_record(report, number, text, columns)
        if rec is None:
            continue
        if not rec.get("id", "").isdigit():
            report.bad(number, "id is not a number", text)
            continue
        tags = rec.get("tags", "")
        threat = rec.get("threat", "") + (f" ({tags})" if tags and tags != "None" else "")
        entry = _url_entry(
            report,
            number,
            rec.get("url", ""),
            entry_id=rec["id"],
            added=rec.get("dateadded", ""),
            threat=threat,
        )
        if entry is not None:
            yield entry


def _phishtank_record(report: Report, number: int, rec: dict[str, Any], text: str) -> Entry | None:
    pid, url = str(rec.get("phish_id", "")).strip(), rec.get("url")
    if not pid.isdigit() or not isinstance(url, str):
        report.bad(number, "needs a numeric phish_id and a url", text)
        return None
    if str(rec.get("verified", "yes")).lower() not in ("yes", "true"):
        report.ignore(number, "not verified by the community", text)
        return None
    return _url_entry(
        report,
        number,
        url,
        entry_id=pid,
        added=str(rec.get("submission_time", "")),
        threat="phishing",
        target=str(rec.get("target", "") or ""),
    )


def parse_phishtank(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """PhishTank ``online-valid`` CSV (header row) or JSON (a list of objects, numbered from 1)."""
    it = iter(lines)
    first, start = "", 0
    for number, raw in enumerate(it, start=1):  # the header is the first non-blank line
        first, start = raw, number
        if raw.strip():
            break
    if first.lstrip("\ufeff").lstrip().startswith("["):
        yield from _phishtank_json(first + "".join(it), report)
        return
    header: list[str] = []
    if first.strip():
        with contextlib.suppress(csv.Error):
            header = [c.strip() for c in next(csv.reader([first.lstrip("\ufeff").strip()]))]
    if "phish_id" not in header or "url" not in header:
        raise DataError(
            "PhishTank CSV must start with a header row naming phish_id and url "
            "(download online-valid.csv as published)"
        )
    report.lines = start
    for number, raw in enumerate(it, start=start + 1):
        report.lines = number
        text = raw.strip()
        if not text:
            continue
        rec = _csv_record(report, number, text, header)
        if rec is None:
            continue
        entry = _phishtank_record(report, number, rec, text)
        if entry is not None:
            yield entry


def _phishtank_json(text: str, report: Report) -> Iterator[Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"PhishTank JSON does not parse (line {exc.lineno}): {exc.msg}") from exc
    if not isinstance(data, list):
        raise DataError("PhishTank JSON must be a list of objects")
    for number, rec in enumerate(data, start=1):
        report.lines = number
        if not isinstance(rec, dict):
            report.bad(number, "item is not an object", repr(rec)[:200])
            continue
        entry = _phishtank_record(report, number, rec, json.dumps(rec)[:200])
        if entry is not None:
            yield entry


def parse_urls(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """One URL a line (OpenPhish, URLhaus text, URL lists); ``#`` comments; the id is the line number."""
    for number, text in _text_lines(lines, report):
        entry = _url_entry(report, number, text, entry_id=str(number))
        if entry is not None:
            yield entry


def parse_hosts(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """Hosts file: ``0.0.0.0 name [name ...]``; each name blocks exactly that host, not its subdomains."""
    for number, text in _text_lines(lines, report):
        fields = text.split("#", 1)[0].split()
        if len(fields) < 2:
            report.bad(number, "expected an address and at least one host name", text)
            continue
        _ip, is_ip = canonical_host(fields[0])
        if not is_ip and ":" not in fields[0]:
            report.bad(number, f"{fields[0]!r} is not an IP address", text)
            continue
        for name in fields[1:]:
            if name.lower() in _HOSTS_IGNORED:
                continue
            try:
                host = normalise_domain(name)
            except InputError:
                report.bad(number, f"{name!r} is not a host name", text)
                continue
            yield _domain_entry(report, number, host, "host", entry_id=str(number))


def parse_domains(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """One domain a line; each matches the domain and all its subdomains."""
    for number, text in _text_lines(lines, report):
        name = text.split("#", 1)[0].strip()
        try:
            host = normalise_domain(name)
        except InputError:
            report.bad(number, f"{name!r} is not a domain name", text)
            continue
        yield _domain_entry(report, number, host, "domain", entry_id=str(number))


def _adblock_rule(report: Report, number: int, text: str) -> Entry | None:
    if "##" in text or "#@#" in text or "#?#" in text or "#$#" in text or "#%#" in text:
        report.ignore(number, "cosmetic rule: pages are not rendered here", text)
        return None
    exception = text.startswith("@@")
    body = text[2:] if exception else text
    body, _, modifiers = body.partition("$")
    for modifier in filter(None, (m.strip().lstrip("~") for m in modifiers.split(","))):
        if modifier.split("=", 1)[0] not in _HARMLESS_MODIFIERS:
            report.ignore(number, f"modifier ${modifier} narrows the rule and cannot be evaluated here", text)
            return None
    if body.startswith("/") and body.endswith("/") and len(body) > 1:
        report.ignore(number, "regular-expression rule is not evaluated", text)
        return None
    if not body.startswith("||"):
        report.ignore(number, "only ||domain^ rules are evaluated", text)
        return None
    name = body[2:]
    if name.endswith("^|"):
        name = name[:-1]
    name = name.removesuffix("^")
    if any(ch in name for ch in "/^*|"):
        report.ignore(number, "path and wildcard rules are not evaluated", text)
        return None
    try:
        host = normalise_domain(name)
    except InputError:
        report.bad(number, f"{name!r} is not a domain name", text)
        return None
    return _domain_entry(report, number, host, "domain", entry_id=str(number), exception=exception)


def parse_adblock(lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """AdGuard/uBlock rules: ``||example.com^`` (domain and subdomains), ``@@`` exceptions, ``!`` comments."""
    for number, text in _text_lines(lines, report, comment="!"):
        if text.startswith("[") and text.endswith("]"):
            continue  # "[Adblock Plus 2.0]" header
        if text.startswith("#") and not text.startswith("##"):
            continue  # hosts-style comments appear in many DNS lists
        entry = _adblock_rule(report, number, text)
        if entry is not None:
            yield entry


PARSERS: dict[str, Callable[[Iterable[str], Report], Iterator[Entry]]] = {
    "urlhaus": parse_urlhaus,
    "phishtank": parse_phishtank,
    "openphish": parse_urls,
    "urls": parse_urls,
    "hosts": parse_hosts,
    "adblock": parse_adblock,
    "domains": parse_domains,
}


def parse(fmt: str, lines: Iterable[str], report: Report) -> Iterator[Entry]:
    """Entries of a feed in format ``fmt``; problems go to ``report``."""
    try:
        parser = PARSERS[fmt]
    except KeyError:
        raise InputError(f"unknown feed format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    for entry in parser(lines, report):
        report.entries += 1
        yield entry


def _csv_record(report: Report, number: int, text: str, columns: Sequence[str]) -> dict[str, str] | None:
    """One CSV line as a record of ``columns``; a malformed line is reported (with its number) and None."""
    try:
        row = next(csv.reader([text], strict=True))
    except csv.Error as exc:
        report.bad(number, f"not a CSV row: {exc}", text)
        return None
    if len(row) != len(columns):
        report.bad(number, f"expected {len(columns)} fields, found {len(row)}", text)
        return None
    return dict(zip(columns, row, strict=True))
