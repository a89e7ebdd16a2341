"""The suite benchmark's copies (tests/bench/bench_suite.py): distinct scenarios that share the
bundled apps and files, as a real suite's scenarios do."""

from __future__ import annotations

import importlib

from bench_suite import (SCENARIOS, SIMULATOR_MODULES, app_imports, import_seconds, make_suite,
                         margin_factor, simulator_factor)

from simulator import api
from simulator.batch import collect_files


def test_copies_sit_beside_the_originals_and_differ_only_in_their_names(tmp_path):
    suite = make_suite(tmp_path / "suite", 2)
    originals = collect_files([SCENARIOS])
    assert [len(files) for files in suite] == [len(originals)] * 2
    loaded = [[s for file in files for s in api.load(file)] for files in suite]
    names = [s.name for copy in loaded for s in copy]
    assert len(set(names)) == len(names)   # every scenario its own output folder
    for first, second, original in zip(*loaded, (s for f in originals for s in api.load(f))):
        assert (first.name, second.name) == (f"{original.name} [copy 0]",
                                              f"{original.name} [copy 1]")
        # the same folder: the same app modules, routes and audio files
        assert first.base_dir == second.base_dir == tmp_path / "suite" / \
            original.base_dir.relative_to(SCENARIOS)
        assert (first.app.wsgi, first.app.asgi) == (second.app.wsgi, second.app.asgi) == \
            (original.app.wsgi, original.app.asgi)
    assert not (tmp_path / "suite" / "ivr-menu-retries.scenario.yaml").exists()
    assert (tmp_path / "suite" / "copy1-ivr-menu-retries.scenario.yaml").is_file()


def test_the_apps_own_imports_are_their_third_party_modules(tmp_path):
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "helpers.py").write_text("import json\n")
    (tmp_path / "apps" / "app.py").write_text(
        "import os, json\nfrom flask import Flask\nfrom bandwidth.models.bxml import Response\n"
        "from . import helpers\nimport helpers\nimport simulator.api\n"
        "def f():\n    import numpy.linalg\n")
    assert app_imports(tmp_path) == ["bandwidth", "flask", "numpy"]


def test_the_bundled_apps_import_the_sdk_and_flask():
    assert {"bandwidth", "flask"} <= set(app_imports(SCENARIOS))


def test_the_goal_is_the_real_time_factor_at_the_margin():
    # 11.3 virtual seconds a scenario, each one more adding 3.0 ms of wall: 3,767x
    assert margin_factor(11.3, 3.0) == 11.3 / 0.003
    assert margin_factor(11.3, 3.77) < 3000 < margin_factor(11.3, 3.76)
    # a K-copy run no slower a scenario than one copy (the machine's speed changed): no figure
    assert margin_factor(11.3, 0.0) == margin_factor(11.3, -0.4) == 0.0


def test_the_simulators_share_is_the_run_less_the_apps_own_imports():
    # 4,514 virtual seconds in 2.00 s of wall, 0.50 s of which importing the SDK and Flask
    assert simulator_factor(4514.0, 2.00, 0.50) == 4514.0 / 1.50
    assert simulator_factor(4514.0, 2.00, 0.0) == 4514.0 / 2.00
    # an import timed (in another interpreter) as longer than the whole run: bounded, positive
    assert simulator_factor(4514.0, 0.40, 0.45) == 4514.0 / 1e-3


def test_the_apps_imports_are_timed_after_the_simulators_modules():
    for name in SIMULATOR_MODULES:   # each still a module of ours
        importlib.import_module(name)
    # json is imported by the simulator: importing it again costs next to nothing
    assert import_seconds(["json"], after=["simulator.cli", "json"]) < 0.01
    assert import_seconds([]) == 0.0
