"""Signed tokens: HMAC-SHA256 over a purpose, a key id and a payload, with an expiry.

A token reads ``KID.PAYLOAD.SIG`` (all base64url without padding, so it is safe in a
URL path). ``PAYLOAD`` is compact JSON with the expiry under ``"exp"``; ``SIG`` is
``HMAC-SHA256(key[KID], purpose "\\n" KID "." PAYLOAD)``. The MAC covers the *text* of
the kid and the payload, and the signature is compared as text, so any change to any
byte of a token is rejected (base64 padding bits cannot be flipped unnoticed). The
purpose (``go``, ``img``) keeps one kind of token from being replayed as another.

Keys live in ``data.dir/signing-keys.json``, created once (atomically, so workers
starting together agree on one key) and never leave the machine. ``rotate`` adds a new
current key; older keys still verify the tokens they signed until ``retire`` removes them.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .errors import ConfigError, TokenError
from .jsonfile import write_json

KEY_FILE = "signing-keys.json"
MAX_TOKEN_CHARS = 8192  # a go-link carries one URL; anything longer is not ours
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_KID = re.compile(r"[a-z0-9]{1,16}")


def b64encode(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Inverse of ``b64encode``; raises ``ValueError`` on anything else."""
    if text and not _B64.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says: its payload, the key that signed it and when it expires."""

    data: Mapping[str, Any]
    kid: str
    expires: int


class Signer:
    """Signs and verifies tokens with a set of keys, one of them current."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ConfigError(f"signing key {current!r} is not among the keys; check {KEY_FILE}")
        for kid, key in keys.items():
            if not _KID.fullmatch(kid) or len(key) < 32:
                raise ConfigError(f"signing key {kid!r} is malformed; remove it from {KEY_FILE}")
        self._keys = dict(keys)
        self.current = current

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def _mac(self, purpose: str, kid: str, payload: str) -> str:
        msg = f"{purpose}\n{kid}.{payload}".encode("ascii")
        return b64encode(hmac.digest(self._keys[kid], msg, "sha256"))  # one-shot: the same MAC, half the calls

    def sign(self, purpose: str, data: Mapping[str, Any], *, ttl: float, now: float | None = None) -> str:
        """A token for ``data`` (JSON-able, without ``exp``) valid for ``ttl`` seconds."""
        expires = int((time.time() if now is None else now) + ttl)
        # orjson: the bytes json.dumps(sort_keys=True, compact, ensure_ascii=False) gives, in 1/8 of the time
        payload = b64encode(orjson.dumps({**data, "exp": expires}, option=orjson.OPT_SORT_KEYS))
        return f"{self.current}.{payload}.{self._mac(purpose, self.current, payload)}"

    def verify(self, purpose: str, token: str, *, now: float | None = None) -> Claims:
        """The claims of a valid ``token``; ``TokenError`` (with a code) for anything else."""
        if len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise TokenError("this link is not a hutong link (malformed token)", code="token.malformed")
        parts = token.split(".")
        if len(parts) != 3 or not all(_B64.fullmatch(p) for p in parts):
            raise TokenError("this link is not a hutong link (malformed token)", code="token.malformed")
        kid, payload, sig = parts
        if kid not in self._keys:
            raise TokenError(
                "this link was signed with a key this server does not have (it may be from another server, "
                "or the key was retired)",
                code="token.unknown_key",
            )
        if not hmac.compare_digest(sig, self._mac(purpose, kid, payload)):
            raise TokenError("this link has been altered: its signature does not match", code="token.bad_signature")
        try:
            data = json.loads(b64decode(payload).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            # only reachable with a valid signature over a bad payload: a bug or a leaked key
            raise TokenError("this link's contents are unreadable", code="token.malformed") from exc
        if not isinstance(data, dict) or not isinstance(data.get("exp"), int):
            raise TokenError("this link's contents are unreadable", code="token.malformed")
        expires = data.pop("exp")
        if (time.time() if now is None else now) >= expires:
            raise TokenError("this link has expired; ask the sender to share it again", code="token.expired")
        return Claims(data=data, kid=kid, expires=expires)


def _new_kid() -> str:
    return secrets.token_hex(4)


def _read(path: Path) -> tuple[dict[str, bytes], str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        keys = {str(k): bytes.fromhex(v) for k, v in doc["keys"].items()}
        return keys, str(doc["current"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"signing key file {str(path)!r} is unreadable ({exc}); restore it from backup, or delete it "
            "to start with a new key (links already sent will stop working)"
        ) from exc


def _doc(keys: Mapping[str, bytes], current: str) -> dict[str, Any]:
    return {"current": current, "keys": {k: v.hex() for k, v in keys.items()}}


def key_path(data_dir: str | os.PathLike[str]) -> Path:
    """Where the signing keys of ``data_dir`` are kept."""
    return Path(data_dir) / KEY_FILE


def load_signer(data_dir: str | os.PathLike[str]) -> Signer:
    """The signer for ``data_dir``, generating its first key once if there is none."""
    path = key_path(data_dir)
    if not path.exists():
        kid = _new_kid()
        write_json(path, _doc({kid: secrets.token_bytes(32)}, kid), replace=False)
    keys, current = _read(path)
    return Signer(keys, current)


def rotate(data_dir: str | os.PathLike[str]) -> str:
    """Add a new current signing key and return its id; old keys keep verifying."""
    load_signer(data_dir)  # creates the first key if there is none
    keys, _current = _read(key_path(data_dir))
    kid = _new_kid()
    while kid in keys:  # pragma: no cover - 1 in 4 billion
        kid = _new_kid()
    keys[kid] = secrets.token_bytes(32)
    write_json(key_path(data_dir), _doc(keys, kid), replace=True)
    return kid


def retire(data_dir: str | os.PathLike[str], kid: str) -> None:
    """Remove key ``kid``: tokens it signed stop verifying. The current key cannot be retired."""
    load_signer(data_dir)  # creates the first key if there is none
    keys, current = _read(key_path(data_dir))
    if kid not in keys:
        raise ConfigError(f"no signing key {kid!r}; known: {', '.join(sorted(keys))}")
    if kid == current:
        raise ConfigError(f"signing key {kid!r} is current; rotate first, then retire it")
    del keys[kid]
    write_json(key_path(data_dir), _doc(keys, current), replace=True)


def load_secret(data_dir: str | os.PathLike[str], name: str) -> bytes:
    """A 32-byte secret kept in ``data_dir/name``, generated once (e.g. the key that hashes user ids)."""
    path = Path(data_dir) / name
    if not path.exists():
        write_json(path, {"secret": secrets.token_hex(32)}, replace=False)
    try:
        return bytes.fromhex(json.loads(path.read_text(encoding="utf-8"))["secret"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"secret file {str(path)!r} is unreadable ({exc}); delete it to start anew") from exc
