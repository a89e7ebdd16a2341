"""The report's interactive layer in a real headless Chromium: play, seek, zoom and pan, the
minimap, the links between bars, steps and BXML lines, the narration, and a label layout that
never overlaps (checked on the DOM's boxes, not on pixels) on a long call and a two-party call.

Screenshots of both are taken at 1366x768; with BXMLSIM_DOC_SCREENSHOTS=1 they are written (as
small palette PNGs) to docs/img/ for docs/report.md.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from PIL import Image

from simulator.report import write_report

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent.parent / "data" / "sample_result"
DOCS_IMG = Path(__file__).resolve().parent.parent.parent / "docs" / "img"

#: Pairs of visible labels that overlap, labels overlapping another item's bar or mark, labels
#: outside their track, and labels cut without an ellipsis or a tooltip carrying the full text.
LAYOUT_PROBLEMS = """(() => {
  const bad = [], eps = 0.5;
  const meet = (a, b) => a.left < b.right - eps && b.left < a.right - eps &&
                         a.top < b.bottom - eps && b.top < a.bottom - eps;
  for (const track of document.querySelectorAll('#legs .lane:not(.axis) .track')) {
    const tb = track.getBoundingClientRect();
    const items = [...track.querySelectorAll('.item')].filter(a => a.style.display !== 'none');
    const labels = items.map(a => ({a, l: a.querySelector('.lbl')}))
      .filter(x => x.l && getComputedStyle(x.l).display !== 'none')
      .map(x => ({a: x.a, l: x.l, r: x.l.getBoundingClientRect()}))
      .filter(x => x.r.width > 0 && x.r.right > tb.left && x.r.left < tb.right);
    for (let i = 0; i < labels.length; i++) {
      const x = labels[i];
      if (x.r.left < tb.left - eps || x.r.right > tb.right + eps) bad.push('outside: ' + x.l.textContent);
      for (let j = i + 1; j < labels.length; j++)
        if (meet(x.r, labels[j].r)) bad.push(x.l.textContent + ' / ' + labels[j].l.textContent);
      for (const b of items)
        if (b !== x.a && meet(x.r, b.getBoundingClientRect()))
          bad.push(x.l.textContent + ' over the item ' + b.textContent);
      if (x.l.scrollWidth > x.l.clientWidth + 1) {
        const style = getComputedStyle(x.l);
        if (style.textOverflow !== 'ellipsis' || !x.a.title.includes(x.l.textContent.trim()) ||
            !x.a.classList.contains('cut')) bad.push('cut silently: ' + x.l.textContent);
      }
    }
  }
  return bad;
})()"""


def open_report(page, url: str, height: int = 900, scheme: str | None = None) -> None:
    page.send("Emulation.setDeviceMetricsOverride", width=1366, height=height,
              deviceScaleFactor=1, mobile=False)
    if scheme:
        page.send("Emulation.setEmulatedMedia",
                  features=[{"name": "prefers-color-scheme", "value": scheme}])
    page.open(url)
    assert page.js("!!window.bxmlsimReport"), "the report's script did not start"


def view(page) -> dict:
    return page.js("bxmlsimReport.view()")


#: The cursor, the audio element's state, and the file time the cursor maps to (the sample's
#: recording: 0.25-5.45 s, paused, then 6.95-8.15 s), read at one instant.
AUDIO_STATE = """(() => { const a = document.querySelector('audio'), t = bxmlsimReport.cursor();
  const file = t >= 0.25 && t < 5.45 ? t - 0.25 : t >= 6.95 && t < 8.15 ? 5.2 + t - 6.95 : null;
  return {cursor: t, paused: a.paused, time: a.currentTime, file: file,
          playing: bxmlsimReport.playing()}; })()"""


def test_play_moves_the_cursor_and_plays_the_recording(page, sample_page):
    """A real click on Play starts the clock: the cursor moves across every lane, the recording
    that covers the cursor plays from the matching point of its file; Pause stops both."""
    open_report(page, sample_page)
    assert page.js("bxmlsimReport.cursor()") == 0
    page.js("bxmlsimReport.seek(1.0)")
    page.click("#play")
    assert page.until("bxmlsimReport.cursor() > 1.3 && "
                      "!document.querySelector('audio').paused")
    state = page.js(AUDIO_STATE)
    assert state["playing"] is True and state["paused"] is False
    assert state["time"] == pytest.approx(state["file"], abs=0.35)
    cursors = page.js("[...document.querySelectorAll('#legs .cursor')].map(c => "
                      "Math.round(c.getBoundingClientRect().left))")
    assert len(cursors) > 5 and len(set(cursors)) == 1  # one line down every lane
    page.click("#play")
    assert page.js("bxmlsimReport.playing()") is False
    assert page.js("document.querySelector('audio').paused") is True
    assert page.problems() == []


def test_the_cursor_runs_on_in_silence_where_nothing_is_recorded(page, sample_page):
    """Over the recording's pause (5.45-6.95 s) the audio stops and the cursor keeps going;
    when the recording resumes, so does its audio, at the file time of that moment."""
    open_report(page, sample_page)
    page.js("bxmlsimReport.seek(5.6)")
    assert "paused by PauseRecording (doc 1, line 6)" in page.js(
        "document.querySelector('#narration').textContent")
    page.click("#play")
    assert page.until("bxmlsimReport.cursor() > 5.7")
    state = page.js(AUDIO_STATE)
    if state["cursor"] < 6.95:  # still in the pause (a slow machine may have passed it)
        assert state["paused"] is True
    # seek and read in one evaluation: a loaded machine may otherwise reach the recording's
    # end (8.15 s) between two round trips, where the audio rightly stops again
    state = page.js("bxmlsimReport.seek(7.0), " + AUDIO_STATE)
    assert state["paused"] is False
    assert state["file"] is not None
    assert state["time"] == pytest.approx(state["file"], abs=0.35)
    page.click("#play")


def test_clicking_the_timeline_moves_the_cursor(page, sample_page):
    """A click on an empty stretch of a track puts the cursor at that time."""
    open_report(page, sample_page)
    box = page.js("(() => { const t = document.querySelector('#legs .lane:not(.axis) .track'); "
                  "t.scrollIntoView({block: 'center'}); const r = t.getBoundingClientRect(); "
                  "return [r.left, r.width, r.top, r.height]; })()")
    end = page.js("JSON.parse(document.querySelector('#report-data').textContent).end")
    x = box[0] + box[1] * 0.6
    page.click(at=(x, box[2] + box[3] - 3))
    assert page.js("bxmlsimReport.cursor()") == pytest.approx(0.6 * end, abs=end / 100)
    assert page.js("document.querySelector('#clock').textContent") != "00:00.0"


def test_narration_says_what_is_under_the_cursor(page, sample_page):
    """One line: the time, the verbs, the recorder and the caller at the cursor."""
    open_report(page, sample_page)
    page.js("bxmlsimReport.seek(6.0)")
    assert page.js("document.querySelector('#narration').textContent") == (
        "00:06.0 PauseRecording (doc 1, line 6); Gather (doc 1, line 7); "
        "StartRecording paused by PauseRecording (doc 1, line 6); caller pressing 1")
    page.js("bxmlsimReport.seek(6.85)")
    assert "caller pressing #" in page.js("document.querySelector('#narration').textContent")
    running = page.js("[...document.querySelectorAll('.item.now')].map(a => a.textContent)")
    assert any(label.startswith("Gather") for label in running)
    # its BXML line and step rows are marked as running too
    assert page.js("document.querySelectorAll('.bl.now').length") >= 1


def test_zoom_buttons_keys_and_wheel_change_the_visible_range(page, long_call_page):
    """+ halves the visible time, − doubles it, the keyboard and Ctrl+wheel zoom too, 0 and
    'Whole call' show everything; the ticks follow."""
    open_report(page, long_call_page)
    end = view(page)["stop"]
    assert view(page)["start"] == 0
    page.click("[data-zoom=in]")
    first = view(page)
    assert first["stop"] - first["start"] == pytest.approx(end / 2, rel=1e-6)
    page.click("[data-zoom=in]")
    assert view(page)["stop"] - view(page)["start"] == pytest.approx(end / 4, rel=1e-6)
    ticks = page.js("[...document.querySelector('.ruler').querySelectorAll('.tick')]"
                    ".map(t => t.textContent)")
    assert 3 <= len(ticks) <= 13
    page.click("[data-zoom=out]")
    assert view(page)["stop"] - view(page)["start"] == pytest.approx(end / 2, rel=1e-6)
    page.js("document.querySelector('#legs').focus()")
    page.key("+", "Equal", 187)
    assert view(page)["stop"] - view(page)["start"] == pytest.approx(end / 4, rel=1e-6)
    page.key("0", "Digit0", 48)
    assert view(page) == {"start": 0, "stop": end}
    ruler = page.center("#legs .ruler")
    page.wheel(ruler, -400)  # the wheel over the ruler zooms in around the pointer
    zoomed = view(page)
    assert zoomed["stop"] - zoomed["start"] < end / 2
    page.click("[data-zoom=fit]")
    track = page.center("#legs .lane:not(.axis) .track")
    page.wheel(track, -400, modifiers=2)  # Ctrl+wheel over a lane
    assert view(page)["stop"] - view(page)["start"] < end / 2
    assert page.problems() == []


def test_pan_by_keys_drag_and_minimap(page, long_call_page):
    """Arrow keys and dragging a lane pan; clicking the minimap centres the view there."""
    open_report(page, long_call_page)
    page.js("bxmlsimReport.setView(0, 60)")
    page.js("document.querySelector('#legs').focus()")
    page.key("ArrowRight", "ArrowRight", 39)
    assert view(page)["start"] == pytest.approx(15)
    x, y = page.center("#legs .lane:not(.axis) .track")
    width = page.js("document.querySelector('#legs .lane:not(.axis) .track').clientWidth")
    page.drag((x, y), (x - width / 4, y))
    assert view(page)["start"] == pytest.approx(30, abs=1)
    assert page.js("bxmlsimReport.cursor()") == 0  # a drag does not move the cursor
    x, y = page.center("#minimap")
    box = page.js("(() => { const r = document.querySelector('#minimap').getBoundingClientRect();"
                  " return [r.left, r.width]; })()")
    end = page.js("JSON.parse(document.querySelector('#report-data').textContent).end")
    page.click(at=(box[0] + box[1] * 0.5, y))
    shown = view(page)
    assert (shown["start"] + shown["stop"]) / 2 == pytest.approx(end / 2, abs=1)
    assert shown["stop"] - shown["start"] == pytest.approx(60)
    window = page.js("document.querySelector('.mm-window').getBoundingClientRect().width")
    assert window == pytest.approx(box[1] * 60 / end, abs=3)


def test_clicking_a_verb_in_the_bxml_pane_highlights_its_bar(page, sample_page):
    """The Gather line of the pane selects the Gather bar, its steps and that line; the cursor
    goes to the verb's start."""
    open_report(page, sample_page)
    page.click("#doc-1 .bl.linked[data-v] a.code[aria-label^='Gather']")
    key = page.js("document.querySelector(\"#doc-1 a.code[aria-label^='Gather']\").dataset.v")
    selected = page.js("[...document.querySelectorAll('.sel')].map(n => "
                       "n.classList.contains('item') ? 'bar:' + n.textContent : n.tagName)")
    assert any(s.startswith("bar:Gather") for s in selected)
    assert "TR" in selected and "DIV" in selected
    assert page.js(f"[...document.querySelectorAll('.item[data-v=\"{key}\"]')]"
                   ".every(n => n.classList.contains('sel'))")
    start = page.js(f"+document.querySelector('.item[data-v=\"{key}\"]').dataset.s")
    assert page.js("bxmlsimReport.cursor()") == pytest.approx(start)
    assert "Gather" in page.js("document.querySelector('#selection').textContent")
    assert page.js("location.hash") == ""  # the page stayed where it was


