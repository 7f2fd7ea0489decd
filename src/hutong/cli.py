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
from typing import NoReturn

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
    """A parser whose errors show the usage of the (sub)command they are about, then exit 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        # argparse hands a subcommand's unknown options up to the top parser, whose usage says nothing of
        # them; the subcommand that was chosen (the deepest, ``_usage_of``) reports them with its own usage
        leaf = getattr(parsed, "_usage_of", None)
        if extras and isinstance(leaf, _Parser) and leaf is not self:
            leaf.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [
        p
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for p in dict.fromkeys(action.choices.values())
    ]


def _mark(parser: argparse.ArgumentParser) -> None:
    """Every subcommand parser records itself, so the deepest one chosen is known after parsing."""
    for sub in _subparsers(parser):
        sub.set_defaults(_usage_of=sub)
        _mark(sub)


def all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every (sub)subcommand parser under it."""
    out = [parser]
    for sub in _subparsers(parser):
        out += all_parsers(sub)
    return out


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
    _mark(parser)
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
        if zh := getattr(exc, "detail_zh", ""):  # a picture that cannot be read says why in Chinese too
            print(f"hutong: {zh}", file=sys.stderr)
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
