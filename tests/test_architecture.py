"""The house's shape: dependencies point one way, so no two modules of the package import each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "chargeboard"


def _imports() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            edges[module] |= {n for n in names if n in modules and n not in (module, "chargeboard")}
    return edges


def _cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for target in edges[node]:
            if target == start:
                return path + [start]
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return None


def test_no_import_cycles_inside_the_package():
    edges = _imports()
    cycles = [c for m in sorted(edges) if (c := _cycle_from(m, edges))]
    assert not cycles, "modules import each other: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_core_package_never_imports_the_demo():
    """The demo generator lives outside the package (chargeboard_demo/): it uses the core, never the reverse."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "chargeboard_demo"]
    assert not offenders
    assert not (PACKAGE / "demo.py").exists()


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle_from("a", {"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle_from("a", {"a": {"b"}, "b": set()}) is None


def test_queries_sit_in_the_folder_of_what_they_serve_and_are_called_by_name():
    import pytest  # noqa: PLC0415

    from chargeboard.store import query_files, query_text  # noqa: PLC0415

    queries = PACKAGE.parent / "queries"
    files = query_files()
    assert len(files) == len(list(queries.rglob("*.sql")))  # no name twice
    assert list(queries.glob("*.sql")) == []  # each in a folder: ingest, history, costs…
    assert files["statement_user_costs"] == queries / "costs" / "statement_user_costs.sql"
    assert query_text("history_rows") == (queries / "history" / "history_rows.sql").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no query named"):
        query_text("no_such_query")
