"""The teaching view (simulator/report/) without a browser: sections, escaping, audio, errors."""

from __future__ import annotations

import base64
import copy
import io
import json
import re
import shutil
from pathlib import Path

import lxml.html
import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import SimulatorError
from simulator.report import RESULT_FORMAT, load_result, render_report, write_report

SAMPLE = Path(__file__).parent / "data" / "sample_result"


@pytest.fixture
def sample() -> dict:
    return load_result(SAMPLE / "result.json")


def page(result: dict, result_dir: Path = SAMPLE, **kwargs) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(render_report(result, result_dir, **kwargs))


def text_of(tree, xpath: str) -> str:
    return " ".join(" ".join(e.itertext()) for e in tree.xpath(xpath))


def test_page_has_every_section(sample):
    """Timeline, steps, webhooks, recordings, BXML documents and calls are all on the page."""
    tree = page(sample)
    for section in ("timeline", "steps", "webhooks", "recordings", "calls"):
        assert tree.xpath(f"//section[@id='{section}']"), section
    assert tree.xpath("//aside[@id='documents']")  # the BXML pane, beside the timeline
    assert tree.findtext(".//h1") == sample["scenario"]["name"]


def test_each_timeline_record_is_a_step_row(sample):
    """Every timeline record has its own row, in time order."""
    tree = page(sample)
    rows = tree.xpath("//table[@class='steps']/tbody/tr")
    assert len(rows) == len(sample["timeline"])
    times = [float(r.xpath("td[1]")[0].text) for r in rows]
    assert times == sorted(r["at"] for r in sample["timeline"])


def test_each_verb_is_a_bar_linked_to_its_step(sample):
    """A verb that lasts is a bar whose link leads to its verb-start row."""
    tree = page(sample)
    bars = tree.xpath("//a[contains(@class,'verb') and contains(@class,'bar')]")
    lasting = [r for r in sample["timeline"] if r["kind"] == "verb-start"
               and r["verb"] in ("SpeakSentence", "Pause", "Gather")]
    assert len(bars) == len(lasting)
    for bar in bars:
        row = tree.get_element_by_id(bar.get("href")[1:])
        assert row.xpath("td[3]")[0].text == "verb-start"


def test_verb_end_says_why_and_links_to_the_bxml_line(sample):
    """The Gather's end reason is shown, with a link to its line in the document it came from."""
    tree = page(sample)
    gather_end = [r for r in tree.xpath("//table[@class='steps']/tbody/tr")
                  if r.xpath("td[3]")[0].text == "verb-end" and r.xpath("td[4]")[0].text == "Gather"]
    assert len(gather_end) == 1
    assert "ended: terminating-digit" in " ".join(gather_end[0].itertext())
    link = gather_end[0].xpath("td[5]/a")[0]
    assert link.text == "doc 1, line 7"
    line = tree.get_element_by_id(link.get("href")[1:])  # the Gather's line in the pane
    assert "<Gather" in "".join(line.itertext())
    assert line.findtext("span[@class='ln']") == "7"
    assert tree.get_element_by_id("doc-1-L7").getnext() is line  # line anchors still work


def test_bxml_reply_of_a_later_webhook_is_its_own_document(sample):
    """Verbs after the gather webhook point into document 2, the gather reply."""
    tree = page(sample)
    hangup_rows = [r for r in tree.xpath("//table[@class='steps']/tbody/tr")
                   if r.xpath("td[3]")[0].text == "verb-start" and r.xpath("td[4]")[0].text == "Hangup"]
    href = hangup_rows[0].xpath("td[5]/a")[0].get("href")
    assert href.startswith("#doc-2-")
    assert "<Hangup/>" in "".join(tree.get_element_by_id(href[1:]).itertext())
    assert len(tree.xpath("//article[@class='document']")) == 2  # the 204 reply is no document


def test_webhooks_are_expandable_with_payload_and_reply(sample):
    """Each callback is a <details> whose summary names the event and holds payload and reply."""
    tree = page(sample)
    details = tree.xpath("//details[@class='callback']")
    assert len(details) == len(sample["callbacks"])
    for d, cb in zip(details, sample["callbacks"]):
        assert cb["eventType"] in text_of(d, "summary")
        payload = json.loads(d.xpath(".//pre")[0].text)
        assert payload == cb["payload"]


def test_recorder_lane_shows_segments_and_the_pause(sample):
    """Two segments become two 'recording' bars with one hatched 'paused' bar between them."""
    tree = page(sample)
    assert len(tree.xpath("//a[contains(@class,'recording') and contains(@class,'bar')]")) == 2
    paused = tree.xpath("//a[contains(@class,'paused')]")
    assert len(paused) == 1 and "5.450-6.950" in paused[0].get("title")
    assert tree.xpath("//a[contains(@class,'stopped')]")[0].get("title").endswith("stop-recording")


def test_recording_audio_is_embedded_and_waveform_drawn(sample):
    """The recording plays from a data: URI holding the file's bytes; its waveform is an SVG."""
    tree = page(sample)
    audio = tree.xpath("//audio")[0]
    prefix = "data:audio/wav;base64,"
    assert audio.get("src").startswith(prefix)
    data = base64.b64decode(audio.get("src")[len(prefix):])
    assert data == (SAMPLE / sample["recordings"][0]["file"]).read_bytes()
    assert tree.xpath("//figure[@class='wave']//polygon/@points")[0]
    assert len(tree.xpath("//figure[@class='wave']//line[@class='join']")) == 1


