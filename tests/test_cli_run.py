"""``bxmlsim run``: exit codes 0/1/2, outputs written, bare BXML documents, -j, goldens."""

from __future__ import annotations

import json

import pytest

from helpers import run, scenario


def test_passing_scenario_exits_0_and_writes_result_and_recording(tmp_path):
    path = scenario(tmp_path, "vm.yaml")
    out = tmp_path / "out"
    res = run(str(path), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "PASS voicemail" in res.output and "1 passed, 0 failed, 0 errors" in res.output
    result = json.loads((out / "voicemail" / "result.json").read_text())
    assert result["format"] == "bxmlsim-result/1" and result["passed"] is True
    [recording] = result["recordings"]
    assert (out / "voicemail" / recording["file"]).is_file()


def test_failed_expectation_exits_1_and_names_the_line(tmp_path):
    path = scenario(tmp_path, "vm.yaml", duration="~9")
    res = run(str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 1, res.output
    assert "FAIL voicemail" in res.output
    assert "line 15:" in res.output and "duration: expected 9 ± 0.1, got 1.6" in res.output
    result = json.loads((tmp_path / "out" / "voicemail" / "result.json").read_text())
    assert result["passed"] is False and result["failures"][0]["line"] == 15


def test_bad_scenario_exits_2_with_file_line_and_others_still_run(tmp_path):
    scenario(tmp_path, "a-good.yaml", name="good")
    (tmp_path / "b-bad.yaml").write_text("name: bad\ncall:\n  direction: sideways\n")
    res = run(str(tmp_path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert f"{tmp_path / 'b-bad.yaml'}:3: $.call.direction: bad value" in res.output
    assert "Traceback" not in res.output
    assert (tmp_path / "out" / "good" / "result.json").is_file()


def test_folders_are_searched_recursively_and_slugs_are_unique(tmp_path):
    scenario(tmp_path, "one.yaml", name="Same Name")
    scenario(tmp_path, "deep/er/two.yml", name="Same Name")
    (tmp_path / "notes.txt").write_text("not a scenario")
    out = tmp_path / "out"
    res = run(str(tmp_path), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["same-name", "same-name-2"]


def test_missing_path_is_a_usage_error(tmp_path):
    res = run(str(tmp_path / "nope.yaml"))
    assert res.exit_code == 2 and "no such file or folder" in res.output


def test_a_link_that_cannot_be_looked_up_in_a_folder_is_no_traceback(tmp_path):
    """A link to a name too long to stat is passed over (links are not entered): the folder
    has no scenario, a usage error. Named like a scenario, it is one itself, named."""
    (tmp_path / "m").symlink_to("x" * 300)
    res = run(str(tmp_path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and "no scenario files in this folder" in res.output, res.output
    (tmp_path / "m.yaml").symlink_to("x" * 300)
    res = run(str(tmp_path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2, res.output
    assert "m.yaml: cannot use this path, got File name too long" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


def test_parallel_run_gives_the_same_bytes_as_a_serial_run(tmp_path):
    for i in range(3):
        scenario(tmp_path / "s", f"s{i}.yaml", name=f"vm {i}")
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    assert run(str(tmp_path / "s"), "--out", str(serial)).exit_code == 0
    res = run(str(tmp_path / "s"), "--out", str(parallel), "-j", "2")
    assert res.exit_code == 0, res.output
    for i in range(3):
        a = (serial / f"vm-{i}" / "result.json").read_bytes()
        assert a == (parallel / f"vm-{i}" / "result.json").read_bytes()
    # outcomes are reported in a stable order whatever finishes first
    assert res.output.index("vm 0") < res.output.index("vm 1") < res.output.index("vm 2")


def test_verbose_narrates_the_timeline(tmp_path):
    res = run(str(scenario(tmp_path, "vm.yaml")), "--out", str(tmp_path / "o"), "-v")
    assert res.exit_code == 0
    assert "caller says 'call me back please'" in res.output
    assert "caller presses '#'" in res.output and "> Record" in res.output


FLOW = """<Response>
  <SpeakSentence>Leave a message.</SpeakSentence>
  <Record maxDuration="20"/>
</Response>
"""


def test_bare_flow_runs_steps_in_command_line_order(tmp_path):
    flow = tmp_path / "flow.xml"
    flow.write_text(FLOW)
    out = tmp_path / "out"
    res = run(str(flow), "--out", str(out), "--press", "5", "--say", "hello there",
              "--press=#", "-v")
    assert res.exit_code == 0, res.output
    timeline = json.loads((out / "flow" / "result.json").read_text())["timeline"]
    steps = [(e["kind"], e["detail"].get("digit") or e["detail"].get("text"))
             for e in timeline if e["kind"] in ("digit", "speech")]
    assert steps == [("digit", "5"), ("speech", "hello there"), ("digit", "#")]
    # the caller waited for the document's Record before the first step
    record_start = next(e["at"] for e in timeline if e["verb"] == "Record")
    assert timeline[[e["kind"] for e in timeline].index("digit")]["at"] >= record_start


def test_bare_flow_with_invalid_bxml_is_error_2_with_position(tmp_path):
    flow = tmp_path / "flow.xml"
    flow.write_text("<Response>\n  <SpeakSentance>hi</SpeakSentance>\n</Response>\n")
    res = run(str(flow), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and f"{flow}:2:" in res.output


@pytest.mark.parametrize("args,words", [
    (["--press", "12x"], "bad DTMF digits"),
    (["--silence", "-1"], "--silence"),
])
def test_bare_flow_bad_steps_exit_2(tmp_path, args, words):
    flow = tmp_path / "flow.xml"
    flow.write_text(FLOW)
    res = run(str(flow), "--out", str(tmp_path / "o"), *args)
    assert res.exit_code == 2 and words in res.output


def test_step_options_need_a_flow_document(tmp_path):
    res = run(str(scenario(tmp_path, "vm.yaml")), "--say", "hi")
    assert res.exit_code == 2 and "only apply to a bare FLOW.xml" in res.output


def test_update_golden_then_a_changed_run_fails_with_a_diff(tmp_path):
    path = scenario(tmp_path, "vm.yaml")
    out = str(tmp_path / "out")
    assert run(str(path), "--out", out, "--update-golden").exit_code == 0
    golden = tmp_path / "vm.voicemail.golden.txt"
    assert golden.is_file()
    assert run(str(path), "--out", out).exit_code == 0
    golden.write_text(golden.read_text().replace("call me back please", "call me later"))
    res = run(str(path), "--out", out)
    assert res.exit_code == 1
    assert "golden vm.voicemail.golden.txt: this run differs" in res.output
    removed = [l.strip() for l in res.output.splitlines() if l.strip().startswith("-  ")]
    added = [l.strip() for l in res.output.splitlines() if l.strip().startswith("+  ")]
    assert any("call me later" in l for l in removed), res.output
    assert any("call me back please" in l for l in added), res.output


# ---- --html ---------------------------------------------------------------------------------


def test_html_writes_a_report_beside_each_result(tmp_path):
    """run --html: report.html next to every result.json, the page of that very run."""
    import lxml.html

    scenario(tmp_path, "a.yaml", name="first")
    scenario(tmp_path, "b.yaml", name="second", duration="~9")  # fails: still gets its page
    out = tmp_path / "out"
    res = run(str(tmp_path), "--out", str(out), "--html")
    assert res.exit_code == 1, res.output
    for name, badge in (("first", "PASSED"), ("second", "FAILED")):
        page = out / name / "report.html"
        assert (out / name / "result.json").is_file() and page.is_file()
        tree = lxml.html.parse(str(page)).getroot()
        assert tree.findtext(".//h1") == name
        assert badge in tree.xpath("string(//span[contains(@class,'badge')])")
        assert tree.xpath("//audio/@src")[0].startswith("data:audio/wav;base64,")
        assert f"report: {page}" in res.output


def test_without_html_no_report_is_written(tmp_path):
    out = tmp_path / "out"
    res = run(str(scenario(tmp_path, "vm.yaml")), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert (out / "voicemail" / "result.json").is_file()
    assert not (out / "voicemail" / "report.html").exists()


def test_html_that_cannot_be_written_is_an_error(tmp_path):
    """A report.html that cannot be written (here a folder is in the way) exits 2, named."""
    out = tmp_path / "out"
    (out / "voicemail" / "report.html").mkdir(parents=True)
    res = run(str(scenario(tmp_path, "vm.yaml")), "--out", str(out), "--html")
    assert res.exit_code == 2, res.output
    assert "cannot write" in res.output and "report.html" in res.output
    assert "0 passed, 0 failed, 1 error" in res.output


# ---- outcome lines off a terminal: the text rich prints, written directly --------------------

TRICKY = ["plain name", "name [copy 3]", "[bold]not bold[/bold] [red]x[/red]", "x [/] y [@a]",
          "[#ff0000]hex [Upper]", "emoji :smile: and :thumbs_up: :nope:", "a:b:c:d ::",
          ":red_circle:-emoji: :smile:-text:", "bell\x07 bs\x08 vt\x0b ff\x0c cr\r end",
          "esc \x1b[31m red", "café ☎ 日本語 \u200b", "trailing  ", "", "back\\slash [x]\\",
          "tab\there", "[red]unclosed", "multi\nline [b]\n  :smile:"]


def tricky_outcomes():
    from simulator.batch import Outcome

    result = {"calls": [{"callId": "c-1", "disconnectCause": "hangup"}], "callbacks": [{}],
              "recordings": [{"duration": 1.5, "endReason": "hangup"}],
              "timeline": [{"at": 2.0, "kind": "call-end", "callId": "c-1"}]}
    for text in TRICKY:
        where = f"{text or 'x'}.yaml:3"
        failures = ({"message": f"expected {text}\nbut {text}", "line": 4},)
        yield Outcome(text, where, None, True, result=result)
        yield Outcome(text, where, None, False, failures=failures, result=result)
        yield Outcome(text, where, None, True, result=result, xfail=True, xfail_strict=True,
                      reason=text)
        yield Outcome(text, where, None, False, failures=failures, result=result, xfail=True,
                      reason=text)
        yield Outcome(text, where, None, True, skipped=True, reason=text)
        yield Outcome(text, where, None, False, error=f"{where}: {text}\n{text}", result=result,
                      internal="Traceback ...")


@pytest.mark.parametrize("rich_private", ["found", "moved"])
@pytest.mark.parametrize("verbose", [False, True])
def test_outcome_lines_off_a_terminal_are_the_text_rich_prints(verbose, rich_private,
                                                               monkeypatch):
    """Also when a rich release has moved the private module of its emoji replacement."""
    import io
    import sys

    from rich.console import Console

    if rich_private == "moved":
        monkeypatch.setitem(sys.modules, "rich._emoji_replace", None)   # import fails

    from simulator.cli import _report_outcome

    for outcome in tricky_outcomes():
        through_rich, direct = (Console(file=io.StringIO(), highlight=False, soft_wrap=True)
                                for _ in range(2))
        printed = []
        direct.print = lambda text, printed=printed: printed.append(text)  # not called ...
        simple = "\\" not in outcome.name + (outcome.reason or "") and "\t" not in outcome.name
        assert _report_outcome(through_rich, outcome, verbose) == \
            _report_outcome(direct, outcome, verbose, plain=True)
        if simple:   # ... for text rich prints as it is, but for emoji and control codes
            assert printed == [], outcome
            assert direct.file.getvalue() == through_rich.file.getvalue(), outcome
        else:        # a backslash, a tab: through rich
            assert len(printed) == 1


@pytest.mark.parametrize("force_color", [None, "", "1"])
@pytest.mark.parametrize("tty_compatible", [None, "", "0", "1", "x"])
@pytest.mark.parametrize("a_tty", [False, True])
def test_off_a_terminal_only_where_rich_says_so(monkeypatch, force_color, tty_compatible, a_tty):
    """``run`` leaves rich unimported only where rich's Console would not be a terminal."""
    import io
    import sys

    from rich.console import Console

    from simulator.cli import _off_a_terminal

    class Stdout(io.StringIO):
        def isatty(self):
            return a_tty

    for name, value in (("FORCE_COLOR", force_color), ("TTY_COMPATIBLE", tty_compatible)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", Stdout())
    if _off_a_terminal():
        assert not Console(highlight=False, soft_wrap=True).is_terminal
    if not a_tty and force_color is None and tty_compatible is None:
        assert _off_a_terminal()


@pytest.mark.parametrize("out", [text for text in TRICKY if "\n" not in text] + ["out", "a b/c"])
def test_the_summary_off_a_terminal_is_the_text_rich_prints(monkeypatch, out):
    """The last line of ``run``, written as text off a terminal, is what rich prints of it with
    ``--out`` taken as text, not markup."""
    import io
    import sys

    from rich.console import Console
    from rich.markup import escape

    from simulator.cli import _OffTerminal, _print_summary

    summary = "1 passed, 0 failed, 0 errors; outputs in {}/"
    through_rich = Console(file=io.StringIO(), highlight=False, soft_wrap=True)
    through_rich.print(escape(summary.format(out)))
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    _print_summary(_OffTerminal(), summary.format(out), plain=True)
    assert sys.stdout.getvalue() == through_rich.file.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("out", ["a [/] b", "x [bold]y[/bold]", "[red]z"])
def test_an_out_folder_with_brackets_is_named_as_it_is(tmp_path, monkeypatch, out, terminal):
    """``--out`` is a path: brackets in it are printed as they are, never read as markup (a
    ``[/]`` made rich raise a MarkupError, a traceback after every scenario had run)."""
    if terminal:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("NO_COLOR", "1")
    path = scenario(tmp_path, "vm.yaml")
    monkeypatch.chdir(tmp_path)
    res = run(str(path), "--out", out)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[-1] == f"1 passed, 0 failed, 0 errors; outputs in {out}/"
    assert (tmp_path / out / "voicemail" / "result.json").is_file()


@pytest.mark.parametrize("young", [None, 0])
def test_run_collects_the_young_generation_less_often_and_restores_it(tmp_path, monkeypatch,
                                                                       young):
    """``run`` raises the young generation's threshold while it runs (start-up makes ~300,000
    long-lived objects: docs/performance.md "Start-up"), and puts it back when it ends; a
    threshold of 0 (a program embedding the CLI turned automatic collection off) stays 0."""
    import gc
    import textwrap

    from simulator.cli import RUN_GC_THRESHOLD

    (tmp_path / "gc_app.py").write_text(textwrap.dedent("""
        import gc
        from pathlib import Path

        def app(environ, start_response):
            Path("seen.txt").write_text(" ".join(map(str, gc.get_threshold())))
            start_response("200 OK", [("Content-Type", "application/xml")])
            return [b"<Response><Hangup/></Response>"]
    """))
    (tmp_path / "s.yaml").write_text('name: gc\napp: {wsgi: "gc_app:app"}\n')
    monkeypatch.chdir(tmp_path)
    real = gc.get_threshold()
    try:
        if young is not None:
            gc.set_threshold(young, *real[1:])
        before = gc.get_threshold()
        res = run("s.yaml", "--out", "out")
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*real)
    assert res.exit_code == 0, res.output
    seen = tuple(int(n) for n in (tmp_path / "seen.txt").read_text().split())
    raised = (max(before[0], RUN_GC_THRESHOLD), *before[1:]) if before[0] else before
    assert seen == raised and after == before
