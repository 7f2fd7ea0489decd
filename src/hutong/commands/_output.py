"""How every subcommand prints: one rich console, one table style, notes, and lines that keep tokens whole.

A URL, a reason code or a key id is a token: it is never folded across lines, whatever the
terminal's width, so it can be copied and searched for. Prose wraps at spaces; a token longer
than the line stands alone on its own line and runs past the edge (the terminal, not hutong,
wraps it for display, and a copy gets it whole).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

PIPE_WIDTH = 200  # a pipe or a file gets wide lines, so most rows stay on one line for grep
_BOX_RULES = re.compile(r"[\s│┃║|]+")


def console(file: TextIO | None = None, *, width: int | None = None) -> Console:
    """The console a subcommand prints through: a terminal's own width, else ``PIPE_WIDTH`` columns."""
    out = file if file is not None else sys.stdout
    if width is None and not out.isatty():
        width = PIPE_WIDTH
    return Console(file=out, width=width, soft_wrap=False, highlight=False, emoji=False)


def table(*columns: str, title: str | None = None) -> Table:
    """A table in the one style every subcommand uses."""
    out = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for column in columns:
        out.add_column(column, overflow="fold")  # never "…": a cell too narrow loses nothing (and fails ``fits``)
    return out


def note(con: Console, message: str) -> None:
    """A line the reader should not miss (a truncated list, a network that is down)."""
    line(con, "note: ", message, style="bold yellow")


def line(con: Console, label: str, value: str, *, style: str = "", indent: int = 0) -> None:
    """``label`` then ``value``, wrapped at spaces to the console's width with every word kept whole."""
    width = max(20, con.width - indent - cell_len(label))
    for i, wrapped in enumerate(wrap(value, width)):
        head = (" " * indent) + (label if i == 0 else " " * cell_len(label))
        con.print(Text(head, style=style) + Text(wrapped), soft_wrap=True)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces only: a longer word has a line to itself."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            if current and cell_len(current) + 1 + cell_len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return lines


def token_line(con: Console, label: str, token: str, *, style: str = "", indent: int = 0) -> None:
    """``label`` then one token (a URL, a code), on one line however long: never wrapped, never cut."""
    con.print(Text(" " * indent + label) + Text(token, style=style), soft_wrap=True)


def fits(con: Console, renderable: Table, tokens: Iterable[str]) -> bool:
    """Whether ``renderable`` at ``con``'s width shows every one of ``tokens`` whole, on one line."""
    probe = Console(file=io.StringIO(), width=con.width, color_system=None, soft_wrap=False, highlight=False)
    with probe.capture() as captured:
        probe.print(renderable)
    shown = set(_BOX_RULES.split(captured.get()))
    return all(t in shown for t in tokens)


def words(*texts: str | None) -> list[str]:
    """The whitespace-separated words of ``texts``: what a table must not fold."""
    return [w for t in texts if t for w in t.split()]


def print_rows(
    con: Console, columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str | None = None
) -> None:
    """Rows as a table where every word shows whole at ``con``'s width, else one block of ``column: value``
    lines per row (the first column heads its block)."""
    grid = table(*columns, title=title)
    for row in rows:
        grid.add_row(*(Text(cell) for cell in row))
    if fits(con, grid, words(*(cell for row in rows for cell in row))):
        con.print(grid)
        return
    if title:
        con.print(Text(title, style="italic"))
    width = max(cell_len(c) for c in columns[1:]) + 2 if len(columns) > 1 else 2
    for i, row in enumerate(rows):
        if i:
            con.print()
        token_line(con, "", row[0], style="bold")
        for column, cell in zip(columns[1:], row[1:], strict=True):
            line(con, f"{column + ':':<{width}}", cell, indent=2)