def test_audio_over_the_cap_is_not_embedded_and_the_page_says_so(sample):
    """A file bigger than the embed limit, even as an MP3 copy, is named instead of embedded."""
    tree = page(sample, embed_limit=1000)
    assert not tree.xpath("//audio")
    note = text_of(tree, "//p[@class='note']")
    assert "not embedded" in note and sample["recordings"][0]["file"] in note
    assert "even as a compressed MP3 copy" in note


def test_a_wav_over_the_cap_is_embedded_as_a_compressed_mp3_copy(sample):
    """A WAV too big to embed plays from an MP3 copy of it (the page says so and names the
    file): the copy decodes to the recording's length and samples, within MP3's loss."""
    import soundfile

    wav = SAMPLE / sample["recordings"][0]["file"]
    tree = page(sample, embed_limit=wav.stat().st_size - 1)
    src = tree.xpath("//audio/@src")[0]
    assert src.startswith("data:audio/mpeg;base64,")
    data = base64.b64decode(src.split(",", 1)[1])
    assert len(data) < wav.stat().st_size / 4
    original, rate = soundfile.read(wav)
    copied, copy_rate = soundfile.read(io.BytesIO(data))
    assert copy_rate == rate and len(copied) == len(original)
    assert np.corrcoef(original, copied)[0, 1] > 0.95   # the same audio, in step
    note = text_of(tree, "//p[@class='note']")
    assert "compressed MP3 copy" in note and sample["recordings"][0]["file"] in note
    assert tree.xpath("//p[@class='sound' and .//input[@data-sound]]")  # the player sounds it


