"""``bxmlsim run --junit-xml FILE``: the outcomes of a run as a JUnit XML report for CI.

One ``<testcase>`` per scenario, in run order, as pytest writes them (GitLab, Jenkins, GitHub
and Azure test views read this shape): ``classname`` is the scenario file's path without its
suffix, dots for slashes (``scenarios.voicemail-pound.scenario``), ``name`` the scenario's
name, ``file``/``line`` where it is, ``time`` its wall seconds. A failed scenario has a
``<failure>`` whose ``message`` is the first failure's first line and whose text is every
failure (``line N: ...``) then the path of its result.json; a scenario that could not run has
an ``<error>``; a skipped one, and an expected failure (``xfail:``), a ``<skipped>``. Every
testcase's ``<system-out>`` names its result.json.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from simulator.batch import Outcome


def _classname(where: str) -> str:
    file = where.rsplit(":", 1)[0]
    for suffix in (".yaml", ".yml", ".xml"):
        if file.endswith(suffix):
            file = file[: -len(suffix)]
    return file.replace("\\", "/").strip("/").replace("/", ".") or "bxmlsim"


def _failure_text(outcome: Outcome) -> str:
    return "\n".join(f"line {f['line']}: {f['message']}" for f in outcome.failures)


def _result_path(outcome: Outcome) -> str | None:
    if outcome.out_dir is None or outcome.result is None:
        return None
    return str(outcome.out_dir / "result.json")


def testcase(outcome: Outcome) -> ET.Element:
    """The ``<testcase>`` of one outcome."""
    file, _, line = outcome.where.rpartition(":")
    case = ET.Element("testcase", classname=_classname(outcome.where), name=outcome.name,
                      file=file, line=line, time=f"{outcome.seconds:.3f}")
    status = outcome.status
    result = _result_path(outcome)
    tail = f"\nresult: {result}" if result else ""
    if status == "failed":
        text = _failure_text(outcome)
        if outcome.xfail_strict:
            text = f"[XPASS(strict)] {outcome.reason}".rstrip() if not text else text
        first = text.splitlines()[0] if text else "failed"
        ET.SubElement(case, "failure", message=first).text = text + tail
    elif status == "error":
        error = outcome.error or "error"
        ET.SubElement(case, "error", message=error.splitlines()[0]).text = \
            (outcome.internal or error) + tail
    elif status == "skipped":
        ET.SubElement(case, "skipped", type="bxmlsim.skip", message=outcome.reason or "skipped")
    elif status == "xfailed":
        ET.SubElement(case, "skipped", type="bxmlsim.xfail",
                      message=outcome.reason or "expected to fail").text = _failure_text(outcome)
    if result:
        ET.SubElement(case, "system-out").text = f"result: {result}"
    return case


def report(outcomes: Iterable[Outcome], extra_errors: Iterable[str] = ()) -> ET.ElementTree:
    """The report of a run; ``extra_errors`` are files that could not be loaded (one
    ``<testcase>`` with an ``<error>`` each, named after the file)."""
    cases = [testcase(o) for o in outcomes]
    for line in extra_errors:
        file = line.split(":", 1)[0]
        case = ET.Element("testcase", classname=_classname(file + ":0"), name=Path(file).name,
                          file=file, time="0.000")
        ET.SubElement(case, "error", message=line).text = line
        cases.append(case)
    counts = {kind: sum(1 for c in cases if c.find(kind) is not None)
              for kind in ("failure", "error", "skipped")}
    seconds = sum(float(c.get("time", "0")) for c in cases)
    attributes = dict(name="bxmlsim", tests=str(len(cases)), failures=str(counts["failure"]),
                      errors=str(counts["error"]), skipped=str(counts["skipped"]),
                      time=f"{seconds:.3f}")
    suites = ET.Element("testsuites", **attributes)
    suite = ET.SubElement(suites, "testsuite", **attributes)
    suite.extend(cases)
    ET.indent(suites)
    return ET.ElementTree(suites)


def write(path: str | Path, outcomes: Iterable[Outcome], extra_errors: Iterable[str] = ()) -> None:
    """Write the report to ``path`` (UTF-8, with the XML declaration); OSError if it cannot."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    report(outcomes, extra_errors).write(target, encoding="utf-8", xml_declaration=True)
