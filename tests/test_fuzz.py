"""Fuzzing `extract_text` and `extract_html` with the input classes of issue #11: lone
surrogates and other odd characters, publication dates right and impossible, charset labels
of every kind, HTML nested hundreds of levels deep, bytes in various encodings.

The promise under test: a valid record (JSON-serialisable, a real `published`, offsets inside
the text) or the project's own CoopxError, never another exception. Bounded and derandomised,
so CI takes a few seconds and every run tries the same examples.
"""

from __future__ import annotations

import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.errors import CoopxError
from extractor.pipeline import extract_html, extract_text
from extractor.records import Record
from extractor.settings import Settings
from tests.test_batch import release

BLANK = Settings(model="blank")
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

WORDS = ["Das", "Klinikum", "Hardenbrück", "und", "die", "Universität", "Mühlberg", "haben", "am", "3.", "Juni", "2025",
         "einen", "Kooperationsvertrag", "unterzeichnet", ".", "Heute", "morgen", "gestern", "Prof.", "Dr.",
         "Anna", "Beispiel", ",", "sagte", "„Wir", "freuen", "uns“", "GmbH", "Netzwerk", "Seit", "März", "\n"]
ODD = ["\ud800", "\udfff", "\udce9", "\x00", "\x07", "\u200b", "\u202e", "\ufeff", "\u00ad", "\u0301", "🙂",
       "\r", "\t", "\u2028", "\ufffd", "&amp;", "<", ">"]
CHARSETS = ["utf-8", "UTF8", "iso-8859-1", "windows-1252", "undefined", "punycode", "idna", "utf-7", "utf-16",
            "rot13", "base64", "x-nonsense", "", "\"utf-8\"", "latin1;", "ascii"]
DATES = ["2025-03-11", "2024-02-29", "2024-02-30", "2023-02-29", "2024-13-01", "2024-13", "9999-12-31", "0001-01-01",
         "11.03.2025", "11. März 2025", "März 2025", "2025", "gestern", "", "  ", "\ud800", "2025-03-11T10:00:00Z"]

ARTICLES = [release(n) for n in range(8)] + [" ".join(WORDS)]
pieces = st.one_of(st.sampled_from(ODD), st.sampled_from(WORDS), st.text(max_size=8))
published = st.one_of(st.none(), st.sampled_from(DATES))


@st.composite
def texts(draw) -> str:
    """A real press release with odd pieces put anywhere in it, or (sometimes) pieces alone."""
    if draw(st.integers(0, 9)) == 0:
        return "".join(draw(st.lists(pieces, max_size=40)))
    words = draw(st.sampled_from(ARTICLES)).split(" ")
    for _ in range(draw(st.integers(0, 15))):
        words.insert(draw(st.integers(0, len(words))), draw(pieces))
    return draw(st.sampled_from([" ", ""])).join(words) if draw(st.booleans()) else " ".join(words)


@st.composite
def pages(draw) -> str | bytes:
    depth = draw(st.sampled_from([0, 3, 40, 255, 256, 400]))
    charset = draw(st.sampled_from(CHARSETS))
    body = "".join(f"<p>{draw(texts())}</p>" for _ in range(draw(st.integers(1, 3))))
    page = (f'<html><head><meta charset="{charset}"><title>{draw(texts())[:80]}</title></head><body>'
            + "<div>" * depth + body + "</div>" * depth + "</body></html>")
    encoding = draw(st.sampled_from([None, "utf-8", "cp1252", "utf-16", "latin-1"]))
    return page if encoding is None else page.encode(encoding, errors="surrogatepass" if "utf" in encoding else "replace")


def check(run) -> None:
    try:
        record = run()
    except CoopxError:
        return
    assert isinstance(record, Record)
    data = json.loads(record.model_dump_json())
    assert Record.model_validate(data) == record
    pub = record.source.published
    if pub is not None:
        parts = [int(p) for p in pub.split("-")] + [1, 1]
        date(parts[0], parts[1], parts[2])  # a real calendar date
    for c in record.cooperations:
        for e in c.evidence:
            assert 0 <= e.start <= e.end and e.end - e.start == len(e.text)


@FUZZ
@given(text=texts(), published=published, id=st.one_of(st.none(), st.sampled_from(ODD), st.text(max_size=10)))
def test_extract_text_gives_a_record_or_coopx_error(text, published, id):
    check(lambda: extract_text(text, published=published, id=id, settings=BLANK))


@FUZZ
@given(page=pages(), published=published)
def test_extract_html_gives_a_record_or_coopx_error(page, published):
    check(lambda: extract_html(page, published=published, settings=BLANK))
