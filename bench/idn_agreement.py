"""How often hutong's lookalike check agrees with Chromium's IDN spoof checker (issue 14).

Usage:
    .venv/bin/python bench/idn_agreement.py --cases PATH [--show-misses]

``PATH`` is Chromium's ``components/url_formatter/spoof_checks/idn_spoof_checker_unittest.cc``, kept
outside the repository: its table is a yardstick, never a fixture (hutong's own tests are written
from the Unicode specifications). The ``kIdnCases`` rows are parsed; each is a host Chromium either
shows in Unicode (``kSafe``) or keeps in punycode (``kUnsafe``, ``kInvalid``, or a ``kSafe`` row whose
expected output still has an ``xn--`` label: Chromium decoded the other labels only). hutong
"keeps a host in punycode" when its lookalike rule has a finding or a label does not decode.

Rows left out, each with its reason:
- rows whose verdict rests on Chromium's test-only top-domain list (``digklmo68.com``,
  ``islkpx123.com``, ``o2.com`` ..., ``wmhtb.com``, ``test.net``, ``office365.com``-like entries):
  hutong protects real sites, not that list;
- the macOS-only block (a font issue of one platform); of the Thai ``#if`` pair the Linux branch is
  taken, this being Linux.

The peer ``confusable_homoglyphs`` (``bench`` extra) is run on the same rows when it is installed:
it flags a host when a label ``is_dangerous`` (mixed scripts with confusables).

Without ``--cases`` (``make bench``) the script says so and exits 0: the file is not bundled.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import idna

from hutong.core.platforms import bundled
from hutong.safety.lookalike import ProtectedSet, to_unicode

# Rows whose Chromium verdict comes from its test-only top-domain list, by the section comment that
# says so in the file (matched on the punycode input).
TOP_DOMAIN_LIST = {
    "digklmo68 is in Chromium's test top-domain list": re.compile(
        r"igklmo68|digklmo|diglmo68|digkmo68|digklo68|digklm68"
    ),
    "islkpx123 is in Chromium's test top-domain list": re.compile(r"^xn--123-bed4a4a6hh40i\.com$"),
    "o2/28/39/43/89/oo/qq.com are in Chromium's test top-domain list": re.compile(
        r"^xn--(07be|27be|77ba|qcce|occe|rccd|pcca|drcb|d4be|yucg|yuco|1jcf|zjca|cgce|fgci|dgca)\.com$"
    ),
    "wmhtb.com-like names are in Chromium's test top-domain list": re.compile(
        r"^xn--(l1acpvx|l1acpzs|b1atdu1a|b1atsw09g|b1atsw03i|b1at9a12dua|345-jtke)\.com$"
    ),
    "the LGC lookalikes' ASCII names are in Chromium's test top-domain list": re.compile(
        r"^xn--(mxar4bh6w|vda6f3b2kpf|hktb-9ra|pktb-5xa|phtb-m0a|phkb-d7a|phkt-ocb|j1afq4bxw|j1aq4a7cvo|j1aq4azund"
        r"|j1aq4azuxd|j1aq4azuyj|j1aq4azu9z|j1aq4azuq0a|m1ak4azu6b|m1ak4azunc|m1ak4azuxc|m1ak4azu7c|m1ak4azu8i"
        r"|m1ak4azuzy|m1a4a4nnery|m1a4ne5jry|b1av9v8dry|b1a9p8c1e8r|wmr-jxa|l1agz80a|l1ag2a0y|o1at1tsi|03ae|03a6s"
        r"|r4amg4b|r4am0b8r|r4am0b3s|r4am6b4p|91a7osa62a|s5a8h4a|s5a8j|s5a8h|s5a8h3a)\.com$"
    ),
    "test.net is in Chromium's test top-domain list": re.compile(r"(^|\.)xn--(tst-bma|st-9ia|atst-cpa|xample-9ua)\."),
    "the skeletons of wóder.com, fóo.com and officeX65.com match test top domains": re.compile(
        r"^xn--(wder-qqa|fo-5ja|office65-l04a|office65-hts)\.com$"
    ),
}


@dataclass(frozen=True)
class Case:
    """One kIdnCases row: the ASCII input, the Unicode form, and whether Chromium keeps it in punycode."""

    host: str
    unicode: str | None
    result: str  # kSafe, kUnsafe, kInvalid

    @property
    def kept_in_punycode(self) -> bool:
        if self.result != "kSafe":
            return True
        return bool(self.unicode) and any(label.startswith("xn--") for label in (self.unicode or "").split("."))


_STRINGS = r'(?:u?"(?:[^"\\]|\\.)*"\s*)+'
_ROW = re.compile(r"\{\s*(" + _STRINGS + r"),\s*(nullptr|" + _STRINGS + r"),\s*(kSafe|kUnsafe|kInvalid)\s*\}")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _c_string(literal: str) -> str:
    parts = re.findall(r'u?"((?:[^"\\]|\\.)*)"', literal)
    text = "".join(parts)

    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        return chr(int(esc[1:], 16)) if esc[0] in "uU" and len(esc) > 1 else esc

    return _ESCAPE.sub(one, text)


def _table_text(source: str) -> str:
    """The kIdnCases initialiser with comments, the macOS block and the non-Linux branches removed."""
    start = source.index("kIdnCases[] = {")
    end = source.index("\n};", start)
    kept: list[str] = []
    stack: list[bool] = []  # keep-this-branch flags of open #if blocks
    for line in source[start:end].splitlines():
        stripped = line.strip()
        if stripped.startswith("#if"):
            stack.append("IS_LINUX" in stripped)
            continue
        if stripped.startswith("#else"):
            stack[-1] = not stack[-1]
            continue
        if stripped.startswith("#endif"):
            stack.pop()
            continue
        if all(stack):
            kept.append(re.sub(r"^\s*//.*$|\s//\s.*$", "", line))
    return "\n".join(kept)


def parse(path: Path) -> list[Case]:
    """The kIdnCases rows of Chromium's unittest file."""
    table = _table_text(path.read_text(encoding="utf-8"))
    return [
        Case(_c_string(m.group(1)), None if m.group(2) == "nullptr" else _c_string(m.group(2)), m.group(3))
        for m in _ROW.finditer(table)
    ]


