"""End to end in a real browser: `coopx serve`'s app under uvicorn on 127.0.0.1, driven by
Playwright in headless Chromium from Debian's `chromium` package (no browser download).

Skipped with a reason when /usr/bin/chromium or the playwright package is missing
(`apt-get install chromium`; `scripts/install_browser.py` does it where it can).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

CHROMIUM = Path(os.environ.get("COOPX_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: `apt-get install chromium` to run browser tests"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install playwright)")

PRESS_RELEASE = """Klinikum Lindenau und Kreisklinik Bergtal besiegeln Kooperation in der Schlaganfallversorgung

Konstanz, 4. Februar 2025. Das Klinikum Lindenau und die Kreisklinik Bergtal arbeiten künftig in der \
Schlaganfallversorgung eng zusammen. Am 3. Februar 2025 unterzeichneten die Geschäftsführungen beider Häuser einen \
Kooperationsvertrag. Patientinnen und Patienten mit einem akuten Schlaganfall werden in Bergtal rund um die Uhr per \
Telemedizin von den Neurologinnen und Neurologen des Klinikums Lindenau mitbetreut.

„Mit der Kooperation verkürzen wir die Zeit bis zur Therapie deutlich“, sagt Prof. Dr. med. Henrike Vollmer, \
Chefärztin der Neurologie am Klinikum Lindenau. Auch gemeinsame Fortbildungen für das Pflegepersonal sind geplant.
"""


def run_server(settings, pipeline):
    """The real ASGI app under uvicorn in a thread on a free port; yields its base URL."""
    import uvicorn

    from extractor.api import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, pipeline=pipeline), host="127.0.0.1", port=port,
                                        log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(rules_pipeline):
    """Default settings (private URLs refused); the session's rules-only pipeline."""
    from extractor.settings import Settings

    yield from run_server(Settings(model="blank"), rules_pipeline)


@pytest.fixture(scope="module")
def open_server(rules_pipeline):
    """Like `coopx serve --allow-private-urls`: may fetch the local test page."""
    from extractor.settings import Settings

    yield from run_server(Settings(model="blank", allow_private_urls=True, fetch_timeout=5.0, fetch_retries=0), rules_pipeline)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                   args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        except Exception as exc:  # e.g. a chromium too broken to start in this container
            pytest.skip(f"cannot start {CHROMIUM}: {exc}")
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="de-DE")
    pg = context.new_page()
    pg.requests_seen = []
    pg.on("request", lambda req: pg.requests_seen.append(req.url))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def only_local(urls: list[str], server: str) -> list[str]:
    return [u for u in urls if not (u.startswith(server) or u.startswith("blob:") or u.startswith("data:"))]


def test_paste_analyze_highlight_table_evidence_download(page, server):
    shots = Path(tempfile.mkdtemp(prefix="coopx-browser-"))
    page.goto(server + "/")
    page.get_by_role("tab", name="Text einfügen").click()
    page.get_by_label("Text einfügen").fill(PRESS_RELEASE)
    page.get_by_role("button", name="Analysieren").click()
    page.wait_for_selector("#result:not([hidden])")

    # the partners are highlighted in the text
    inst_marks = page.locator("#doc mark.m-inst").all_inner_texts()
    assert "Klinikum Lindenau" in inst_marks and "Kreisklinik Bergtal" in inst_marks
    # the person, her role and the date too, each in its own colour
    assert any("Henrike Vollmer" in t for t in page.locator("#doc mark.m-person").all_inner_texts())
    assert "Chefärztin der Neurologie" in page.locator("#doc mark.m-role").all_inner_texts()
    assert "Am 3. Februar 2025" in page.locator("#doc mark.m-date").all_inner_texts()
    colours = {cls: page.locator(f"#doc mark.{cls}").first.evaluate("e => getComputedStyle(e).backgroundColor")
               for cls in ("m-inst", "m-person", "m-role", "m-date")}
    assert len(set(colours.values())) == 4, colours

    # the cooperation table: one row with both partners, the date and links to the evidence
    page.get_by_role("heading", name="Kooperationen", exact=True).wait_for()
    rows = page.locator("#coops tbody tr")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert "Klinikum Lindenau" in first and "Kreisklinik Bergtal" in first and "03.02.2025" in first  # German dates
    assert "Konfidenz" in first and "Konfidenz" in page.locator("#confidence-note").inner_text()
    people = page.locator("#people tbody tr").first.inner_text()
    assert "Henrike Vollmer" in people and "Prof. Dr. med." in people and "Chefärztin der Neurologie" in people

    # a fact links to its evidence: click -> the sentence is highlighted and scrolled into view
    link = rows.first.locator("a.evlink").last
    key = link.get_attribute("data-target")
    link.click()
    target = page.locator(f'#doc .ev[data-ev~="{key}"]').first
    page.wait_for_function("k => document.querySelector(`#doc .ev.active[data-ev~=\"${k}\"]`)", arg=key)
    time.sleep(0.6)  # smooth scrolling
    assert target.evaluate("e => { const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }")
    page.screenshot(path=str(shots / "result.png"), full_page=True)

    # JSON download
    with page.expect_download() as info:
        page.get_by_role("button", name="JSON herunterladen").click()
    download = info.value
    saved = shots / download.suggested_filename
    download.save_as(saved)
    record = json.loads(saved.read_text(encoding="utf-8"))
    assert download.suggested_filename == f"coopx-{record['id']}.json"
    assert record["is_cooperation"] and record["schema_version"] == "1.0"

    assert not only_local(page.requests_seen, server), "the page must not load anything from outside"
    print(f"screenshot: {shots / 'result.png'}")


