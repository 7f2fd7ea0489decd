"""Lookalike hosts: UTS #39 skeletons, mixed and whole-script labels, one-edit typos, embedded brands.

The protected set is every platform host in hutong's data, the bundled list of popular domains
(``data/popular_domains.txt``) and ``safety.protected_domains``. A protected domain and its
subdomains are never flagged (unless the "domain" is a shared-hosting suffix, which nobody owns).
Every finding is a :class:`~hutong.core.model.Reason` at ``suspicious``: heuristics ask, they never block.

Precision over recall where a finding would send an honest site to "confirm": typos and brand tokens
are checked only against *brand* names (platform hosts, popular entries marked ``brand``,
``safety.protected_domains``), because many popular names are ordinary words (``feather.com`` is one
letter from ``weather.com``). Short names flood edit-distance checks (``jd`` is one edit from hundreds
of real sites), so typo and brand-token checks need names of at least :data:`MIN_NAME` characters; a
protected domain of any length is still caught by its skeleton and when embedded whole
(``jd.com.secure-login.xyz``). A brand inside another host counts only as a whole token of a label
split on ``-`` and ``.`` next to phishing vocabulary (``apple-login-verify.com``), or glued to an
account word (``appleid-verify.com``), so ``apple-pie-recipes.com`` and ``pineapple.com`` pass.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from importlib import resources

import idna

from ..core.model import Level, Reason
from ..core.platforms import Platform
from ..core.psl import is_public_suffix, public_suffix, site
from .skeleton import plain_skeleton, skeleton
from .spoof import host_reasons

MIN_NAME = 5  # shortest registrable name checked for typos and as an embedded brand token
MAX_TOKENS = 4  # longest run of labels compared against protected domains when looking for embedding

# Words phishing hosts put next to a brand (taobao-verify.com, apple-login-verify.com), in English and
# the pinyin of Chinese phishing hosts: denglu 登录, yanzheng 验证, anquan 安全, zhanghao 账号, kefu 客服,
# tuikuan 退款. A brand token counts only beside one of these, so apple-pie-recipes.com passes.
# fmt: off
PHISHING_WORDS = frozenset({
    "login", "logon", "signin", "signon", "sso", "auth", "verify", "verification", "validate", "confirm",
    "secure", "security", "account", "accounts", "update", "wallet", "support", "service", "services",
    "customer", "billing", "payment", "pay", "refund", "unlock", "suspended", "recover", "recovery",
    "password", "id", "helpdesk", "kefu", "denglu", "yanzheng", "anquan", "zhanghao", "tuikuan",
})
# fmt: on
# Words that, glued to a brand, name its account pages (appleid, taobaologin, paypalsecure): such a
# token is the brand dressed as a login page whatever else the host says.
ACCOUNT_WORDS = frozenset({"id", "login", "signin", "verify", "secure", "account", "support", "service", "pay"})

# Typosquats are slips of the hand or the eye: keyboard neighbours, look-alike letters, digits,
# doubled letters. An edit of any other kind (booking → cooking, gmail → email) is usually another word.
_KEY_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_VISUAL_PAIRS = frozenset(frozenset(p) for p in ("il", "ij", "lj", "uv", "nm", "ce", "gq", "oa"))


def to_unicode(host: str) -> str:
    """A host's Unicode form, label by label; labels that are not valid IDNA stay as they are."""
    labels = []
    for label in host.lower().split("."):
        if label.startswith("xn--"):
            label = _decode_label(label)
        labels.append(label)
    return ".".join(labels)


@lru_cache(maxsize=1 << 14)
def _decode_label(label: str) -> str:
    """An ``xn--`` label in Unicode: IDNA 2008 when valid, else the bare punycode, so that the spoof
    checks see a label IDNA refuses (``a’b``, ``abc–def``) as a browser would show it; else as given."""
    with contextlib.suppress(idna.IDNAError, UnicodeError):
        return idna.decode(label)
    with contextlib.suppress(UnicodeError, ValueError):
        text = label[4:].encode("ascii").decode("punycode").lower()
        if not text.isascii() and all(unicodedata.category(c)[0] != "C" or c in "\u200c\u200d" for c in text):
            return text
    return label


