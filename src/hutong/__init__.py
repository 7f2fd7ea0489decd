"""hutong (互通): an open, self-hostable link layer for chat and community platforms.

The library API, documented in ``docs/library.md``. Check one message::

    >>> import hutong
    >>> [(r.identity.platform, r.decision.action.value) for r in hutong.check("https://b23.tv/BV1xx411c7mD")]
    [('bilibili', 'confirm')]

Everything else is a name away, imported only when first used, so ``import hutong`` itself
loads nothing but this module:

- ``check`` / ``check_async``: one call, one message, a ``LinkReport`` per link;
- ``Engine``: the loaded pipeline, for many calls (``Engine.from_config(cfg)``);
- ``Gateway`` / ``open_gateway``: the service core the web app and chat adapters share
  (check, click-time re-check, audit, go-links, user prefs, API keys);
- the values: ``LinkReport``, ``Found``, ``Identity``, ``Verdict``, ``Level``, ``Reason``,
  ``Decision``, ``Action``, ``Hop``, ``Card``, ``UserPrefs``, ``Context``, ``Mode``;
- ``Config`` and ``load_config``; ``HutongError``, the root of every error hutong raises.
"""

from __future__ import annotations

__version__ = "0.1.0"

# name -> the module that defines it; resolved on first access (PEP 562)
_LAZY: dict[str, str] = {
    "check": "hutong.library",
    "check_async": "hutong.library",
    "Engine": "hutong.pipeline",
    "Gateway": "hutong.service.gateway",
    "open_gateway": "hutong.service.gateway",
    "Click": "hutong.service.gateway",
    "Config": "hutong.config",
    "load_config": "hutong.config",
    "Action": "hutong.core.model",
    "Card": "hutong.core.model",
    "Context": "hutong.core.model",
    "Decision": "hutong.core.model",
    "Found": "hutong.core.model",
    "Hop": "hutong.core.model",
    "Identity": "hutong.core.model",
    "Level": "hutong.core.model",
    "LinkReport": "hutong.core.model",
    "Mode": "hutong.core.model",
    "Reason": "hutong.core.model",
    "UserPrefs": "hutong.core.model",
    "Verdict": "hutong.core.model",
    "HutongError": "hutong.errors",
    "ConfigError": "hutong.errors",
    "InputError": "hutong.errors",
    "RemoteError": "hutong.errors",
    "StorageError": "hutong.errors",
    "TokenError": "hutong.errors",
}
_RENAMED = {"load_config": "load"}  # names exported under another name than their module's

__all__ = [  # the names of _LAZY and __version__ (tests/library/test_public_api.py keeps them equal)
    "Action",
    "Card",
    "Click",
    "Config",
    "ConfigError",
    "Context",
    "Decision",
    "Engine",
    "Found",
    "Gateway",
    "Hop",
    "HutongError",
    "Identity",
    "InputError",
    "Level",
    "LinkReport",
    "Mode",
    "Reason",
    "RemoteError",
    "StorageError",
    "TokenError",
    "UserPrefs",
    "Verdict",
    "__version__",
    "check",
    "check_async",
    "load_config",
    "open_gateway",
]

# not typing.TYPE_CHECKING: importing typing would cost more than the rest of this module
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .config import Config
    from .config import load as load_config
    from .core.model import (
        Action,
        Card,
        Context,
        Decision,
        Found,
        Hop,
        Identity,
        Level,
        LinkReport,
        Mode,
        Reason,
        UserPrefs,
        Verdict,
    )
    from .errors import ConfigError, HutongError, InputError, RemoteError, StorageError, TokenError
    from .library import check, check_async
    from .pipeline import Engine
    from .service.gateway import Click, Gateway, open_gateway


def __getattr__(name: str) -> Any:
    """Import the module behind ``name`` on first use and keep the value here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hutong' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
