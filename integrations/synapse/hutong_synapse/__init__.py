"""hutong-synapse: a Synapse module that checks every link of every message with a running hutong service.

In ``homeserver.yaml``::

    modules:
      - module: hutong_synapse.HutongModule
        config:
          url: "http://127.0.0.1:8080"

``HutongModule`` is imported on first use, so the pure parts (``content``, ``links``, ``config``,
``memory``) import without Synapse.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["HutongModule", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "HutongModule":
        from .module import HutongModule

        return HutongModule
    raise AttributeError(f"module 'hutong_synapse' has no attribute {name!r}")
