"""Platform data: one TOML file per platform under ``hutong/data/platforms``, one schema for all.

The schema is documented in ``docs/platforms.md``. Code never names a platform: it
reads these records. Adding a platform is adding a file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..errors import DataError
from .model import CATEGORIES, KINDS
from .reach import WallIndex, WallKind, WallRule, split_entry

T = TypeVar("T")
ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
WRAPPER_DECODERS = ("param", "proofpoint_v1", "proofpoint_v2", "proofpoint_v3", "applink")
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # fields of a canonical template
SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.\-]{1,31}$")
# schemes an [[applinks]] entry may not claim: the web's own, and those the structural checks judge
RESERVED_SCHEMES = frozenset(
    {"http", "https", "ftp", "ftps", "ws", "wss", "file", "javascript", "vbscript", "data", "blob", "about", "mailto"}
)


@dataclass(frozen=True, slots=True)
class ContentPattern:
    """A URL shape that says what a page is: kind, where its id is, its canonical form."""

    kind: str
    hosts: tuple[str, ...]  # exact hostnames; "*.example.com" also matches example.com and its subdomains
    path: re.Pattern[str] | None = None  # searched on the path; a group named "id" captures the id
    query_id: str | None = None  # query parameter that carries the id
    id_pattern: re.Pattern[str] | None = None  # full-match validation of the id
    canonical: str | None = None  # template: {id}, {host}, {path}
    keep: tuple[str, ...] = ()  # query parameters this page needs (locators): never removed
    canonical_params: tuple[str, ...] = ()  # query parameters appended to the canonical URL when present
    category: str | None = None  # this page's category when it is not the platform's (a video app's shop)
    payee_param: str | None = None  # query parameter naming who is paid (a payment page)
    amount_param: str | None = None  # query parameter carrying the amount


@dataclass(frozen=True, slots=True)
class AppLinkRule:
    """One form of a platform's app links (``scheme://…``) and the web page showing the same content.

    ``match`` is matched at the start of what follows ``scheme://`` (percent-decoded first when ``decode``);
    ``web`` is the web equivalent's template over its named groups, None when there is none. A group named
    ``url`` holds a whole web URL (a wrapped page); ``id``, ``payee`` and ``amount`` say what they say.
    """

    schemes: tuple[str, ...]
    match: re.Pattern[str]
    web: str | None = None
    decode: bool = False
    kind: str | None = None
    category: str | None = None  # when not the platform's (a wallet's pay code, a chat app's mini-program)


@dataclass(frozen=True, slots=True)
class ShareKind:
    cue: str
    kind: str
    category: str | None = None  # when the cue also says what the link is for (a friend-pays request)


@dataclass(frozen=True, slots=True)
class ShareRules:
    """How this platform's share texts look."""

    cues: tuple[str, ...] = ()  # any of these in a message marks it as this platform's share text
    token_cues: tuple[str, ...] = ()  # cues that allow an app-password token (淘口令) to be recognised
    title_patterns: tuple[re.Pattern[str], ...] = ()  # a group named "title" captures the quoted title
    kinds: tuple[ShareKind, ...] = ()  # cue → kind, first match wins
    miniprogram_names: tuple[str, ...] = ()  # names in "#小程序://NAME/code"
    payee_patterns: tuple[re.Pattern[str], ...] = ()  # a group named "payee": who a payment request pays
    amount_patterns: tuple[re.Pattern[str], ...] = ()  # a group named "amount" (and perhaps "currency")


@dataclass(frozen=True, slots=True)
class Wrapper:
    """A redirect wrapper whose target is inside the URL itself."""

    hosts: tuple[str, ...]
    path: re.Pattern[str] | None = None
    params: tuple[str, ...] = ()  # query parameters that may hold the target, first present wins
    decode: str = "param"  # one of WRAPPER_DECODERS


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str
    name_zh: str
    category: str
    hosts: tuple[str, ...]  # registrable domains or hosts owned by the platform (subdomains included)
    short_hosts: tuple[str, ...] = ()  # hosts whose links must be resolved over the network
    short_prefixes: tuple[str, ...] = ()  # "host/path-prefix" short links on otherwise normal hosts
    share: ShareRules = ShareRules()
    keep: tuple[str, ...] = ()  # essential parameters on every page of the platform
    strip: tuple[str, ...] = ()  # tracking parameters ("prefix*" allowed)
    strip_all_others: bool = False  # allowlist mode: drop every parameter not kept
    strip_fragments: tuple[str, ...] = ()  # fragments that are tracking (e.g. "wechat_redirect")
    drop_defaults: tuple[tuple[str, str], ...] = ()  # (name, value): a kept parameter dropped at its default
    patterns: tuple[ContentPattern, ...] = ()
    wrappers: tuple[Wrapper, ...] = ()
    applinks: tuple[AppLinkRule, ...] = ()
    walls: tuple[WallRule, ...] = ()  # login, app-download and error pages, from ``[walls]``
    source: str = ""  # file it came from

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category this platform's links can have: its own, then its patterns', app links' and share
        kinds' own, in data order."""
        own = (
            *(p.category for p in self.patterns),
            *(a.category for a in self.applinks),
            *(k.category for k in self.share.kinds),
        )
        return tuple(dict.fromkeys((self.category, *(c for c in own if c))))

    @property
    def schemes(self) -> tuple[str, ...]:
        """The app-link schemes this platform's ``[[applinks]]`` name, in data order."""
        return tuple(dict.fromkeys(s for a in self.applinks for s in a.schemes))


