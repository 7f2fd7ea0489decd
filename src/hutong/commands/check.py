"""``hutong check``: analyse one message and print each link's report and decision."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..codes import too_large
from ..config import Config
from ..core.model import CONTEXTS, MODES, Action, Analysis, Card, CodeSpot, LinkReport, Payment
from ..core.policy import load as load_policy
from ..errors import UsageError
from ..pipeline import Engine
from ..service.pictures import PictureAnalysis, check_picture, close_readers
from ._common import add_config_option, load_config, read_text
from ._output import console, fits, line, note, table, token_line, words

HELP = "find every link in a message and decide what happens when it is tapped"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help=HELP,
        description=(
            "Find every link in TEXT (or standard input), resolve short links (unless --offline), clean "
            "tracking parameters, identify the platform, screen it, and decide open/confirm/copy/block. "
            "With --image FILE, read every QR code and barcode in the picture and check each one's text so."
        ),
    )
    p.add_argument("text", nargs="?", metavar="TEXT", help="the message (default: read standard input)")
    p.add_argument(
        "--image",
        metavar="FILE",
        help="check the QR codes and barcodes in a picture instead (PNG, JPEG, GIF, WebP, BMP; - for standard input)",
    )
    p.add_argument("--context", choices=CONTEXTS, default="direct", help="where the message was posted")
    p.add_argument("--mode", choices=MODES, help="the user's chosen mode (default: policy.default_mode)")
    p.add_argument("--policy", metavar="FILE", help="decision policy TOML (default: the bundled policy)")
    p.add_argument("--offline", action="store_true", help="never touch the network: short links stay unresolved")
    p.add_argument("--preview", action="store_true", help="also build a preview card for each link (online)")
    p.add_argument(
        "--json", action="store_true", help='print {"links": [...], "truncated": false} (schema: docs/cli.md)'
    )
    p.add_argument("--encoding", default="utf-8", help="encoding of standard input (default: utf-8)")
    add_config_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    if args.image is not None:
        if args.text is not None:
            raise UsageError("give either a message or --image FILE, not both")
        return run_image(args, cfg)
    text = read_text(args.text, args.encoding)
    policy = load_policy(args.policy) if args.policy else None
    engine = Engine.from_config(cfg, policy=policy)
    if args.offline:
        analysis = engine.examine(text, context=args.context, mode=args.mode)
    else:
        analysis = asyncio.run(_online(engine, text, args))
    if args.json:
        json.dump(analysis.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        for message in notices(analysis, max_links=engine.finder.max_links):
            print(f"hutong: note: {message}", file=sys.stderr)
    else:
        print_analysis(console(), analysis, max_links=engine.finder.max_links)
    return 0


def run_image(args: argparse.Namespace, cfg: Config) -> int:
    """``check --image FILE``: every code of the picture, each one's text checked as a message."""
    data = read_picture(args.image, cfg.image_check.max_bytes)
    policy = load_policy(args.policy) if args.policy else None
    engine = Engine.from_config(cfg, policy=policy)

    async def checked() -> PictureAnalysis:
        try:
            return await check_picture(
                engine, data, config=cfg, context=args.context, mode=args.mode,
                online=not args.offline, preview=args.preview,
            )
        finally:
            await engine.aclose()
            close_readers(cfg)

    analysis = asyncio.run(checked())
    if args.json:
        json.dump(analysis.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print_picture(console(), analysis)
    return 0


def read_picture(path: str, limit: int) -> bytes:
    """The bytes of the picture at ``path`` (``-``: standard input), refused past ``limit`` without reading on."""
    try:
        if path == "-":
            if sys.stdin is None or sys.stdin.isatty():
                raise UsageError("--image -: pipe the picture on standard input")
            data = sys.stdin.buffer.read(limit + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the picture {path}: {exc.strerror}") from exc
    if len(data) > limit:
        raise too_large(f"more than {limit}", limit)
    return data


CONTENT = {
    "text": "plain text, no link / 纯文本，无链接",
    "binary": "binary data, not text / 二进制数据，非文本",
}


def print_picture(con: Console, analysis: PictureAnalysis) -> None:
    """The picture's codes, one line each, then the table of the links they hold."""
    picture = analysis.picture
    n = len(analysis.codes)
    con.print(f"{picture.format} {picture.width}x{picture.height}: {n} code(s) / {n} 个码")
    if not analysis.codes:
        con.print("No QR code or barcode found. / 未发现二维码或条形码。")
    for code in analysis.codes:
        x, y, w, h = CodeSpot(code.index, code.code.symbology, code.code.corners).box
        where = f"code {code.index} {code.code.symbology} at {x},{y} {w}x{h}: "
        if code.links:
            token_line(con, where, f"{len(code.links)} link(s)")
        else:
            line(con, where, f"{CONTENT[code.content]}: {code.code.text[:200]}")
    if analysis.links:
        print_table(con, analysis.links)
    if analysis.picture.truncated:
        note(con, "the picture holds more codes than image_check.max_codes: those beyond were not checked")


async def _online(engine: Engine, text: str, args: argparse.Namespace) -> Analysis:
    try:
        return await engine.examine_online(text, context=args.context, mode=args.mode, preview=args.preview)
    finally:
        await engine.aclose()


def print_analysis(con: Console, analysis: Analysis, *, max_links: int) -> None:
    """The reports as a table where it shows every URL and code whole, else one block per link; then notes."""
    if not analysis.links:
        con.print("No links found.")
    else:
        print_table(con, analysis.links)
    for message in notices(analysis, max_links=max_links):
        note(con, message)


# failures of a link that needed the network and could not reach it: how the fetcher names them
_UNREACHED = frozenset({"network", "network_down", "timeout"})


def notices(analysis: Analysis, *, max_links: int) -> list[str]:
    """What the reader must know about the whole message: links left out, a network that is down."""
    out = []
    if analysis.truncated:
        out.append(
            f"this message holds more than {max_links} links: only the first {max_links} were found and checked, "
            "the rest were not; split the message to check them"
        )
    tried = [failure for r in analysis.links if (failure := _network_failure(r)) is not None]
    if "network_down" in tried:
        out.append(
            "the network is unreachable from this machine, so short links stayed unresolved and no page was "
            "fetched: this is not a problem with the links; check the connection, or pass --offline"
        )
    elif len(tried) >= 2 and all(f in _UNREACHED for f in tried):
        out.append(
            f"none of the {len(tried)} links that needed the network could be reached (every name lookup or "
            "connection failed or timed out): the network may be unreachable from this machine"
        )
    return out


def _network_failure(report: LinkReport) -> str | None:
    """How a link that went online fared: "" when it got through, else the failure's last code part."""
    codes = [c.removeprefix("resolve.") for c in report.verdict.codes if c.startswith("resolve.")]
    if report.card is not None and report.card.error is not None:
        codes.append(report.card.error.code.rsplit(".", 1)[-1])
    if codes:
        return next((c for c in codes if c in _UNREACHED), codes[0])
    went_online = len(report.hops) > 1 or report.card is not None
    return "" if went_online else None


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
    return " ".join(facts)


_STYLE = {Action.OPEN: "green", Action.CONFIRM: "yellow", Action.COPY: "cyan", Action.BLOCK: "bold red"}
TRUNCATED_CARD = "(card from the first part of a page cut at network.max_html_bytes)"
UNRESOLVED = "(short link: not resolved)"


def _who(r: LinkReport) -> str:
    ident = r.identity
    return " / ".join(x for x in (ident.platform or ident.category, ident.kind or "", ident.id or "") if x)


def print_table(con: Console, reports: Sequence[LinkReport]) -> None:
    """The reports as a table when the console is wide enough to show every token whole, else stacked."""
    grid, cells = _table(reports)
    if len(reports) <= MAX_TABLE_ROWS and fits(con, grid, words(*cells)):
        con.print(grid)
    else:
        print_stacked(con, reports)


MAX_TABLE_ROWS = 100  # a flood of links reads (and renders) better as blocks


def _table(reports: Sequence[LinkReport]) -> tuple[Table, list[str]]:
    """The table, and the text of its cells (whose every word must show whole for the table to be used)."""
    cells: list[str] = []
    grid = table("#", "found", "platform / kind", "verdict", "decision", "cleaned URL / removed")
    grid.show_lines = True
    for column in grid.columns:  # rich shrinks the widest wrapping columns first: let it be the prose one
        column.no_wrap = column.header != "decision"
    for i, r in enumerate(reports, 1):
        who = _who(r) + (f"\n「{r.title}」" if r.title else "")
        if r.payment is not None:
            who += f"\n{payment_line(r.payment)}"
        verdict = r.verdict.level.label + "".join(f"\n{x.code}" for x in r.verdict.reasons)
        d = r.decision
        decision = Text("-")
        if d is not None:
            decision = Text(d.action.value, style=_STYLE[d.action]) + Text(f"\n{d.rule}\n{d.reason}")
        url = r.url or "(nothing to open)"
        if r.needs_resolve and r.url is not None:  # an app password (淘口令) is no short link
            url += f"\n{UNRESOLVED}"
        if r.removed:
            url += "\nremoved: " + ", ".join(r.removed)
        if len(r.hops) > 1:
            url += f"\nvia {len(r.hops) - 1} hop(s) from {r.hops[0].url}"
        if r.error:
            url += f"\nerror: {r.error}"
        if r.card is not None:
            url += "\ncard: " + _card_line(r.card)
            if r.card.truncated:
                url += f"\n{TRUNCATED_CARD}"
            if r.card.error is not None:
                url += f"\ncard error: {r.card.error.code}\n{r.card.error.detail}"
        if r.reach is not None:
            url += f"\nreach: {r.reach.kind} ({r.reach.code})\n{r.reach.detail}"
        row = [Text(str(i)), Text(f"{r.found.text}\n({r.found.form})"), Text(who), Text(verdict), decision, Text(url)]
        cells += [cell.plain for cell in row]
        grid.add_row(*row)
    return grid, cells


LABEL = 11  # the stacked layout's label column


def payment_line(payment: Payment) -> str:
    """Payee and amount of a payment link or request, as stated ("?" where not): hutong never pays."""
    amount = f"{payment.amount} {payment.currency or ''}".strip() if payment.amount else "?"
    return f"pay {payment.payee or '?'} {amount}"


def print_stacked(con: Console, reports: Sequence[LinkReport]) -> None:
    """One block per link for a narrow console: labels on the left, every URL and code on a line of its own."""
    for i, r in enumerate(reports, 1):
        if i > 1:
            con.print()
        token_line(con, f"{i:<3}{r.found.form:<8}", r.found.text, style="bold")

        def tok(label: str, value: str, style: str = "") -> None:
            token_line(con, f"{label:<{LABEL}}", value, style=style, indent=3)

        def prose(label: str, value: str) -> None:
            line(con, f"{label:<{LABEL}}", value, indent=3)

        tok("platform", _who(r))
        if r.title:
            prose("title", f"「{r.title}」")
        if r.payment is not None:
            prose("payment", payment_line(r.payment))
        tok("verdict", r.verdict.level.label)
        for reason in r.verdict.reasons:
            tok("", reason.code)
        d = r.decision
        if d is not None:
            tok("decision", d.action.value, _STYLE[d.action])
            tok("", d.rule)
            prose("", d.reason)
        tok("open", r.url or "(nothing to open)")
        if r.needs_resolve and r.url is not None:
            prose("", UNRESOLVED)
        if r.removed:
            prose("removed", ", ".join(r.removed))
        if len(r.hops) > 1:
            prose("via", f"{len(r.hops) - 1} hop(s) from")
            tok("", r.hops[0].url)
        if r.error:
            prose("error", r.error)
        if r.card is not None:
            prose("card", _card_line(r.card))
            if r.card.truncated:
                prose("", TRUNCATED_CARD)
            if r.card.error is not None:
                tok("card error", r.card.error.code)
                prose("", r.card.error.detail)
        if r.reach is not None:
            tok("reach", f"{r.reach.kind} ({r.reach.code})")
            prose("", r.reach.detail)