def test_page_budget_stops_embedding_after_the_limit(sample):
    """With room for one file only (and not for an MP3 copy of another), the second
    recording is not embedded; with room for a copy, it plays from its copy."""
    size = (SAMPLE / sample["recordings"][0]["file"]).stat().st_size
    twice = copy.deepcopy(sample)
    twice["recordings"].append(dict(twice["recordings"][0], recordingId="r-second"))
    tree = page(twice, page_embed_limit=size + 1000)
    assert len(tree.xpath("//audio")) == 1
    assert "limit of embedded audio" in text_of(tree, "//p[@class='note']")
    tree = page(twice, page_embed_limit=size + size // 2)
    assert [a.get("src").split(";")[0] for a in tree.xpath("//audio")] == [
        "data:audio/wav", "data:audio/mpeg"]


def test_payload_text_is_escaped(sample):
    """Markup inside payloads, replies, names and details is shown as text, never run."""
    evil = "<script>alert('x')</script>"
    result = copy.deepcopy(sample)
    result["scenario"]["name"] = evil
    result["callbacks"][0]["payload"]["tag"] = evil
    result["callbacks"][2]["responseBody"] = evil
    result["timeline"][0]["detail"]["note"] = evil
    result["recordings"][0]["transcription"]["text"] = evil
    html = render_report(result, SAMPLE)
    assert evil not in html
    assert "&lt;script&gt;" in html
    tree = lxml.html.fromstring(html)
    assert len(tree.xpath("//script[not(@type)]")) == 1  # only the page's own script
    data = tree.xpath("//script[@type='application/json']")[0].text
    assert "<" not in data and json.loads(data)["end"] > 0  # data, never markup


def test_works_with_zero_recordings(sample):
    """A run without recordings still renders, and says there are none."""
    result = dict(sample, recordings=[])
    tree = page(result)
    assert not tree.xpath("//audio") and not tree.xpath("//figure")
    assert "No recordings in this run." in text_of(tree, "//section[@id='recordings']")


def test_missing_recording_file_is_reported_not_fatal(sample, tmp_path):
    """A recording whose file is gone is listed with a note naming the file."""
    shutil.copy(SAMPLE / "result.json", tmp_path / "result.json")
    tree = page(sample, tmp_path)
    problem = text_of(tree, "//p[@class='problem']")
    assert "recording file missing" in problem and sample["recordings"][0]["file"] in problem
    assert not tree.xpath("//audio")


def test_undecodable_recording_file_is_reported(sample, tmp_path):
    """A file that is not audio is named as undecodable; the page still renders."""
    target = tmp_path / sample["recordings"][0]["file"]
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not audio at all")
    assert "cannot decode" in text_of(page(sample, tmp_path), "//p[@class='problem']")


def test_unknown_timeline_kinds_are_shown_generically(sample):
    """A kind the report does not know gets a mark on an 'Other' lane and a step row."""
    result = copy.deepcopy(sample)
    result["timeline"].append({"at": 2.0, "callId": result["calls"][0]["callId"],
                               "kind": "future-thing", "verb": None, "line": None,
                               "detail": {"x": 1}})
    tree = page(result)
    assert "Other" in text_of(tree, "//div[@class='lane-name']")
    assert tree.xpath("//a[contains(@class,'other')][span='future-thing']")
    assert "future-thing" in text_of(tree, "//table[@class='steps']")


def test_other_marks_say_what_happened_on_hover(sample):
    """Kinds without a lane of their own (refer, machine-detection, ...) are narrated in the
    mark's title, as ``bxmlsim run -v`` prints them."""
    result = copy.deepcopy(sample)
    result["timeline"].append({"at": 6.5, "callId": result["calls"][0]["callId"],
                               "kind": "machine-detection", "verb": None, "line": None,
                               "detail": {"mode": "sync", "value": "human", "duration": 2.5}})
    [mark] = page(result).xpath("//a[contains(@class,'other')][span='machine-detection']")
    assert mark.get("title") == \
        "machine-detection: machine detection (sync): human after 2.5 s at 6.500 s"
    assert mark.get("data-say") == "machine detection (sync): human after 2.5 s"


def test_verb_without_end_runs_to_the_last_record(sample):
    """A verb-start never closed is drawn up to the call's last record and says so."""
    result = copy.deepcopy(sample)
    result["timeline"] = [r for r in result["timeline"]
                          if not (r["kind"] == "verb-end" and r["verb"] == "Gather")]
    bars = page(result).xpath("//a[contains(@class,'verb')][contains(@title,'Gather')]")
    assert "no verb-end recorded" in bars[0].get("title")


def test_overlapping_items_get_separate_rows(sample):
    """Gather and its nested prompt overlap in time, so they sit on different rows."""
    tree = page(sample)
    tops = {a.text_content().split(" ")[0]: a.get("style").split("top:")[1]
            for a in tree.xpath("//a[contains(@class,'verb')]")
            if "L7" in a.text_content() or "L8" in a.text_content()}
    assert tops["Gather"] != tops["SpeakSentence"]


def test_failures_and_failed_badge(sample):
    """A failed run says FAILED in words and lists each unmet expectation with its line."""
    result = dict(sample, passed=False, failures=[{"message": "expected digits 1234#", "line": 12}])
    tree = page(result)
    assert "FAILED" in text_of(tree, "//span[contains(@class,'badge')]")
    assert "line 12" in text_of(tree, "//section[@class='failures']")


def test_several_calls_get_a_timeline_each(sample):
    """Webhooks go to the call named in their payload."""
    result = copy.deepcopy(sample)
    other = dict(result["calls"][0], callId="c-other")
    result["calls"].append(other)
    result["callbacks"][2]["payload"]["callId"] = "c-other"
    tree = page(result)
    legs = tree.xpath("//section[@class='leg']")
    assert [leg.findtext("h3").split(" · ")[0] for leg in legs] == ["Call 1", "Call 2"]
    assert "recordingAvailable" in text_of(legs[1], ".//a[contains(@class,'webhook')]")


def test_page_fetches_nothing_from_the_network(sample):
    """No external scripts, styles, fonts or media; a CSP forbids fetching any."""
    tree = page(sample)
    csp = tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp
    assert not tree.xpath("//link | //script[@src] | //img | //iframe")
    for attr in tree.xpath("//@src | //@href"):
        assert attr.startswith(("#", "data:")), attr
    assert "@import" not in tree.findtext(".//style") and "url(http" not in tree.findtext(".//style")


def test_write_report_creates_parents(sample, tmp_path):
    """write_report writes the page where asked and returns the path."""
    out = tmp_path / "deep" / "call.html"
    assert write_report(sample, SAMPLE, out) == out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("content, message", [
    (None, "result file not found"),
    ("{ not json", "not valid JSON"),
    ('{"format": "bxmlsim-result/0"}', "not a bxmlsim result"),
    ("[1, 2]", "not a bxmlsim result"),
    (json.dumps({"format": RESULT_FORMAT, "timeline": {}}), '"timeline" must be a list'),
])
def test_load_result_errors_name_the_file(tmp_path, content, message):
    """Bad input raises SimulatorError with what went wrong and the path."""
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SimulatorError) as info:
        load_result(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_cli_report_writes_the_page(tmp_path):
    """`bxmlsim report RESULT.json -o FILE` writes FILE and exits 0."""
    out = tmp_path / "call.html"
    run = CliRunner().invoke(main, ["report", str(SAMPLE / "result.json"), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "<section id=\"timeline\"" in out.read_text(encoding="utf-8")


def test_cli_report_default_output_is_beside_the_result(tmp_path):
    """Without -o the page is report.html next to result.json."""
    shutil.copytree(SAMPLE, tmp_path / "run")
    run = CliRunner().invoke(main, ["report", str(tmp_path / "run" / "result.json")])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "run" / "report.html").is_file()


@pytest.mark.parametrize("content", [None, "{", '{"format": "x"}'])
def test_cli_report_bad_input_exits_2_with_the_path(tmp_path, content):
    """Missing, invalid or foreign result files: a one-line error naming the file, exit 2."""
    path = tmp_path / "result.json"
    if content is not None:
        path.write_text(content)
    run = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "x.html")])
    assert run.exit_code == 2
    assert str(path) in run.output and "Traceback" not in run.output
    assert not (tmp_path / "x.html").exists()


def test_every_in_page_link_has_a_target(sample):
    """Bars, marks, step lines and webhook links all lead somewhere on the page."""
    tree = page(sample)
    ids = set(tree.xpath("//@id"))
    targets = {h[1:] for h in tree.xpath("//a/@href") if h.startswith("#")}
    assert targets and targets <= ids


def test_caller_step_line_is_a_scenario_line(sample):
    """A caller step's line points into the scenario file, not into a BXML document."""
    tree = page(sample)
    speech = [r for r in tree.xpath("//table[@class='steps']/tbody/tr")
              if r.xpath("td[3]")[0].text == "speech"][0]
    assert not speech.xpath("td[5]/a")  # the sample's speech record has no line
    result = copy.deepcopy(sample)
    next(r for r in result["timeline"] if r["kind"] == "speech")["line"] = 14
    speech = [r for r in page(result).xpath("//table[@class='steps']/tbody/tr")
              if r.xpath("td[3]")[0].text == "speech"][0]
    assert not speech.xpath("td[5]/a") and speech.xpath("td[5]")[0].text == "scenario line 14"


