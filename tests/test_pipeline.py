"""The pipeline's promises for many documents: one bad text costs only itself, and memory does
not grow with the number of distinct texts (spaCy's string store is freed per batch)."""

from __future__ import annotations

import copy

import pytest

from extractor.documents import RawDocument, Skip
from extractor.errors import CoopxError
from extractor.pipeline import extract_html, extract_text
from extractor.settings import Settings
from tests.test_batch import release

BLANK = Settings(model="blank")


class Picky:
    """The real spaCy pipeline, except that it raises on texts with KAPUTT in them (a stand-in
    for a tokenizer that chokes), in `pipe` as well as alone."""

    def __init__(self, nlp) -> None:
        self.nlp = nlp
        self.vocab = nlp.vocab

    def memory_zone(self):
        return self.nlp.memory_zone()

    def __call__(self, text: str):
        if "KAPUTT" in text:
            raise ValueError("the tokenizer choked")
        return self.nlp(text)

    def pipe(self, texts):
        for text in texts:
            yield self(text)


def test_one_text_the_nlp_cannot_take_costs_only_itself(rules_pipeline):
    pipeline = copy.copy(rules_pipeline)
    pipeline.nlp = Picky(rules_pipeline.nlp)
    raws = [RawDocument(origin=f"d{n}", content=release(n) + (" KAPUTT" if n == 3 else ""), content_type="text")
            for n in range(10)]
    results = list(pipeline.run_many(raws, batch_size=32))
    assert [type(r).__name__ for r in results] == ["Record"] * 3 + ["Skip"] + ["Record"] * 6
    assert results[3].stage == "extract" and "the tokenizer choked" in results[3].reason
    with pytest.raises(CoopxError, match="cannot analyse"):
        pipeline.extract(raws[3])


def _distinct(n: int) -> RawDocument:
    return RawDocument(origin=f"m{n}", content=release(n) + f" Kennwort Zzqx{n}wort{n * 7919}.", content_type="text")


def test_strings_of_distinct_texts_are_freed_once_the_vocabulary_is_warm(rules_pipeline):
    pipeline = copy.copy(rules_pipeline)
    strings = pipeline.nlp.vocab.strings
    list(pipeline.run_many([_distinct(n) for n in range(5)]))  # warm: words every text has
    pipeline.settings = rules_pipeline.settings.with_(warm_vocabulary=len(strings))
    before = len(strings)
    list(pipeline.run_many([_distinct(n) for n in range(40)]))
    pipeline.extract(_distinct(0))
    assert len(strings) - before < 10, f"{len(strings) - before} strings kept from 40 distinct texts"


def test_words_stay_until_the_warm_vocabulary_is_full(rules_pipeline):
    """Below `warm_vocabulary` a batch's new words stay (the tokenizer caches only those);
    once the store holds that many, no batch adds to it."""
    pipeline = copy.copy(rules_pipeline)
    strings = pipeline.nlp.vocab.strings
    start = len(strings)
    pipeline.settings = rules_pipeline.settings.with_(warm_vocabulary=start + 6)
    list(pipeline.run_many([_distinct(n) for n in range(100, 103)], batch_size=1))
    full = len(strings)
    assert full >= start + 6  # the first batches kept their new words
    list(pipeline.run_many([_distinct(n) for n in range(103, 130)], batch_size=1))
    assert len(strings) == full


@pytest.mark.parametrize("text", ["\ud800", "Das Klinikum \udcff und die Universität \ud83d arbeiten zusammen, sagte sie. " * 3,
                                  "\x00\x01" * 30, "‮" * 50, "Ä" * 300_000])
def test_odd_characters_in_process_give_a_record_or_coopx_error(text):
    try:
        record = extract_text(text, id="\ud800", published="2025-03-11", settings=BLANK)
    except CoopxError:
        return
    record.model_dump_json()


@pytest.mark.parametrize("published", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-13", "9999-12-31", "0001-01-01"])
def test_impossible_dates_in_process_are_coopx_errors(published):
    text = "Heute haben das Klinikum Hardenbrück und die Universität Mühlberg einen Kooperationsvertrag unterzeichnet. " * 2
    with pytest.raises(CoopxError, match="invalid publication date"):
        extract_text(text, published=published, settings=BLANK)
    with pytest.raises(CoopxError, match="invalid publication date"):
        extract_html(f"<html><body><article><p>{text}</p></article></body></html>", published=published, settings=BLANK)


def test_edge_dates_that_exist_resolve_relative_days():
    text = "Morgen unterzeichnen das Klinikum Hardenbrück und die Universität Mühlberg einen Kooperationsvertrag. " * 2
    for published in ("2999-12-31", "1000-01-01", "11.03.2025", "11. März 2025"):
        record = extract_text(text, published=published, settings=BLANK)
        assert all(c.date is None or c.date.value[:4].isdigit() for c in record.cooperations)
