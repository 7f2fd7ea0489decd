"""Small JSON files in ``data.dir`` (keys, API keys, the operator allowlist), written atomically.

A reader never sees half a file: the document goes to a temporary file in the same directory, is
fsynced, then renamed over the target (or linked, when the first writer must win).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_json(path: Path, doc: Mapping[str, Any], *, replace: bool = True, sort_keys: bool = True) -> None:
    """Write ``doc`` to ``path`` atomically (mode 0600); without ``replace`` an existing file is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, sort_keys=sort_keys, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            # atomic create-if-absent: racing writers all read the winner's file
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