class HostIndex(Generic[T]):
    """Values filed under host patterns (exact, or ``*.domain``); a lookup costs one probe per label."""

    def __init__(self) -> None:
        self._exact: dict[str, list[tuple[int, T]]] = {}
        self._domain: dict[str, list[tuple[int, T]]] = {}
        self._count = 0

    def add(self, pattern: str, value: T) -> None:
        """File ``value`` under ``pattern``; lookups return values in the order they were added."""
        table, key = (self._domain, pattern[2:]) if pattern.startswith("*.") else (self._exact, pattern)
        table.setdefault(key.lower(), []).append((self._count, value))
        self._count += 1

    def lookup(self, host: str) -> list[T]:
        """Every value whose pattern matches ``host``, in the order added, without duplicates."""
        host = host.lower()
        found: list[tuple[int, T]] = []
        hits = self._exact.get(host)
        if hits:
            found += hits
        domain, start = self._domain, 0
        while True:  # the host, then each suffix after a dot: one probe per label
            hits = domain.get(host[start:])
            if hits:
                found += hits
            dot = host.find(".", start)
            if dot < 0:
                break
            start = dot + 1
        if len(found) < 2:
            return [value for _, value in found]
        out: list[T] = []
        for _, value in sorted(found, key=lambda pair: pair[0]):
            if not any(v is value for v in out):
                out.append(value)
        return out


def owns_host(hosts: Iterable[str], host: str) -> bool:
    """True if ``host`` is one of ``hosts`` or a subdomain of one (label boundary, never a suffix trick)."""
    return any(host == h or host.endswith("." + h) for h in hosts)


