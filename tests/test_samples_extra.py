"""The bundled sample apps' packages are the ``samples`` extra, not the simulator's own
dependencies: ``pip install '.[samples]' && bxmlsim run scenarios/`` (README) runs every bundled
scenario, ``pip install .`` installs no web framework and no SDK, and a scenario whose app
cannot import one of them says which package is missing and which extra brings it
(transports/apps.py ``SAMPLE_PACKAGES``)."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from click.testing import CliRunner

from simulator.cli import main
from simulator.transports.apps import SAMPLE_PACKAGES, SAMPLES_EXTRA

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def names(requirements: list[str]) -> set[str]:
    """The distribution names of requirement strings, normalised (PEP 503)."""
    return {re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", r).group()).lower()
            for r in requirements}


def test_the_samples_extra_is_what_the_sample_apps_need_and_not_a_core_dependency():
    samples = set(SAMPLE_PACKAGES.values())
    extras = PROJECT["optional-dependencies"]
    assert names(extras["samples"]) == samples
    assert names(PROJECT["dependencies"]) & samples == set()
    assert samples <= names(extras["test"])  # the tests run the sample apps


def test_every_package_a_bundled_app_imports_comes_with_the_core_or_the_samples_extra():
    """The bundled apps' third-party imports (neither the standard library nor a module next
    to them) are installed by ``pip install '.[samples]'``."""
    provides = importlib.metadata.packages_distributions()
    installed = names(PROJECT["dependencies"]) | names(PROJECT["optional-dependencies"]["samples"])
    apps = sorted((ROOT / "scenarios").rglob("*.py"))
    local = {path.stem for path in apps} | {path.parent.name for path in apps}
    seen = set()
    for path in apps:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in local or top == "__future__":
                    continue
                seen.add(top)
                assert names(provides.get(top, [top])) & installed, \
                    f"{path.relative_to(ROOT)} imports {top}: neither a dependency nor in samples"
    assert set(SAMPLE_PACKAGES) <= seen  # the extra holds nothing the apps do not use


#: Third-party modules the simulator imports that no dependency or extra of its own names,
#: and why that is safe.
NOT_DECLARED = {
    "distributed": "the dist extra's dask[distributed] (simulator/distributed.py)",
    "httpcore2": "httpx2's own dependency (transports/real_http.py)",
    "packaging": "optional: scaffold.py checks a requirement's shape itself without it",
    "pytest": "the pytest plugins, which only pytest loads",
}


def test_every_package_the_simulator_imports_comes_with_the_core_or_its_own_extra():
    """``pip install .`` has what every command imports: a module reached only by a test
    extra (ruamel.yaml for ``explore --emit``, once) is a traceback for a user. The server,
    dist and tts extras are asked for by name when missing."""
    provides = importlib.metadata.packages_distributions()
    extras = PROJECT["optional-dependencies"]
    installed = names(PROJECT["dependencies"]) | names(
        extras["server"] + extras["dist"] + extras["tts"])
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top in ("simulator", "__future__") \
                        or top in NOT_DECLARED:
                    continue
                assert names(provides.get(top, [top])) & installed, \
                    f"{path.relative_to(ROOT)} imports {top}: not a dependency nor its extra"


def test_the_readme_s_first_command_installs_the_samples_extra():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.+?)\n```", readme).group(1)
    assert first == ("python3 -m venv .venv && . .venv/bin/activate && "
                     "pip install '.[samples]' && bxmlsim run scenarios/")


def test_an_app_whose_sample_package_is_missing_names_it_and_the_extra(tmp_path, monkeypatch):
    (tmp_path / "flask_app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (tmp_path / "sdk_app.py").write_text("import json\n"
                                         "from bandwidth.models.bxml import Response\n"
                                         "app = None\n")
    (tmp_path / "other_app.py").write_text("import nosuchpackage_xyz.sub\napp = None\n")
    (tmp_path / "s.yaml").write_text(
        "scenarios:\n"
        "  - name: flask\n    app: {wsgi: 'flask_app:app'}\n"
        "  - name: sdk\n    app: {wsgi: 'sdk_app:app'}\n"
        "  - name: other\n    app: {wsgi: 'other_app:app'}\n")
    for top in ("flask", "bandwidth"):  # as if not installed: importing them fails
        for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
            monkeypatch.delitem(sys.modules, name)  # another test may have imported them
        monkeypatch.setitem(sys.modules, top, None)
    res = CliRunner().invoke(main, ["run", str(tmp_path / "s.yaml"), "--out",
                                    str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())  # rich wraps long lines
    assert (f"{tmp_path / 'flask_app.py'}:1: app.wsgi: module 'flask_app' needs the package "
            f"'flask', which is not installed; expected the samples extra, which the bundled "
            f"sample apps use: {SAMPLES_EXTRA}") in text
    assert (f"{tmp_path / 'sdk_app.py'}:2: app.wsgi: module 'sdk_app' needs the package "
            f"'bandwidth-sdk', which is not installed") in text
    assert ("app.wsgi: module 'other_app' needs the package 'nosuchpackage_xyz', which is not "
            "installed; expected 'nosuchpackage_xyz' installed in this environment "
            "(e.g. pip install nosuchpackage_xyz)") in text
    assert "Traceback" not in res.output
