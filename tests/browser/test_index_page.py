"""The index page of ``run --html`` in a real headless Chromium: sorting and filtering."""

from __future__ import annotations

import pytest

from simulator.report.index import write_index

pytestmark = pytest.mark.browser


def row(name: str, status: str, seconds: float | None, failures: list[str] = ()) -> dict:
    return {"name": name, "where": f"scenarios/{name}.yaml:1", "status": status,
            "seconds": seconds, "calls": 1 if seconds else None, "webhooks": 2,
            "recordings": 0, "failures": len(failures), "messages": list(failures),
            "report": f"{name}/report.html" if seconds else None}


@pytest.fixture(scope="module")
def index_page(tmp_path_factory) -> str:
    rows = [row("voicemail", "passed", 10.5), row("ivr-menu", "failed", 3.25,
                                                   ["line 12: expected digits 1#\ngot 2#"]),
            row("broken", "error", None, ["broken.yaml:3: unknown key"]),
            row("long-call", "passed", 566.0)]
    return write_index(tmp_path_factory.mktemp("index"), rows).as_uri()


def names(page) -> list[str]:
    return page.js("[...document.querySelectorAll('#runs tbody tr')].filter(r => !r.hidden)"
                   ".map(r => r.dataset.name)")


def test_sort_by_a_column_and_back(page, index_page):
    page.open(index_page)
    assert names(page) == ["voicemail", "ivr-menu", "broken", "long-call"]  # run order
    page.click("th[data-key=seconds] button")
    assert names(page) == ["broken", "ivr-menu", "voicemail", "long-call"]
    assert page.js("document.querySelector('th[data-key=seconds]').getAttribute('aria-sort')") \
        == "ascending"
    page.click("th[data-key=seconds] button")
    assert names(page) == ["long-call", "voicemail", "ivr-menu", "broken"]
    page.click("th[data-key=name] button")
    assert names(page) == ["broken", "ivr-menu", "long-call", "voicemail"]
    assert page.js("document.querySelector('th[data-key=seconds]').hasAttribute('aria-sort')") \
        is False
    assert page.problems() == []


def test_filter_by_text_and_status(page, index_page):
    page.open(index_page)
    page.click("#find")
    for ch in "digits":
        page.key(ch)
    assert names(page) == ["ivr-menu"]  # found in its failure text
    assert page.js("document.querySelector('#shown').textContent") == "1 of 4 shown"
    page.js("const f = document.querySelector('#find'); f.value = '';"
            "f.dispatchEvent(new Event('input'))")
    page.js("const s = document.querySelector('#status'); s.value = 'passed';"
            "s.dispatchEvent(new Event('change'))")
    assert names(page) == ["voicemail", "long-call"]
    assert page.js("document.querySelector('a[href=\"long-call/report.html\"]') !== null")
    assert page.problems() == []
