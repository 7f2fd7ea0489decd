"""The picture of an ``m.image`` event, fetched from the bot's own homeserver, never from elsewhere.

``image_of(content)`` reads the event's ``mxc://server/media`` URI and its declared size;
``download(...)`` fetches the bytes through the authenticated client media API
(``/_matrix/client/v1/media/download/...``, Matrix 1.11) with the bot's token, falling back to the
legacy ``/_matrix/media/v3/download/...`` on a homeserver that does not know the new one. Only the
homeserver the bot is registered with is asked (it fetches remote media over federation itself);
redirects are not followed, the declared size is checked before the request and the body is read
no further than ``image_check.max_bytes``. An encrypted picture (``file`` instead of ``url``) is not
fetched: the bot cannot read encrypted rooms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientResponse, ClientSession, ClientTimeout

from ..codes import too_large
from ..errors import RemoteError

IMAGE = "m.image"
_MXC = re.compile(r"mxc://([A-Za-z0-9.:\[\]-]{1,255})/([A-Za-z0-9_-]{1,255})")
AUTHENTICATED = "/_matrix/client/v1/media/download/"
LEGACY = "/_matrix/media/v3/download/"
CHUNK = 64 * 1024


async def _unrecognised(response: ClientResponse) -> bool:
    """Whether the homeserver does not know the endpoint (``M_UNRECOGNIZED``), as against not having the media."""
    if response.status == 405:
        return True
    if response.status != 404:
        return False
    try:
        answer = json.loads(await response.content.read(4096))
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("errcode") == "M_UNRECOGNIZED"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """An ``mxc://`` picture: the server that holds it, its id, and the size the event declares (if any)."""

    server: str
    media_id: str
    size: int | None = None

    def path(self, api: str) -> str:
        return f"{api}{quote(self.server, safe='')}/{quote(self.media_id, safe='')}"


def image_of(content: Mapping[str, Any]) -> MediaRef | None:
    """The picture of an ``m.image`` message's content, or None (another message, an encrypted file, a bad URI).

    >>> image_of({"msgtype": "m.image", "url": "mxc://hutong.test/AbC123", "info": {"size": 512}})
    MediaRef(server='hutong.test', media_id='AbC123', size=512)
    >>> image_of({"msgtype": "m.image", "url": "https://elsewhere.example/a.png"}) is None
    True
    """
    if content.get("msgtype") != IMAGE:
        return None
    url = content.get("url")
    match = _MXC.fullmatch(url) if isinstance(url, str) else None
    if match is None:
        return None
    info = content.get("info")
    size = info.get("size") if isinstance(info, Mapping) else None
    declared = size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None
    return MediaRef(match[1], match[2], declared)


async def download(
    session: ClientSession, homeserver: str, token: str, ref: MediaRef, *, limit: int, timeout: float = 30.0
) -> bytes:
    """The picture's bytes from ``homeserver``; ``PictureError`` over ``limit``, ``RemoteError`` if not served."""
    if ref.size is not None and ref.size > limit:
        raise too_large(ref.size, limit)  # as the event declares it: not fetched at all
    headers = {"Authorization": f"Bearer {token}"}
    status = 0
    for api in (AUTHENTICATED, LEGACY):
        try:
            async with session.get(
                homeserver.rstrip("/") + ref.path(api),
                headers=headers,
                allow_redirects=False,
                timeout=ClientTimeout(total=timeout),
            ) as response:
                status = response.status
                if api == AUTHENTICATED and await _unrecognised(response):
                    continue  # a homeserver without the authenticated media API (before Matrix 1.11)
                if status != 200:
                    break
                declared = response.content_length
                if declared is not None and declared > limit:
                    raise too_large(declared, limit)
                body = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    body += chunk
                    if len(body) > limit:
                        raise too_large(f"more than {limit}", limit)
                return bytes(body)
        except (ClientError, TimeoutError) as exc:
            raise RemoteError(
                f"the homeserver did not serve the picture {ref.server}/{ref.media_id} ({type(exc).__name__}: {exc})",
                code="remote.matrix_media",
            ) from exc
    raise RemoteError(
        f"the homeserver answered {status} for the picture {ref.server}/{ref.media_id}", code="remote.matrix_media"
    )
