"""Cleaning: charset decoding, trafilatura extraction with metadata, language check, and a
floor on the quality over 80 real saved German web pages (../shared/html)."""

from __future__ import annotations

import json
import re

import pytest

from extractor.clean import clean, decode
from extractor.documents import RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings
from tests.conftest import SHARED

S = Settings(model="blank")
ARTICLE = ("Das Klinikum Osnabrück und das Universitätsklinikum Münster haben am 3. Juni 2025 einen "
           "Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärztinnen und Ärzten.")


def test_decode_honours_bom_declared_and_meta_charsets():
    word = "Universitätsklinikum Lübeck"
    assert decode(word.encode("utf-8")) == word
    assert decode(word.encode("cp1252")) == word  # not UTF-8: Windows-1252
    assert decode(word.encode("iso-8859-1"), "iso-8859-1") == word
    assert decode(word.encode("cp1252"), "utf-8") == word  # wrong declared charset
    assert decode(word.encode("utf-8"), "iso-8859-1") == word  # mislabelled UTF-8
    meta = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    assert word in decode(meta + word.encode("cp1252"))
    assert decode(word.encode("utf-16")) == word  # byte-order mark
    assert decode("Straße".encode("iso-8859-15"), "bogus-charset") == "Straße"


def test_html_boilerplate_removed_and_metadata_kept():
    html = f"""<html><head><title>Kooperation besiegelt | Klinikum Osnabrück</title>
    <meta property="og:site_name" content="Klinikum Osnabrück">
    <meta property="article:published_time" content="2025-06-04T09:00:00+02:00">
    <link rel="canonical" href="https://www.klinikum-os.de/presse/kooperation"></head>
    <body><nav><ul><li>Startseite</li><li>Presse</li><li>Karriere</li></ul></nav>
    <article><h1>Kooperation besiegelt</h1><p>{ARTICLE}</p><p>{ARTICLE}</p></article>
    <footer>Impressum · Datenschutz · Cookie-Einstellungen</footer></body></html>"""
    doc = clean(RawDocument(origin="page", content=html.encode("utf-8"), content_type="html"), S)
    assert "Universitätsklinikum Münster" in doc.text
    assert "Cookie-Einstellungen" not in doc.text and "Karriere" not in doc.text
    assert doc.title.startswith("Kooperation besiegelt")
    assert doc.published == "2025-06-04"
    assert doc.sitename == "Klinikum Osnabrück"
    assert doc.url == "https://www.klinikum-os.de/presse/kooperation"  # canonical URL when none was given
    given = clean(RawDocument(origin="p", content=html, content_type="html", url="https://example.org/x",
                              published="2025-06-03"), S)
    assert given.url == "https://example.org/x" and given.published == "2025-06-03"  # the input's own data wins


def test_non_german_is_skipped_with_a_reason():
    english = "The hospital and the university signed a cooperation agreement on Monday, which improves training."
    with pytest.raises(CoopxError, match="not German") as exc:
        clean(RawDocument(origin="en", content=english, content_type="text"), S)
    assert exc.value.stage == "language"


def test_empty_and_binary_are_refused():
    with pytest.raises(CoopxError, match="empty|too short") as exc:
        clean(RawDocument(origin="e", content="<html><body><nav>Menü</nav></body></html>", content_type="html"), S)
    assert exc.value.stage == "clean"
    with pytest.raises(CoopxError, match="binary") as exc:
        clean(RawDocument(origin="b", content=b"\x00\x01\x02" * 100), S)
    assert exc.value.stage == "read"


HTML_DIR = SHARED / "html"


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not (HTML_DIR / "index.jsonl").is_file(), reason="../shared/html is not available")
def test_real_german_pages_meet_the_quality_floor():
    """Measured: 80/80 pages cleaned, 206/223 `with` snippets found, 211/229 `without` snippets absent,
    62/68 dates right. The floors sit a little below."""
    rows = [json.loads(line) for line in (HTML_DIR / "index.jsonl").read_text(encoding="utf-8").splitlines() if line]
    cleaned = found = wanted = absent = unwanted = dates = dated = 0
    for row in rows:
        raw = RawDocument(origin=row["file"], content=(HTML_DIR / row["file"]).read_bytes(), content_type="html",
                          url=row.get("url"))
        try:
            doc = clean(raw, S)
            cleaned += 1
            text = _ws(doc.text)
        except CoopxError:
            doc, text = None, ""
        wanted += len(row["with"])
        found += sum(_ws(s) in text for s in row["with"])
        unwanted += len(row["without"])
        absent += sum(_ws(s) not in text for s in row["without"])
        if row.get("expected_date"):
            dated += 1
            dates += bool(doc and doc.published == row["expected_date"])
    assert len(rows) == 80 and wanted == 223 and unwanted == 229 and dated == 68
    assert cleaned >= 78
    assert found >= 195, f"only {found}/{wanted} expected snippets found"
    assert absent >= 200, f"boilerplate kept: {unwanted - absent}/{unwanted} snippets present"
    assert dates >= 58, f"only {dates}/{dated} publication dates right"
