"""The import graph of simulator/ is a DAG: no cycle, counting every import statement (those
inside functions and under ``if TYPE_CHECKING:`` too); the engine's kernel imports none of the
modules built on it; the engine imports nothing inside a function body (an AST scan, like
tests/test_layering.py for I/O)."""

from __future__ import annotations

import ast
from pathlib import Path

import simulator

ROOT = Path(simulator.__file__).parent

#: The engine's kernel and what verb flows build on: they never import a verb module, the
#: catalogue that composes them, or the REST side (the Simulation receives the catalogue).
KERNEL = ("simulator.engine.simulation", "simulator.engine.runtime", "simulator.engine.signals",
          "simulator.engine.context", "simulator.engine.documents", "simulator.engine.caller",
          "simulator.engine.process", "simulator.engine.clock", "simulator.engine.legs",
          "simulator.engine.recorder", "simulator.engine.effects")
PLUGINS = ("simulator.engine.verbs", "simulator.engine.catalogue", "simulator.engine.rest",
           "simulator.engine.rest_conference", "simulator.engine.rest_requests",
           "simulator.engine.salvage")


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that module ``name`` imports, anywhere in its file. Importing a
    package's own parent (``from simulator.engine import verbs`` inside the package) counts
    only the submodule named."""
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = name.split(".")
            if node.level:
                base = base[:len(base) - node.level + (path.name == "__init__.py")]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            candidates = [prefix] + [f"{prefix}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in candidates:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
    return targets


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    modules = module_files(root)
    return {name: imported(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_import_graph_of_simulator_has_no_cycle():
    found = cycles(import_graph())
    assert found == [], "import cycles (function-level imports counted):\n" + "\n".join(
        f"  {len(c)} modules: {', '.join(c)}" for c in found)


def test_a_cycle_is_found_wherever_the_import_sits(tmp_path):
    """A top-level, a function-level and a TYPE_CHECKING import close one cycle."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.c import x\n")
    (package / "c.py").write_text("from typing import TYPE_CHECKING\n"
                                  "if TYPE_CHECKING:\n    import pkg.a\n")
    (package / "d.py").write_text("import pkg.a\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_the_engine_kernel_imports_none_of_its_plugins():
    graph = import_graph()
    for kernel in KERNEL:
        bad = sorted(t for t in reachable(graph, kernel)
                     if any(t == p or t.startswith(p + ".") for p in PLUGINS))
        assert bad == [], f"{kernel} imports (directly or not) {bad}"


def test_the_engine_imports_nothing_inside_a_function():
    bad = []
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("bxml/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                bad += [f"{path.relative_to(ROOT)}:{inner.lineno}" for inner in ast.walk(node)
                        if isinstance(inner, (ast.Import, ast.ImportFrom))]
    assert bad == [], f"imports inside functions: {bad}"
