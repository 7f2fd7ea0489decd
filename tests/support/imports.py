"""The import graph of the ``hutong`` source tree, read with ``ast`` (nothing is imported to build it).

Every ``import`` statement counts: at module level, inside functions (lazy imports) and under
``if TYPE_CHECKING:``, since a type-only import still ties two modules together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "hutong"


def module_files(package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name to source file for every module under ``package``."""
    root = SRC / package.replace(".", "/")
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(module: str, path: Path) -> set[str]:
    """Every module name ``module``'s source imports (absolute; ``from x import y`` yields ``x`` and ``x.y``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, is_package, node.level, node.module)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def graph(package: str = PACKAGE) -> dict[str, set[str]]:
    """Module to the modules of ``package`` it imports (names that are not modules, e.g. classes, dropped)."""
    files = module_files(package)
    out: dict[str, set[str]] = {}
    for name, path in files.items():
        inside = {m for m in imports_of(name, path) if m in files and m != name}
        out[name] = inside
    return out


def external(package: str = PACKAGE) -> dict[str, set[str]]:
    """Module to the top-level names of the modules outside ``hutong`` that it imports."""
    return {
        name: {m.split(".")[0] for m in imports_of(name, path) if m.split(".")[0] != PACKAGE}
        for name, path in module_files(package).items()
    }


def reachable(start: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    """Every module reachable from ``start`` (included) along ``edges``."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(edges.get(name, ()))
    return seen


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan): each holds an import circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = stack[stack.index(node) :]
            del stack[stack.index(node) :]
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups
