"""The application-service registration: what Synapse reads from ``app_service_config_files``.

``new`` makes one with fresh random tokens; ``dump`` writes it as YAML, ``load`` reads it back (also
one an operator edited). The bot needs no user or room namespace: Synapse sends an appservice the
events of the rooms its ``sender_localpart`` user is in, and the invites to it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

_LOCALPART = re.compile(r"[a-z0-9._=/+-]+")


@dataclass(frozen=True, slots=True)
class Registration:
    """One appservice: its id, where Synapse pushes transactions, both tokens and the bot's localpart."""

    id: str
    url: str
    as_token: str
    hs_token: str
    sender_localpart: str

    @property
    def listen(self) -> tuple[str, int]:
        """The host and port of ``url``: where the bot listens."""
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "as_token": self.as_token,
            "hs_token": self.hs_token,
            "sender_localpart": self.sender_localpart,
            "namespaces": {"users": [], "aliases": [], "rooms": []},
            "rate_limited": False,
        }


def new(url: str, *, id: str = "hutong", localpart: str = "hutong") -> Registration:
    """A registration with fresh tokens (32 random bytes each).

    >>> r = new("http://127.0.0.1:29330", localpart="hutong")
    >>> (r.listen, r.sender_localpart, len(r.as_token) > 40, r.as_token != r.hs_token)
    (('127.0.0.1', 29330), 'hutong', True, True)
    """
    return _checked(
        Registration(
            id=id,
            url=url,
            as_token=secrets.token_urlsafe(32),
            hs_token=secrets.token_urlsafe(32),
            sender_localpart=localpart,
        )
    )


def dump(reg: Registration) -> str:
    """The registration as YAML, with a comment on where it goes."""
    import yaml

    head = (
        "# hutong's Matrix appservice. List this file under app_service_config_files in homeserver.yaml,\n"
        "# restart Synapse, and run: hutong matrix-appservice run --registration THIS_FILE ...\n"
        "# The tokens are secrets: anyone with as_token can act as the bot.\n"
    )
    return head + str(yaml.safe_dump(reg.as_dict(), sort_keys=False, allow_unicode=True))


def load(path: str | Path) -> Registration:
    """Read a registration file; a missing or malformed field is named."""
    import yaml

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the registration {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"the registration {path} is not YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"the registration {path} is not a mapping of id, url, as_token, hs_token ...")
    values = {}
    for key in ("id", "url", "as_token", "hs_token", "sender_localpart"):
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"the registration {path} has no {key}; make a new one with "
                              "`hutong matrix-appservice registration`")
        values[key] = value
    return _checked(Registration(**values))


def _checked(reg: Registration) -> Registration:
    parts = urlsplit(reg.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the appservice url {reg.url!r} is not an http(s) URL, e.g. http://127.0.0.1:29330")
    if not _LOCALPART.fullmatch(reg.sender_localpart):
        raise ConfigError(f"sender_localpart {reg.sender_localpart!r} is not a Matrix localpart (a-z 0-9 ._=/+-)")
    return reg
