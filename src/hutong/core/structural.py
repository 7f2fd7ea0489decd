"""Structural checks: what a URL's shape alone says about it, with no feed and no network.

Each check is a small rule object with a stable ``code`` and a ``check`` method; ``RULES`` is
their order. ``check`` runs them all over a parsed :class:`hutong.core.link.Link` and the text it was
written as, and returns a ``Verdict``: ``Verdict(Level.SAFE, ())`` means "no structural finding"
(not "the link is safe"). The ``structural`` screening rule (``hutong.safety.screen``) runs them
in the screening chain beside the feeds, lookalike and operator rules. Levels: ``malicious`` only
for schemes that run code (``javascript:``, ``vbscript:``, ``data:``); ``suspicious`` for deception
and obfuscation (an ``xn--`` label that does not decode is one).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import ClassVar, Protocol

from hutong.core.ipforms import embedded_ipv4, parse_ipv4_any
from hutong.core.link import Link
from hutong.core.model import Level, Reason, Verdict
from hutong.core.psl import site
from hutong.core.scripts import is_mixed_script, scripts_of

CODE_RUNNING_SCHEMES = frozenset({"javascript", "vbscript", "data"})
WEB_SCHEMES = frozenset({"http", "https"})
# Characters that IDNA maps to nothing (UTS #46 "ignored"): a host can hide them and still resolve.
_IGNORED_RANGES = (
    (0x180B, 0x180F),
    (0x200B, 0x200B),
    (0x2060, 0x2064),
    (0xFE00, 0xFE0F),
    (0x1BCA0, 0x1BCA3),
    (0xE0100, 0xE01EF),
)


def _invisible(char: str) -> bool:
    code = ord(char)
    return (
        char in "\u00ad\u034f\ufeff"
        or unicodedata.category(char) == "Cf"
        or any(low <= code <= high for low, high in _IGNORED_RANGES)
    )


@dataclass(frozen=True, slots=True)
class Limits:
    """Thresholds of the length rule; beyond them a URL is unusual enough to say so."""

    url_length: int = 4096
    host_length: int = 120
    subdomain_labels: int = 5


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Subject:
    """What a rule looks at: the parsed URL and the raw text it was written as."""

    url: Link
    raw: str

    @property
    def raw_host(self) -> str:
        """The host as written in the raw text (worked out when a rule asks: most never need it)."""
        return raw_host(self.raw)


class Rule(Protocol):
    """One structural check: a stable code, and a reason when the URL shows the trait."""

    code: ClassVar[str]

    def check(self, subject: Subject) -> Reason | None: ...


_HOST_END = re.compile(r"[/\\?#]")


def raw_host(raw: str) -> str:
    """The host as written in ``raw`` (before any decoding): between the scheme and the path, after ``@``."""
    text = raw.strip()
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    head, sep, rest = text.partition(":")
    if (
        sep
        and head.isascii()
        and head[:1].isalpha()
        and "." not in head
        and rest[:2] in ("//", "\\\\", "/\\", "\\/")
    ):
        text = rest
    text = text.lstrip("/\\")
    end = _HOST_END.search(text)  # the host stops at the first of "/", "\\", "?" or "#"
    if end is not None:
        text = text[: end.start()]
    host = text.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    name, colon, port = host.rpartition(":")
    return name if colon and (port.isdigit() or not port) else host


def _reason(code: str, level: Level, detail: str, detail_zh: str, **evidence: str) -> Reason:
    return Reason(
        code=code, detail=detail, detail_zh=detail_zh, level=level, evidence=tuple(evidence.items())
    )


@dataclass(frozen=True, slots=True)
class SchemeRule:
    """A scheme other than http(s); schemes that run code are malicious in a chat link."""

    code: ClassVar[str] = "structural.scheme"

    def check(self, subject: Subject) -> Reason | None:
        scheme = subject.url.scheme
        if scheme in WEB_SCHEMES:
            return None
        if scheme in CODE_RUNNING_SCHEMES:
            return _reason(
                self.code,
                Level.MALICIOUS,
                f"The link uses the {scheme}: scheme, which runs code or shows content that is no web page.",
                f"该链接使用 {scheme}: 协议，会执行代码或直接显示非网页内容。",
                scheme=scheme,
            )
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The link uses the {scheme}: scheme, not http or https.",
            f"该链接使用 {scheme}: 协议，而不是 http 或 https。",
            scheme=scheme,
        )


@dataclass(frozen=True, slots=True)
class UserinfoRule:
    """A user name or password before the host: ``https://item.taobao.com@evil.test/`` goes to evil.test."""

    code: ClassVar[str] = "structural.userinfo"

    def check(self, subject: Subject) -> Reason | None:
        url = subject.url
        if not url.has_userinfo:
            return None
        shown = url.username
        if "." in shown and (site(shown) is not None):
            return _reason(
                self.code,
                Level.SUSPICIOUS,
                f"The link shows '{shown}' before an @, but it really goes to {url.unicode_host}.",
                f"链接在 @ 前显示“{shown}”，实际打开的是 {url.unicode_host}。",
                shown=shown,
                host=url.host,
            )
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The link carries a user name or password before its host {url.unicode_host}.",
            f"该链接在主机 {url.unicode_host} 前带有用户名或密码。",
            host=url.host,
        )


