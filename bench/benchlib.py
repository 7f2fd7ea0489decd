"""Shared plumbing of the benchmarks: the reference corpus, the machine line, and docs/benchmarks.md sections."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / ".corpus" / "messages.txt"
DOC = ROOT / "docs" / "benchmarks.md"


def corpus_path() -> Path:
    """Generate the seeded reference corpus once into bench/.corpus/ and return its messages.txt."""
    if not CORPUS.with_name("messages.expected.jsonl").exists():
        CORPUS.parent.mkdir(parents=True, exist_ok=True)
        gen = ROOT / "bench" / "chat_corpus.py"
        subprocess.run([sys.executable, str(gen), str(CORPUS)], check=True, cwd=CORPUS.parent, stdout=subprocess.DEVNULL)
    return CORPUS


def unescape(line: str) -> str:
    """Undo the generator's escaping (backslash, CR and LF were written as two characters)."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            nxt = line[i + 1]
            out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def corpus_messages(limit: int | None = None) -> list[str]:
    """The corpus messages, unescaped."""
    with corpus_path().open(encoding="utf-8") as f:
        msgs = [unescape(line.rstrip("\n")) for line in f]
    return msgs[:limit] if limit else msgs


def planted_links() -> list[str]:
    """Every link planted in the corpus, as written."""
    links: list[str] = []
    with corpus_path().with_name("messages.expected.jsonl").open(encoding="utf-8") as f:
        for line in f:
            links.extend(json.loads(line)["links"])
    return links


def machine() -> str:
    """CPU model, cores and Python version, for the figures' record."""
    model = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def load_note() -> str:
    """The load average now, so a figure says whether the machine was busy instead of assuming it."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} at the start"


def write_section(head: str, body: str) -> None:
    """Replace the section that starts with ``head`` in docs/benchmarks.md (or append it) with ``body``."""
    text = DOC.read_text(encoding="utf-8")
    if head in text:
        start = text.index(head)
        nxt = text.find("\n## ", start + len(head))
        text = text[:start] + body + (text[nxt + 1 :] if nxt != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    DOC.write_text(text, encoding="utf-8")
