"""The HTTP API (`coopx serve`): every endpoint and every input error, with FastAPI's TestClient.

Pages to fetch are served by pytest-httpserver on 127.0.0.1 (never the internet); the app under
test therefore runs with `allow_private_urls=True`, except in the tests of the URL guard.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from fastapi.testclient import TestClient

from extractor.api import MAX_BATCH, MAX_REQUEST_BYTES, check_url, create_app
from extractor.errors import CoopxError
from extractor.records import Record, json_schema
from extractor.settings import Settings

GOOD = ("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen Kooperationsvertrag "
        "unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärztinnen und Ärzten. „Wir freuen uns auf die "
        "Zusammenarbeit“, sagt Prof. Dr. med. Anna Beispiel, Ärztliche Direktorin des Klinikums Hardenbrück.")
ENGLISH = ("The hospital and the university signed a cooperation agreement on Monday, which will improve the "
           "training of doctors in the region.")
PAGE = (f"<!doctype html><html><head><title>Kooperation besiegelt</title></head><body><nav>Start | Presse | Kontakt</nav>"
        f"<article><h1>Kooperation besiegelt</h1><p>{GOOD}</p><p>{GOOD}</p></article><footer>Impressum</footer></body></html>")

FAST_FETCH = dict(fetch_timeout=1.0, fetch_retries=0, fetch_backoff=0.0)


@pytest.fixture(scope="module")
def client(rules_pipeline):
    settings = Settings(model="blank", allow_private_urls=True, max_input_bytes=200_000, **FAST_FETCH)
    with TestClient(create_app(settings, pipeline=rules_pipeline), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def guarded(rules_pipeline):
    """The default: no fetching from loopback/private/link-local addresses."""
    settings = Settings(model="blank", **FAST_FETCH)
    with TestClient(create_app(settings, pipeline=rules_pipeline), raise_server_exceptions=False) as c:
        yield c


def assert_error(resp, status: int, pattern: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body["detail"], str) and re.search(pattern, body["detail"], re.IGNORECASE), body
    assert "Traceback" not in resp.text
    return body


# -- meta endpoints ------------------------------------------------------------------------
def test_health_loads_pipeline_once_at_startup():
    app = create_app(Settings(model="blank"))
    with TestClient(app) as c:
        pipeline = app.state.service.pipeline
        assert pipeline is not None  # loaded by the lifespan, before any request
        body = c.get("/health").json()
        c.post("/v1/extract", json={"text": GOOD})
        assert app.state.service.pipeline is pipeline  # not per request
    assert body["status"] == "ok"
    assert body["pipeline"]["kind"] == "rules_only" and body["pipeline"]["model"] == "blank:de"
    assert body["max_batch"] == MAX_BATCH and body["max_request_bytes"] == MAX_REQUEST_BYTES
    assert body["schema_version"] == "1.0"


def test_schema(client):
    resp = client.get("/v1/schema")
    assert resp.status_code == 200
    assert resp.json() == json_schema()


def test_openapi_lists_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/extract", "/v1/analyze", "/v1/extract/batch", "/v1/schema", "/health"} <= set(paths)


def test_docs_work_offline(client):
    resp = client.get("/docs")
    assert resp.status_code == 200 and "text/html" in resp.headers["content-type"]
    html = resp.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "docs must not load assets from a CDN"
    assets = re.findall(r"""(?:src|href)=["']?(/[^"'\s>]+)""", html)
    assert assets
    for path in assets:
        asset = client.get(path)
        assert asset.status_code == 200, path
        assert not re.search(rb"""(src|href)=["'](https?:)?//""", asset.content[:200_000]), path
    if "swagger-ui" in html:
        assert "openapi.json" in html and '"validatorUrl": null' in html
    else:  # coopx's own docs page
        assert "/static/docs.js" in assets


def test_docs_fallback_without_swagger_package(monkeypatch, rules_pipeline):
    import builtins

    real_import = builtins.__import__

    def no_swagger(name, *args, **kwargs):
        if name == "swagger_ui_bundle":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_swagger)
    app = create_app(Settings(model="blank"), pipeline=rules_pipeline)
    monkeypatch.undo()
    with TestClient(app) as c:
        resp = c.get("/docs")
        assert resp.status_code == 200 and "/static/docs.js" in resp.text
        assert c.get("/static/docs.js").status_code == 200


def test_web_page_and_assets(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for label in ("Text einfügen", "URL", "Analysieren", "Kooperationen", "Personen", "JSON herunterladen"):
        assert label in page.text
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page.text), "the page must not use a CDN"
    for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", page.text):
        assert client.get(asset).status_code == 200, asset


