"""WeChat mini-program references: ``#小程序://NAME/code`` (text, not a URL)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..model import Found
from ..platforms import Platform

MARK = "小程序://"
_REF = re.compile(r"#小程序://(?P<name>[^/\s#]{1,40})/(?P<code>[A-Za-z0-9_\-]{1,64})")


class MiniProgramReader:
    """Finds mini-program references; the platform comes from ``share.miniprogram_names``."""

    def __init__(self, platforms: Sequence[Platform]) -> None:
        self._names: dict[str, str] = {}
        for p in platforms:
            for name in p.share.miniprogram_names:
                self._names.setdefault(name, p.id)

    def scan(self, text: str) -> Iterator[Found]:
        """Every ``#小程序://NAME/code`` in ``text``."""
        for m in _REF.finditer(text):
            name = m.group("name")
            yield Found(
                text=m.group(0), start=m.start(), end=m.end(), form="miniprogram",
                platform=self._names.get(name), title=name, token=m.group("code"),
            )
