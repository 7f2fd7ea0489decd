"""Helpers shared by subcommands: the --config option and reading message text."""

from __future__ import annotations

import argparse
import sys

from ..config import Config, load
from ..errors import UsageError


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="configuration TOML file (default: $HUTONG_CONFIG, else built-in defaults)"
    )


def load_config(args: argparse.Namespace) -> Config:
    return load(getattr(args, "config", None))


def read_text(arg: str | None, encoding: str = "utf-8") -> str:
    """The message from the argument, else all of standard input, decoded strictly."""
    if arg is not None:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:  # undecodable argv bytes arrive as lone surrogates
            raise UsageError(
                f"the message argument is not valid UTF-8 (at character {exc.start}); pass it on standard input "
                "with --encoding (e.g. --encoding gb18030), or convert it first"
            ) from exc
        return arg
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("give the message as an argument or on standard input")
    data = sys.stdin.buffer.read()
    try:
        return data.decode(encoding)
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"standard input is not valid {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "pass --encoding (e.g. --encoding gb18030) or convert it first"
        ) from exc
