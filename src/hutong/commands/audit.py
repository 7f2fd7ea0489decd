"""``hutong audit``: prune old events, export the log, forget one user."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from typing import TextIO

from ..errors import UsageError
from ..store.export import FORMATS, write_events
from ..store.factory import open_audit
from ..store.timespec import parse_time
from ..store.userhash import UserHasher
from ._common import add_config_option, load_config


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "audit",
        help="maintain the audit log of decisions",
        description="Maintain the audit log of decisions (storage.audit): prune old events, export them, or "
        "forget one user. The log holds no message text and only keyed hashes of user ids.",
    )
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    asub.required = True
    pr = asub.add_parser(
        "prune",
        help="delete events older than audit.retention_days",
        description="Delete events older than the retention period (whole hours; whole months at once on "
        "PostgreSQL) and print how many went.",
    )
    pr.add_argument("--days", type=int, metavar="N", help="keep N days instead of audit.retention_days")
    add_config_option(pr)
    pr.set_defaults(run=run_prune)
    ex = asub.add_parser(
        "export",
        help="write events as CSV or JSON lines",
        description="Write the events of [--since, --until) as JSON lines (default) or CSV, to standard "
        "output or --output FILE. Cells that a spreadsheet would run as formulas are quoted.",
    )
    ex.add_argument("--format", choices=FORMATS, default="jsonl", help="csv or jsonl (default)")
    ex.add_argument(
        "--since", metavar="WHEN", help="first instant included: 2026-11-01, 2026-11-01T08:00Z or 7d"
    )
    ex.add_argument("--until", metavar="WHEN", help="first instant excluded (same forms)")
    ex.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    add_config_option(ex)
    ex.set_defaults(run=run_export)
    fg = asub.add_parser(
        "forget-user",
        help="delete every event of one user",
        description="Hash ID with this deployment's user key (user-hash.key under data.dir) and delete "
        "every event recorded for it.",
    )
    fg.add_argument("user", metavar="ID", help="the user id as the chat system knows it")
    fg.add_argument("--hashed", action="store_true", help="ID is already the stored hash")
    add_config_option(fg)
    fg.set_defaults(run=run_forget)


def quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush to a closed pipe stays silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_prune(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    days = cfg.audit.retention_days if args.days is None else args.days
    if days < 0:
        raise UsageError("--days must be 0 or more")
    store = open_audit(cfg)
    try:
        gone = store.prune(time.time() - days * 86400.0)
    finally:
        store.close()
    print(f"pruned {gone} audit events older than {days} days")
    return 0


def run_export(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    now = time.time()
    since = parse_time(args.since, now) if args.since else None
    until = parse_time(args.until, now) if args.until else None
    store = open_audit(cfg)
    try:
        with ExitStack() as stack:
            out: TextIO = sys.stdout
            if args.output:
                try:
                    out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
                except OSError as exc:
                    raise UsageError(f"cannot write {args.output!r}: {exc.strerror}") from exc
            try:
                n = write_events(store.events(since, until), out, args.format)
            except BrokenPipeError:  # e.g. `| head`: the reader has all it wanted
                quiet_stdout()
                return 0
    finally:
        store.close()
    if args.output:
        print(f"exported {n} audit events to {args.output}", file=sys.stderr)
    return 0


def run_forget(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    user_hash = args.user if args.hashed else UserHasher.for_config(cfg).hash(args.user)
    store = open_audit(cfg)
    try:
        gone = store.delete_user(user_hash)
    finally:
        store.close()
    print(f"deleted {gone} audit events of user hash {user_hash}")
    return 0
