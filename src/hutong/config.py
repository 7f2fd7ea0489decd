"""Configuration: one TOML file, every setting with a default, unknown keys rejected by name.

The file is found from ``--config``, else ``HUTONG_CONFIG``, else the defaults apply.
Every setting is documented in ``docs/config.md`` (a test checks that the two agree).
Each section is a frozen dataclass; add a setting by adding a field with a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError

ENV_CONFIG = "HUTONG_CONFIG"
ENV_DATA_DIR = "HUTONG_DATA_DIR"


def _default_data_dir() -> str:
    if env := os.environ.get(ENV_DATA_DIR):
        return env
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "hutong")


@dataclass(frozen=True)
class DataSection:
    dir: str = field(default_factory=_default_data_dir)


@dataclass(frozen=True)
class PolicySection:
    file: str = ""  # empty: the bundled default policy
    default_mode: str = "direct"


@dataclass(frozen=True)
class CleanSection:
    clearurls: str = ""  # path to a ClearURLs rule file (data.min.json format); empty: not used
    generic: bool = True  # strip utm_*, fbclid, gclid ... on every site
    keep_referral: bool = False  # keep affiliate/referral parameters ClearURLs marks as referralMarketing
    exempt: tuple[str, ...] = ()  # domains (and their subdomains) whose URLs are never cleaned


@dataclass(frozen=True)
class NetworkSection:
    allowed_schemes: tuple[str, ...] = ("http", "https")
    allowed_ports: tuple[int, ...] = (80, 443)
    connect_timeout: float = 5.0
    total_timeout: float = 10.0
    max_redirects: int = 5
    max_html_bytes: int = 2 * 1024 * 1024
    max_image_bytes: int = 1024 * 1024
    max_other_bytes: int = 256 * 1024
    max_feed_bytes: int = 256 * 1024 * 1024  # `hutong feeds update` only
    feed_timeout: float = 300.0  # `hutong feeds update` only
    max_header_bytes: int = 64 * 1024
    max_decompression_ratio: int = 100
    rate_limit_per_minute: int = 60  # per destination host
    user_agent: str = "hutong-preview (bot; +https://github.com/hutong/hutong)"
    accept_language: str = "zh-CN,zh;q=0.9,en;q=0.8"
    # resolved when a link's name does not: if it fails too, the network is down, not the link ("": never)
    probe_host: str = "a.root-servers.net"
    # test overrides: off by default, loudly logged when on
    connect_to: tuple[str, ...] = ()
    allow_networks: tuple[str, ...] = ()
    ca_bundle: str = ""
    deny_networks: tuple[str, ...] = ()  # extra ranges refused on top of the non-global ones


@dataclass(frozen=True)
class CacheSection:
    positive_ttl: float = 3600.0
    negative_ttl: float = 300.0
    max_entries: int = 10_000


@dataclass(frozen=True)
class PreviewSection:
    enabled: bool = True
    max_title: int = 120
    max_description: int = 300
    image_max_side: int = 640
    image_max_pixels: int = 32_000_000
    image_max_decode_bytes: int = 64 * 1024 * 1024  # peak memory of one decode, reckoned from the header
    image_decode_concurrency: int = 2  # image decodes at once per worker process
    image_decode_queue: int = 32  # image renders admitted beyond those decoding (fetching or waiting)
    image_quality: int = 80
    image_ttl: float = 7 * 24 * 3600.0
    oembed: bool = True  # follow a page's oEmbed discovery link (a second fetch, maybe to another host)


@dataclass(frozen=True)
class ScanSection:
    mode: str = "process"  # "process": worker processes; "inline": on the caller's thread (no budget)
    workers: int = 2  # jobs reading fetched content at once (body redirects, cards), per event loop
    cpu_budget: float = 2.0  # seconds of CPU one job may use before it is abandoned (remote.too_slow)


@dataclass(frozen=True)
class ImageCheckSection:
    max_bytes: int = 8 * 1024 * 1024  # a picture sent to `hutong check --image` or POST /v1/check/image
    max_pixels: int = 16_000_000  # width x height from the header, refused before any pixel is decoded
    max_decode_bytes: int = 128 * 1024 * 1024  # peak memory of decoding and scanning, reckoned from the header
    max_codes: int = 20  # codes read from one picture; those beyond are left out (truncated)
    cpu_budget: float = 6.0  # seconds of CPU time one picture may take, in a scan worker


@dataclass(frozen=True)
class FeedSource:
    name: str = ""
    format: str = ""
    location: str = ""  # a path, or an http(s) URL fetched by `hutong feeds update` and by `hutong serve`


@dataclass(frozen=True)
class SafetySection:
    rules: tuple[str, ...] = ("allowlist", "structural", "feeds", "lookalike", "deny")
    max_feed_age_hours: float = 72.0
    allow: tuple[str, ...] = ()  # operator allowlist: domains (and their subdomains) or URL prefixes
    deny: tuple[str, ...] = ()  # operator denylist
    protected_domains: tuple[str, ...] = ()  # extra domains to protect from lookalikes
    feeds: tuple[FeedSource, ...] = ()
    feeds_refresh_minutes: float = 60.0  # `hutong serve` re-fetches URL feeds this often; 0: never
    reload_seconds: float = 60.0  # how often a serving worker picks up feeds imported or replaced on disk
    stale_feeds_unready: bool = False  # /readyz answers 503 while a feed is stale or missing


@dataclass(frozen=True)
class ServerSection:
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    public_url: str = ""  # base URL for go-links and image URLs; empty: derived from the request
    go_ttl_days: float = 30.0
    max_message_chars: int = 20_000
    max_batch: int = 100
    max_body_bytes: int = 16 * 1024 * 1024
    client_rate_per_minute: int = 120  # per client and route family on /, /go, /img, /report; 0: off
    trusted_proxies: tuple[str, ...] = ()  # proxies whose X-Forwarded-For names the client
    header_timeout: float = 10.0  # seconds a client may take to send a request's head (slowloris bound)
    body_timeout: float = 30.0  # seconds a client may take to send a request's body once its head is in
    appeals_per_hour: int = 10  # "report a mistake" forms one client may send per clock hour; 0: no limit


@dataclass(frozen=True)
class StorageSection:
    audit: str = ""  # "sqlite:///path" or "postgresql://..."; empty: SQLite under data.dir
    cache: str = "memory"  # "memory" or "redis://..."
    lock_timeout: float = 30.0  # seconds a shared single-flight lock lives if its holder dies
    write_retry: float = 10.0  # seconds an audit write is retried through a database outage before it fails


AUDIT_DURABILITIES = ("sync", "commit", "queued")  # what each means: hutong.store.durability, docs/deploy.md


@dataclass(frozen=True)
class AuditSection:
    enabled: bool = True
    durability: str = "commit"  # what an acknowledged decision survives: "sync", "commit" or "queued"
    queue_events: int = 10_000  # events a worker may hold for its audit writer before it refuses checks (503)
    retention_days: int = 365
    disparity_min_events: int = 20  # per platform, category and level, before a rate enters the disparity


@dataclass(frozen=True)
class Config:
    """The whole configuration: one section per TOML table (``docs/config.md``); ``load(path)`` reads a file."""

    data: DataSection = field(default_factory=DataSection)
    policy: PolicySection = field(default_factory=PolicySection)
    clean: CleanSection = field(default_factory=CleanSection)
    network: NetworkSection = field(default_factory=NetworkSection)
    cache: CacheSection = field(default_factory=CacheSection)
    preview: PreviewSection = field(default_factory=PreviewSection)
    scan: ScanSection = field(default_factory=ScanSection)
    image_check: ImageCheckSection = field(default_factory=ImageCheckSection)
    safety: SafetySection = field(default_factory=SafetySection)
    server: ServerSection = field(default_factory=ServerSection)
    storage: StorageSection = field(default_factory=StorageSection)
    audit: AuditSection = field(default_factory=AuditSection)

    @property
    def data_dir(self) -> Path:
        return Path(self.data.dir).expanduser()


T = TypeVar("T")


def _convert(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return tuple(_convert(v, item_tp, f"{key}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a table, got {value!r}")
        return build(tp, value, key)
    if origin in (types.UnionType, typing.Union):  # pragma: no cover - no optional settings yet
        raise ConfigError(f"{key}: unsupported setting type")
    raise ConfigError(f"{key}: unsupported setting type {tp!r}")  # pragma: no cover


def build(cls: type[T], raw: dict[str, Any], prefix: str = "") -> T:
    """Build dataclass ``cls`` from a TOML table, rejecting unknown keys by their dotted name."""
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        key = f"{prefix}.{name}" if prefix else name
        if name not in known:
            hint = f"; known keys here: {', '.join(sorted(known))}" if known else ""
            raise ConfigError(f"unknown configuration key {key!r}{hint}", code="config.unknown_key")
        kwargs[name] = _convert(value, hints[name], key)
    return cls(**kwargs)


def parse(text: str, *, source: str = "<string>") -> Config:
    """Parse configuration TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    cfg = build(Config, raw)
    _validate(cfg)
    return cfg


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the configuration from ``path``, else ``$HUTONG_CONFIG``, else defaults."""
    chosen = path if path is not None else os.environ.get(ENV_CONFIG) or None
    if chosen is None:
        return Config()
    p = Path(chosen)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration file {str(p)!r}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"configuration file {str(p)!r} is not UTF-8") from exc
    return parse(text, source=str(p))


def _validate(cfg: Config) -> None:
    from .core.model import MODES

    if cfg.policy.default_mode not in MODES:
        raise ConfigError(f"policy.default_mode: {cfg.policy.default_mode!r} is not one of {', '.join(MODES)}")
    for scheme in cfg.network.allowed_schemes:
        if scheme not in ("http", "https"):
            raise ConfigError(f"network.allowed_schemes: {scheme!r} cannot be fetched; use http and/or https")
    for port in cfg.network.allowed_ports:
        if not 0 < port < 65536:
            raise ConfigError(f"network.allowed_ports: {port} is not a TCP port")
    for name in ("connect_timeout", "total_timeout"):
        if getattr(cfg.network, name) <= 0:
            raise ConfigError(f"network.{name} must be positive")
    if cfg.network.max_redirects < 0:
        raise ConfigError("network.max_redirects must be 0 or more")
    _validate_overrides(cfg.network)
    for name in ("header_timeout", "body_timeout"):
        if getattr(cfg.server, name) <= 0:
            raise ConfigError(f"server.{name} must be positive (seconds)")
    if not cfg.storage.cache == "memory" and not cfg.storage.cache.startswith(("redis://", "rediss://")):
        raise ConfigError("storage.cache must be \"memory\" or a redis:// URL")
    if cfg.server.client_rate_per_minute < 0:
        raise ConfigError("server.client_rate_per_minute must be 0 (no limit) or more")
    if cfg.server.appeals_per_hour < 0:
        raise ConfigError("server.appeals_per_hour must be 0 (no limit) or more")
    from .ratelimit import parse_networks

    parse_networks(cfg.server.trusted_proxies)
    if cfg.scan.mode not in ("process", "inline"):
        raise ConfigError(f"scan.mode: {cfg.scan.mode!r} is not \"process\" or \"inline\"")
    if cfg.scan.workers < 1 or cfg.scan.cpu_budget <= 0:
        raise ConfigError("scan.workers must be 1 or more and scan.cpu_budget positive")
    if cfg.storage.audit and not cfg.storage.audit.startswith(("sqlite://", "postgresql://", "postgres://")):
        raise ConfigError("storage.audit must be empty, a sqlite:/// path or a postgresql:// URL")
    if cfg.audit.durability not in AUDIT_DURABILITIES:
        raise ConfigError(
            f"audit.durability: {cfg.audit.durability!r} is not one of "
            f"{', '.join(repr(d) for d in AUDIT_DURABILITIES)} (see docs/deploy.md)"
        )
    if cfg.audit.queue_events < 1:
        raise ConfigError("audit.queue_events must be 1 or more")
    if cfg.preview.image_decode_concurrency < 1:
        raise ConfigError("preview.image_decode_concurrency must be 1 or more")
    if cfg.preview.image_max_decode_bytes < 1:
        raise ConfigError("preview.image_max_decode_bytes must be a positive number of bytes")
    if cfg.preview.image_decode_queue < 0:
        raise ConfigError("preview.image_decode_queue must be 0 or more")
    for name in ("max_bytes", "max_pixels", "max_decode_bytes", "max_codes"):
        if getattr(cfg.image_check, name) < 1:
            raise ConfigError(f"image_check.{name} must be 1 or more")
    if not cfg.image_check.cpu_budget > 0:
        raise ConfigError("image_check.cpu_budget must be a positive number of seconds")
    if cfg.safety.feeds_refresh_minutes < 0:
        raise ConfigError("safety.feeds_refresh_minutes must be 0 (never) or a positive number of minutes")
    if not cfg.safety.reload_seconds > 0:
        raise ConfigError("safety.reload_seconds must be a positive number of seconds")


def _validate_overrides(network: NetworkSection) -> None:
    from .net import overrides
    from .net.addresses import parse_networks

    overrides.check(network)
    parse_networks(network.allow_networks, setting="network.allow_networks")
    parse_networks(network.deny_networks, setting="network.deny_networks")


def documented_keys() -> list[str]:
    """Every dotted setting name, for docs and the docs test."""
    out: list[str] = []

    def walk(cls: type[Any], prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            key = f"{prefix}.{f.name}" if prefix else f.name
            if dataclasses.is_dataclass(tp) and isinstance(tp, type):
                walk(tp, key)
            elif typing.get_origin(tp) is tuple and dataclasses.is_dataclass(typing.get_args(tp)[0]):
                walk(typing.get_args(tp)[0], key)
            else:
                out.append(key)

    walk(Config, "")
    return out