def test_detail_floats_are_shown_to_the_millisecond(sample):
    """Float noise in a detail value (2.4000000000000004) is shown as 2.4."""
    result = copy.deepcopy(sample)
    next(r for r in result["timeline"] if r["kind"] == "speech")["detail"]["seconds"] = 0.1 + 0.2
    values = page(result).xpath("//span[@class='kv'][span[@class='k']='seconds']/span[@class='v']")
    assert [v.text for v in values] == ["0.3"]


PIN_SCENARIO = {
    "name": "report of a real run",
    "app": {"bxml": """<Response>
  <StartRecording recordingAvailableUrl="/recordingAvailable"/>
  <SpeakSentence>Say your name.</SpeakSentence>
  <PauseRecording/>
  <Gather gatherUrl="/pin" maxDigits="4" terminatingDigits="#">
    <SpeakSentence>Enter your PIN.</SpeakSentence>
  </Gather>
</Response>""",
            "routes": {"/pin": "<Response><ResumeRecording/><SpeakSentence>Bye.</SpeakSentence>"
                               "<StopRecording/><Hangup/></Response>",
                       "/recordingAvailable": ""}},
    "caller": [{"wait_for": "Gather"}, {"press": "12#"}],
}


def test_report_of_a_real_run(tmp_path):
    """A run of the simulator itself renders: every record a row, the recording embedded."""
    from simulator.api import run_scenario

    result = run_scenario(PIN_SCENARIO, tmp_path / "run").to_json()
    out = write_report(result, tmp_path / "run", tmp_path / "call.html")
    tree = lxml.html.parse(str(out)).getroot()
    assert len(tree.xpath("//table[@class='steps']/tbody/tr")) == len(result["timeline"])
    assert len(tree.xpath("//audio")) == len(result["recordings"]) == 1
    assert not tree.xpath("//p[@class='problem']")
    assert len(tree.xpath("//article[@class='document']")) == 2  # answer BXML and /pin reply
    gather_end = [r for r in tree.xpath("//table[@class='steps']/tbody/tr")
                  if r.xpath("td[3]")[0].text == "verb-end" and r.xpath("td[4]")[0].text == "Gather"]
    [href] = gather_end[0].xpath("td[5]/a/@href")
    assert "<Gather" in tree.get_element_by_id(href[1:]).text_content()
    assert gather_end[0].xpath("td[5]/a")[0].text == "doc 1, line 5"
    assert tree.xpath("//a[contains(@class,'paused')]")  # the PIN was keyed while paused


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    h = "".join(c * 2 for c in h) if len(h) == 3 else h
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


#: Rules that draw no text (a line, a box): their background needs no text contrast.
NO_TEXT = {".cursor", ".mm-cursor", ".mm-window", ".minimap"}


def _palettes(css: str) -> dict[str, dict[str, str]]:
    """The light palette (the first :root) and the dark one (prefers-color-scheme: dark)."""
    light = re.search(r":root\s*\{([^}]*)\}", css).group(1)
    dark = re.search(r"prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}", css).group(1)
    base = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", light))
    return {"light": base, "dark": {**base, **dict(re.findall(r"(--[\w-]+):\s*([^;]+);", dark))}}


def test_text_colours_meet_wcag_aa():
    """In the light and the dark palette, every text colour of report.css has 4.5:1 contrast on
    each colour of its background (a rule without one: on every surface of the page)."""
    from simulator.report.page import ASSETS

    css = (ASSETS / "report.css").read_text()
    body = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    checked = 0
    for scheme, palette in _palettes(css).items():
        def resolve(value: str) -> list[str]:
            value = re.sub(r"var\((--[\w-]+)\)", lambda m: palette[m.group(1)], value)
            return re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", value)

        surfaces = [palette[k] for k in ("--bg", "--code-bg", "--panel", "--th")]
        for selector, rule in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
            selector = selector.strip()
            if ":root" in selector or selector.startswith("@") or selector in NO_TEXT:
                continue
            colour = re.search(r"(?<![-\w])color:\s*([^;]+)", rule)
            background = re.search(r"background(?:-color)?:\s*([^;]+)", rule)
            if not colour and not background:
                continue
            texts = resolve(colour.group(1)) if colour else [palette["--ink"]]
            grounds = (resolve(background.group(1)) if background else []) or surfaces
            for text in texts:
                for ground in grounds:
                    assert _contrast(text, ground) >= 4.5, (scheme, selector, text, ground)
                    checked += 1
    assert checked > 100


def test_silence_heard_in_a_recording_is_drawn_on_the_call_axis(sample):
    """The sample's quiet 0.4 s at 4.8 s into the file lies at 5.05-5.45 s of the call."""
    tree = page(sample)
    quiet = tree.xpath("//a[contains(@class,'silence') and contains(@class,'bar')]")
    assert [q.get("title") for q in quiet] == ["silence recorded 5.050-5.450 s"]
    assert "hatched: silence" in text_of(tree, "//figure[@class='wave']/figcaption")
    assert "silent at 4.8–5.2 s" in tree.xpath("//figure[@class='wave']//svg/@aria-label")[0]


def test_child_leg_names_its_parent(sample):
    """A B-leg's heading says which call it belongs to."""
    result = copy.deepcopy(sample)
    result["calls"].append(dict(result["calls"][0], callId="c-child", direction="outbound",
                                parentCallId=result["calls"][0]["callId"]))
    headings = [h.text_content() for h in page(result).xpath("//section[@class='leg']/h3")]
    assert "child of Call 1" in headings[1] and "child of" not in headings[0]


