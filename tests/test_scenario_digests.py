"""Every bundled scenario's outputs (result.json, recordings) are byte-identical to the digests
committed in tests/data/scenario-digests.txt (tests/scenario_digests.py says how they are made
and how to regenerate them when an output change is intended)."""

from __future__ import annotations

import pytest

from scenario_digests import MANIFEST, REGENERATE, compare, fresh_digests, read_manifest


def test_bundled_scenario_outputs_are_byte_identical_to_the_manifest(tmp_path):
    actual, sources, problems = fresh_digests(tmp_path / "out")
    assert problems == [], "bundled scenarios must pass:\n" + "\n".join(problems)
    changes = compare(read_manifest(), actual, sources)
    if changes:
        pytest.fail(
            f"outputs of the bundled scenarios differ from tests/data/{MANIFEST.name}:\n  "
            + "\n  ".join(changes) +
            f"\nIf the change is intended, regenerate the manifest with `{REGENERATE}` and say "
            f"why in the commit. To see the difference: `{REGENERATE} --out DIR` here and on "
            f"main, then `diff -r`.", pytrace=False)


def test_the_manifest_lists_a_result_for_every_scenario_and_its_recordings():
    listed = read_manifest()
    results = [name for name in listed if name.endswith("/result.json")]
    assert len(results) >= 30
    assert any("/recordings/" in name and name.endswith(".wav") for name in listed)
    assert any("/recordings/" in name and name.endswith(".mp3") for name in listed)


def test_a_changed_missing_or_new_file_is_named_with_its_scenario():
    expected = {"a/result.json": "1", "a/recordings/r.wav": "2", "b/result.json": "3"}
    actual = {"a/result.json": "1", "a/recordings/r.wav": "9", "c/result.json": "4"}
    assert compare(expected, actual, {"a": "scenarios/a.yaml:3"}) == [
        "changed  a/recordings/r.wav  (scenarios/a.yaml:3)",
        "missing  b/result.json",
        "new      c/result.json"]
