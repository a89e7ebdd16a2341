"""Audio: pure numpy synthesis (`synth`) and detection (`detect`), and the file edge (`sink`).

Import the submodules directly; this package imports nothing so that the engine can use
`synth`/`detect` without pulling in soundfile.
"""
