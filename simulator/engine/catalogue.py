"""The catalogue the engine runs: which flow runs each BXML verb, and what starts a run.

The one module that imports the verb modules (engine/verbs/, each exporting ``FLOWS``), the
document interpreter and the REST side, and composes them into :data:`CATALOGUE`, which the
runner passes to every ``Simulation`` (``Simulation(..., catalogue=CATALOGUE)``). Nothing
registers itself: a verb is simulated exactly when its node class is a key of :data:`FLOWS`.
A test may pass a smaller or different catalogue (``attrs.evolve(CATALOGUE, flows=...)``).

Starts, in order: the scenario's call (engine/documents.py ``start_call``), then the calls the
app creates and its timed REST requests (engine/rest.py ``schedule``).
"""

from __future__ import annotations

from simulator.engine import documents, rest
from simulator.engine.simulation import Catalogue, VerbFlow
from simulator.engine.verbs import (bridge, conference, connect, control, gather, media,
                                    recording, refer, streams)

#: Each verb module's table, in the order of bxml-verbs.md.
MODULES = (media, gather, recording, control, connect, bridge, conference, refer, streams)

FLOWS: dict[type, VerbFlow] = {node: flow for module in MODULES
                               for node, flow in module.FLOWS.items()}

CATALOGUE = Catalogue(flows=FLOWS, starts=(documents.start_call, rest.schedule))
