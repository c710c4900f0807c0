"""The archive report in a real browser: `coopx report`'s file and `coopx serve --store`'s Archiv
page in headless Chromium from Debian's package (Playwright, no browser download): nodes, edges
and the timeline render without console errors or outside requests, clicks and filters work,
and the search box finds organisations. Skipped like tests/test_browser.py when Chromium or
playwright is missing."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from extractor.settings import Settings
from tests.test_archive_report import report_file, store  # noqa: F401  (fixtures)
from tests.test_browser import CHROMIUM, browser, only_local, run_server  # noqa: F401  (browser is a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: `apt-get install chromium` to run browser tests"),
]


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="de-DE")
    page = context.new_page()
    page.problems, page.requests_seen = [], []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    page.on("request", lambda r: page.requests_seen.append(r.url))
    page.set_default_timeout(20_000)
    page.goto(url)
    page.wait_for_function("window.coopxReport && coopxReport.nodes.length > 0")
    return page


def click_node(page, entity_id: str) -> None:
    """A real mouse click on the node's position on the canvas."""
    page.wait_for_function("document.body.dataset.stable === '1'", timeout=30_000)
    pos = page.evaluate("""id => { const n = coopxReport.network; n.focus(id, {scale: 1.5});
        const p = n.getPositions([id])[id]; const d = n.canvasToDOM(p);
        const r = document.querySelector('#network canvas').getBoundingClientRect();
        return {x: r.left + d.x, y: r.top + d.y}; }""", entity_id)
    page.mouse.click(pos["x"], pos["y"])


def test_report_renders_and_answers_clicks(browser, report_file):  # noqa: F811
    page = open_page(browser, report_file.as_uri())
    counts = page.evaluate("[coopxReport.nodes.length, coopxReport.edges.length, "
                           "document.querySelectorAll('#timeline circle').length, "
                           "document.querySelectorAll('#top tbody tr').length]")
    assert all(n > 0 for n in counts), counts
    ukt = page.evaluate("coopxReport.nodes.get({filter: n => n.label === 'Universitätsklinikum Talberg'})[0].id")
    click_node(page, ukt)
    details = page.locator("#details")
    details.get_by_text("Partner (1)").wait_for()
    assert "Kreisklinik Bergtal" in details.inner_text() and "Zeitleiste (4)" in details.inner_text()
    pair = page.evaluate("id => coopxReport.edges.getIds().find(e => e.includes(id))", ukt)
    page.evaluate("id => coopxReport.showPair(id)", pair)
    evidence = details.locator("blockquote")
    assert evidence.count() == 4 and "Uniklinik Talberg" in details.inner_text()
    assert details.locator("a[href^='https://www.bergtal-kurier.example/']").count() >= 1
    shots = Path(tempfile.mkdtemp(prefix="coopx-archive-"))
    page.screenshot(path=str(shots / "report.png"), full_page=True)
    before = page.evaluate("coopxReport.edges.length")
    page.select_option("#f-type", "education")
    page.wait_for_function("n => coopxReport.edges.length < n", arg=before)
    page.select_option("#f-type", "")
    page.select_option("#f-year", "2024")
    assert page.evaluate("coopxReport.nodes.length") > 0
    shown = """kind => { const kinds = new Map(JSON.parse(document.getElementById('coopx-data').textContent).nodes
                                              .map(n => [n.id, n.kind]));
        const coops = [...coopxReport.pairs().values()].flatMap(p => p.coops);
        return [coops.length, coops.filter(c => c.partners.some(id => kinds.get(id) === kind)).length]; }"""
    year_only = page.evaluate(shown, "university")
    page.select_option("#f-kind", "university")
    with_kind = page.evaluate(shown, "university")
    # every cooperation still drawn has a university among its partners, and others were hidden
    assert 0 < with_kind[0] == with_kind[1] < year_only[0], (year_only, with_kind)
    assert not page.problems, page.problems
    assert all(u.startswith(("file:", "data:", "blob:")) for u in page.requests_seen), page.requests_seen
    print(f"screenshot: {shots / 'report.png'}")


def test_serve_archive_page_with_search(browser, store, rules_pipeline, monkeypatch):  # noqa: F811
    import extractor.api
    from extractor.api import create_app

    monkeypatch.setattr(extractor.api, "create_app", lambda settings, pipeline: create_app(settings, pipeline, store=store))
    server = run_server(Settings(model="blank"), rules_pipeline)
    base = next(server)
    try:
        page = open_page(browser, base + "/archiv")
        page.get_by_label("Organisation suchen").fill("Kreisklinik Berg")
        hit = page.locator("#search-results li").first
        hit.wait_for()
        assert "Kreisklinik Bergtal" in hit.inner_text()
        hit.click()
        page.locator("#details h3", has_text="Kreisklinik Bergtal").wait_for()
        time.sleep(0.3)
        assert "Universitätsklinikum Talberg" in page.locator("#details").inner_text()
        assert not page.problems, page.problems
        assert not only_local(page.requests_seen, base), only_local(page.requests_seen, base)
    finally:
        next(server, None)