def test_failed_webhook_delivery_is_marked_in_words(sample):
    """A 503 then a fallback: the marks say ✘ 503 and (fallback), not only a colour."""
    result = copy.deepcopy(sample)
    first = result["callbacks"][1]
    result["callbacks"][1:2] = [dict(first, status=503, responseBody="", error=None),
                                dict(first, attempt=2, fallback=True)]
    labels = [a.text_content() for a in page(result).xpath("//a[contains(@class,'webhook')]")]
    assert "gather ✘ 503" in labels and "gather (fallback)" in labels


def test_webhooks_without_a_call_get_their_own_row(sample):
    """A conference event carries no callId: it is drawn on a 'Not tied to a call' row."""
    result = copy.deepcopy(sample)
    result["callbacks"].append({"at": 8.15, "eventType": "conferenceCompleted",
                                "url": "http://app.test/conf", "method": "POST", "attempt": 1,
                                "fallback": False, "status": 200, "responseBody": "",
                                "error": None, "payload": {"eventType": "conferenceCompleted",
                                                           "name": "standup"}})
    legs = page(result).xpath("//section[@class='leg']")
    assert legs[-1].findtext("h3") == "Not tied to a call"
    assert "conferenceCompleted" in text_of(legs[-1], ".//a[contains(@class,'webhook')]")


def test_referComplete_reply_after_a_successful_refer_is_no_document(sample):
    """The call was gone when it came back: only the failure reply is BXML the call ran."""
    result = copy.deepcopy(sample)
    call_id = result["calls"][0]["callId"]
    for at, status in ((8.1, "failure"), (8.2, "success")):
        result["callbacks"].append({
            "at": at, "eventType": "referComplete", "url": "http://app.test/rc",
            "method": "POST", "attempt": 1, "fallback": False, "status": 200,
            "responseBody": f"<Response><SpeakSentence>{status}</SpeakSentence></Response>",
            "error": None, "payload": {"eventType": "referComplete", "callId": call_id,
                                       "referCallStatus": status}})
    documents = page(result).xpath("//article[@class='document']")
    assert len(documents) == len(page(sample).xpath("//article[@class='document']")) + 1
    assert "failure" in text_of(documents[-1], ".") and "success" not in text_of(documents[-1], ".")


def _failed(sample: dict, **failure) -> dict:
    result = copy.deepcopy(sample)
    result["passed"] = False
    result["failures"] = [{"message": "expected digits 1234#\ngot 1234", "line": 12, **failure}]
    return result


def test_a_failure_keeps_its_lines_and_links_to_its_bar_and_bxml_line(sample):
    """C3: kind, callId and at lead to the bar running then and to its verb's line."""
    call = sample["calls"][0]["callId"]
    tree = page(_failed(sample, kind="expectation", callId=call, at=6.0,
                        accept="expect:\n  digits: '1234'\n"))
    [item] = tree.xpath("//li[@class='failure']")
    assert item.findtext(".//pre[@class='message']") == "expected digits 1234#\ngot 1234"
    assert "expectation" in text_of(item, ".//span[@class='tag']")
    assert "scenario line 12" in text_of(item, ".//span[@class='line']")
    to_bar = item.xpath(".//a[@class='to-item']")[0]
    bar = tree.get_element_by_id(to_bar.get("href")[1:])
    assert bar.text_content().startswith("Gather L7")  # the Gather runs at 6 s
    assert "at 00:06.0 on Call 1" in to_bar.text_content()
    to_line = item.xpath(".//a[@class='to-verb']")[0]
    assert to_line.get("data-v") == bar.get("data-v")
    assert "<Gather" in tree.get_element_by_id(to_line.get("href")[1:]).text_content()
    assert "digits: '1234'" in text_of(item, ".//details[@class='accept']/pre")


def test_a_failure_of_a_webhook_links_to_the_webhook_mark(sample):
    call = sample["calls"][0]["callId"]
    tree = page(_failed(sample, kind="webhook-status", callId=call, at=6.9))
    href = tree.xpath("//a[@class='to-item']/@href")[0]
    assert "webhook" in tree.get_element_by_id(href[1:]).get("class")


def test_failures_without_a_place_and_odd_entries_still_render(sample):
    """Old failures ({message, line}), a bare string, a damaged ``at``: listed, never fatal."""
    result = _failed(sample)
    result["failures"] += ["just text", {"message": "odd", "line": None, "at": "soon",
                                         "callId": 7, "kind": None, "extra": [1]}]
    items = page(result).xpath("//li[@class='failure']")
    assert [i.findtext(".//pre[@class='message']") for i in items] == [
        "expected digits 1234#\ngot 1234", "just text", "odd"]
    assert not page(result).xpath("//a[@class='to-item']")


