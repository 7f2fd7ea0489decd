"""Shared helpers for the platform tables: WHATWG-normalise inputs and run the stages the way the pipeline does."""

from __future__ import annotations

import ada_url

from hutong.core.clean import Cleaned, Cleaner
from hutong.core.identify import Identifier
from hutong.core.link import Link
from hutong.core.model import Identity
from hutong.core.unwrap import Unwrapper
from hutong.core.urls import normalise

IDENT = Identifier()
UNWRAP = Unwrapper()
CLEAN = Cleaner()


def norm(url: str) -> str:
    """The URL as the normaliser hands it to unwrap/clean/identify (WHATWG serialisation)."""
    return str(ada_url.URL(url).href)


def link(url: str) -> Link:
    """``url`` parsed into the link value the stages read."""
    return normalise(url)


def identify(url: str) -> Identity:
    """What identification says ``url`` is."""
    return IDENT.identify(link(url)).identity


def clean(url: str, cleaner: Cleaner = CLEAN) -> Cleaned:
    """``url`` cleaned as the pipeline cleans it: parsed, identified, and flagged when it is a wrapper."""
    parsed = link(url)
    return cleaner.clean(parsed, IDENT.identify(parsed), wrapped=UNWRAP.wrapper_of(parsed) is not None)
