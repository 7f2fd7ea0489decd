"""``hutong policy``: check a policy file for neutrality, or show the rules in force."""

from __future__ import annotations

import argparse
import json
import sys

from ..core.neutrality import check_neutrality
from ..core.policy import load
from ._output import console, print_rows


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "policy",
        help="check or show a decision policy",
        description="Check a decision policy (the bundled one, or a TOML file) for neutrality, or show its "
        "rules in the order they are tried. Language: docs/policy.md.",
    )
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION")
    psub.required = True
    c = psub.add_parser(
        "check",
        help="prove a policy treats every site of a category alike, listed or not",
        description=(
            "Validate FILE and enumerate its whole input space in every category, for a synthetic unlisted "
            "site of that category and for every bundled platform with links of it; report any listed "
            "platform decided differently from the unlisted site for the same inputs. Exit 0 if neutral, 1 "
            "if not, 2 if the file is invalid (e.g. a rule names a platform, or can otherwise tell listed "
            "from unlisted sites, without a safety justification)."
        ),
    )
    c.add_argument("file", nargs="?", metavar="FILE", help="policy TOML (default: the bundled policy)")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.set_defaults(run=run_check)
    s = psub.add_parser(
        "show",
        help="print the rules of a policy in order",
        description="Print FILE's rules (or the bundled policy's) in the order they are tried: the first rule "
        "whose conditions all hold decides.",
    )
    s.add_argument("file", nargs="?", metavar="FILE", help="policy TOML (default: the bundled policy)")
    s.set_defaults(run=run_show)


def run_check(args: argparse.Namespace) -> int:
    policy = load(args.file)
    report = check_neutrality(policy)
    if args.json:
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        verdict = "neutral" if report.neutral else f"NOT neutral: {len(report.disparities)} disparities"
        print(f"{report.policy} ({report.version}): {verdict}")
        print(
            f"  {report.combinations} decisions over {report.platforms} listed platforms and an unlisted site "
            f"in each of {report.categories} categories, for every input combination"
        )
        if report.neutral:
            print("  every listed platform is decided exactly like an unlisted site of its category")
        for category, names in report.members:
            if names:
                print(f"  {category}: {', '.join(names)} (and the unlisted site)")
        if report.brand_rules:
            print(f"  rules naming a platform or site (justified): {', '.join(report.brand_rules)}")
        if report.listing_rules:
            print(f"  rules that can tell listed from unlisted sites: {', '.join(report.listing_rules)}")
        for d in report.disparities[:50]:
            i = d.inputs
            print(
                f"  {d.category}: {d.platform_a} → {d.action_a} ({d.rule_a}) but {d.platform_b} → {d.action_b} "
                f"({d.rule_b}) for context={i.context} mode={i.mode} level={i.level} openable={i.openable} "
                f"trusted={i.trusted}; justification: {d.justification or '(none)'}"
            )
        if len(report.disparities) > 50:
            print(f"  ... and {len(report.disparities) - 50} more (use --json)")
    if not report.valid:
        print(
            f"hutong: error: rule(s) {', '.join(report.unjustified)} can tell listed from unlisted sites without "
            "a 'justification'; state the safety reason or remove the condition",
            file=sys.stderr,
        )
        return 2
    return 0 if report.neutral else 1


def run_show(args: argparse.Namespace) -> int:
    policy = load(args.file)
    rows = [
        (
            str(i),
            r.id,
            " and ".join(f"{k} in {', '.join(map(str, v))}" for k, v in r.when) or "always",
            r.action.value,
            r.reason,
        )
        for i, r in enumerate(policy.rules, 1)
    ]
    print_rows(console(), ("#", "rule", "if", "then", "reason"), rows, title=f"{policy.name} ({policy.version})")
    return 0
