"""The ``bxmlsim`` object: run a scenario given as a file, a mapping or keyword arguments.

:class:`BxmlSim` is what the pytest fixture ``bxmlsim`` hands a test (simulator/pytest_plugin.py)
and what plain Python builds itself::

    sim = BxmlSim(out_dir="out")
    result = sim.run(app=create_app, caller=[{"wait_for": "Gather"}, {"press": "1"}],
                     expect={"digits": "1"})
    result.assert_ok()

Keywords are the scenario's top-level keys (docs/scenarios.md) as Python data; beside a file or
a mapping they replace those keys in every scenario of it. ``app=`` also takes what a YAML file
cannot hold (``simulator.api.app_section``): a WSGI or ASGI app object, a factory returning one (called
afresh for every run, so no state leaks from one scenario to the next), an import string
``"module:attr"`` (WSGI or ASGI told apart), canned routes ``{"/answer": "<Response/>"}``, a
base URL of a running server, or an ``app:`` mapping. Each run writes under its own folder of
``out_dir`` (``<slug>``, ``<slug>-2``...), so recordings can be listened to
(``result.recordings[0].audio()``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs

from simulator.api import Source, load, run_loaded
from simulator.errors import ScenarioError
from simulator.golden import slugify
from simulator.result import Result
from simulator.scenario.model import Scenario

def _optional_path(value: str | Path | None) -> Path | None:
    return Path(value) if value is not None else None


@attrs.define
class BxmlSim:
    """Runs scenarios; ``out_dir`` holds one folder per run (None: nothing is written).

    ``base_dir`` is the folder of scenarios given as mappings or keywords (relative files and
    app modules; default: the current folder; the fixture: the test file's folder).
    ``update_golden`` rewrites golden files instead of comparing; ``name`` is the default name
    of a keyword scenario (the fixture: the test's name); ``tts`` and ``strict`` apply to
    every run (as ``bxmlsim run --tts/--strict``)."""

    out_dir: Path | None = attrs.field(default=None, converter=_optional_path)
    base_dir: Path | None = attrs.field(default=None, converter=_optional_path)
    update_golden: bool = False
    name: str = "scenario"
    #: Overrides of every scenario run: who speaks (``model``/``espeak``), strict mode.
    tts: str | None = None
    strict: bool = False
    #: Every result this object produced, in order (the fixture reports them on failure).
    results: list[Result] = attrs.field(factory=list, init=False)
    _slugs: dict[str, int] = attrs.field(factory=dict, init=False, repr=False)

    def load(self, source: Source | None = None, /, **keys: Any) -> list[Scenario]:
        """The scenarios of ``source`` with ``keys`` applied, not run (``simulator.api.load``)."""
        return load(source, base_dir=self.base_dir, name=self.name, **keys)

    def run(self, source: Source | None = None, /, **keys: Any) -> Result:
        """Run one scenario: a file (with one scenario), a mapping, a Scenario, or keywords
        alone; keywords replace top-level keys. Returns its typed :class:`Result`."""
        scenarios = self.load(source, **keys)
        if len(scenarios) != 1:
            raise ScenarioError("run runs one scenario", where=str(scenarios[0].file),
                                expected="a file with one scenario",
                                got=f"{len(scenarios)} under `scenarios:` (use run_all)")
        return self._run(scenarios[0])

    def run_all(self, source: Source, /, **keys: Any) -> list[Result]:
        """Run every scenario of ``source`` (keywords apply to each), in file order."""
        return [self._run(scenario) for scenario in self.load(source, **keys)]

    def _run(self, scenario: Scenario) -> Result:
        if self.tts is not None:
            scenario = attrs.evolve(scenario, tts=self.tts)
        if self.strict:
            scenario = attrs.evolve(scenario, strict=True)
        result = run_loaded(scenario, self._folder(scenario.name),
                            update_golden=self.update_golden)
        self.results.append(result)
        return result

    def _folder(self, name: str) -> Path | None:
        if self.out_dir is None:
            return None
        slug = slugify(name)
        self._slugs[slug] = self._slugs.get(slug, 0) + 1
        count = self._slugs[slug]
        return self.out_dir / (slug if count == 1 else f"{slug}-{count}")
