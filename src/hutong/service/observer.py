"""What the service tells whoever watches it: each batch of decisions and each online resolution.

The service core imports no metrics library. A front end that exports metrics passes an
``Observer`` to its ``Gateway`` (the web app passes its Prometheus ``hutong.web.metrics.Metrics``);
everything else gets ``NullObserver``, which ignores all of it.
"""

from __future__ import annotations

from typing import Protocol

from ..core.model import LinkReport


class Observer(Protocol):
    """Told of every decision the gateway makes and of every online check's outcome."""

    def decided(self, stage: str, reports: tuple[LinkReport, ...]) -> None:
        """``reports`` were decided at ``stage`` (``check`` or ``click``)."""
        ...

    def fetched(self, reports: tuple[LinkReport, ...]) -> None:
        """``reports`` went through online resolution (each resolved, unchanged or failed)."""
        ...


class NullObserver:
    """Watches nothing: the default for a gateway without metrics.

    >>> NullObserver().decided("check", ())
    """

    def decided(self, stage: str, reports: tuple[LinkReport, ...]) -> None:
        return None

    def fetched(self, reports: tuple[LinkReport, ...]) -> None:
        return None