# -- extraction ----------------------------------------------------------------------------
def test_extract_text(client):
    resp = client.post("/v1/extract", json={"text": GOOD, "published": "2025-06-04", "id": "pm-1"})
    assert resp.status_code == 200, resp.text
    record = Record.model_validate(resp.json())
    assert record.is_cooperation
    assert record.source.id == "pm-1" and record.source.published == "2025-06-04"
    names = {i.name for i in record.institutions}
    assert any("Hardenbrück" in n for n in names) and any("Mühlberg" in n for n in names)


def test_analyze_returns_record_and_cleaned_text(client):
    resp = client.post("/v1/analyze", json={"text": "  " + GOOD + "\r\n"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"record", "text"}
    text, record = body["text"], Record.model_validate(body["record"])
    assert text == GOOD  # the cleaned text: the offsets refer to it
    spans = [s for i in record.institutions for s in i.spans] + [s for p in record.people for s in p.spans]
    spans += [e for c in record.cooperations for e in c.evidence]
    assert spans
    for s in spans:
        assert text[s.start:s.end] == s.text


def test_extract_html(client):
    resp = client.post("/v1/analyze", json={"html": PAGE})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["record"]["source"]["title"] == "Kooperation besiegelt"
    assert "Impressum" not in body["text"] and "Kontakt" not in body["text"]


def test_extract_url(client, httpserver):
    httpserver.expect_request("/presse/kooperation.html").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    url = httpserver.url_for("/presse/kooperation.html")
    resp = client.post("/v1/extract", json={"url": url, "published": "2025-06-04"})
    assert resp.status_code == 200, resp.text
    record = resp.json()
    assert record["source"]["url"] == url
    assert record["source"]["published"] == "2025-06-04"
    assert record["is_cooperation"]


def test_batch(client):
    items = [{"text": GOOD, "id": "a"}, {"text": ""}, {"html": PAGE, "id": "c"}, {"text": ENGLISH}]
    resp = client.post("/v1/extract/batch", json={"items": items})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["ok"] for r in results] == [True, False, True, False]
    assert Record.model_validate(results[0]["record"]).source.id == "a"
    assert results[2]["id"] == "c" and results[2]["record"]["is_cooperation"]
    assert results[1]["error"]["stage"] == "clean" and "empty" in results[1]["error"]["detail"]
    assert results[3]["error"]["stage"] == "language"


def test_batch_limit(client):
    resp = client.post("/v1/extract/batch", json={"items": [{"text": GOOD}] * (MAX_BATCH + 1)})
    assert_error(resp, 422, rf"at most {MAX_BATCH}")
    assert_error(client.post("/v1/extract/batch", json={"items": []}), 422, "items")


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, pattern",
    [
        ({}, "exactly one of 'url', 'text' or 'html'"),
        ({"text": GOOD, "url": "https://example.org/"}, "exactly one"),
        ({"text": GOOD, "colour": "blue"}, "colour"),
        ({"text": 42}, "text"),
        ({"text": GOOD, "published": "gestern"}, "published"),
    ],
)
def test_invalid_request_body(client, body, pattern):
    assert_error(client.post("/v1/extract", json=body), 422, pattern)


def test_not_json(client):
    resp = client.post("/v1/extract", content=b"{text: nope", headers={"content-type": "application/json"})
    assert_error(resp, 422, "not valid JSON")


@pytest.mark.parametrize("text, pattern", [("", "empty"), ("   \n\t ", "empty"), ("Kurz.", "too short")])
def test_empty_text(client, text, pattern):
    body = assert_error(client.post("/v1/extract", json={"text": text}), 422, pattern)
    assert body["stage"] == "clean"


def test_non_german_text(client):
    body = assert_error(client.post("/v1/extract", json={"text": ENGLISH}), 422, "not German")
    assert body["stage"] == "language"


def test_html_without_article(client):
    assert_error(client.post("/v1/extract", json={"html": "<html><body><nav>Menü</nav></body></html>"}), 422, "empty|short")


@pytest.mark.parametrize("url", ["ftp://example.org/pm.txt", "file:///etc/passwd", "javascript:alert(1)", "example.org/pm",
                                 "http://", "http://[::1", "http://example.org:99999/"])
def test_invalid_url(client, url):
    body = assert_error(client.post("/v1/extract", json={"url": url}), 422, "URL")
    assert body["stage"] == "fetch"


def test_unreachable_host(client):
    import socket

    with socket.socket() as sock:  # a free port: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    body = assert_error(client.post("/v1/extract", json={"url": f"http://127.0.0.1:{port}/pm.html"}), 422, "cannot fetch")
    assert body["stage"] == "fetch"


def test_unknown_host(client):
    assert_error(client.post("/v1/extract", json={"url": "http://coopx-test.invalid/pm.html"}), 422, "cannot fetch|not found")