def _strs(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _regex(value: Any, where: str) -> re.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"{where}: expected a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise DataError(f"{where}: bad regular expression {value!r}: {exc}") from exc


def _check_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise DataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


_TOP = {
    "id",
    "name",
    "name_zh",
    "category",
    "hosts",
    "short_hosts",
    "short_prefixes",
    "share",
    "params",
    "patterns",
    "wrappers",
    "applinks",
    "walls",
}
# [walls] key → (kind of wall, whether entries are "host/path-prefix" rather than hosts)
WALL_KEYS: dict[str, tuple[WallKind, bool]] = {
    "login_hosts": ("login", False),
    "login_prefixes": ("login", True),
    "app_hosts": ("app", False),
    "app_prefixes": ("app", True),
    "error_prefixes": ("error", True),
}
_WALL_HOST_RE = re.compile(r"^(?:\*\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")


def parse_walls(raw: Any, platform: str, source: str) -> tuple[WallRule, ...]:
    """The ``[walls]`` table: hosts (``*.domain`` allowed) and ``host/path-prefix`` entries per kind of wall."""
    where = f"{source} [walls]"
    if not isinstance(raw, dict):
        raise DataError(f"{where}: must be a table")
    _check_keys(raw, set(WALL_KEYS), where)
    rules: list[WallRule] = []
    for key, (kind, prefixed) in WALL_KEYS.items():
        for entry in _strs(raw, key, where):
            host, prefix = split_entry(entry)
            if not _WALL_HOST_RE.match(host) or host != entry.partition("/")[0]:
                raise DataError(f"{where}: {key} entry {entry!r} needs a lower-case host name")
            if prefixed != (prefix is not None) or (prefixed and host.startswith("*.")):
                shape = "host/path-prefix (an exact host)" if prefixed else "host, without a path"
                raise DataError(f"{where}: {key} entry {entry!r} must be a {shape}")
            rules.append(WallRule(kind, host, prefix, platform))
    return tuple(rules)


def parse_platform(raw: Mapping[str, Any], source: str = "<data>") -> Platform:
    """Validate one platform record against the schema."""
    _check_keys(raw, _TOP, source)
    pid = raw.get("id")
    if not isinstance(pid, str) or not ID_RE.match(pid):
        raise DataError(f"{source}: id must match {ID_RE.pattern}")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise DataError(f"{source}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    share_raw = raw.get("share", {})
    _check_keys(
        share_raw,
        {"cues", "token_cues", "title_patterns", "kinds", "miniprogram_names", "payee_patterns", "amount_patterns"},
        f"{source} [share]",
    )
    kinds = []
    for i, k in enumerate(share_raw.get("kinds", [])):
        _check_keys(k, {"cue", "kind", "category"}, f"{source} share.kinds[{i}]")
        if k.get("kind") not in KINDS:
            raise DataError(
                f"{source} share.kinds[{i}]: kind {k.get('kind')!r} is not one of {', '.join(KINDS)}"
            )
        kinds.append(ShareKind(str(k["cue"]), str(k["kind"]), _category(k, f"{source} share.kinds[{i}]")))
    titles = []
    for i, t in enumerate(share_raw.get("title_patterns", [])):
        rx = _regex(t, f"{source} share.title_patterns[{i}]")
        if rx is None or "title" not in rx.groupindex:
            raise DataError(f"{source} share.title_patterns[{i}]: needs a group named 'title'")
        titles.append(rx)
    share = ShareRules(
        payee_patterns=_group_patterns(share_raw, "payee_patterns", "payee", source),
        amount_patterns=_group_patterns(share_raw, "amount_patterns", "amount", source),
        cues=_strs(share_raw, "cues", source),
        token_cues=_strs(share_raw, "token_cues", source),
        title_patterns=tuple(titles),
        kinds=tuple(kinds),
        miniprogram_names=_strs(share_raw, "miniprogram_names", source),
    )
    params = raw.get("params", {})
    _check_keys(
        params,
        {"keep", "strip", "strip_all_others", "strip_fragments", "drop_defaults"},
        f"{source} [params]",
    )
    defaults_raw = params.get("drop_defaults", {})
    if not isinstance(defaults_raw, dict) or not all(isinstance(v, str) for v in defaults_raw.values()):
        raise DataError(f'{source} [params]: drop_defaults must be a table of parameter = "value" strings')
    patterns = []
    for i, p in enumerate(raw.get("patterns", [])):
        where = f"{source} patterns[{i}]"
        _check_keys(
            p,
            {
                "kind", "hosts", "path", "query_id", "id_pattern", "canonical", "keep", "canonical_params",
                "category", "payee_param", "amount_param",
            },
            where,
        )
        if p.get("kind") not in KINDS:
            raise DataError(f"{where}: kind {p.get('kind')!r} is not one of {', '.join(KINDS)}")
        pattern_category = p.get("category")
        if pattern_category is not None and pattern_category not in CATEGORIES:
            raise DataError(
                f"{where}: category {pattern_category!r} is not one of {', '.join(CATEGORIES)}"
            )
        path = _regex(p.get("path"), where)
        id_pattern = _regex(p.get("id_pattern"), where)
        query_id = p.get("query_id")
        if query_id is not None and not isinstance(query_id, str):
            raise DataError(f"{where}: query_id must be a string")
        if (path is None or "id" not in path.groupindex) and not query_id:
            raise DataError(f"{where}: needs a path group named 'id' or a query_id")
        canonical = p.get("canonical")
        if canonical is not None:
            known = {"id", "host", "path", *(path.groupindex if path is not None else ())}
            unknown_fields = set(PLACEHOLDER_RE.findall(str(canonical))) - known
            if unknown_fields:
                raise DataError(
                    f"{where}: canonical uses unknown field(s) {', '.join(sorted(unknown_fields))}"
                )
        patterns.append(
            ContentPattern(
                kind=p["kind"],
                hosts=_strs(p, "hosts", where),
                path=path,
                query_id=query_id,
                id_pattern=id_pattern,
                canonical=None if canonical is None else str(canonical),
                keep=_strs(p, "keep", where),
                canonical_params=_strs(p, "canonical_params", where),
                category=None if pattern_category in (None, category) else str(pattern_category),
                payee_param=_name(p, "payee_param", where),
                amount_param=_name(p, "amount_param", where),
            )
        )
    wrappers = []
    for i, w in enumerate(raw.get("wrappers", [])):
        where = f"{source} wrappers[{i}]"
        _check_keys(w, {"hosts", "path", "params", "decode"}, where)
        decode = w.get("decode", "param")
        if decode not in WRAPPER_DECODERS:
            raise DataError(f"{where}: decode {decode!r} is not one of {', '.join(WRAPPER_DECODERS)}")
        wrappers.append(
            Wrapper(_strs(w, "hosts", where), _regex(w.get("path"), where), _strs(w, "params", where), decode)
        )
    hosts = _strs(raw, "hosts", source)
    if not hosts:
        raise DataError(f"{source}: hosts must not be empty")
    return Platform(
        id=pid,
        name=str(raw.get("name", pid)),
        name_zh=str(raw.get("name_zh", "")),
        category=str(category),
        hosts=hosts,
        short_hosts=_strs(raw, "short_hosts", source),
        short_prefixes=_strs(raw, "short_prefixes", source),
        share=share,
        keep=_strs(params, "keep", source),
        strip=_strs(params, "strip", source),
        strip_all_others=bool(params.get("strip_all_others", False)),
        strip_fragments=_strs(params, "strip_fragments", source),
        drop_defaults=tuple(sorted(defaults_raw.items())),
        patterns=tuple(patterns),
        wrappers=tuple(wrappers),
        applinks=tuple(
            _applink(a, str(category), f"{source} applinks[{i}]") for i, a in enumerate(raw.get("applinks", []))
        ),
        walls=parse_walls(raw.get("walls", {}), pid, source),
        source=source,
    )


def _category(raw: Mapping[str, Any], where: str) -> str | None:
    value = raw.get("category")
    if value is not None and value not in CATEGORIES:
        raise DataError(f"{where}: category {value!r} is not one of {', '.join(CATEGORIES)}")
    return None if value is None else str(value)


def _name(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise DataError(f"{where}: {key} must be a parameter name")
    return value


def _group_patterns(raw: Mapping[str, Any], key: str, group: str, source: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, text in enumerate(raw.get(key, [])):
        rx = _regex(text, f"{source} share.{key}[{i}]")
        if rx is None or group not in rx.groupindex:
            raise DataError(f"{source} share.{key}[{i}]: needs a group named {group!r}")
        out.append(rx)
    return tuple(out)


def _applink(raw: Mapping[str, Any], platform_category: str, where: str) -> AppLinkRule:
    """One ``[[applinks]]`` entry: schemes that no web page or structural check owns, a regex, a template."""
    _check_keys(raw, {"schemes", "match", "web", "decode", "kind", "category"}, where)
    schemes = tuple(s.lower() for s in _strs(raw, "schemes", where))
    if not schemes:
        raise DataError(f"{where}: schemes must not be empty")
    for scheme in schemes:
        if not SCHEME_RE.match(scheme) or scheme in RESERVED_SCHEMES:
            raise DataError(
                f"{where}: scheme {scheme!r} cannot be an app scheme (a scheme name, not http(s), file, "
                "javascript, data or another scheme the structural checks judge)"
            )
    match = _regex(raw.get("match", ""), where)
    assert match is not None  # a string always compiles or raises
    web = raw.get("web")
    if web is not None:
        if not isinstance(web, str) or not (web.startswith(("https://", "http://")) or web == "{url}"):
            raise DataError(f"{where}: web must be an http(s) URL template or \"{{url}}\"")
        unknown = set(PLACEHOLDER_RE.findall(web)) - set(match.groupindex)
        if unknown:
            raise DataError(f"{where}: web uses field(s) {', '.join(sorted(unknown))} that match does not capture")
    if "url" in match.groupindex and web != "{url}":
        raise DataError(f"{where}: a match capturing a whole web URL (group 'url') needs web = \"{{url}}\"")
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        raise DataError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    decode = raw.get("decode", False)
    if not isinstance(decode, bool):
        raise DataError(f"{where}: decode must be true or false")
    category = _category(raw, where)
    return AppLinkRule(
        schemes=schemes,
        match=match,
        web=web,
        decode=decode,
        kind=None if kind is None else str(kind),
        category=None if category in (None, platform_category) else category,
    )


def load_dir(path: Path) -> tuple[Platform, ...]:
    """Load every ``*.toml`` platform file in ``path`` (sorted by file name)."""
    out = []
    seen: dict[str, str] = {}
    schemes: dict[str, str] = {}  # an app scheme belongs to one platform, as a host does
    for file in sorted(path.glob("*.toml")):
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{file.name}: not valid TOML: {exc}") from exc
        p = parse_platform(raw, file.name)
        if p.id in seen:
            raise DataError(f"{file.name}: platform id {p.id!r} already defined in {seen[p.id]}")
        seen[p.id] = file.name
        for scheme in p.schemes:
            if scheme in schemes:
                raise DataError(f"{file.name}: app scheme {scheme!r} already claimed by {schemes[scheme]}")
            schemes[scheme] = file.name
        out.append(p)
    return tuple(out)


@cache
def bundled() -> tuple[Platform, ...]:
    """The platforms shipped with hutong."""
    root = resources.files("hutong") / "data" / "platforms"
    return load_dir(Path(str(root)))


def wall_index(platforms: Iterable[Platform]) -> WallIndex:
    """Every platform's listed walls in one index, for every link alike (``hutong.core.reach``)."""
    return WallIndex(rule for p in platforms for rule in p.walls)


def by_id() -> dict[str, Platform]:
    return {p.id: p for p in bundled()}
