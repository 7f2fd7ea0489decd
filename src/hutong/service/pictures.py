"""Checking a picture: every QR code and barcode in it read in a scan worker, each one's text checked like a message.

``check_picture(engine, data, ...)`` is what ``hutong check --image``, ``POST /v1/check/image`` (through
``Gateway.check_image``, which also records the decisions) and the Matrix bot's ``m.image`` events
share. The picture's size is checked here, before a worker is spent on it; its pixels and the memory
its decode would take are checked in the worker, from its header, before a pixel is decoded
(``hutong.codes``). Each code's text then goes through the engine exactly as a typed message does
(found, cleaned, identified, screened, resolved when online, decided), so a scan-to-pay code, a
mini-program link or a phishing URL in a QR code is decided as the same link typed in a chat. Every
link found keeps the finder's span inside its code's text, and is marked ``found.form: "qr"`` with
the code it came from (``found.code``: its index, symbology, corners, and how the finder took it).
A code whose text holds no link is reported as plain text.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ..codes import Code, CodeLimits, Picture, read_codes, sniff
from ..config import Config
from ..core.model import Analysis, CodeSpot, Context, LinkReport, Mode, UserPrefs
from ..errors import BadContent, PictureError, TooSlow
from ..offload import Offloader
from ..offload import shared as shared_offloader

Content = Literal["links", "text", "binary"]


@dataclass(frozen=True, slots=True)
class CodeReport:
    """One code of the picture and the reports on the links its text holds (none: ``content`` says why)."""

    index: int
    code: Code
    links: tuple[LinkReport, ...] = ()
    truncated: bool = False  # its text held more links than the finder takes

    @property
    def content(self) -> Content:
        if self.links:
            return "links"
        return "binary" if self.code.content == "binary" else "text"

    def to_json(self) -> dict[str, Any]:
        spot = CodeSpot(self.index, self.code.symbology, self.code.corners)
        return {
            "index": self.index,
            "symbology": self.code.symbology,
            "text": self.code.text,
            "content": self.content,
            "links": len(self.links),
            "position": spot.position_json(),
        }


@dataclass(frozen=True, slots=True)
class PictureAnalysis:
    """A checked picture: its format and size, each code's report, and every link in order."""

    picture: Picture
    codes: tuple[CodeReport, ...]

    @property
    def links(self) -> tuple[LinkReport, ...]:
        return tuple(r for code in self.codes for r in code.links)

    @property
    def truncated(self) -> bool:
        """More codes than ``image_check.max_codes``, or a code with more links than are checked."""
        return self.picture.truncated or any(c.truncated for c in self.codes)

    def to_json(self, *, extra: Callable[[LinkReport], Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """``{"picture", "codes", "links", "truncated"}``: the CLI's ``--image --json`` document (docs/cli.md)."""
        return {
            "picture": self.picture.to_json(),
            "codes": [c.to_json() for c in self.codes],
            "links": [r.to_json(extra=extra(r) if extra else None) for r in self.links],
            "truncated": self.truncated,
        }


Examine = Callable[[str], Awaitable[Analysis]]


class Examiner(Protocol):
    """What checking a picture needs of ``hutong.pipeline.Engine`` (the gateway's ``EngineLike`` has it)."""

    def examine(
        self, text: str, *, context: Context = "direct", prefs: UserPrefs | None = None, mode: Mode | None = None
    ) -> Analysis: ...

    async def examine_online(
        self,
        text: str,
        *,
        context: Context = "direct",
        prefs: UserPrefs | None = None,
        mode: Mode | None = None,
        preview: bool = False,
    ) -> Analysis: ...


async def read_picture(data: bytes, config: Config) -> Picture:
    """The codes of the picture ``data``, read in a scan worker within ``[image_check]``; else ``PictureError``."""
    section = config.image_check
    limits = CodeLimits.of(section)
    sniff(data, limits)  # too large, empty or no picture at all: refused before a worker is spent
    offloader = _offloader(config)
    try:
        return await offloader.run(read_codes, data, limits)
    except TooSlow as exc:
        raise PictureError(
            f"reading the picture took more than {section.cpu_budget:g} s of CPU time "
            "(image_check.cpu_budget); it was abandoned",
            code="image.too_slow",
            detail_zh=f"读取图片超过 {section.cpu_budget:g} 秒 CPU 时间（image_check.cpu_budget），已放弃",
        ) from exc
    except BadContent as exc:  # the worker died: a crash in a decoder, or the kernel's OOM killer
        raise PictureError(
            "the picture could not be read: the worker reading it stopped; it was left out",
            code="image.worker_failed",
            detail_zh="读取图片的进程意外停止，无法读取这张图片",
        ) from exc


def _offloader(config: Config) -> Offloader:
    """The scan workers that read pictures: the ``[scan]`` pool's settings with ``image_check.cpu_budget``."""
    return shared_offloader(dataclasses.replace(config.scan, cpu_budget=config.image_check.cpu_budget))


def close_readers(config: Config) -> None:
    """Stop the idle workers that read pictures (more start when a picture comes)."""
    _offloader(config).close()


async def analyse_picture(picture: Picture, examine: Examine, *, max_chars: int) -> PictureAnalysis:
    """Each code's text (its first ``max_chars`` characters) checked by ``examine`` as one message."""

    async def one(index: int, code: Code) -> CodeReport:
        if code.content == "binary" or not code.text.strip():
            return CodeReport(index, code)
        analysis = await examine(code.text[:max_chars])
        links = tuple(_from_code(r, index, code) for r in analysis.links)
        return CodeReport(index, code, links, analysis.truncated)

    reports = await asyncio.gather(*(one(i, c) for i, c in enumerate(picture.codes)))
    return PictureAnalysis(picture, tuple(reports))


async def check_picture(
    engine: Examiner,
    data: bytes,
    *,
    config: Config,
    context: Context = "direct",
    prefs: UserPrefs | None = None,
    mode: Mode | None = None,
    online: bool = False,
    preview: bool = False,
) -> PictureAnalysis:
    """Read every code of ``data`` and check each one's text with ``engine``."""
    picture = await read_picture(data, config)

    async def examine(text: str) -> Analysis:
        if online or preview:
            return await engine.examine_online(text, context=context, prefs=prefs, mode=mode, preview=preview)
        return engine.examine(text, context=context, prefs=prefs, mode=mode)

    return await analyse_picture(picture, examine, max_chars=config.server.max_message_chars)


def _from_code(report: LinkReport, index: int, code: Code) -> LinkReport:
    """The report of a link read from code ``index``: its found value marked ``qr``, with where the code is."""
    spot = CodeSpot(index, code.symbology, code.corners, found_as=report.found.form)
    return report.evolve(found=dataclasses.replace(report.found, form="qr", code=spot))