def test_an_app_exception_shows_its_traceback_on_its_webhook(sample):
    """C2: a callback whose in-process app raised carries appError; its webhook entry opens
    on the traceback and its mark says so in words."""
    result = copy.deepcopy(sample)
    result["callbacks"][1]["appError"] = {
        "type": "ZeroDivisionError", "message": "division by zero",
        "traceback": "Traceback (most recent call last):\n  File \"app.py\", line 9, in gather\n"
                     "    return 1 / 0\nZeroDivisionError: division by zero"}
    tree = page(result)
    hook = tree.get_element_by_id("cb-1")
    assert hook.get("open") is not None
    assert "the app raised ZeroDivisionError" in text_of(hook, "summary")
    assert text_of(hook, ".//pre[@class='traceback']").endswith(
        "ZeroDivisionError: division by zero")
    assert "return 1 / 0\n" in text_of(hook, ".//pre[@class='traceback']")
    [mark] = tree.xpath("//a[contains(@class,'webhook')][@href='#cb-1']")
    assert "✘ ZeroDivisionError" in mark.text_content() and "failed" in mark.get("class")
    assert "division by zero" in mark.get("title")


def test_every_item_says_what_it_is_while_under_the_cursor(sample):
    """The narration's phrases: each bar and mark has its span and its words."""
    tree = page(sample)
    says = {a.get("data-say") for a in tree.xpath("//a[contains(@class,'item')]")}
    assert {"StartRecording paused by PauseRecording (doc 1, line 6)", "caller pressing #",
            "Gather (doc 1, line 7)", "ResumeRecording (doc 2, line 3)",
            "StartRecording recording",
            "call answered", "webhook gather sent"} <= says
    for a in tree.xpath("//a[contains(@class,'item')]"):
        start, until = float(a.get("data-s")), float(a.get("data-u"))
        assert until > start, a.text_content()
        if a.get("data-e") is not None:
            assert until == float(a.get("data-e"))
        else:
            assert until <= start + 1.0  # a mark: a second, or until its lane's next mark


def test_a_verb_links_its_bars_steps_and_pane_line(sample):
    """One key (data-v) on the Gather's bar, its step rows and its line in the BXML pane."""
    tree = page(sample)
    [bar] = [a for a in tree.xpath("//a[contains(@class,'verb')]")
             if a.text_content().startswith("Gather")]
    key = bar.get("data-v")
    rows = tree.xpath(f"//table[@class='steps']//tr[@data-v='{key}']")
    assert [r.xpath("td[3]")[0].text for r in rows] == ["verb-start", "verb-end"]
    [line] = tree.xpath(f"//div[contains(@class,'bl')][@data-v='{key}']")
    assert "<Gather" in line.text_content()
    assert line.xpath("a[@class='code']/@href") == [f"#{rows[0].get('id')}"]  # without JS


def test_timeline_records_with_extra_keys_and_unknown_kinds_render(sample):
    """Keys a reader does not know, C1 keys of odd types, kinds of the future: all drawn."""
    result = copy.deepcopy(sample)
    for record in result["timeline"]:
        record.update(col="?", path=3, document=None, future={"a": [1]})
    result["timeline"].append({"at": 1.0, "kind": "hologram", "callId": None})
    result["callbacks"][0]["extra"] = True
    tree = page(result)
    assert len(tree.xpath("//table[@class='steps']/tbody/tr")) == len(result["timeline"])
    assert tree.xpath("//a[contains(@class,'other')][span='hologram']")


def test_bxml_pane_shows_sdk_documents_one_element_a_line(sample):
    """A one-line reply is pretty-printed; the text as sent stays beside it."""
    result = copy.deepcopy(sample)
    one_line = ('<?xml version="1.0" encoding="UTF-8"?><Response><ResumeRecording/>'
                '<SpeakSentence>Thank you. Goodbye.</SpeakSentence><StopRecording/><Hangup/>'
                '</Response>')
    result["callbacks"][1]["responseBody"] = one_line
    for record in result["timeline"]:
        if record["at"] >= 6.9 and record["line"] is not None:
            record["line"] = 1  # the engine's lines in a one-line document
    tree = page(result)
    doc = tree.get_element_by_id("doc-2")
    lines = [d.text_content() for d in doc.xpath(".//div[contains(@class,'bl')]")]
    assert [re.sub(r"^\d+", "", ln).strip() for ln in lines] == [
        '<?xml version="1.0" encoding="UTF-8"?>', "<Response>", "<ResumeRecording/>",
        "<SpeakSentence>Thank you. Goodbye.</SpeakSentence>", "<StopRecording/>", "<Hangup/>",
        "</Response>"]
    assert [ln[0] for ln in lines] == ["<", "1", "1", "1", "1", "1", "<"]  # the line as sent
    assert text_of(doc, ".//details[@class='raw']/pre").count("\n") == 1
    hangup = [r for r in tree.xpath("//table[@class='steps']/tbody/tr")
              if r.xpath("td[3]")[0].text == "verb-start" and r.xpath("td[4]")[0].text == "Hangup"]
    target = tree.get_element_by_id(hangup[0].xpath("td[5]/a/@href")[0][1:])
    assert target.text_content().endswith("<Hangup/>")
    for record in result["timeline"]:
        if record["at"] >= 6.9 and record["line"] is not None:
            record["line"] = 99  # a line the document does not have: the link is the document
    tree = page(result)
    ids = set(tree.xpath("//@id"))
    hrefs = tree.xpath("//table[@class='steps']//td[5]/a/@href")
    assert "#doc-2" in hrefs and {h[1:] for h in hrefs} <= ids


def test_a_reply_that_is_not_xml_is_shown_as_sent(sample):
    result = copy.deepcopy(sample)
    result["callbacks"][1]["responseBody"] = "<Response><SpeakSentence>oops</Response>"
    doc = page(result).get_element_by_id("doc-2")
    assert "Not well-formed XML" in text_of(doc, ".//p[@class='note']")
    assert "<SpeakSentence>oops</Response>" in text_of(doc, ".//pre")


