"""Preview cards: one extractor and one card builder for every site, plus the image proxy.

``extract`` turns HTML into raw ``PageMeta`` (pure), ``card.build_card`` turns it into a
``hutong.core.model.Card`` (pure), ``service.Previewer`` fetches and caches, ``images`` signs and
re-encodes images so recipients never contact the origin.
"""

from __future__ import annotations
