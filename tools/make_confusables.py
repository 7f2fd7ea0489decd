"""Derive hutong's compact confusables table from Unicode's UTS #39 ``confusables.txt``.

Usage: python tools/make_confusables.py [SOURCE] > src/hutong/data/confusables.txt

Each output line is ``SOURCE<TAB>TARGET`` in hex code points (target space-separated); the
Unicode licence allows redistribution with its notice, which the header carries.
"""

from __future__ import annotations

import sys
from pathlib import Path

DEFAULT = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "conformance"
    / "unicode-confusables"
    / "confusables-17.0.0.txt"
)


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    text = src.read_text(encoding="utf-8-sig")
    version = next(
        (line.strip("# \n") for line in text.splitlines() if line.startswith("# Version")), "unknown"
    )
    out = sys.stdout
    out.write(
        "# Derived from Unicode UTS #39 confusables.txt (" + version + ") by tools/make_confusables.py.\n"
    )
    out.write(
        "# Copyright © 1991-2025 Unicode, Inc. Unicode License v3: https://www.unicode.org/license.txt\n"
    )
    out.write(
        "# Format: source code point <TAB> target code points (hex); MA (mixed-script any-case) data.\n"
    )
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        fields = [f.strip() for f in data.split(";")]
        if len(fields) < 2:
            continue
        out.write(f"{fields[0]}\t{fields[1]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