INDEX_SCENARIOS = {
    "passes.yaml": "name: it passes\napp: {bxml: '<Response><SpeakSentence>Hi</SpeakSentence>"
                   "</Response>'}\n",
    "fails.yaml": "name: it fails\napp: {bxml: '<Response><Hangup/></Response>'}\n"
                  "expect:\n  digits: '12'\n",
    "broken.yaml": "name: broken\napp: {bxml: '<Response/>'}\nbogus: 1\n",
    "later.yaml": "name: not today\nskip: the agent line is not built yet\n"
                  "app: {bxml: '<Response/>'}\n",
}


def test_run_html_writes_an_index_over_every_scenario(tmp_path):
    """index.html: a row per scenario with its status, numbers and failures, the link to its
    report (which links back); a file that could not be loaded is a row too."""
    for name, text in INDEX_SCENARIOS.items():
        (tmp_path / name).write_text(text)
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(tmp_path), "--out", str(out), "--html"])
    assert run.exit_code == 2, run.output  # the broken file
    assert f"index: {out / 'index.html'}" in run.output
    tree = lxml.html.parse(str(out / "index.html")).getroot()
    rows = {r.get("data-status"): r for r in tree.xpath("//tbody/tr")}
    assert set(rows) == {"passed", "failed", "error", "skipped"}
    assert "skipped: the agent line is not built yet" in text_of(rows["skipped"], ".//pre")
    assert not rows["skipped"].xpath(".//a")  # not run: no report
    assert "broken.yaml" in rows["error"].get("data-where")
    assert "unknown key" in text_of(rows["error"], ".//pre")
    failed = rows["failed"]
    assert failed.get("data-failures") == "1" and "digits" in text_of(failed, ".//pre")
    link = failed.xpath(".//a/@href")[0]
    report = out / link
    assert report.is_file() and link == "it-fails/report.html"
    back = lxml.html.parse(str(report)).getroot().xpath("//nav/a[1]/@href")[0]
    assert (report.parent / back).resolve() == (out / "index.html").resolve()
    passed = rows["passed"]
    assert float(passed.get("data-seconds")) > 0 and passed.get("data-calls") == "1"
    assert "1 passed · 1 failed · 1 error · 1 skipped" in text_of(tree, "//p[@class='meta']")


def test_bxml_warnings_sit_on_their_line_in_the_pane(sample):
    """A bxml-warning (C1: document, line, col; no verb) is shown under its element."""
    result = copy.deepcopy(sample)
    result["timeline"].insert(2, {
        "at": 0.0, "callId": result["calls"][0]["callId"], "kind": "bxml-warning", "verb": None,
        "line": 7, "col": 3, "path": None, "document": "http://app.test/answer",
        "detail": {"code": "BX406", "message": "<Gather> ... discarded"}})
    tree = page(result)
    [warn] = tree.xpath("//div[contains(@class,'warn')]")
    assert "BX406: <Gather> ... discarded" in warn.text_content()
    assert "<Gather" in warn.getprevious().text_content()
    row = tree.get_element_by_id(warn.xpath("a/@href")[0][1:])
    assert row.xpath("td[3]")[0].text == "bxml-warning"


def test_a_document_named_without_its_text_is_listed_by_name(sample):
    """C1 names a PUT bxml body that result.json does not hold: a document without text."""
    result = copy.deepcopy(sample)
    call = result["calls"][0]["callId"]
    name = f"PUT /calls/{call}/bxml#1"
    result["timeline"] += [
        {"at": 7.5, "callId": call, "kind": "verb-start", "verb": "SpeakSentence", "line": 1,
         "col": 7, "path": "/Bxml/SpeakSentence[1]", "document": name, "detail": {}},
        {"at": 7.6, "callId": call, "kind": "verb-end", "verb": "SpeakSentence", "line": 1,
         "col": 7, "path": "/Bxml/SpeakSentence[1]", "document": name,
         "detail": {"reason": "completed"}}]
    tree = page(result)
    [doc] = [d for d in tree.xpath("//article[@class='document']") if name in d.text_content()]
    assert "not in result.json" in text_of(doc, ".//p[@class='note']")
    links = tree.xpath(f"//table[@class='steps']//a[@href='#{doc.get('id')}']")
    assert len(links) == 2


def test_a_put_bxml_body_carried_by_its_rest_entry_is_shown_with_its_text(sample):
    """Since rest entries carry the body (``bxml``, ``bxmlDocument``), the document its verbs
    name is shown with its text, not just by name."""
    result = copy.deepcopy(sample)
    call = result["calls"][0]["callId"]
    name = f"PUT /calls/{call}/bxml#1"
    body = "<Bxml><SpeakSentence>you have been moved</SpeakSentence></Bxml>"
    result["timeline"] += [
        {"at": 7.5, "callId": call, "kind": "rest", "verb": None, "line": 20, "col": None,
         "path": None, "document": None,
         "detail": {"action": "put_bxml", "status": 204, "bxml": body, "bxmlDocument": name}},
        {"at": 7.5, "callId": call, "kind": "verb-start", "verb": "SpeakSentence", "line": 1,
         "col": 7, "path": "/Bxml/SpeakSentence[1]", "document": name, "detail": {}}]
    tree = page(result)
    [doc] = [d for d in tree.xpath("//article[@class='document']") if name in d.text_content()]
    assert "you have been moved" in doc.text_content()
    assert "not in result.json" not in doc.text_content()
    assert tree.xpath(f"//table[@class='steps']//a[@href='#{doc.get('id')}']")