def test_timeout(client, httpserver):
    finished = threading.Event()

    def slow(request):
        time.sleep(2.5)  # well past the 1 s fetch timeout
        from werkzeug import Response

        finished.set()
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    assert_error(client.post("/v1/extract", json={"url": httpserver.url_for("/slow")}), 422, "timed out")
    assert time.monotonic() - started < 2.3  # the timeout, not the slow page, ended the request
    # the test server is single-threaded: let the slow handler finish before the next test's requests
    assert finished.wait(10)


def test_non_html_content(client, httpserver):
    httpserver.expect_request("/pm.pdf").respond_with_data(b"%PDF-1.7 \x00\x01", content_type="application/pdf")
    assert_error(client.post("/v1/extract", json={"url": httpserver.url_for("/pm.pdf")}), 422, "not an HTML")


def test_http_error_status(client, httpserver):
    httpserver.expect_request("/gone").respond_with_data("weg", status=404)
    assert_error(client.post("/v1/extract", json={"url": httpserver.url_for("/gone")}), 422, "404")


def test_fetched_page_too_large(client, httpserver):
    big = "<html><body><article>" + "<p>" + GOOD * 2 + "</p>" * 1 + ("x" * 250_000) + "</article></body></html>"
    httpserver.expect_request("/big").respond_with_data(big, content_type="text/html")
    assert_error(client.post("/v1/extract", json={"url": httpserver.url_for("/big")}), 422, "larger than")


def test_request_body_too_large(client):
    text = "Kooperation " * (MAX_REQUEST_BYTES // 12 + 10)
    resp = client.post("/v1/extract", json={"text": text})
    body = assert_error(resp, 413, "too large")
    assert str(MAX_REQUEST_BYTES) in body["detail"]


def test_request_body_too_large_without_content_length(client):
    def chunks():
        yield b'{"text": "'
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b"a" * 65536
        yield b'"}'

    resp = client.post("/v1/extract", content=chunks(), headers={"content-type": "application/json"})
    assert_error(resp, 413, "too large")


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/pm.html", "http://localhost:{port}/pm.html",
                                 "http://[::1]:{port}/pm.html", "http://169.254.169.254/latest/meta-data/",
                                 "http://10.0.0.1/pm.html", "http://192.168.1.1/pm.html", "http://0.0.0.0:{port}/"])
def test_private_urls_refused_by_default(guarded, httpserver, url):
    httpserver.expect_request("/pm.html").respond_with_data(PAGE, content_type="text/html")
    resp = guarded.post("/v1/extract", json={"url": url.format(port=httpserver.port)})
    body = assert_error(resp, 422, "refus|non-public|private|loopback|link-local")
    assert body["stage"] == "fetch"
    assert not any(req.path == "/pm.html" for req, _ in httpserver.log), "the server must not even connect"


def test_check_url_allows_private_when_asked():
    check_url("http://127.0.0.1:8000/x", Settings(allow_private_urls=True))
    with pytest.raises(CoopxError):
        check_url("http://127.0.0.1:8000/x", Settings())
    with pytest.raises(CoopxError):
        check_url("gopher://example.org/", Settings(allow_private_urls=True))


def test_check_url_refuses_non_public_hosts_by_default():
    """The server's guard is the fetcher's: loopback, private and link-local hosts need the flag."""
    for url in ("http://127.0.0.1/x", "http://localhost/x", "http://10.1.2.3/x", "http://169.254.169.254/x", "http://[::1]/x"):
        with pytest.raises(CoopxError, match="refusing"):
            check_url(url, Settings())
        check_url(url, Settings(allow_private_urls=True))
    with pytest.raises(CoopxError, match="cannot resolve"):
        check_url("http://coopx-test.invalid/", Settings())


def test_unexpected_error_is_clean_500(rules_pipeline, caplog):
    class Broken:
        info = rules_pipeline.info
        settings = rules_pipeline.settings

        def extract_clean(self, doc):
            raise RuntimeError("secret internal detail")

    with TestClient(create_app(Settings(model="blank"), pipeline=Broken()), raise_server_exceptions=False) as c:
        resp = c.post("/v1/extract", json={"text": GOOD})
        batch = c.post("/v1/extract/batch", json={"items": [{"text": GOOD}]})
    body = assert_error(resp, 500, "internal")
    assert "secret" not in resp.text and "RuntimeError" not in resp.text
    assert body == {"detail": "internal server error", "stage": "server"}
    assert "secret internal detail" in caplog.text  # logged server-side
    assert batch.status_code == 200
    assert batch.json()["results"][0]["ok"] is False and "secret" not in batch.text


def test_unknown_route_is_json_404(client):
    resp = client.get("/v1/nothing")
    assert resp.status_code == 404 and resp.json() == {"detail": "Not Found"}
    assert client.get("/v1/extract").status_code == 405