def skip_reason(case: Case) -> str | None:
    """Why a row is left out, or None."""
    for reason, pattern in TOP_DOMAIN_LIST.items():
        if pattern.search(case.host):
            return reason
    return None


def _undecodable(host: str) -> bool:
    return any(label.startswith("xn--") for label in to_unicode(host).split("."))


def hutong_flags(protected: ProtectedSet, host: str) -> tuple[bool, str]:
    """Whether hutong keeps ``host`` in punycode (a lookalike finding or an undecodable label), and why."""
    if _undecodable(host):
        return True, "undecodable"
    reasons = protected.findings(host.lower().rstrip("."))
    return bool(reasons), ",".join(sorted({r.code for r in reasons}))


def peer_flags(host: str) -> bool | None:
    """confusable_homoglyphs' answer, or None when it is not installed."""
    try:
        from confusable_homoglyphs import confusables
    except ImportError:
        return None
    labels = []
    for label in host.lower().rstrip(".").split("."):
        try:
            labels.append(idna.decode(label) if label.startswith("xn--") else label)
        except (idna.IDNAError, UnicodeError):
            return True  # not IDNA 2008: shown in punycode by any browser
    return any(bool(confusables.is_dangerous(label)) for label in labels if label)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, help="Chromium's idn_spoof_checker_unittest.cc (kept outside the repo)")
    ap.add_argument("--show-misses", action="store_true", help="list the rows where hutong disagrees")
    ap.add_argument("--write", action="store_true", help="accepted for `make bench`; figures go in by hand")
    args = ap.parse_args()
    if args.cases is None:
        print("bench/idn_agreement.py: no --cases file given; nothing measured (see the docstring)")
        return 0
    cases = parse(args.cases)
    protected = ProtectedSet.default(bundled())
    skipped: dict[str, int] = {}
    applicable: list[Case] = []
    for case in cases:
        why = skip_reason(case)
        if why:
            skipped[why] = skipped.get(why, 0) + 1
        else:
            applicable.append(case)
    agree = peer_agree = peer_ran = 0
    kept = [c for c in applicable if c.kept_in_punycode]
    shown = [c for c in applicable if not c.kept_in_punycode]
    caught = false_pos = peer_caught = peer_false = 0
    misses: list[str] = []
    for case in applicable:
        flagged, why = hutong_flags(protected, case.host)
        if flagged == case.kept_in_punycode:
            agree += 1
        else:
            misses.append(f"  {'missed' if case.kept_in_punycode else 'false+'} {case.host} {case.unicode!r} {why}")
        caught += flagged and case.kept_in_punycode
        false_pos += flagged and not case.kept_in_punycode
        peer = peer_flags(case.host)
        if peer is not None:
            peer_ran += 1
            peer_agree += peer == case.kept_in_punycode
            peer_caught += peer and case.kept_in_punycode
            peer_false += peer and not case.kept_in_punycode
    print(f"kIdnCases rows parsed: {len(cases)}; left out: {len(cases) - len(applicable)}")
    for why, n in sorted(skipped.items()):
        print(f"  {n:3d}  {why}")
    print(f"applicable: {len(applicable)} ({len(kept)} Chromium keeps in punycode, {len(shown)} it shows)")
    pct = 100 * agree / len(applicable)
    print(
        f"hutong: agrees on {agree}/{len(applicable)} ({pct:.1f} %); flags {caught}/{len(kept)} kept in punycode, "
        f"{false_pos}/{len(shown)} shown ones"
    )
    if peer_ran:
        ppct = 100 * peer_agree / peer_ran
        print(
            f"confusable_homoglyphs: agrees on {peer_agree}/{peer_ran} ({ppct:.1f} %); flags {peer_caught}/"
            f"{len(kept)} kept in punycode, {peer_false}/{len(shown)} shown ones"
        )
    else:
        print("confusable_homoglyphs: not installed (pip install -e '.[bench]')")
    if args.show_misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
