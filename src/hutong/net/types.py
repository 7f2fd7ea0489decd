"""Values and interfaces of the network edge, shared by the fetcher, the resolver and the preview builder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ..model import Hop

Purpose = Literal["page", "image", "oembed", "feed"]  # "feed": an operator-configured threat feed


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One guarded fetch, after following (and re-checking) HTTP redirects."""

    url: str  # final URL, after 3xx redirects
    status: int
    content_type: str  # media type, lower case, without parameters ("" if none)
    body: bytes  # at most the cap for the purpose; see ``truncated``
    headers: tuple[tuple[str, str], ...] = ()
    truncated: bool = False  # body was cut at the cap (an HTML prefix is still usable)
    hops: tuple[Hop, ...] = ()  # every URL visited, first to last, with status and how it was reached
    text: str | None = None  # decoded text for HTML, JSON and XML bodies
    encoding: str | None = None  # the WHATWG encoding name used to decode ``text``

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for k, v in self.headers:
            if k.lower() == lname:
                return v
        return None


class Fetcher(Protocol):
    """The one door to the network. Raises ``hutong.errors.RemoteError`` subclasses, never anything else."""

    async def fetch(self, url: str, *, purpose: Purpose = "page") -> FetchResult: ...

    async def aclose(self) -> None: ...