def test_clicking_a_bar_highlights_its_bxml_line(page, long_call_page):
    """The other way: a bar selects the pretty-printed line of its verb, even in a one-line
    document (the answer BXML of the long call is one line)."""
    open_report(page, long_call_page)
    page.js("bxmlsimReport.setView(0, 12)")
    bar = "#legs .item.verb.bar[data-v][aria-label^='Pause L1 ']"
    key = page.js(f"document.querySelector(\"{bar}\").dataset.v")
    page.click(bar)
    lines = page.js("[...document.querySelectorAll('.bl.sel')].map(n => n.textContent)")
    assert len(lines) == 1 and '<Pause duration="3"/>' in lines[0]
    assert page.js(f"document.querySelector('.bl.sel').dataset.v") == key
    assert page.js("document.querySelector('.bl.sel .ln').textContent") == "1"


def test_a_failure_links_to_its_bar(page, sample_page, tmp_path):
    """A failure with callId and at: its link selects the bar running then and moves the
    cursor there; its multi-line message keeps its lines."""


    result = json.loads((SAMPLE / "result.json").read_text())
    result["passed"] = False
    result["failures"] = [{"message": "expected digits 1234#\ngot 1234", "line": 12,
                           "kind": "expectation", "callId": result["calls"][0]["callId"],
                           "at": 4.0}]
    url = write_report(result, SAMPLE, tmp_path / "failed.html").as_uri()
    open_report(page, url)
    assert page.js("document.querySelector('.failure pre.message').textContent") == \
        "expected digits 1234#\ngot 1234"
    page.click(".failure a.to-item")
    assert page.js("bxmlsimReport.cursor()") == pytest.approx(4.0)
    # the Pause of line 5 runs from 2.4 to 4.4 s
    assert page.js("[...document.querySelectorAll('.item.sel')].map(n => n.textContent)") == \
        ["Pause L5 · completed"]
    assert page.js("document.querySelector('.bl.sel').textContent").strip().endswith(
        '<Pause duration="2"/>')