def test_slow_fetches_never_hold_up_health_or_text_requests(rules_pipeline, make_httpserver):
    """45 requests for a page that trickles (more than the 40 threads of FastAPI's pool): /health
    and a text request still answer at once; every fetch ends by its deadline (422) or, finding
    all fetch slots busy for that long, with 503."""
    from werkzeug.wrappers import Response

    stop = threading.Event()

    def trickle(request):
        def body():
            yield b"<html><body>"
            while not stop.wait(0.1):
                yield b" "

        return Response(body(), content_type="text/html")

    make_httpserver.expect_request("/trickle").respond_with_handler(trickle)
    url = make_httpserver.url_for("/trickle")
    settings = Settings(model="blank", allow_private_urls=True, fetch_timeout=1.0, fetch_deadline=1.0,
                        fetch_retries=0, api_max_fetches=4)
    statuses: list[int] = []
    try:
        with TestClient(create_app(settings, pipeline=rules_pipeline), raise_server_exceptions=False) as c:
            threads = [threading.Thread(target=lambda: statuses.append(c.post("/v1/extract", json={"url": url}).status_code))
                       for _ in range(45)]
            for t in threads:
                t.start()
            time.sleep(0.3)
            started = time.monotonic()
            assert c.get("/health").status_code == 200
            health_s = time.monotonic() - started
            started = time.monotonic()
            assert c.post("/v1/extract", json={"text": GOOD}).status_code == 200
            text_s = time.monotonic() - started
            for t in threads:
                t.join(30)
    finally:
        stop.set()
    assert health_s < 0.5 and text_s < 2.0, (health_s, text_s)
    assert len(statuses) == 45 and set(statuses) <= {422, 503}, statuses


def test_json_is_utf8(client):
    resp = client.post("/v1/extract", json={"text": GOOD})
    assert "Mühlberg" in resp.content.decode("utf-8") or "M\\u00fchlberg" in resp.text
    json.loads(resp.content)


# -- hardening (issue #11): never a 500 for odd input ------------------------------------------------
DEEP = "<html><body>" + "<div>" * 400 + f"<p>{GOOD}</p><p>{GOOD}</p>" + "</div>" * 400 + "</body></html>"


@pytest.mark.parametrize("body", [
    {"text": GOOD + " \ud800"}, {"text": "\ud800"}, {"text": GOOD, "id": "\ud800"}, {"html": PAGE + "\udcff"},
    {"url": "http://exa\ud800mple.org/"}, {"text": GOOD, "published": "\ud800"}, {"text": GOOD, "\ud800": 1},
    {"html": DEEP}, {"text": "\x00" * 100},
])
def test_odd_characters_give_a_record_or_a_4xx(client, body):
    for path in ("/v1/extract", "/v1/analyze"):
        resp = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
        assert resp.status_code == 200 or 400 <= resp.status_code < 500, resp.text
        json.loads(resp.content)
    batch = client.post("/v1/extract/batch", content=json.dumps({"items": [body, {"text": GOOD}]}),
                        headers={"content-type": "application/json"})
    assert batch.status_code in (200, 422), batch.text
    if batch.status_code == 200:
        assert batch.json()["results"][1]["ok"]


def test_deep_html_gives_its_record(client):
    assert client.post("/v1/extract", json={"html": DEEP}).json()["is_cooperation"]


@pytest.mark.parametrize("published", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-13", "9999-12-31", "0001-01-01"])
def test_impossible_dates_are_422(client, published):
    text = "Heute haben das Klinikum Hardenbrück und die Universität Mühlberg einen Kooperationsvertrag unterzeichnet."
    body = assert_error(client.post("/v1/extract", json={"text": text, "published": published}), 422, "publication date")
    assert body["stage"] == "request"


def test_german_dates_are_accepted_and_sent_on_as_iso(client):
    for published in ("11.03.2025", "11. März 2025"):
        resp = client.post("/v1/extract", json={"text": GOOD, "published": published})
        assert resp.status_code == 200 and resp.json()["source"]["published"] == "2025-03-11"


@pytest.mark.parametrize("charset", ["undefined", "punycode"])
def test_pages_with_charsets_of_no_real_charset(client, httpserver, charset):
    httpserver.expect_request(f"/{charset}").respond_with_data(
        PAGE.replace("<head>", f'<head><meta charset="{charset}">').encode("utf-8"),
        content_type=f"text/html; charset={charset}")
    resp = client.post("/v1/extract", json={"url": httpserver.url_for(f"/{charset}")})
    assert resp.status_code == 200, resp.text
    assert any("Mühlberg" in i["name"] for i in resp.json()["institutions"])
