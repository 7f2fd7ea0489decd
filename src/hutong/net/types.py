"""Values and interfaces of the network edge, shared by the fetcher, the resolver and the preview builder."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Protocol

from ..core.model import Hop

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

    @property
    def not_modified(self) -> bool:
        """The server answered 304 to a conditional request: the copy the caller holds is current."""
        return self.status == 304


# a validator is sent back verbatim in a request header: visible ASCII and spaces only, bounded
_VALIDATOR = re.compile(r"[\x20-\x7e]{1,1024}")


@dataclass(frozen=True, slots=True)
class Validators:
    """The validators of a copy held by the caller (RFC 9110 §8.8), sent back to ask "has it changed?"."""

    etag: str = ""  # the response's ETag, weak (W/"...") or strong, as sent
    last_modified: str = ""  # the response's Last-Modified, an HTTP date as sent

    @classmethod
    def of(cls, result: FetchResult) -> Validators:
        """The validators a response carries (none that could not be sent back safely)."""
        etag, modified = result.header("etag") or "", result.header("last-modified") or ""
        return cls(
            etag if _VALIDATOR.fullmatch(etag) else "", modified if _VALIDATOR.fullmatch(modified) else ""
        )

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)

    def request_headers(self) -> dict[str, str]:
        """``If-None-Match`` and ``If-Modified-Since`` for the validators held (a server prefers the ETag)."""
        headers: dict[str, str] = {}
        if _VALIDATOR.fullmatch(self.etag):
            headers["If-None-Match"] = self.etag
        if _VALIDATOR.fullmatch(self.last_modified):
            headers["If-Modified-Since"] = self.last_modified
        return headers


class Fetcher(Protocol):
    """The one door to the network. Raises ``hutong.errors.RemoteError`` subclasses, never anything else."""

    async def fetch(self, url: str, *, purpose: Purpose = "page") -> FetchResult: ...

    async def aclose(self) -> None: ...
