"""``hutong report``: the transparency report as a terminal summary, HTML, JSON or CSV."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..core.policy import load as load_policy
from ..errors import UsageError
from ..report import build_report
from ..report_i18n import REPORT_LANGS
from ..report_render import render_report_csv, render_report_html, render_report_json
from ..store.factory import open_audit
from ..store.timespec import parse_time
from ._common import add_config_option, load_config
from ._output import console
from ._summary import print_summary
from .audit import quiet_stdout

RENDERERS = {"html": render_report_html, "json": render_report_json, "csv": render_report_csv}
FORMATS = ("text", *RENDERERS)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="how links were treated, per platform and category",
        description="Count the audit log over [--since, --until): actions per platform and category, "
        "the disparity index per category beside the policy's neutrality check, top reasons, "
        "click-through and decisions over time. To a terminal it prints a summary; to a file or a pipe "
        "(and with --format html) the whole HTML page with its charts.",
    )
    p.add_argument(
        "--since", metavar="WHEN", help="first instant included: 2026-11-01, 2026-11-01T08:00Z or 30d"
    )
    p.add_argument("--until", metavar="WHEN", help="first instant excluded (same forms)")
    p.add_argument("--lang", choices=REPORT_LANGS, default="en", help="language of the HTML page: en (default) or zh")
    p.add_argument(
        "--format",
        choices=FORMATS,
        help="text (a summary; the default to a terminal), html (the default otherwise), json or csv",
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    add_config_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    now = time.time()
    since = parse_time(args.since, now) if args.since else None
    until = parse_time(args.until, now) if args.until else None
    if since is not None and until is not None and until <= since:
        raise UsageError("--until must be later than --since")
    policy = load_policy(cfg.policy.file)
    store = open_audit(cfg)
    try:
        report = build_report(store, since, until, policy=policy, min_events=cfg.audit.disparity_min_events)
    finally:
        store.close()
    fmt = args.format or ("text" if not args.output and sys.stdout.isatty() else "html")
    if fmt == "text":
        if args.output:
            raise UsageError("--format text is for reading in a terminal; write html, json or csv to a file")
        print_summary(console(), report)
        return 0
    text = render_report_html(report, args.lang) if fmt == "html" else RENDERERS[fmt](report)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {args.output!r}: {exc.strerror}") from exc
        print(f"wrote the {fmt} report ({report.total} decisions) to {args.output}", file=sys.stderr)
    else:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            quiet_stdout()
    return 0