@lru_cache(maxsize=1 << 14)
def _idna_error(label: str) -> idna.IDNAError | UnicodeError | None:
    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError) as exc:
        return exc
    return None


def _invalid_labels(host: str, uhost: str) -> list[Reason]:
    """``xn--`` labels that are not valid IDNA 2008 (UTS #46): a browser leaves them in punycode."""
    out: list[Reason] = []
    for label in host.split("."):
        if not label.startswith("xn--"):
            continue
        exc = _idna_error(label)
        if exc is not None:
            out.append(
                Reason(
                    "lookalike.not_idna",
                    f"{uhost}: the label {label!r} is not a valid internationalised name ({exc})",
                    f"{uhost}：标签 “{label}” 不是有效的国际化域名",
                    Level.SUSPICIOUS,
                    (("label", label), ("host", host), ("why", str(exc))),
                )
            )
    return out


def registrable_name(host: str) -> str | None:
    """The label just left of the public suffix (``taobao`` in ``item.taobao.com``), or None."""
    reg = site(host)
    suffix = public_suffix(host)
    if not reg or not suffix or reg == suffix or not reg.endswith("." + suffix):
        return None
    return reg[: -len(suffix) - 1]


def one_edit(a: str, b: str) -> str | None:
    """How ``a`` differs from ``b`` by one edit (substitution, insertion, deletion, swap), else None."""
    if a == b:
        return None
    la, lb = len(a), len(b)
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return "substitution"
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return "swap"
        return None
    if abs(la - lb) != 1:
        return None
    longer, shorter = (a, b) if la > lb else (b, a)
    for i in range(len(longer)):
        if longer[:i] + longer[i + 1 :] == shorter:
            return "insertion" if la > lb else "deletion"
    return None


@cache
def _forms(words: frozenset[str]) -> frozenset[str]:
    # The disguised check compares skeleton to skeleton, so words are matched in both forms.
    return words | frozenset(skeleton(w) for w in words)


@cache
def _key_neighbours() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for r, row in enumerate(_KEY_ROWS):
        for i, ch in enumerate(row):
            near = out.setdefault(ch, set())
            for rr in (r - 1, r, r + 1):
                if 0 <= rr < len(_KEY_ROWS):
                    near.update(_KEY_ROWS[rr][max(i - 1, 0) : i + 2])
            near.discard(ch)
    return {k: frozenset(v) for k, v in out.items()}


def plausible_typo(name: str, target: str, edit: str) -> bool:
    """True if ``name`` is ``target`` with a slip of hand or eye (``edit`` as :func:`one_edit` named it)."""
    if edit in ("swap", "deletion"):
        return True
    near = _key_neighbours()
    if edit == "substitution":
        pos = next(i for i in range(len(name)) if name[i] != target[i])
        a, b = name[pos], target[pos]
        return a.isdigit() or a == "-" or b in near.get(a, ()) or frozenset((a, b)) in _VISUAL_PAIRS
    pos = next((i for i in range(len(target)) if name[i] != target[i]), len(target))
    extra = name[pos]
    if extra == "s" and pos == len(name) - 1:
        return False  # a plural (offices.com) is a word of its own, not a slip
    beside = name[pos - 1 : pos] + name[pos + 1 : pos + 2]
    return extra.isdigit() or extra == "-" or any(c == extra or extra in near.get(c, ()) for c in beside)


def _is_words(text: str, words: frozenset[str]) -> bool:
    """True if ``text`` is one or more of ``words`` run together (``loginverify``)."""
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in words for start in range(max(0, end - 12), end))
    return bool(text) and ok[-1]


def _deletes(name: str) -> set[str]:
    return {name[:i] + name[i + 1 :] for i in range(len(name))} | {name}


