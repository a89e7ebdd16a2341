"""coverage/report: the text table, the HTML page, the JSON file."""

from __future__ import annotations

import json

import pytest

import simulator
from simulator.api import load
from simulator.coverage import Count, Coverage, read_json, render_html, text_report, \
    write_reports
from simulator.coverage.report import percent_text

SCENARIO = """\
name: menu
app:
  bxml: |
    <Response>
      <Gather gatherUrl="/choice" maxDigits="1" firstDigitTimeout="2">
        <SpeakSentence>For sales press 1.</SpeakSentence>
      </Gather>
    </Response>
  routes:
    /choice: "<Response><Hangup/></Response>"
    /never: "<Response><SpeakSentence>never &amp; ever</SpeakSentence></Response>"
"""


@pytest.fixture
def coverage(tmp_path):
    path = tmp_path / "menu.yaml"
    path.write_text(SCENARIO)
    [scenario] = load(path)
    measured = Coverage()
    measured.add_run(scenario, simulator.api.run_loaded(scenario).to_json())
    return measured


@pytest.mark.parametrize("hit, total, text", [(0, 0, "-"), (0, 5, "0%"), (1, 300, "1%"),
                                              (299, 300, "99%"), (3, 3, "100%"),
                                              (2, 3, "66%")])
def test_percent_is_never_rounded_to_a_lie(hit, total, text):
    assert percent_text(Count(hit, total)) == text


def test_text_report_has_a_row_per_app_a_total_and_what_was_missed(coverage):
    text = text_report(coverage)
    lines = text.splitlines()

    assert lines[0].split() == ["Name", "Docs", "Verbs", "Outcomes", "Routes", "Cover"]
    assert lines[2].endswith("2/3    3/4       1/2     2/3    66%")
    assert lines[4].startswith("TOTAL")
    assert "  http://app.test/never: never reached" in lines
    assert "  http://app.test/answer:2:3 Gather never saw 1" in lines


def test_html_marks_each_line_and_escapes_the_documents(coverage):
    page = render_html(coverage)

    assert page.startswith("<!DOCTYPE html>")
    assert '<div class="run" title="Gather 2:3 ran 1x">' in page
    assert "never &amp;amp; ever" in page  # the document's own text, escaped once more
    assert 'class="tag unreached">never reached' in page
    assert '<span class="outcome missing" title="0 time(s)">1</span>' in page


def test_files_are_written_and_read_back(coverage, tmp_path):
    data, page = write_reports(coverage, tmp_path / "cov")

    assert json.loads(data.read_text())["format"] == "bxmlsim-coverage/1"
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert read_json(data).to_json() == coverage.to_json()


def test_a_file_that_is_not_coverage_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "bxmlsim-coverage/1"}')
    (tmp_path / "y.json").write_text("{oops")

    with pytest.raises(ValueError, match="not a bxmlsim coverage file"):
        read_json(tmp_path / "x.json")
    with pytest.raises(ValueError, match="not JSON"):
        read_json(tmp_path / "y.json")
