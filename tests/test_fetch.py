"""Fetching URLs: served from a local HTTP server on 127.0.0.1 (no internet), tiny timeouts."""

from __future__ import annotations

import time

import pytest
from werkzeug.wrappers import Response

from extractor import fetch as fetching
from extractor.clean import clean
from extractor.errors import CoopxError
from extractor.fetch import check_url_allowed, fetch
from extractor.settings import Settings

pytest.importorskip("pytest_httpserver")

S = Settings(model="blank", allow_private_urls=True, fetch_timeout=0.5, fetch_retries=1, fetch_backoff=0.01,
             max_input_bytes=50_000)
ARTICLE = ("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen "
           "Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärztinnen und Ärzten.")
PAGE = (f"<html><head><title>Kooperation besiegelt</title><meta charset='utf-8'></head><body>"
        f"<nav><a href='/'>Startseite</a> | <a href='/kontakt'>Kontakt</a> | Impressum und Datenschutz</nav>"
        f"<article><h1>Kooperation besiegelt</h1><p>{ARTICLE}</p><p>{ARTICLE}</p></article>"
        f"<footer>Alle Rechte vorbehalten. Cookie-Einstellungen ändern.</footer></body></html>")


def test_page_with_boilerplate_is_fetched_and_cleaned(httpserver):
    httpserver.expect_request("/news").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    raw = fetch(httpserver.url_for("/news"), S)
    assert raw.content_type == "html" and raw.url == httpserver.url_for("/news") and raw.fetched
    doc = clean(raw, S)
    assert "Universitätsklinikum Mühlberg" in doc.text
    assert "Cookie-Einstellungen" not in doc.text and "Startseite" not in doc.text
    assert doc.title == "Kooperation besiegelt"


def test_user_agent_is_sent(httpserver):
    httpserver.expect_request("/ua", headers={"User-Agent": S.user_agent}).respond_with_data(
        PAGE, content_type="text/html")
    assert fetch(httpserver.url_for("/ua"), S).content