#: The embedded audio of the first recording, decoded by Chromium itself (atob: the page's CSP
#: forbids fetch), as its length in frames, its rate and its RMS every 0.1 s.
DECODED_AUDIO = """(async () => {
  const src = document.querySelector('audio').src, comma = src.indexOf(',');
  const bytes = Uint8Array.from(atob(src.slice(comma + 1)), c => c.charCodeAt(0));
  const audio = await new OfflineAudioContext(1, 8000, 8000).decodeAudioData(bytes.buffer);
  const x = audio.getChannelData(0), step = audio.sampleRate / 10, rms = [];
  for (let i = 0; i + step <= x.length; i += step) {
    let sum = 0; for (let j = i; j < i + step; j++) sum += x[j] * x[j];
    rms.push(Math.sqrt(sum / step));
  }
  return {type: src.slice(5, comma), frames: audio.length, rate: audio.sampleRate, rms: rms};
})()"""


def test_a_ten_minute_wav_call_plays_in_step(page, long_call_page):
    """The issue's own case: a ten-minute call with the default WAV recording (8.8 MB, over
    the embed limit). The page embeds a compressed copy that Chromium decodes to the file's
    length, in step with it to 0.1 s all along; Play at 05:00 sounds it from that file time."""
    import numpy as np
    import soundfile

    folder = Path(long_call_page.removeprefix("file://")).parent
    result = json.loads((folder / "result.json").read_text())
    whole = next(r for r in result["recordings"] if r["verb"] == "StartRecording")
    wav = folder / whole["file"]
    assert wav.suffix == ".wav" and wav.stat().st_size > 5 * 2**20
    open_report(page, long_call_page)
    decoded = page.js(DECODED_AUDIO)
    original, rate = soundfile.read(wav)
    assert decoded["type"] == "audio/mpeg;base64" and decoded["rate"] == rate
    assert decoded["frames"] == len(original)
    step = rate // 10
    expected = np.sqrt((original[:len(original) // step * step] ** 2).reshape(-1, step).mean(1))
    got = np.array(decoded["rms"])
    spoken = expected > 0.01
    assert spoken.sum() > 100
    lags = {lag: np.corrcoef(expected[10:-10], got[10 + lag:len(got) - 10 + lag])[0, 1]
            for lag in range(-5, 6)}
    assert max(lags, key=lags.get) == 0 and lags[0] > 0.95, lags
    (a, b), (c, _) = [(s["startAt"], s["endAt"]) for s in whole["segments"]]
    page.js("bxmlsimReport.seek(300)")
    page.click("#play")
    assert page.until("!document.querySelector('audio').paused")
    state = page.js("[bxmlsimReport.cursor(), document.querySelector('audio').currentTime]")
    assert state[1] == pytest.approx(state[0] - c + (b - a), abs=0.35)
    page.click("#play")
    assert page.problems() == []


def test_long_call_labels_never_overlap(page, long_call_page):
    """At every scale the labels of a lane are apart, inside it, and any label cut short ends in
    an ellipsis with its full text in the tooltip."""
    open_report(page, long_call_page)
    for window in (None, (0, 30), (0, 8), (2, 6), (300, 330), (540, 570), (3.5, 3.7)):
        if window:
            page.js(f"bxmlsimReport.setView({window[0]}, {window[1]})")
        assert page.js(LAYOUT_PROBLEMS) == [], window


def test_two_party_labels_never_overlap(page, two_party_page):
    open_report(page, two_party_page)
    assert page.js(LAYOUT_PROBLEMS) == []
    page.js("bxmlsimReport.setView(4, 9)")
    assert page.js(LAYOUT_PROBLEMS) == []


def test_the_early_pause_is_readable_once_zoomed(page, long_call_page):
    """On the whole ten minutes the 3 s pause is a sliver; zoomed to the first half-minute its
    bars carry their labels in full."""
    open_report(page, long_call_page)
    page.js("bxmlsimReport.setView(0, 30)")
    labels = page.js("[...document.querySelectorAll('#legs .item')].filter(a => "
                     "a.style.display !== 'none' && !a.classList.contains('cut') && "
                     "getComputedStyle(a.querySelector('.lbl')).display !== 'none')"
                     ".map(a => a.textContent.trim())")
    assert "paused" in labels
    assert "Pause L1 · completed" in labels


def _save_doc_shot(png: bytes, name: str) -> None:
    """docs/img/<name>.png as a small palette image (when BXMLSIM_DOC_SCREENSHOTS=1)."""
    if os.environ.get("BXMLSIM_DOC_SCREENSHOTS") != "1":
        return


    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64)
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    image.save(DOCS_IMG / f"{name}.png", optimize=True)


def test_screenshot_of_the_long_call(page, long_call_page):
    """The long call at 1366x768, zoomed on its first half-minute with the cursor at 00:07.2,
    in the light and the dark scheme: no sideways scrolling, no overlapping label, the player
    and narration on screen."""


    open_report(page, long_call_page, height=768)
    page.js("bxmlsimReport.setView(0, 30); bxmlsimReport.seek(7.2);"
            "document.querySelector('#timeline').scrollIntoView()")
    for scheme in ("light", "dark"):
        page.send("Emulation.setEmulatedMedia",
                  features=[{"name": "prefers-color-scheme", "value": scheme}])
        assert page.js("document.documentElement.scrollWidth") <= 1366
        assert page.js(LAYOUT_PROBLEMS) == []
        assert page.js("document.querySelector('#narration').getBoundingClientRect().bottom") < 768
        png = page.screenshot(1366, 768)
        image = Image.open(io.BytesIO(png))
        assert image.size == (1366, 768)
        assert len(image.convert("RGB").getcolors(1 << 24)) > 50
        _save_doc_shot(png, f"report-long-call-{scheme}")


def test_screenshot_of_the_two_party_call(page, two_party_page):
    """Both legs of a transfer on one 1366x768 screen, labels apart."""
    open_report(page, two_party_page, height=768)
    page.js("bxmlsimReport.seek(8.5); document.querySelector('#timeline').scrollIntoView()")
    assert page.js("document.documentElement.scrollWidth") <= 1366
    assert page.js(LAYOUT_PROBLEMS) == []
    _save_doc_shot(page.screenshot(1366, 768), "report-two-party")


def test_both_pages_load_without_console_errors(page, long_call_page, two_party_page):
    for url in (long_call_page, two_party_page):
        open_report(page, url)
        page.js("bxmlsimReport.setView(1, 5); bxmlsimReport.seek(3)")
        assert page.problems() == []


#: Every visible text of the page whose contrast with what is drawn behind it (the first
#: opaque background up the tree, each colour of a gradient) is under 4.5:1.
LOW_CONTRAST = """(() => {
  const rgb = s => (s.match(/rgba?\\(([^)]+)\\)/g) || []).map(c => c.match(/[\\d.]+/g).map(Number));
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const inside = (a, b) => { const x = (a.left + a.right) / 2, y = (a.top + a.bottom) / 2;
    return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom; };
  const grounds = el => {
    const box = el.getBoundingClientRect();
    for (let n = el; n; n = n.parentElement) {
      if (n !== document.body && n !== document.documentElement &&
          !inside(box, n.getBoundingClientRect())) continue;  // drawn beside it, not on it
      const s = getComputedStyle(n);
      const image = rgb(s.backgroundImage);
      if (image.length) return image;
      const c = rgb(s.backgroundColor)[0];
      if (c && (c.length < 4 || c[3] > 0.5)) return [c];
    }
    return [[255, 255, 255]];
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || !el || el.closest('script, style, [hidden], details:not([open]) > :not(summary)')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') continue;
    const ink = rgb(getComputedStyle(el).color)[0];
    for (const g of grounds(el)) {
      const r = ratio(ink, g);
      if (r < 4.5) { bad.push(t.textContent.trim().slice(0, 30) + ' ' + r.toFixed(2)); break; }
    }
  }
  return bad.slice(0, 20);
})()"""


def test_text_contrast_in_light_and_dark(page, tmp_path):
    """WCAG AA on what Chromium draws, in both schemes, on a failed run with every kind of item
    (bars, marks, hatching, failures, an app traceback, the BXML pane)."""


    result = json.loads((SAMPLE / "result.json").read_text())
    result["passed"] = False
    result["failures"] = [{"message": "expected digits 1234#\ngot 1234", "line": 12,
                           "kind": "expectation", "callId": result["calls"][0]["callId"],
                           "at": 6.0}]
    result["callbacks"][1]["appError"] = {"type": "KeyError", "message": "'x'",
                                          "traceback": "Traceback ...\nKeyError: 'x'"}
    result["callbacks"][1]["status"] = 500
    url = write_report(result, SAMPLE, tmp_path / "failed.html").as_uri()
    for scheme in ("light", "dark"):
        open_report(page, url, height=2400, scheme=scheme)
        page.js("bxmlsimReport.seek(6.0); document.querySelector('#legs .item.verb').click()")
        assert page.js(LOW_CONTRAST) == [], scheme


def test_the_timeline_works_from_the_keyboard(page, sample_page):
    """Tab reaches the timeline and its bars with a visible focus ring; Space plays, Enter on
    a bar selects it."""
    open_report(page, sample_page)
    page.js("[...document.querySelectorAll('#player button, #player input, #player select')]"
            ".pop().focus()")  # the last control of the player; the timeline comes next
    page.key("Tab", "Tab", 9)
    assert page.js("document.activeElement.id") == "legs"
    ring = page.js("getComputedStyle(document.querySelector('#legs')).outlineStyle")
    assert ring != "none"
    page.key(" ", "Space", 32)
    assert page.js("bxmlsimReport.playing()") is True
    page.key(" ", "Space", 32)
    assert page.js("bxmlsimReport.playing()") is False
    page.key("Tab", "Tab", 9)
    focused = page.js("document.activeElement.className")
    assert "item" in focused
    page.key("Enter", "Enter", 13)
    assert "sel" in page.js("document.activeElement.className")
    assert page.js("document.activeElement.getAttribute('aria-label')")
    buttons = page.js("[...document.querySelectorAll('#player button')].map(b => "
                      "b.getAttribute('aria-label'))")
    assert all(buttons) and len(buttons) == 6