# ---- failures from real runs: each links to the item it is about


def run_report(tmp_path: Path, text: str) -> lxml.html.HtmlElement:
    """Run a scenario (YAML text) and render its report: the page's tree."""
    import yaml

    from simulator.api import run_scenario

    result = run_scenario(yaml.safe_load(text), tmp_path).to_json()
    assert result["passed"] is False
    return lxml.html.fromstring(render_report(result, tmp_path))


def failure_links(tree) -> list[tuple[str, str | None, str | None]]:
    """(message's first line, the class of the item it links to, its BXML link text)."""
    out = []
    for li in tree.xpath("//li[@class='failure']"):
        first = li.xpath(".//pre")[0].text_content().splitlines()[0]
        item = li.xpath(".//a[@class='to-item']/@data-item")
        verb = li.xpath(".//a[@class='to-verb']")
        css = tree.get_element_by_id(item[0]).get("class") if item else None
        out.append((first, css, verb[0].text_content() if verb else None))
    return out


FAILING_VOICEMAIL = """
name: failing voicemail
app:
  bxml: <Response><SpeakSentence>Leave a message</SpeakSentence><Record maxDuration="10" recordCompleteUrl="/rc"/></Response>
  routes:
    /rc: {status: 500, body: "oops"}
caller:
  - wait_for: Record
  - say: "hello this is a test message"
  - press: "#"
expect:
  callbacks: [initiate, gather, recordComplete]
  recordings:
    - endReason: silence-timeout
  disconnect_cause: timeout
  digits: "12"
"""


def test_expect_failures_link_to_the_webhook_recording_and_call_end(tmp_path):
    """expect.callbacks -> the last webhook matched, expect.recordings[0] -> the recording's
    bar, expect.disconnect_cause -> the call's end; expect.digits with no gather event has no
    place in the run, and the header does not claim every failure links."""
    tree = run_report(tmp_path, FAILING_VOICEMAIL)
    links = failure_links(tree)
    by_label = {first.split(":")[0]: (css, verb) for first, css, verb in links}
    assert by_label["expect.callbacks[1]"][0].split()[1] == "webhook"
    assert "recording" in by_label["expect.recordings[0]"][0].split()
    assert by_label["expect.disconnect_cause"][0].split()[1] == "call"
    call_end = tree.xpath("//li[@class='failure'][.//pre[starts-with(., "
                          "'expect.disconnect_cause')]]//a[@class='to-item']")[0]
    assert call_end.text_content().endswith("call-end")
    assert by_label["expect.digits"] == (None, None)
    hint = text_of(tree, "//h2[@id='failures-h']")
    assert f"{len(links) - 1} link to the bar" in hint and "each links" not in hint


def test_an_invalid_bxml_failure_links_to_the_bad_line(tmp_path):
    """The reply's bad attribute is at line 3 of document 2: the call's failure, its error mark
    (narrated with that line) and the pane's line are tied together."""
    tree = run_report(tmp_path, """
name: invalid reply
app:
  bxml: <Response><Gather gatherUrl="/g" maxDigits="1"><SpeakSentence>press</SpeakSentence></Gather></Response>
  routes:
    /g: |
      <Response>
        <SpeakSentence>ok</SpeakSentence>
        <Pause duration="abc"/>
      </Response>
caller:
  - wait_for: Gather
  - press: "1"
""")
    [(first, css, verb)] = failure_links(tree)
    assert "invalid-bxml" in first and css.split()[1] == "call"
    assert verb == "BXML doc 2, line 3"
    href = tree.xpath("//a[@class='to-verb']/@href")[0]
    assert "Pause" in text_of(tree, f"//div[@id='{href[1:]}']")
    [error] = tree.xpath("//a[contains(@class,'call') and starts-with(@title,'error')]")
    assert error.get("data-say") == "the call fails: invalid-bxml (doc 2, line 3)"
    assert error.get("data-v") == "d" + href.removeprefix("#doc-")  # the same verb key


def test_a_failed_webhook_at_a_shared_instant_links_to_itself(tmp_path):
    """initiate and a gather answering 500 both at 0.000 s: the webhook-status failure links to
    the gather's mark, the disconnect-cause failure to the call's end (not its start)."""
    tree = run_report(tmp_path, """
name: gather answers 500 at once
app:
  bxml: <Response><Gather gatherUrl="/g" maxDigits="1"/></Response>
  routes:
    /g: {status: 500, body: oops}
caller:
  - press: "1"
""")
    items = {}
    for li in tree.xpath("//li[@class='failure']"):
        kind = li.xpath(".//span[@class='tag']")[0].text
        items[kind] = li.xpath(".//a[@class='to-item']")[0].text_content()
    assert items["webhook-status"].endswith("gather ✘ 500")
    assert items["disconnect-cause"].endswith("call-end")


def test_a_run_of_no_time_says_so(tmp_path):
    """A call answered with an empty reply ends at 0 s: the header and the player's total say
    0.000 s / 00:00.0 (the axis alone spans a second, to be drawn)."""
    from simulator.api import run_scenario

    result = run_scenario({"name": "instant", "app": {"bxml": "<Response><Hangup/></Response>"}},
                          tmp_path).to_json()
    tree = lxml.html.fromstring(render_report(result, tmp_path))
    assert "0.000 s (00:00.0)" in text_of(tree, "//p[@class='meta']")
    assert text_of(tree, "//span[@class='total']").strip() == "/ 00:00.0"
