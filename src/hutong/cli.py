"""The ``hutong`` command line: a thin shell over the library.

Each subcommand lives in ``hutong.commands.<name>`` and exposes
``register(subparsers)``; the parser sets ``args.run`` to a function returning
the exit code. Exit codes: 0 success, 1 a failure the message explains, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import ConfigError, HutongError, UsageError

COMMANDS: tuple[str, ...] = (
    "check",
    "policy",
    "serve",
    "keys",
    "audit",
    "report",
    "feeds",
    "matrix-appservice",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"hutong: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hutong",
        description="hutong: find, resolve, clean, identify, screen and decide every link in a chat message.",
    )
    parser.add_argument("--version", action="version", version=f"hutong {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"hutong.commands.{name.replace('-', '_')}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except UsageError as exc:
        print(f"hutong: error: {exc.message}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"hutong: configuration error: {exc.message}", file=sys.stderr)
        return 2
    except HutongError as exc:
        print(f"hutong: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`hutong check --json | head`): not our failure, and no traceback
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
