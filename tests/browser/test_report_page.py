"""The report page in a real headless Chromium: loads cleanly, fits a laptop, works by keyboard."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from simulator.report import load_result, write_report

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).parent.parent / "data" / "sample_result"
VERB_FILL = (0xDB, 0xE7, 0xFB)       # .verb background in report.css
RECORDING_FILL = (0x1E, 0x6B, 0x34)  # .recording background in report.css


def test_page_loads_without_console_errors(page, sample_page):
    """No console error or warning, no exception, no blocked fetch (the CSP would log one)."""
    page.open(sample_page)
    assert page.js("document.readyState") == "complete"
    assert page.js("document.querySelectorAll('#timeline .item').length") > 10
    assert page.problems() == []


def test_timeline_fits_a_laptop_screen(page, sample_page):
    """At 1366 px wide nothing scrolls sideways and the first call's timeline is above 768 px."""
    page.open(sample_page)
    assert page.js("document.documentElement.scrollWidth") <= 1366
    assert page.js("document.querySelector('.leg').getBoundingClientRect().bottom") <= 768
    # every bar and mark sits inside its track
    outside = page.js("""[...document.querySelectorAll('.track')].flatMap(t => {
        const box = t.getBoundingClientRect();
        return [...t.querySelectorAll('.item')].filter(i => {
          const r = i.getBoundingClientRect();
          return r.left < box.left - 1 || r.right > box.right + 1; }).map(i => i.textContent); })""")
    assert outside == []


def test_webhook_details_open_from_the_keyboard(page, sample_page):
    """A webhook's summary takes focus and Enter opens its payload."""
    page.open(sample_page)
    assert page.js("document.querySelector('#cb-1').open") is False
    page.js("document.querySelector('#cb-1 summary').focus()")
    assert page.js("document.activeElement === document.querySelector('#cb-1 summary')")
    for kind in ("keyDown", "keyUp"):
        page.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                  windowsVirtualKeyCode=13, text="\r" if kind == "keyDown" else "")
    assert page.js("document.querySelector('#cb-1').open") is True


def test_a_link_to_a_webhook_opens_it(page, sample_page):
    """A timeline mark of a webhook selects it; the selection's link opens that webhook."""
    page.open(sample_page)
    page.js("document.querySelector('#timeline a.webhook[href=\"#cb-2\"]').click()")
    assert page.js("location.hash") == ""
    page.js("document.querySelector('#selection a[href=\"#cb-2\"]').click()")
    assert page.js("location.hash") == "#cb-2"
    assert page.js("document.querySelector('#cb-2').open") is True
    assert page.problems() == []


def test_without_javascript_the_timeline_still_reads(page, sample_page):
    """With scripts off the player stays hidden, every bar and mark is drawn in the track, and
    a mark's link leads to its step or webhook."""
    page.send("Emulation.setScriptExecutionDisabled", value=True)
    page.open(sample_page)
    assert page.js("document.querySelector('#player').hidden") is True
    assert page.js("document.documentElement.classList.contains('js')") is False
    sizes = page.js("[...document.querySelectorAll('#timeline .item')].map(a => "
                    "a.getBoundingClientRect().width)")
    assert len(sizes) > 10 and all(w > 0 for w in sizes)
    page.js("document.querySelector('#timeline a.webhook[href=\"#cb-2\"]').click()")
    assert page.js("location.hash") == "#cb-2"


def test_embedded_audio_plays_from_the_page(page, sample_page):
    """The data: URI decodes in the browser to the recording's duration."""
    page.open(sample_page)
    seconds = page.js("""new Promise((resolve, reject) => {
        const a = document.querySelector('audio');
        if (a.readyState >= 1) return resolve(a.duration);
        a.addEventListener('loadedmetadata', () => resolve(a.duration));
        a.addEventListener('error', () => reject(new Error('audio error ' + a.error.code)));
        a.load(); })""")
    expected = load_result(SAMPLE / "result.json")["recordings"][0]["duration"]
    assert seconds == pytest.approx(expected, abs=0.01)


def _pixels_near(image, colour, tolerance=3) -> int:
    return sum(n for n, c in image.getcolors(1 << 24)
               if all(abs(a - b) <= tolerance for a, b in zip(c[:3], colour)))


def test_screenshot_shows_the_timeline(page, sample_page):
    """A screenshot is a full-size, many-coloured picture with verb and recording bars."""


    page.open(sample_page)
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    assert image.size == (1366, 900)
    colours = image.getcolors(1 << 24)
    assert len(colours) > 50                       # not a blank or single-colour page
    assert max(n for n, _ in colours) < 0.95 * 1366 * 900
    assert _pixels_near(image, VERB_FILL) > 2000  # verb bars are drawn
    assert _pixels_near(image, RECORDING_FILL) > 2000


#: Pairs of labels of one lane whose boxes overlap, as drawn (no script: the page's own layout).
OVERLAPS = """(() => {
  const bad = [], eps = 0.5;
  for (const track of document.querySelectorAll('#legs .lane:not(.axis) .track')) {
    const boxes = [...track.querySelectorAll('.item .lbl')].map(l => [l.textContent,
      l.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (ra.left < rb.right - eps && rb.left < ra.right - eps &&
          ra.top < rb.bottom - eps && rb.top < ra.bottom - eps) bad.push(a + ' / ' + b);
    }
  }
  return bad;
})()"""


@pytest.mark.parametrize("scenario", ["qa-recording-pause", "voicemail-pound"])
def test_without_javascript_labels_stay_apart_beside_the_bxml_pane(page, tmp_path, scenario):
    """At 1366 px the BXML pane takes its column beside the timeline; the page's own layout
    (layout.py, estimated widths) still keeps the labels of a lane apart."""
    from simulator.api import run_scenario

    repo = Path(__file__).resolve().parents[2]
    result = run_scenario(repo / "scenarios" / f"{scenario}.scenario.yaml", tmp_path).to_json()
    url = write_report(result, tmp_path, tmp_path / "report.html").as_uri()
    page.send("Emulation.setDeviceMetricsOverride", width=1366, height=900,
              deviceScaleFactor=1, mobile=False)
    page.send("Emulation.setScriptExecutionDisabled", value=True)
    page.open(url)
    assert page.js("document.documentElement.classList.contains('js')") is False
    assert page.js(OVERLAPS) == []


@pytest.mark.parametrize("width", [1024, 1366])
def test_the_page_never_scrolls_sideways(page, two_party_page, width):
    """The two-party call's page (the Calls table has long ids and ISO times) fits the width."""
    page.send("Emulation.setDeviceMetricsOverride", width=width, height=900,
              deviceScaleFactor=1, mobile=False)
    page.open(two_party_page)
    assert page.js("document.documentElement.scrollWidth") <= width
