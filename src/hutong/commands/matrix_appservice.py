"""``hutong matrix-appservice``: write the appservice registration, and run the Matrix bot."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..matrix import registration
from ._common import add_config_option, load_config

if TYPE_CHECKING:
    from ..matrix.bot import Bot
    from ..matrix.checker import Checker

HELP = "the Matrix bot: answers worrying links with a notice (an application service)"
EXTRA = "the Matrix bot needs the matrix extra: pip install 'hutong[matrix]'"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "matrix-appservice",
        help=HELP,
        description="An application service for Synapse that rooms invite; see docs/integrations/matrix.md.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    reg = actions.add_parser(
        "registration",
        help="write a registration file with fresh tokens",
        description="Write the appservice registration YAML for Synapse (fresh as_token and hs_token) to "
        "standard output or --output FILE; Synapse's app_service_config_files then names it.",
    )
    reg.add_argument(
        "--url", default="http://127.0.0.1:29330", help="where Synapse reaches the bot (default: %(default)s)"
    )
    reg.add_argument("--localpart", default="hutong", help="the bot's user name (default: %(default)s)")
    reg.add_argument("--id", default="hutong", help="the appservice id (default: %(default)s)")
    reg.add_argument("--output", metavar="FILE", help="write here, readable by the owner only (default: print)")
    reg.set_defaults(run=run_registration)
    run = actions.add_parser(
        "run",
        help="run the bot",
        description="Run the Matrix bot: it checks every link posted in the rooms it is invited to, in this "
        "process through the service core (--config, --public-url) or through a running hutong serve "
        "(--hutong-url, --api-key).",
    )
    run.add_argument("--registration", required=True, metavar="FILE", help="the registration file")
    run.add_argument(
        "--homeserver", required=True, metavar="URL", help="Synapse's client API, e.g. http://127.0.0.1:8008"
    )
    add_config_option(run)
    run.add_argument(
        "--public-url",
        metavar="URL",
        help="your `hutong serve` as users' browsers reach it: the base of the notices' go-links "
        "(default: server.public_url)",
    )
    run.add_argument(
        "--hutong-url",
        metavar="URL",
        help="ask a running `hutong serve` over HTTP instead of checking in this process",
    )
    run.add_argument("--api-key", metavar="KEY", help="with --hutong-url: its API key (default: $HUTONG_API_KEY)")
    run.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="with --hutong-url: how long to wait for it (default: 5)"
    )
    run.add_argument(
        "--no-preview", action="store_true", help="no cards: check without resolving and fetching the links"
    )
    run.set_defaults(run=run_bot)


def run_registration(args: argparse.Namespace) -> int:
    _need_extra()
    text = registration.dump(registration.new(args.url, id=args.id, localpart=args.localpart))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    path = Path(args.output)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {path}: list it under app_service_config_files in homeserver.yaml and restart Synapse")
    return 0


def run_bot(args: argparse.Namespace) -> int:
    _need_extra()
    from ..matrix.bot import Bot

    reg = registration.load(args.registration)
    checker = _checker(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(_serve(Bot(reg, homeserver=args.homeserver, checker=checker)))
    return 0


def _checker(args: argparse.Namespace) -> Checker:
    """The service core in this process with hutong's configuration, or with --hutong-url a running service."""
    from ..matrix.checker import InProcess, OverHttp

    preview = not args.no_preview
    if args.hutong_url is None:
        for name, value in (("--api-key", args.api_key), ("--timeout", args.timeout)):
            if value is not None:
                raise UsageError(f"{name} is for a bot that asks hutong over HTTP: add --hutong-url, or leave it out")
        return InProcess.open(load_config(args), public_url=args.public_url, preview=preview)
    for name, value in (("--public-url", args.public_url), ("--config", args.config)):
        if value is not None:
            raise UsageError(f"{name} is for a bot that checks in its own process; with --hutong-url the "
                             "service's own configuration applies: leave it out")
    timeout = 5.0 if args.timeout is None else args.timeout
    if not timeout > 0:
        raise UsageError("--timeout must be more than 0 seconds")
    api_key = args.api_key or os.environ.get("HUTONG_API_KEY") or None
    return OverHttp(args.hutong_url, api_key=api_key, timeout=timeout, preview=preview)


async def _serve(bot: Bot) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await bot.start()
        await stop.wait()
    finally:
        await bot.stop()


def _need_extra() -> None:
    try:
        import mautrix  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as exc:
        raise UsageError(EXTRA) from exc