def test_redirects_are_followed_and_limited(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/middle"})
    httpserver.expect_request("/middle").respond_with_data("", status=302, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(PAGE, content_type="text/html")
    raw = fetch(httpserver.url_for("/old"), S)
    assert raw.url == httpserver.url_for("/new") and raw.origin == httpserver.url_for("/old")
    httpserver.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(CoopxError, match="redirects"):
        fetch(httpserver.url_for("/loop"), S)


@pytest.mark.parametrize("status", [404, 410])
def test_client_errors_are_not_retried(httpserver, status):
    httpserver.expect_request("/gone").respond_with_data("nope", status=status)
    with pytest.raises(CoopxError, match=f"HTTP {status}") as exc:
        fetch(httpserver.url_for("/gone"), S)
    assert exc.value.stage == "fetch"
    assert [req.path for req, _ in httpserver.log if req.path == "/gone"] == ["/gone"]  # one attempt


def test_server_errors_are_retried(httpserver):
    calls = []

    def flaky(request):
        calls.append(1)
        return Response("busy", status=503) if len(calls) == 1 else Response(PAGE, content_type="text/html")

    httpserver.expect_request("/flaky").respond_with_handler(flaky)
    assert fetch(httpserver.url_for("/flaky"), S).content
    assert len(calls) == 2
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    with pytest.raises(CoopxError, match=r"HTTP 500.*after 2 attempts"):
        fetch(httpserver.url_for("/down"), S)


def test_slow_response_times_out(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(CoopxError, match="timed out"):
        fetch(httpserver.url_for("/slow"), S.with_(fetch_timeout=0.2, fetch_retries=0))
    assert time.monotonic() - started < 2


def test_huge_page_hits_the_size_limit(httpserver):
    big = "<html><body>" + "<p>Daten und Fakten</p>" * 10_000 + "</body></html>"
    httpserver.expect_request("/huge").respond_with_data(big, content_type="text/html")
    with pytest.raises(CoopxError, match="larger than the limit"):
        fetch(httpserver.url_for("/huge"), S)

    def chunked(request):  # no Content-Length: the limit applies while streaming
        return Response((("<p>" + "x" * 1000 + "</p>") for _ in range(200)), content_type="text/html")

    httpserver.expect_request("/stream").respond_with_handler(chunked)
    with pytest.raises(CoopxError, match="larger than the limit"):
        fetch(httpserver.url_for("/stream"), S)


def test_non_html_content_type_is_refused(httpserver):
    httpserver.expect_request("/file.pdf").respond_with_data(b"%PDF-1.4 ...", content_type="application/pdf")
    with pytest.raises(CoopxError, match="content type application/pdf"):
        fetch(httpserver.url_for("/file.pdf"), S)


def test_plain_text_is_accepted(httpserver):
    httpserver.expect_request("/a.txt").respond_with_data(ARTICLE, content_type="text/plain; charset=utf-8")
    raw = fetch(httpserver.url_for("/a.txt"), S)
    assert raw.content_type == "text" and clean(raw, S).text == ARTICLE


def test_charset_from_header_meta_and_wrong_labels(httpserver):
    latin = PAGE.replace("charset='utf-8'", "charset='windows-1252'").encode("cp1252")
    # header says UTF-8, bytes are Windows-1252 as the <meta> says
    httpserver.expect_request("/wrong").respond_with_data(latin, content_type="text/html; charset=utf-8")
    assert "Universitätsklinikum Mühlberg" in fetch(httpserver.url_for("/wrong"), S).content
    # header says ISO-8859-1 and is right; no <meta>
    plain = PAGE.replace("<meta charset='utf-8'>", "").encode("iso-8859-1")
    httpserver.expect_request("/latin").respond_with_data(plain, content_type="text/html; charset=ISO-8859-1")
    assert "Ärztinnen" in fetch(httpserver.url_for("/latin"), S).content
    # header says ISO-8859-1 but the bytes are UTF-8 (a common mislabelling)
    httpserver.expect_request("/mislabel").respond_with_data(PAGE.encode(), content_type="text/html; charset=iso-8859-1")
    assert "Ärztinnen" in fetch(httpserver.url_for("/mislabel"), S).content
    # no charset anywhere, Windows-1252 bytes
    httpserver.expect_request("/none").respond_with_data(plain, content_type="text/html")
    assert "Mühlberg" in fetch(httpserver.url_for("/none"), S).content


def test_only_http_and_https():
    for url in ("ftp://example.org/a.html", "file:///etc/passwd", "javascript:alert(1)"):
        with pytest.raises(CoopxError, match="only http and https"):
            check_url_allowed(url, S)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8080/x", "http://10.0.0.7/", "http://192.168.1.1/", "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://[fe80::1]/", "http://[::ffff:10.0.0.1]/",
    "http://0.0.0.0/", "http://100.64.0.1/",
])
def test_private_addresses_are_refused_by_default(url):
    with pytest.raises(CoopxError, match="non-public address"):
        check_url_allowed(url, Settings())
    check_url_allowed(url, Settings(allow_private_urls=True))  # allowed on request


def test_public_address_literal_is_allowed():
    check_url_allowed("https://93.184.215.14/page", Settings())  # an IP literal: no DNS needed


def test_private_url_refused_in_fetch(httpserver):
    httpserver.expect_request("/x").respond_with_data(PAGE, content_type="text/html")
    with pytest.raises(CoopxError, match="non-public"):
        fetch(httpserver.url_for("/x"), Settings())
    assert not any(req.path == "/x" for req, _ in httpserver.log)  # refused before any request


def test_redirect_to_a_private_address_is_refused(httpserver, monkeypatch):
    # Pretend the test server's 127.0.0.1 is public; the redirect target 10.0.0.1 is not.
    monkeypatch.setattr(fetching, "is_public_address", lambda address: address == "127.0.0.1")
    httpserver.expect_request("/go").respond_with_data("", status=302, headers={"Location": "http://10.0.0.1/admin"})
    with pytest.raises(CoopxError, match="non-public address"):
        fetch(httpserver.url_for("/go"), Settings(fetch_timeout=0.5))