def _ipv4_forms(written: str) -> str:
    """How an IPv4 host was spelled: dotted, or the obfuscated forms a browser still accepts."""
    parts = written.rstrip(".").split(".")
    if parse_ipv4_any(written) is None:
        return "encoded"
    forms = set()
    if any(p[:2].lower() == "0x" for p in parts):
        forms.add("hex")
    if any(len(p) > 1 and p.startswith("0") and p[:2].lower() != "0x" for p in parts):
        forms.add("octal")
    if len(parts) == 1:
        forms.add("dword")
    elif len(parts) < 4:
        forms.add("short")
    return "+".join(sorted(forms)) or "dotted"


@dataclass(frozen=True, slots=True)
class IpHostRule:
    """An IP-literal host, in any spelling (octal, hex, dword, short, IPv4 inside IPv6)."""

    code: ClassVar[str] = "structural.ip_host"

    def check(self, subject: Subject) -> Reason | None:
        url = subject.url
        if url.host_kind not in ("ipv4", "ipv6"):
            return None
        written = subject.raw_host
        if url.host_kind == "ipv4":
            address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.IPv4Address(url.hostname)
            if parse_ipv4_any(written) == address or _obfuscation(written):
                form = _ipv4_forms(written)
            else:
                # The raw text names another host (a redirect wrapper the pipeline unwrapped).
                written, form = url.hostname, "dotted"
            target = address
        else:
            address = ipaddress.IPv6Address(url.hostname)
            inner = embedded_ipv4(address)
            form = "ipv6" if inner is None else "ipv4-in-ipv6"
            target = inner or address
        scope = "global" if target.is_global else "private"
        evidence = {"ip": str(address), "written": written, "form": form, "scope": scope}
        if target != address:
            evidence["embedded_ipv4"] = str(target)
        disguised = "" if form in ("dotted", "ipv6") else f" (written in {form} form)"
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The link goes to the bare IP address {target}{disguised}, not to a named site.",
            f"该链接直接指向 IP 地址 {target}{'（经过编码伪装）' if disguised else ''}，而不是网站域名。",
            **evidence,
        )


def _obfuscation(written: str) -> str | None:
    """Why the written host differs from its plain form, if it hides something."""
    if "%" in written:
        return "percent-encoded"
    if written.isascii():  # both tricks below need a non-ASCII character
        return None
    if any(_invisible(c) for c in written if not c.isascii()):
        return "invisible characters"
    if not written.isascii() and unicodedata.normalize("NFKC", written) != written:
        return "full-width or compatibility characters"
    return None


@dataclass(frozen=True, slots=True)
class EncodedHostRule:
    """A host written percent-encoded, with invisible or full-width characters, or after backslashes."""

    code: ClassVar[str] = "structural.encoded_host"

    def check(self, subject: Subject) -> Reason | None:
        if subject.url.host_kind not in ("domain", "ipv4", "ipv6"):
            return None
        raw = subject.raw
        # every disguise needs a "%" or a non-ASCII character in the host as written, or a backslash
        written = "" if raw.isascii() and "%" not in raw else subject.raw_host
        how = _obfuscation(written) if written else None
        if how is None and "\\" in raw and "\\" in raw.split("?", 1)[0].split("#", 1)[0]:
            how = "backslashes instead of slashes"
        if how is None:
            return None
        written = written or subject.raw_host
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The link's host is written in a disguised form ({how}): {written!r}.",
            f"该链接的主机名以伪装形式书写（{how}）：{written!r}。",
            written=written,
            host=subject.url.host,
            how=how,
        )


def _labels(url: Link) -> list[str]:
    return [label for label in url.hostname.split(".") if label] if url.host_kind == "domain" else []


def _subdomain_levels(url: Link) -> tuple[int, str | None]:
    """How many labels stand in front of the registrable domain, and that domain."""
    registrable = url.site if url.host_kind == "domain" else None
    labels = len(_labels(url))
    return labels - (registrable.count(".") + 1 if registrable else labels), registrable


@dataclass(frozen=True, slots=True)
class PunycodeRule:
    """A host with an ``xn--`` label that does not decode to Unicode: no browser can show it as a name.

    A valid internationalised host is no finding: ``食狮.中国`` is decided exactly like an ASCII site
    with the same evidence, and the lookalike rule (``hutong.safety.spoof``) judges what its
    characters look like."""

    code: ClassVar[str] = "structural.punycode"

    def check(self, subject: Subject) -> Reason | None:
        url = subject.url
        if "xn--" not in url.hostname or not any(label.startswith("xn--") for label in _labels(url)):
            return None
        if url.unicode_host != url.hostname:
            return None
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The host {url.host} has a punycode label that does not decode to a valid name.",
            f"主机名 {url.host} 含有无法解码为有效名称的 punycode 标签。",
            host=url.host,
        )


