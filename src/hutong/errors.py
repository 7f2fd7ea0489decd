"""One exception tree for hutong.

::

    HutongError
    ├── InputError            bad input from a caller (text, URL, token, request body)
    │   ├── UsageError        bad command-line or API usage (exit code 2)
    │   └── PictureError      a picture to read codes from is too large, not an image, or undecodable
    ├── ConfigError           a configuration, policy or data file is wrong
    │   └── PolicyError       a policy file does not parse or is not neutral
    ├── DataError             bundled or imported data (feeds, rules) is malformed
    ├── RemoteError           something outside went wrong while fetching
    │   ├── BlockedAddress    the destination resolves to a non-global address
    │   ├── BlockedURL        scheme, port or userinfo not allowed
    │   │   └── BlockedScheme a scheme that is not fetched (an app hand-over: itms-apps://, taobao://)
    │   ├── FetchTimeout      connect or total deadline passed
    │   ├── TooLarge          body, headers or decompressed size over the cap
    │   ├── TooManyRedirects  redirect chain longer than allowed, or a loop
    │   ├── BadContent        content type refused or body undecodable
    │   ├── BadStatus         the site answered an HTTP error status (4xx, 5xx)
    │   ├── NetworkFailure    DNS, TLS or connection failure
    │   │   ├── TLSFailure    the TLS handshake or certificate check failed
    │   │   ├── NetworkDown   this machine has no network (no name resolves, no route): not the link's fault
    │   │   └── NameNotFound  the link's host name does not exist (while other names resolve)
    │   └── TooSlow           reading fetched content took more CPU time than its budget
    ├── TokenError            a signed go-link or image token is invalid
    └── StorageError          the audit store or cache failed

Every error carries a stable ``code`` (``remote.blocked_address``) and a message
that says what to do next. Third-party exceptions are translated where they are
caught, with ``raise ... from exc``.
"""

from __future__ import annotations


class HutongError(Exception):
    """Base of every error hutong raises on purpose."""

    code = "hutong.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InputError(HutongError):
    """Bad input from a caller: text, URL, token or request body."""

    code = "input.invalid"


class UsageError(InputError):
    code = "input.usage"


class PictureError(InputError):
    """A picture sent to be read for QR codes and barcodes cannot be read; ``detail_zh`` says why in Chinese.

    ``too_large`` marks the refusals of a cap (bytes, pixels, memory), answered 413 by the API.
    """

    code = "image.undecodable"

    def __init__(self, message: str, *, code: str | None = None, detail_zh: str = "", too_large: bool = False) -> None:
        super().__init__(message, code=code)
        self.detail_zh = detail_zh
        self.too_large = too_large

    def __reduce__(self) -> tuple[object, ...]:  # raised in a scan worker, unpickled in the caller
        return (_picture_error, (self.message, self.code, self.detail_zh, self.too_large))


def _picture_error(message: str, code: str, detail_zh: str, too_large: bool) -> PictureError:
    return PictureError(message, code=code, detail_zh=detail_zh, too_large=too_large)


class ConfigError(HutongError):
    """A configuration, policy or data file is wrong; the message names the setting to fix."""

    code = "config.invalid"


class PolicyError(ConfigError):
    code = "policy.invalid"


class DataError(HutongError):
    code = "data.invalid"


class RemoteError(HutongError):
    """Something outside went wrong while fetching (blocked, too slow, too large, unreachable)."""

    code = "remote.error"


class BlockedAddress(RemoteError):
    code = "remote.blocked_address"


class BlockedURL(RemoteError):
    code = "remote.blocked_url"


class BlockedScheme(BlockedURL):
    """A URL whose scheme is not fetched; ``url`` is that URL (bounded), so a caller can tell an app hand-over."""

    def __init__(self, message: str, *, url: str = "", scheme: str = "") -> None:
        super().__init__(message)
        self.url = url[:2048]
        self.scheme = scheme


class BadStatus(RemoteError):
    """The site answered an HTTP error; ``url`` and ``status`` say which page and what it answered."""

    code = "remote.http_status"

    def __init__(self, message: str, *, url: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class FetchTimeout(RemoteError):
    code = "remote.timeout"


class TooLarge(RemoteError):
    code = "remote.too_large"


class TooManyRedirects(RemoteError):
    code = "remote.too_many_redirects"


class BadContent(RemoteError):
    code = "remote.bad_content"


class NetworkFailure(RemoteError):
    code = "remote.network"


class TokenError(HutongError):
    """A signed go-link or image token is invalid, expired or not for this use."""

    code = "token.invalid"


class StorageError(HutongError):
    """The audit store, prefs database or cache failed."""

    code = "storage.error"


class TLSFailure(NetworkFailure):
    code = "remote.tls"


class TooSlow(RemoteError):
    code = "remote.too_slow"


class NetworkDown(NetworkFailure):
    code = "remote.network_down"


class NameNotFound(NetworkFailure):
    code = "remote.no_such_name"
