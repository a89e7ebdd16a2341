"""The Python API passes ``mypy --strict``: the modules users call (simulator.result, api,
harness, the package's exports) and a user's module written against them (tests/typing)."""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")  # the test extra

ROOT = Path(__file__).resolve().parent.parent
@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """One mypy cache for the module's runs: the second reuses the first's analysis."""
    return str(tmp_path_factory.mktemp("mypy-cache"))


API = ["simulator/__init__.py", "simulator/result.py", "simulator/api.py",
       "simulator/harness.py", "simulator/project.py", "tests/typing/usage.py"]


def test_the_api_passes_mypy_strict(cache):
    out, err, status = mypy_api.run(["--strict", "--follow-imports=silent", "--cache-dir", cache,
                                     *[str(ROOT / p) for p in API]])
    assert status == 0, out + err


def test_py_typed_ships_with_the_package():
    assert (ROOT / "simulator" / "py.typed").is_file()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text()


def test_mypy_sees_real_types_through_the_package(tmp_path, cache):
    """Not Any: a wrong use of the API is an error (so the check above can fail)."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("import simulator\n"
                     "count: int = simulator.run_scenario('x.yaml')\n"
                     "name: int = simulator.BxmlSim().run(app='a:b').callbacks('gather')[0].url\n")
    out, _err, status = mypy_api.run(["--strict", "--follow-imports=silent", "--cache-dir",
                                      cache, str(wrong)])
    assert status == 1
    assert 'has type "Result", variable has type "int"' in out
    assert 'has type "str", variable has type "int"' in out