def _mixed_labels(host: str) -> tuple[str, ...]:
    if host.isascii():  # ASCII letters are all Latin, digits and "-" common to every script: never mixed
        return ()
    return tuple(label for label in host.split(".") if is_mixed_script(label))


@dataclass(frozen=True, slots=True)
class MixedScriptRule:
    """A host label mixing scripts outside UTS #39 "highly restrictive" (Latin with Cyrillic ...)."""

    code: ClassVar[str] = "structural.mixed_script"

    def check(self, subject: Subject) -> Reason | None:
        url = subject.url
        if url.host_kind != "domain":
            return None
        mixed = _mixed_labels(url.unicode_host)
        if not mixed:
            return None
        found = sorted(scripts_of("".join(mixed)) - {"Common", "Inherited"})
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The host {url.unicode_host} mixes {', '.join(found)} letters, a common lookalike trick.",
            f"主机名 {url.unicode_host} 混用了 {'、'.join(found)} 文字，这是常见的仿冒手法。",
            labels=",".join(mixed),
            scripts=",".join(found),
            host=url.host,
        )


@dataclass(frozen=True, slots=True)
class PortRule:
    """A port other than the scheme's default."""

    code: ClassVar[str] = "structural.port"

    def check(self, subject: Subject) -> Reason | None:
        port = subject.url.port
        if port is None:
            return None
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The link uses the unusual port {port}.",
            f"该链接使用了非常规端口 {port}。",
            port=str(port),
        )


@dataclass(frozen=True, slots=True)
class LengthRule:
    """An excessively long URL or host, or a long chain of subdomains in front of the site."""

    code: ClassVar[str] = "structural.length"
    limits: Limits = DEFAULT_LIMITS

    def check(self, subject: Subject) -> Reason | None:
        url, limits = subject.url, self.limits
        if len(url.href) > limits.url_length:
            what, what_zh, value = "URL", "链接", len(url.href)
        elif len(url.host) > limits.host_length:
            what, what_zh, value = "host name", "主机名", len(url.host)
        else:
            return self._subdomains(url)
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The {what} is {value} characters long, far longer than usual.",
            f"该{what_zh}长达 {value} 个字符，远超正常长度。",
            length=str(value),
        )

    def _subdomains(self, url: Link) -> Reason | None:
        limit = self.limits.subdomain_labels
        if url.hostname.count(".") < limit:
            return None  # fewer dots than the limit: there cannot be more subdomain levels than that
        extra, registrable = _subdomain_levels(url)
        if extra <= limit:
            return None
        return _reason(
            self.code,
            Level.SUSPICIOUS,
            f"The host has {extra} subdomain levels in front of {registrable}, far more than usual.",
            f"主机名在 {registrable} 前有 {extra} 级子域名，远多于正常情况。",
            subdomain_labels=str(extra),
            site=str(registrable),
        )


RULES: tuple[Rule, ...] = (
    SchemeRule(),
    UserinfoRule(),
    IpHostRule(),
    EncodedHostRule(),
    PunycodeRule(),
    MixedScriptRule(),
    PortRule(),
    LengthRule(),
)


_NO_FINDING = Verdict(Level.SAFE, ())


def _plain(url: Link, raw: str) -> bool:
    """True when no rule of ``RULES`` can find anything: an http(s) link to a short ASCII domain name with
    no userinfo, port or punycode label, written in ASCII with no ``%`` or backslash (most chat links).
    Each condition is the one its rule tests first, so skipping the rules changes no verdict."""
    return (
        url.host_kind == "domain"
        and url.port is None
        and url.scheme in WEB_SCHEMES
        and not url.username
        and not url.password
        and "xn--" not in url.hostname
        and url.hostname.isascii()
        and len(url.href) <= DEFAULT_LIMITS.url_length
        and len(url.host) <= DEFAULT_LIMITS.host_length
        and url.hostname.count(".") < DEFAULT_LIMITS.subdomain_labels
        and raw.isascii()
        and "%" not in raw
        and "\\" not in raw
    )


def check(url: Link, raw: str, *, rules: tuple[Rule, ...] = RULES) -> Verdict:
    """Run the structural rules in order; ``Verdict(Level.SAFE, ())`` means no structural finding."""
    if rules is RULES and _plain(url, raw):
        return _NO_FINDING
    subject = Subject(url, raw)
    verdict = _NO_FINDING
    for rule in rules:
        reason = rule.check(subject)
        if reason is not None:
            verdict = verdict.with_reason(reason)
    return verdict