@cache
def _popular() -> tuple[tuple[str, bool], ...]:
    text = (resources.files("hutong") / "data" / "popular_domains.txt").read_text(encoding="utf-8")
    rows = (line.split() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    return tuple((row[0].lower(), row[1:] == ["brand"]) for row in rows)


def popular_domains() -> tuple[str, ...]:
    """The bundled list of popular legitimate domains (protected and used for false-positive tests)."""
    return tuple(d for d, _ in _popular())


def popular_brands() -> tuple[str, ...]:
    """Popular domains marked ``brand``: their names are distinctive enough to flag inside other hosts."""
    return tuple(d for d, brand in _popular() if brand)


def _clean(domain: str) -> str:
    return domain.strip(".").lower().removeprefix("*.")


class ProtectedSet:
    """Protected domains indexed by skeleton, by registrable name, and by one-deletion neighbours of names."""

    def __init__(self, domains: Iterable[str], brand_domains: Iterable[str] = ()) -> None:
        """``domains`` are protected; names of ``brand_domains`` also count as brands inside other hosts."""
        self.domains = frozenset(_clean(d) for d in domains if d.strip("."))
        self._owners = frozenset(d for d in self.domains if not is_public_suffix(d))
        self._skeletons: dict[str, str] = {}
        self._names: dict[str, str] = {}  # registrable name → representative domain (never a typo)
        self._brands: dict[str, str] = {}  # distinctive names (typo, embedded-token and same-name checks)
        self._brand_domains = frozenset(_clean(b) for b in brand_domains if b.strip("."))
        self._neighbours: dict[str, set[str]] = {}
        for d in sorted(self.domains):
            if "." not in d:
                continue
            self._skeletons.setdefault(skeleton(to_unicode(d)), d)
            name = registrable_name(d)
            if name and name not in self._names:
                # Prefer the .com spelling as the name's representative, else the first in sorted order.
                self._names[name] = f"{name}.com" if f"{name}.com" in self.domains else (site(d) or d)
        for d in sorted(self._brand_domains):
            name = registrable_name(d)
            if name and len(name) >= MIN_NAME:
                self._brands.setdefault(name, self._names.get(name, d))
            first = d.split(".")[0]
            if first != name and len(first) >= MIN_NAME and d.count(".") >= 2:
                self._brands.setdefault(first, d)  # weixin in weixin.qq.com is a brand of its own
        self._owner_plain = {d: d for d in self._owners}
        self._owner_skel = {skeleton(to_unicode(d)): d for d in sorted(self._owners)}
        self._brand_plain = {n: n for n in self._brands}
        self._brand_skel = {skeleton(n): n for n in sorted(self._brands)}
        for name in self._brands:
            if len(name) >= MIN_NAME:
                for key in _deletes(name):
                    self._neighbours.setdefault(key, set()).add(name)

    def __len__(self) -> int:
        return len(self.domains)

    @classmethod
    def default(cls, platforms: Iterable[Platform], extra: Iterable[str] = ()) -> ProtectedSet:
        """Platform hosts, the bundled popular list and ``extra`` (``safety.protected_domains``); cached."""
        return _default_set(tuple(platforms), tuple(extra))

    @classmethod
    def _build_default(cls, platforms: tuple[Platform, ...], extra: tuple[str, ...]) -> ProtectedSet:
        hosts = [h for p in platforms for h in p.hosts]
        return cls((*hosts, *popular_domains(), *extra), (*hosts, *popular_brands(), *extra))

    def owns(self, host: str) -> bool:
        """True if ``host`` is a protected domain or one of its subdomains."""
        parts = host.split(".")
        return any(".".join(parts[i:]) in self._owners for i in range(len(parts)))

    def findings(self, host: str, *, trust_protected: bool = True, own_name: str | None = None) -> list[Reason]:
        """Lookalike reasons for a canonical ASCII host; ``trust_protected=False`` checks protected hosts too.

        ``own_name`` (a registrable name) is left out of the comparison: with ``trust_protected=False`` it
        asks whether a real site looks like some *other* protected site.
        """
        host = host.lower().strip(".")
        if not host or host[0] == "[" or host.replace(".", "").isdigit():
            return []
        if trust_protected and self.owns(host):
            return []
        uhost = to_unicode(host)
        out: list[Reason] = []
        out.extend(host_reasons(uhost))
        if not out:
            out.extend(_invalid_labels(host, uhost))
        skel = self._skeleton_reason(host, uhost, own_name)
        if skel:
            out.append(skel)
        name = registrable_name(host)
        if name and name != own_name:
            out.extend(self._name_reasons(host, name))
        embedded = self._embedded_reason(host, own_name, self._owner_plain, self._brand_plain)
        skel_host = ".".join(skeleton(label) for label in uhost.split("."))
        if skel_host != host and not skel:
            # wеixin.qq.com.cn: embedded and disguised; compared skeleton to skeleton (com → corn), but the
            # reason names the host the message gave (paypa1-login.com), never its skeleton
            disguised = self._embedded_reason(skel_host, own_name, self._owner_skel, self._brand_skel, shown=host)
            if disguised and (embedded is None or len(_matched(disguised)) > len(_matched(embedded))):
                embedded = disguised
        if embedded and not any(r.code in ("lookalike.typo", "lookalike.embedded") for r in out):
            out.append(embedded)
        return out

    def _skeleton_reason(self, host: str, uhost: str, own_name: str | None) -> Reason | None:
        labels = uhost.split(".")
        ascii_labels = host.split(".")
        for i in range(len(labels) - 1):
            tail = ".".join(labels[i:])
            target = self._skeletons.get(skeleton(tail))
            if target is None and not tail.isascii():
                target = self._skeletons.get(plain_skeleton(tail))
            if target is None:
                continue
            real = ".".join(ascii_labels[i:])
            if real == target or (own_name and registrable_name(target) == own_name):
                return None
            odd = [c for c in tail if not c.isascii()]
            chars = " ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in odd))
            named = ", ".join(dict.fromkeys(f"'{c}' ({unicodedata.name(c, '?').lower()})" for c in odd[:4]))
            how = f" ({named} in place of Latin letters)" if named else " (confusable characters)"
            return _reason(
                "lookalike.skeleton",
                target,
                f"{uhost} is drawn to look like {target}{how}",
                f"{uhost} 用形近字符冒充 {target}" + (f"（{named}）" if named else ""),
                host=host,
                matched=tail,
                chars=chars,
            )
        return None

    def _name_reasons(self, host: str, name: str) -> list[Reason]:
        if name in self._brands or name in self._names:
            target = self._brands.get(name)
            if target is not None and target != site(host):
                return [
                    _reason(
                        "lookalike.embedded",
                        target,
                        f"{host} uses the name {name!r} of {target} under another domain",
                        f"{host} 在其他域名下使用 {target} 的名称 “{name}”",
                        host=host,
                        matched=name,
                    )
                ]
            return []
        if len(name) < MIN_NAME:
            return []
        seen: set[str] = set()
        for key in _deletes(name):
            for candidate in sorted(self._neighbours.get(key, ())):
                if candidate in seen:
                    continue
                seen.add(candidate)
                edit = one_edit(name, candidate)
                if edit is None or not plausible_typo(name, candidate, edit):
                    continue
                target = self._brands[candidate]
                kind = edit
                if edit == "substitution":
                    pos = next(i for i in range(len(name)) if name[i] != candidate[i])
                    if name[pos].isdigit():
                        kind = "digit swap"
                return [
                    _reason(
                        "lookalike.typo",
                        target,
                        f"{host} is one {kind} away from {target}",
                        f"{host} 与 {target} 仅差一个字符（{_ZH_EDIT.get(kind, kind)}）",
                        host=host,
                        matched=name,
                        edit=kind,
                    )
                ]
        return []

    def _embedded_reason(
        self,
        host: str,
        own_name: str | None,
        owners: dict[str, str],
        names: dict[str, str],
        *,
        shown: str | None = None,
    ) -> Reason | None:
        """``host`` carrying a protected name; ``shown`` is the real host when ``host`` is its skeleton."""
        real = shown or host
        tokens = _tokens(host)
        suffix = public_suffix(host) or ""
        body_end = len(host) - len(suffix) - 1 if suffix and host.endswith("." + suffix) else len(host)
        body = [(s, e) for s, e in tokens if e <= body_end]
        best, best_span = "", (0, 0)
        for i, (s, _e) in enumerate(tokens):
            for k in range(2, MAX_TOKENS + 1):
                if i + k > len(tokens):
                    break
                end = tokens[i + k - 1][1]
                piece = owners.get(host[s:end], "")
                if not piece:
                    continue
                owned_tail = end == len(host) and (s == 0 or host[s - 1] == ".")
                if owned_tail or (own_name and registrable_name(piece) == own_name):
                    continue
                if len(piece) > len(best):
                    best, best_span = piece, (s, end)  # weixin.qq.com inside weixin.qq.com.cn, not qq.com
        if best:
            s, end = best_span
            # Disguises: whole labels left of the registrable domain (jd.com.secure-login.xyz), the domain
            # run on with a hyphen (apple.com-account.ru), or a brand domain under a further suffix
            # (weixin.qq.com.cn). Otherwise a popular domain after a hyphen is usually a word
            # (home-office.com, my-weather.com) unless phishing words come with it (secure-apple.com).
            after = host[end : end + 1]
            reg = site(host) or host  # only now: the public suffix lookup is the costly step
            reg_start = len(host) - len(reg) if host.endswith(reg) else 0
            as_labels = (s == 0 or host[s - 1] == ".") and end < reg_start
            rest = [(ts, te) for ts, te in body if te <= s or ts >= end]
            brand_then_suffix = after == "." and best in self._brand_domains
            if as_labels or after == "-" or brand_then_suffix or _has_phishing_word(host, rest):
                return _reason(
                    "lookalike.embedded",
                    best,
                    f"{real} carries the name {best} but is not {best}",
                    f"{real} 含有 {best} 字样，但并非 {best}",
                    host=real,
                    matched=best,
                )
        for s, e in body:
            token = host[s:e]
            brand = names.get(token, "")
            rest = [t for t in body if t != (s, e)]
            if not (brand and _has_phishing_word(host, rest)):
                brand = _glued_brand(token, names)  # appleid, taobaologin, secureapple
            if not brand or brand == own_name:
                continue
            target = self._brands[brand]
            if registrable_name(host) == brand or _same_site(host, target):
                continue  # the same-name check covers the first; a brand on its own site is no lookalike
            if own_name and registrable_name(target) == own_name:
                continue
            return _reason(
                "lookalike.embedded",
                target,
                f"{real} carries the brand {brand!r} of {target}",
                f"{real} 含有 {target} 的品牌名 “{brand}”",
                host=real,
                matched=token,
            )
        return None


@lru_cache(maxsize=8)
def _default_set(platforms: tuple[Platform, ...], extra: tuple[str, ...]) -> ProtectedSet:
    # Building the skeleton and neighbour tables takes ~0.3 s; every Screener of a process shares them.
    return ProtectedSet._build_default(platforms, extra)


def _tokens(host: str) -> list[tuple[int, int]]:
    """Spans of the pieces of ``host`` split on ``.`` and ``-``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(host + "."):
        if ch in ".-":
            spans.append((start, i))
            start = i + 1
    return spans


def _has_phishing_word(host: str, spans: Iterable[tuple[int, int]]) -> bool:
    return any(_is_words(host[s:e], _forms(PHISHING_WORDS)) for s, e in spans)


def _glued_brand(token: str, names: dict[str, str]) -> str:
    """The brand in a token that is a brand glued to account words (``appleid``, ``secureapple``), else ''."""
    if len(token) <= MIN_NAME or not any(w in token for w in _forms(ACCOUNT_WORDS)):
        return ""  # most tokens hold no account word: skip the cuts (a third of the lookalike time)
    for cut in range(MIN_NAME, len(token)):
        head, tail = token[:cut], token[cut:]
        if head in names and _is_words(tail, _forms(ACCOUNT_WORDS)):
            return names[head]
        head, tail = token[: len(token) - cut], token[len(token) - cut :]
        if tail in names and _is_words(head, _forms(ACCOUNT_WORDS)):
            return names[tail]
    return ""


def _matched(reason: Reason) -> str:
    return dict(reason.evidence).get("matched", "")


def _same_site(a: str, b: str) -> bool:
    return site(a) == site(b)


_ZH_EDIT = {
    "substitution": "替换",
    "insertion": "多一个字符",
    "deletion": "少一个字符",
    "swap": "相邻字符互换",
    "digit swap": "以数字代替字母",
}


def _reason(code: str, target: str, detail: str, detail_zh: str, **evidence: str) -> Reason:
    return Reason(
        code=code,
        detail=detail,
        detail_zh=detail_zh,
        level=Level.SUSPICIOUS,
        evidence=(("looks_like", target), *evidence.items()),
    )
