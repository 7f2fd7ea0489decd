"""Shared helpers for the platform tables: WHATWG-normalise inputs the way the pipeline does."""

from __future__ import annotations

import ada_url


def norm(url: str) -> str:
    """The URL as the normaliser hands it to unwrap/clean/identify (WHATWG serialisation)."""
    return str(ada_url.URL(url).href)