def test_error_is_shown(page, server):
    page.goto(server + "/")
    page.get_by_label("Text einfügen").fill("The hospital and the university signed a cooperation agreement on Monday "
                                            "to improve the training of doctors in the region.")
    page.get_by_role("button", name="Analysieren").click()
    status = page.locator("#status.error")
    status.wait_for()
    assert "nicht auf Deutsch" in status.inner_text()  # in German, like the page
    assert page.locator("#result").is_hidden()


def test_url_tab_refuses_private_address_by_default(page, server):
    page.goto(server + "/")
    page.get_by_role("tab", name="URL").click()
    page.get_by_label("URL").fill(server + "/")
    page.get_by_role("button", name="Analysieren").click()
    status = page.locator("#status.error")
    status.wait_for()
    assert "privaten Netz" in status.inner_text()


def test_url_tab_fetches_a_page(page, open_server, httpserver):
    paragraphs = "".join(f"<p>{p}</p>" for p in PRESS_RELEASE.split("\n\n")[1:])
    html = (f"<!doctype html><html><head><title>Schlaganfall: Kooperation besiegelt</title></head><body>"
            f"<nav>Startseite | Presse | Kontakt</nav><article><h1>{PRESS_RELEASE.splitlines()[0]}</h1>{paragraphs}</article>"
            f"<footer>Impressum · Datenschutz</footer></body></html>")
    httpserver.expect_request("/presse/schlaganfall.html").respond_with_data(html, content_type="text/html; charset=utf-8")
    page.goto(open_server + "/")
    page.get_by_role("tab", name="URL").click()
    page.get_by_label("URL").fill(httpserver.url_for("/presse/schlaganfall.html"))
    page.get_by_role("button", name="Analysieren").click()
    page.wait_for_selector("#result:not([hidden])")
    assert "/presse/schlaganfall.html" in page.locator("#source").inner_text()
    assert "Kreisklinik Bergtal" in page.locator("#doc mark.m-inst").all_inner_texts()
    assert "Impressum" not in page.locator("#doc").inner_text()
    assert "Kreisklinik Bergtal" in page.locator("#coops tbody tr").first.inner_text()


def test_docs_render_offline(page, server):
    page.goto(server + "/docs")
    page.get_by_text("/v1/extract/batch").first.wait_for()
    assert page.get_by_text("/v1/analyze").count() >= 1
    assert not only_local(page.requests_seen, server), only_local(page.requests_seen, server)


def test_date_field_takes_german_dates(page, server):
    page.goto(server + "/")
    field = page.get_by_label("Veröffentlicht am")
    assert field.get_attribute("placeholder") == "TT.MM.JJJJ"
    page.get_by_label("Text einfügen").fill(PRESS_RELEASE)
    field.fill("30.02.2025")
    page.get_by_role("button", name="Analysieren").click()
    page.locator("#status.error").wait_for()
    assert "Ungültiges Veröffentlichungsdatum" in page.locator("#status").inner_text()
    field.fill("11.03.2025")
    page.get_by_role("button", name="Analysieren").click()
    page.wait_for_selector("#result:not([hidden])")
    assert "veröffentlicht 11.03.2025" in page.locator("#source").inner_text()
