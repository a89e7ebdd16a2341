"""bxml/ and engine/ are pure: no I/O libraries, no file access, no wall clock (an AST scan)."""

import ast
from pathlib import Path

import pytest

import simulator

ROOT = Path(simulator.__file__).parent
PURE = sorted([*ROOT.glob("bxml/*.py"), *ROOT.rglob("engine/**/*.py"), ROOT / "timeline.py"])
FORBIDDEN_MODULES = {"httpx", "httpx2", "soundfile", "yaml", "ruamel", "click", "pytest", "rich",
                     "requests", "socket", "urllib.request", "subprocess", "shutil", "tempfile",
                     "time", "datetime", "simulator.runner", "simulator.transports",
                     "simulator.delivery", "simulator.audio.sink", "simulator.cli", "simulator.api",
                     # real TTS is the runner's: the engine asks for it with an effect
                     "ctypes", "espeakng_loader", "simulator.audio.tts"}
FORBIDDEN_CALLS = {"open", "input", "print", "exit", "breakpoint"}
FORBIDDEN_ATTRIBUTES = {"read_text", "read_bytes", "write_text", "write_bytes", "now", "utcnow",
                        "perf_counter", "monotonic", "getcwd"}


def imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_imports_no_io_library(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [(name, line) for name, line in imported_modules(tree)
           if name in FORBIDDEN_MODULES or name.split(".")[0] in FORBIDDEN_MODULES]
    assert bad == [], f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_module_never_opens_files_or_reads_the_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                bad.append((func.id, node.lineno))
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_ATTRIBUTES:
                bad.append((func.attr, node.lineno))
    assert bad == [], f"{path.name} calls {bad}"


def test_importing_the_engine_loads_no_io_library():
    import subprocess
    import sys

    code = ("import sys, simulator.engine.catalogue, simulator.engine.salvage;"
            "bad = [m for m in ('httpx2', 'soundfile', 'ruamel', 'yaml', 'click', 'rich', 'pytest',"
            " 'espeakng_loader', 'simulator.audio.tts')"
            " if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
