"""``hutong feeds``: import threat feeds, update the configured ones, and show their status."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from ..config import Config
from ..edge import NetworkEdge
from ..errors import InputError, UsageError
from ..safety.feeds import FeedStore, ImportResult
from ..safety.importers import FORMATS
from ..safety.refresh import refresh_all
from ._common import add_config_option, load_config
from ._output import console, print_rows

HELP = "import threat feeds, update the configured ones, show their status"
MAX_SHOWN = 20  # problems printed per import; the rest are counted


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "feeds", help=HELP, description="Manage the threat feeds stored under data.dir/feeds/."
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    imp = actions.add_parser(
        "import",
        help="import one feed file (replaces a feed of the same name atomically)",
        description="Import FILE as a threat feed of the given format under data.dir/feeds/, replacing a "
        "feed of the same name atomically; malformed and ignored lines are counted and the first shown.",
    )
    imp.add_argument("file", metavar="FILE", help="the feed file")
    imp.add_argument("--format", required=True, choices=FORMATS, help="the file's format")
    imp.add_argument("--name", help="feed name (default: from the file name)")
    add_config_option(imp)
    imp.set_defaults(run=run_import)
    upd = actions.add_parser(
        "update",
        help="re-import every feed configured in safety.feeds",
        description="Re-import every feed configured in safety.feeds, from its path or http(s) URL (through "
        "the guarded fetcher). A source that fails is reported and keeps its old copy; the others update.",
    )
    add_config_option(upd)
    upd.set_defaults(run=run_update)
    st = actions.add_parser(
        "status",
        help="entries, age, source and staleness of every stored feed",
        description="Show every stored feed: format, entries, age, whether it is stale "
        "(older than safety.max_feed_age_hours) and where it came from.",
    )
    st.add_argument("--json", action="store_true", help='print {"feeds": [...]}')
    add_config_option(st)
    st.set_defaults(run=run_status)


def _store(cfg: Config) -> FeedStore:
    return FeedStore(cfg.data_dir / "feeds")


def _print_result(result: ImportResult) -> None:
    info, report = result.info, result.report
    print(
        f"{info.name}: {info.entries} entries from {info.source} ({info.format}); "
        f"{report.malformed_count} malformed, {report.ignored_count} ignored"
    )
    for label, problems in (
        ("malformed", report.malformed),
        ("ignored", report.ignored),
        ("note", report.notes),
    ):
        for problem in problems[:MAX_SHOWN]:
            print(f"  {label}: {problem}", file=sys.stderr)
        if len(problems) > MAX_SHOWN:
            print(f"  ... {len(problems) - MAX_SHOWN} more {label}", file=sys.stderr)


def run_import(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    try:
        result = _store(cfg).import_file(Path(args.file), args.format, name=args.name)
    except InputError as exc:
        raise UsageError(exc.message) from exc
    _print_result(result)
    return 0


def run_update(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    if not cfg.safety.feeds:
        raise UsageError("no feeds configured: add [[safety.feeds]] entries with name, format and location")
    return asyncio.run(_update_all(cfg, _store(cfg)))


async def _update_all(cfg: Config, store: FeedStore) -> int:
    # one network edge for every feed URL: the fetcher, cache and rate limiter previews use (opened only
    # if a feed is a URL); with a shared cache the rate limit holds across the service's processes too
    edge = NetworkEdge(cfg)
    try:
        outcomes = await refresh_all(edge.fetcher, store, cfg.safety.feeds)
    finally:
        await edge.aclose()
    for outcome in outcomes:
        if outcome.result is not None:
            _print_result(outcome.result)
        elif outcome.outcome == "unchanged":
            print(f"{outcome.name}: {outcome.message}")
        else:
            # One bad source is reported and the others still update; the old copy of this feed stays.
            print(f"hutong: {outcome.name}: {outcome.message}", file=sys.stderr)
    return 1 if any(o.outcome == "failed" for o in outcomes) else 0


def run_status(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    infos = _store(cfg).infos()
    now = datetime.now(UTC)
    limit = cfg.safety.max_feed_age_hours
    if args.json:
        feeds = [
            {
                "name": i.name,
                "format": i.format,
                "source": i.source,
                "entries": i.entries,
                "exceptions": i.exceptions,
                "malformed": i.malformed,
                "ignored": i.ignored,
                "fetched_at": i.fetched_at.isoformat(),
                "imported_at": i.imported_at.isoformat(),
                "checked_at": i.checked_at.isoformat() if i.checked_at else None,
                "age_hours": round(i.age_hours(now), 2),
                "stale": i.is_stale(now, limit),
            }
            for i in infos
        ]
        json.dump({"feeds": feeds, "max_feed_age_hours": limit}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    con = console()
    if not infos:
        con.print("no feeds imported (hutong feeds import FILE --format FORMAT)")
        return 0
    rows = [
        (
            i.name,
            i.format,
            str(i.entries),
            f"{i.age_hours(now):.1f}",
            "stale" if i.is_stale(now, limit) else "fresh",
            i.source,
        )
        for i in infos
    ]
    print_rows(con, ("name", "format", "entries", "age (h)", "state", "source"), rows)
    return 0
