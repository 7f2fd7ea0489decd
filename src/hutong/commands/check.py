"""``hutong check``: analyse one message and print each link's report and decision."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ..core.model import CONTEXTS, MODES, Action, Card, LinkReport
from ..core.policy import load as load_policy
from ..library import check
from ..pipeline import Engine
from ._common import add_config_option, load_config, read_text

HELP = "find every link in a message and decide what happens when it is tapped"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=(
            "Find every link in TEXT (or standard input), resolve short links (unless --offline), clean "
            "tracking parameters, identify the platform, screen it, and decide open/confirm/copy/block."
        ),
    )
    p.add_argument("text", nargs="?", metavar="TEXT", help="the message (default: read standard input)")
    p.add_argument("--context", choices=CONTEXTS, default="direct", help="where the message was posted")
    p.add_argument("--mode", choices=MODES, help="the user's chosen mode (default: policy.default_mode)")
    p.add_argument("--policy", metavar="FILE", help="decision policy TOML (default: the bundled policy)")
    p.add_argument("--offline", action="store_true", help="never touch the network: short links stay unresolved")
    p.add_argument("--preview", action="store_true", help="also build a preview card for each link (online)")
    p.add_argument("--json", action="store_true", help='print {"links": [...]} (schema: docs/cli.md)')
    p.add_argument("--encoding", default="utf-8", help="encoding of standard input (default: utf-8)")
    add_config_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    text = read_text(args.text, args.encoding)
    policy = load_policy(args.policy) if args.policy else None
    engine = Engine.from_config(cfg, policy=policy)
    online = not args.offline
    reports = check(
        text, context=args.context, mode=args.mode, online=online, preview=online and args.preview, engine=engine
    )
    if args.json:
        json.dump({"links": [r.to_json() for r in reports]}, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(reports)
    return 0


def _card_line(card: Card) -> str:
    """One line of the preview card: kind, title and the facts a card carries."""
    facts: list[str] = [card.kind]
    if card.title:
        facts.append(f"「{card.title}」")
    if card.price:
        facts.append(f"{card.price} {card.currency or ''}".strip())
    if card.duration is not None:
        facts.append(f"{card.duration // 60}:{card.duration % 60:02d}")
    if card.author:
        facts.append(f"by {card.author}")
    line = "card: " + " ".join(facts)
    if card.truncated:
        line += "\n(card from the first part of a page cut at network.max_html_bytes)"
    if card.error is not None:
        line += f"\ncard error: {card.error.code}\n{card.error.detail}"
    return line


_STYLE = {Action.OPEN: "green", Action.CONFIRM: "yellow", Action.COPY: "cyan", Action.BLOCK: "bold red"}


def print_table(reports: Sequence[LinkReport]) -> None:
    """A readable table of the reports (rich)."""
    from rich.console import Console
    from rich.table import Table

    # a pipe or a file gets a wide table, so ids and URLs stay on one line for grep
    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    if not reports:
        console.print("No links found.")
        return
    table = Table(show_lines=True)
    for col in ("#", "found", "platform / kind", "verdict", "decision", "cleaned URL / removed"):
        table.add_column(col, overflow="fold")
    for i, r in enumerate(reports, 1):
        ident = r.identity
        who = " / ".join(x for x in (ident.platform or ident.category, ident.kind or "", ident.id or "") if x)
        if r.title:
            who += f"\n「{r.title}」"
        verdict = r.verdict.level.label + "".join(f"\n{x.code}" for x in r.verdict.reasons)
        d = r.decision
        decision = f"[{_STYLE[d.action]}]{d.action.value}[/]\n{d.rule}\n{d.reason}" if d else "-"
        url = r.url or "(nothing to open)"
        if r.needs_resolve and r.url is not None:  # an app password (淘口令) is no short link
            url += "\n(short link: not resolved)"
        if r.removed:
            url += "\nremoved: " + ", ".join(r.removed)
        if len(r.hops) > 1:
            url += f"\nvia {len(r.hops) - 1} hop(s) from {r.hops[0].url}"
        if r.error:
            url += f"\nerror: {r.error}"
        if r.card is not None:
            url += "\n" + _card_line(r.card)
        table.add_row(str(i), f"{r.found.text}\n({r.found.form})", who, verdict, decision, url)
    console.print(table)
