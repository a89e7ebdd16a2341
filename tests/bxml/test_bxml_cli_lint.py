"""`bxmlsim lint FILE... [--format text|json]` per design/contract.md."""

from __future__ import annotations

import json

from click.testing import CliRunner

from simulator.cli import main

GOOD = "<Response><SpeakSentence>Hi</SpeakSentence><Hangup/></Response>"
WARN = "<Response>\n  <Gather/>\n</Response>"
BAD = '<Response>\n  <Pause duration="0"/>\n  <Bogus/>\n</Response>'


def _files(tmp_path, **docs):
    paths = {}
    for name, text in docs.items():
        paths[name] = tmp_path / f"{name}.xml"
        paths[name].write_text(text)
    return paths


def test_clean_file_exits_0_with_no_output(tmp_path):
    paths = _files(tmp_path, good=GOOD)
    result = CliRunner().invoke(main, ["lint", str(paths["good"])])
    assert (result.exit_code, result.output) == (0, "")


def test_warnings_alone_exit_0(tmp_path):
    paths = _files(tmp_path, warn=WARN)
    result = CliRunner().invoke(main, ["lint", str(paths["warn"])])
    assert result.exit_code == 0
    assert result.output == f"{paths['warn']}:2:3: BX406 warning <Gather> has no gatherUrl: " \
                            "the digits collected are discarded\n"


def test_errors_exit_1_one_line_per_diagnostic(tmp_path):
    paths = _files(tmp_path, good=GOOD, bad=BAD)
    result = CliRunner().invoke(main, ["lint", str(paths["good"]), str(paths["bad"])])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{paths['bad']}:2:10", f"{paths['bad']}:3:3"]
    assert lines[0].split(": ", 1)[1].startswith("BX204 error <Pause> duration must be")
    assert lines[1].split(": ", 1)[1].startswith("BX101 error unknown element <Bogus>")


def test_json_format_is_a_list_of_diagnostic_objects(tmp_path):
    paths = _files(tmp_path, warn=WARN, bad=BAD)
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(paths["warn"]),
                                       str(paths["bad"])])
    assert result.exit_code == 1
    items = json.loads(result.output)
    assert [(i["file"], i["line"], i["col"], i["code"], i["severity"]) for i in items] == [
        (str(paths["warn"]), 2, 3, "BX406", "warning"),
        (str(paths["bad"]), 2, 10, "BX204", "error"),
        (str(paths["bad"]), 3, 3, "BX101", "error")]
    assert all(set(i) == {"file", "line", "col", "code", "severity", "message"} for i in items)


def test_json_of_clean_files_is_an_empty_list(tmp_path):
    paths = _files(tmp_path, good=GOOD)
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(paths["good"])])
    assert (result.exit_code, json.loads(result.output)) == (0, [])


def test_missing_file_is_a_usage_error_without_traceback(tmp_path):
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "nope.xml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_no_file_and_bad_format_are_usage_errors(tmp_path):
    paths = _files(tmp_path, good=GOOD)
    assert CliRunner().invoke(main, ["lint"]).exit_code == 2
    assert CliRunner().invoke(main, ["lint", "--format", "xml", str(paths["good"])]).exit_code == 2


def test_malformed_and_binary_files_are_diagnostics_not_crashes(tmp_path):
    binary = tmp_path / "noise.xml"
    binary.write_bytes(bytes(range(256)))
    result = CliRunner().invoke(main, ["lint", str(binary)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.count("\n") == 1 and " error " in result.output


def test_context_option_applies_spec_section_9(tmp_path):
    paths = _files(tmp_path, conf="<Response><Pause/></Response>")
    assert CliRunner().invoke(main, ["lint", str(paths["conf"])]).exit_code == 0
    result = CliRunner().invoke(main, ["lint", "--context", "conference", str(paths["conf"])])
    assert result.exit_code == 1 and "BX103" in result.output


def test_origin_option_decides_the_root_readme_ambiguity_8(tmp_path):
    # Webhook replies (the default) are <Response>; PUT .../bxml bodies may be <Bxml>.
    paths = _files(tmp_path, put="<Bxml><Pause/></Bxml>")
    reply = CliRunner().invoke(main, ["lint", str(paths["put"])])
    assert reply.exit_code == 1 and "BX006" in reply.output
    assert CliRunner().invoke(main, ["lint", "--origin", "put", str(paths["put"])]).exit_code == 0


def test_lenient_option_turns_unknown_attributes_into_warnings(tmp_path):
    paths = _files(tmp_path, odd='<Response>\n  <Hangup reason="done"/>\n</Response>')
    strict = CliRunner().invoke(main, ["lint", str(paths["odd"])])
    lenient = CliRunner().invoke(main, ["lint", "--lenient", str(paths["odd"])])
    assert strict.exit_code == 1 and " BX201 error " in strict.output
    assert lenient.exit_code == 0 and " BX201 warning " in lenient.output
