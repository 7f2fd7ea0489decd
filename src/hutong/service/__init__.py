"""The service core every front end shares: check, click-time re-check, audit, go-links, user prefs, API keys.

Plain Python: no module here imports a web framework (``tests/service/test_no_framework.py``
holds it to that). The web app (``hutong.web``), the CLI and chat adapters are thin callers:

- ``gateway``: ``Gateway`` (check, ``check_batch``, ``check_image``, click, audit recording) and ``open_gateway(cfg)``;
- ``pictures``: the QR codes and barcodes of a picture, each one's text checked as a message (``check_picture``);
- ``golinks``: signed go-link tokens and the confirm page's nonce;
- ``prefs``: each user's own link settings (``PrefsStore``, ``SQLitePrefs``);
- ``apikeys``: operator API keys (``ApiKeys``);
- ``observer``: what a front end that exports metrics passes in (``Observer``).
"""

from __future__ import annotations

from .apikeys import ApiKeys
from .gateway import (
    Click,
    EngineLike,
    Gateway,
    ImageLinks,
    Message,
    Runner,
    default_audit,
    is_loopback,
    open_gateway,
)
from .golinks import GoClaim
from .observer import NullObserver, Observer
from .prefs import PrefsStore, SQLitePrefs

__all__ = [
    "ApiKeys",
    "Click",
    "EngineLike",
    "Gateway",
    "GoClaim",
    "ImageLinks",
    "Message",
    "NullObserver",
    "Observer",
    "PrefsStore",
    "Runner",
    "SQLitePrefs",
    "default_audit",
    "is_loopback",
    "open_gateway",
]
