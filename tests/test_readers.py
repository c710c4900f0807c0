"""Readers: folders, gzip, WARC (written here with warcio), JSONL dumps, URL lists and stdin."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pytest

from extractor.documents import PendingURL, RawDocument, Skip
from extractor.readers import estimate, load, read, read_all
from extractor.settings import Settings

S = Settings(model="blank", allow_private_urls=True, fetch_timeout=0.5, fetch_retries=0)
ARTICLE = ("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen "
           "Kooperationsvertrag unterzeichnet.")
PAGE = f"<html><head><title>T</title></head><body><article><p>{ARTICLE}</p></article></body></html>"


def items(source, **kw):
    return list(read(str(source), S, **kw))


# -- files and folders ------------------------------------------------------------------------
def test_folder_is_read_recursively_in_order(tmp_path):
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "sub" / "c.htm").write_text(PAGE, encoding="utf-8")
    (tmp_path / "sub" / "deeper" / "d.txt.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (tmp_path / "sub" / "e.html.gz").write_bytes(gzip.compress(PAGE.encode()))
    (tmp_path / "sub" / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "sub" / "dump.jsonl").write_text('{"text": "x"}\n')  # containers are not opened in folders
    (tmp_path / ".hidden" / "x.txt").write_text(ARTICLE)
    docs = items(tmp_path)
    assert all(isinstance(d, RawDocument) for d in docs)
    assert [d.id for d in docs] == ["a", "b", "c", "e", "d"]  # a folder's files (sorted), then its subfolders
    assert [d.content_type for d in docs] == [None, "html", "html", "html", None]
    assert docs[4].content == ARTICLE.encode() and docs[4].origin.endswith("d.txt.gz")
    assert docs[3].content == PAGE.encode()
    assert estimate(str(tmp_path)) == 5


def test_missing_and_corrupt_files_are_skips(tmp_path):
    [missing] = items(tmp_path / "nope.txt")
    assert isinstance(missing, Skip) and "no such file" in missing.reason and missing.stage == "read"
    bad = tmp_path / "bad.html.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    [skip] = items(bad)
    assert isinstance(skip, Skip) and "gzip" in skip.reason


def test_exclude_passes_over_files_without_reading(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(ARTICLE)
    docs = items(tmp_path, exclude=lambda origin: origin.endswith("a.txt"))
    assert [d.id for d in docs] == ["b"]


# -- WARC ---------------------------------------------------------------------------------------
def write_warc(path, *, gz=True):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)

        def response(uri, body: bytes, ctype: str, status: str = "200 OK"):
            http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            rec = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http,
                                            warc_headers_dict={"WARC-Date": "2024-05-01T10:00:00Z"})
            writer.write_record(rec)

        writer.write_record(writer.create_warc_record("https://example.org/a", "request",
                                                      payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")))
        response("https://example.org/a", PAGE.encode("utf-8"), "text/html; charset=utf-8")
        response("https://example.org/logo.png", b"\x89PNG....", "image/png")
        response("https://example.org/missing", b"<html>not found</html>", "text/html", "404 Not Found")
        response("https://example.org/b", PAGE.replace("Mühlberg", "Lübeck").encode("iso-8859-1"),
                 "text/html; charset=iso-8859-1")
        response("https://example.org/c.txt", ARTICLE.encode(), "text/plain")


@pytest.mark.parametrize("name, gz", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_warc_html_responses_become_documents(tmp_path, name, gz):
    path = tmp_path / name
    write_warc(path, gz=gz)
    docs = items(path)
    assert [d.url for d in docs] == ["https://example.org/a", "https://example.org/b", "https://example.org/c.txt"]
    assert all(isinstance(d, RawDocument) and d.fetched == "2024-05-01T10:00:00Z" for d in docs)
    assert "Mühlberg" in docs[0].content and "Lübeck" in docs[1].content  # the record's charset is honoured
    assert [d.content_type for d in docs] == ["html", "html", "text"]
    assert all(d.origin.startswith(f"{path}@") and d.id.startswith("urn:uuid:") for d in docs)
    assert len({d.origin for d in docs}) == 3
    # offsets are stable: reading again gives the same origins, and exclude works on them
    again = items(path, exclude=lambda o: o == docs[0].origin)
    assert [d.origin for d in again] == [d.origin for d in docs[1:]]


@pytest.mark.parametrize("data", [b"this is not a warc file at all\r\n\r\n", bytes(range(256)) * 3])
def test_broken_warc_is_one_skip(tmp_path, data):
    path = tmp_path / "broken.warc.gz"
    path.write_bytes(data)
    [skip] = items(path)
    assert isinstance(skip, Skip) and "WARC" in skip.reason and skip.stage == "read"


# -- JSONL ------------------------------------------------------------------------------------
def test_jsonl_rows(tmp_path):
    path = tmp_path / "dump.jsonl"
    rows = [
        {"id": "n1", "url": "https://example.org/1", "text": ARTICLE, "published": "2025-06-03"},
        {"id": 7, "html": PAGE},
        {"text": ARTICLE},
        "not an object",
        {"id": "n4", "title": "no content"},
        {"id": "n1", "text": ARTICLE + " Noch einmal."},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n{broken json\n", encoding="utf-8")
    got = items(path)
    assert [type(g).__name__ for g in got] == ["RawDocument", "RawDocument", "RawDocument", "Skip", "Skip",
                                               "RawDocument", "Skip"]
    a, b, c, not_obj, no_text, dup_id, broken = got
    assert (a.id, a.origin, a.published, a.url, a.content_type) == ("n1", f"{path}#n1", "2025-06-03",
                                                                   "https://example.org/1", "text")
    assert (b.id, b.content_type, b.origin) == ("7", "html", f"{path}#7")
    assert c.id is None and c.origin == f"{path}:3"
    assert "object" in not_obj.reason and "'text' or 'html'" in no_text.reason and no_text.id == "n4"
    assert dup_id.origin == f"{path}:6" and dup_id.id == "n1"  # a repeated id falls back to the line number
    assert "invalid JSON" in broken.reason and broken.origin == f"{path}:8"
    gz = tmp_path / "dump.jsonl.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert [g.id for g in items(gz)] == [g.id for g in got]


# -- URL lists and stdin -------------------------------------------------------------------------
def test_url_list_files(tmp_path):
    urls = tmp_path / "pages.urls"
    urls.write_text("# today's pages\nhttps://example.org/a\n\nhttp://example.org/b\nnot a url\n", encoding="utf-8")
    got = items(urls, fetch_urls=False)
    assert got[:2] == [PendingURL("https://example.org/a", "https://example.org/a"),
                       PendingURL("http://example.org/b", "http://example.org/b")]
    assert isinstance(got[2], Skip) and got[2].origin == f"{urls}:5" and "not an http(s) URL" in got[2].reason
    txt = tmp_path / "list.txt"
    txt.write_text("https://example.org/a\nhttps://example.org/c\n")
    assert [g.url for g in items(txt, fetch_urls=False)] == ["https://example.org/a", "https://example.org/c"]
    prose = tmp_path / "prose.txt"
    prose.write_text("https://example.org/a\nDas ist ein Text mit einem Link.\n")
    [doc] = items(prose, fetch_urls=False)
    assert isinstance(doc, RawDocument) and doc.id == "prose"


def test_single_url_argument(tmp_path):
    assert items("https://example.org/x", fetch_urls=False) == [PendingURL("https://example.org/x", "https://example.org/x")]


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_stdin_document_or_url_list(monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Stdin(ARTICLE.encode()))
    [doc] = items("-")
    assert isinstance(doc, RawDocument) and doc.origin == "stdin" and doc.content == ARTICLE.encode()
    monkeypatch.setattr(sys, "stdin", _Stdin(b"https://example.org/a\nhttps://example.org/b\n"))
    assert [p.url for p in items("-", fetch_urls=False)] == ["https://example.org/a", "https://example.org/b"]
    monkeypatch.setattr(sys, "stdin", _Stdin(gzip.compress(ARTICLE.encode())))
    assert items("-")[0].content == ARTICLE.encode()


def test_urls_are_fetched_by_default_and_failures_are_skips(httpserver, tmp_path):
    httpserver.expect_request("/ok").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    lst = tmp_path / "l.urls"
    lst.write_text(f"{httpserver.url_for('/ok')}\n{httpserver.url_for('/gone')}\n")
    ok, gone = items(lst)
    assert isinstance(ok, RawDocument) and "Mühlberg" in ok.content and ok.origin == httpserver.url_for("/ok")
    assert isinstance(gone, Skip) and gone.stage == "fetch" and "HTTP 404" in gone.reason
    assert isinstance(load(PendingURL("u", "ftp://x/"), S), Skip)


def test_read_all_chains_sources(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    got = list(read_all([str(tmp_path / "a.txt"), str(tmp_path / "missing")], S))
    assert isinstance(got[0], RawDocument) and isinstance(got[1], Skip)


# -- hardening (issue #11) ----------------------------------------------------------------------
SMALL = Settings(model="blank", max_input_bytes=20_000)


def _warc_bytes(bodies: list[bytes], *, gz: bool, ctype: str = "text/html; charset=utf-8") -> tuple[bytes, list[int]]:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    offsets = []
    for n, body in enumerate(bodies):
        offsets.append(buf.tell())
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://example.org/{n}", "response", payload=io.BytesIO(body),
                                                      http_headers=http))
    return buf.getvalue(), offsets


def _pages(n: int) -> list[bytes]:
    import random

    rnd = random.Random(n)  # incompressible filler: the gzip members are long enough to cut inside
    return [(PAGE.replace("Mühlberg", f"Mühlberg {k}") + "<!-- " + " ".join(str(rnd.random()) for _ in range(150))
             + " -->").encode("utf-8") for k in range(n)]


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_warc_keeps_complete_records_and_reports_the_cut_one(tmp_path, gz):
    data, offsets = _warc_bytes(_pages(3), gz=gz)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[: len(data) - 300])  # inside the last record's body
    docs = items(path)
    assert [type(d).__name__ for d in docs] == ["RawDocument", "RawDocument", "Skip"]
    assert "Mühlberg 0" in docs[0].content and "Mühlberg 1" in docs[1].content
    assert docs[2].origin == f"{path}@{offsets[2]}" and "truncated WARC record" in docs[2].reason
    path.write_bytes(data[: offsets[2] + 5])  # inside the last record's header
    docs = items(path)
    assert [type(d).__name__ for d in docs] == ["RawDocument", "RawDocument", "Skip"]
    assert docs[2].stage == "read" and "WARC" in docs[2].reason
    assert docs[2].origin not in {docs[0].origin, docs[1].origin}  # one line each: no false duplicate


def test_unknown_charset_in_a_warc_record_drops_nothing_else(tmp_path):
    path = tmp_path / "odd.warc.gz"
    first, _ = _warc_bytes(_pages(1), gz=True, ctype="text/html; charset=undefined")
    rest, _ = _warc_bytes(_pages(2), gz=True)
    path.write_bytes(first + rest)
    docs = items(path)
    assert len(docs) == 3 and all(isinstance(d, RawDocument) for d in docs)
    assert "Mühlberg 0" in docs[0].content


def test_warc_without_documents_is_one_skipped_line(tmp_path):
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "requests.warc.gz"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warc_record("https://example.org/a", "request",
                                                      payload=io.BytesIO(b"GET /a HTTP/1.1\r\n\r\n")))
        writer.write_record(writer.create_warc_record("https://example.org/a", "metadata",
                                                      payload=io.BytesIO(b"via: test\r\n")))
    [skip] = items(path)
    assert isinstance(skip, Skip) and skip.kind == "skipped" and skip.origin == str(path)
    assert "no HTML or text responses" in skip.reason and "1 request" in skip.reason and "1 metadata" in skip.reason
    assert items(path, exclude=lambda o: o == str(path)) == []


def test_gzip_bomb_is_read_only_up_to_the_limit(tmp_path):
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb") as fh:
        for _ in range(64):  # 64 MiB of zeros in about 64 KB
            fh.write(b"\0" * (1 << 20))
    [skip] = items(bomb)
    assert isinstance(skip, Skip) and "larger than the limit" in skip.reason and "unpacked" in skip.reason
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (SMALL.max_input_bytes + 1))
    [skip] = list(read(str(big), SMALL))
    assert isinstance(skip, Skip) and "larger than the limit" in skip.reason


def test_jsonl_line_longer_than_the_limit_costs_only_itself(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(json.dumps({"id": "a", "text": ARTICLE}).encode() + b"\n"
                     + b'{"id": "huge", "text": "' + b"x" * 50_000 + b'"}\n'
                     + json.dumps({"id": "b", "text": ARTICLE, "published": "11.03.2025"}).encode() + b"\n"
                     + json.dumps({"id": "c", "text": ARTICLE, "published": "2024-02-30"}).encode() + b"\n")
    a, huge, b, c = list(read(str(path), SMALL))
    assert (a.id, b.id, b.published) == ("a", "b", "2025-03-11")
    assert isinstance(huge, Skip) and huge.origin == f"{path}:2" and "larger than the limit" in huge.reason
    assert isinstance(c, Skip) and c.origin == f"{path}#c" and "no day 30" in c.reason


def test_lone_surrogates_in_jsonl_give_names_that_encode(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps({"id": "\ud800", "text": ARTICLE + "\ud800", "url": "https://e.org/\udc00"}) + "\n")
    [doc] = items(path)
    assert doc.origin == f"{path}#\ufffd" and doc.url == "https://e.org/\ufffd"
    doc.origin.encode("utf-8")


def test_file_names_that_are_not_utf8_become_readable_origins(tmp_path):
    import os

    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    [doc] = items(tmp_path)
    assert doc.origin == f"{tmp_path}/caf\\xe9.txt" and doc.id == "caf\\xe9" and doc.content == ARTICLE.encode()
    doc.origin.encode("utf-8")


def test_stdin_with_json_lines_is_many_documents(monkeypatch):
    lines = [json.dumps({"id": "a", "text": ARTICLE}), "{broken", json.dumps({"html": PAGE})]
    for data in ("\n".join(lines).encode(), gzip.compress("\n".join(lines).encode())):
        monkeypatch.setattr(sys, "stdin", _Stdin(data))
        a, broken, c = items("-")
        assert (a.origin, a.id, a.content) == ("stdin#a", "a", ARTICLE)
        assert isinstance(broken, Skip) and broken.origin == "stdin:2"
        assert (c.origin, c.content_type) == ("stdin:3", "html")
