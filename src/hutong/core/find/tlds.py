"""Top-level domains: the ICANN section of the Public Suffix List, loaded once at import.

A bare domain (no scheme) is only a link if it ends in a real TLD; a scheme URL with a
dotted host must too (or be an IP or a special-use name). The list is the one
``publicsuffixlist`` ships, so no network is needed.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import publicsuffixlist

_BEGIN = "// ===BEGIN ICANN DOMAINS==="
_END = "// ===END ICANN DOMAINS==="

# RFC 2606 / 6761 / 6762 names: real in intranets and tests, never delegated.
SPECIAL_USE = frozenset(
    {"localhost", "test", "invalid", "example", "local", "internal", "onion", "lan", "home"}
)

# TLDs familiar enough that ``name.tld`` with nothing else around it is a link. Any other
# ICANN TLD needs a ``www.`` prefix, a path or a port: chat is full of ``Mr.Wang`` and
# ``hello.world``, which are real TLDs but rarely meant as links.
COMMON_GTLDS = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "xxx", "aero", "asia",
    "coop", "museum", "mobi", "tel", "travel", "jobs", "cat", "shop", "top", "xyz", "site", "online",
    "club", "vip", "app", "dev", "tech", "store", "blog", "cloud", "live", "news", "link", "art", "icu",
    "ltd", "page",
})

# Two-letter TLDs that are far more often file extensions in chat (``main.py``, ``run.sh``,
# ``README.md``): as bare names without a path they are not links.
FILE_LIKE_TLDS = frozenset({"py", "sh", "rs", "md", "pl", "pm", "ps", "cs", "mk", "zip", "mov"})


def _load() -> tuple[frozenset[str], frozenset[str]]:
    path = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    ascii_tlds: set[str] = set()
    unicode_tlds: set[str] = set()
    inside = False
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if line == _BEGIN:
                inside = True
            elif line == _END:
                break
            elif inside and line and not line.startswith("//"):
                # the last label of every rule: some TLDs (za, ck, bd ...) appear only under deeper rules
                rule = line.lstrip("!").rsplit(".", 1)[-1].lower()
                if rule.isascii():
                    ascii_tlds.add(rule)
                else:
                    unicode_tlds.add(rule)
                    ascii_tlds.add("xn--" + rule.encode("punycode").decode("ascii"))
    return frozenset(ascii_tlds), frozenset(unicode_tlds)


ASCII_TLDS, UNICODE_TLDS = _load()


def is_tld(label: str) -> bool:
    """True if ``label`` (any case, Unicode or punycode) is an ICANN top-level domain."""
    low = label.lower()
    if low in ASCII_TLDS or low in UNICODE_TLDS:
        return True
    # presentation forms and full-width letters: compare the compatibility form
    return not low.isascii() and unicodedata.normalize("NFKC", low) in UNICODE_TLDS


def is_host_tld(label: str) -> bool:
    """True if ``label`` may end a dotted host after a scheme: an ICANN TLD or a special-use name."""
    return is_tld(label) or label.lower() in SPECIAL_USE


def is_bare_tld(label: str, *, qualified: bool) -> bool:
    """True if ``label`` may end a bare domain; ``qualified`` means a www., path or port backs it up."""
    low = label.lower()
    if not (label.islower() or label.isupper()) and label.isascii() and low not in COMMON_GTLDS:
        # "Mr.Wang", "outside.In": a capitalised word after a dot, not a TLD; a familiar gTLD in any
        # case (``example.Net``, ``Example.Com``) is not read as a word
        return False
    if not is_tld(low):
        return False
    if qualified:
        return True
    if low in FILE_LIKE_TLDS:
        return False
    return len(low) == 2 or low in COMMON_GTLDS or not low.isascii()
