"""What the components write into a Doc, read and written in one place: the facts dict
(msgpack-safe, so Docs survive multiprocessing), the boilerplate tokens no rule reads, the
organisation mentions with their display spans; and the words every component reads."""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from spacy.attrs import LOWER, ORTH, SPACY
from spacy.tokens import Doc, Span

from extractor.nlp import labels
from extractor.nlp.mentions import InstMention


_WORDS: WeakKeyDictionary = WeakKeyDictionary()
_TEXT: WeakKeyDictionary = WeakKeyDictionary()


def _read(doc: Doc) -> tuple[list[str], list[str], list[int]]:
    hit = _WORDS.get(doc)
    if hit is None or len(hit[0]) != len(doc):
        strings = doc.vocab.strings
        arr = doc.to_array([ORTH, LOWER, SPACY])
        text = {h: strings[h] for h in set(arr[:, :2].ravel().tolist())}
        hit = _WORDS[doc] = ([text[h] for h in arr[:, 0].tolist()], [text[h] for h in arr[:, 1].tolist()],
                             arr[:, 2].tolist())
    return hit


def words(doc: Doc) -> tuple[list[str], list[str]]:
    """The texts and the lower-case forms of a Doc's tokens, read once per Doc for every
    component: making a Token object per word costs more than most rules that read them."""
    return _read(doc)[:2]


def span_text(span: Span) -> str:
    """`span.text`, cut from the Doc's text (joined once per Doc from its words) instead of
    joined from its tokens."""
    doc = span.doc
    full = _TEXT.get(doc)
    if full is None or len(full[1]) != len(doc):
        texts, _, spaces = _read(doc)
        full = _TEXT[doc] = ("".join([t + " " if sp else t for t, sp in zip(texts, spaces)]), texts)
    return full[0][span.start_char : span.end_char]


def facts(doc: Doc) -> dict:
    return doc.user_data.setdefault(labels.META, {})


def blocked(doc: Doc) -> set[int]:
    """Tokens of boilerplate (source lines, teasers)."""
    return {t.i for span in doc.spans.get(labels.BOILERPLATE, []) for t in span}


def set_mentions(doc: Doc, mentions: list[dict]) -> None:
    """The organisation mentions of a Doc (in text order), also as its display spans."""
    facts(doc)["inst"] = mentions
    doc.spans[labels.INSTITUTION] = [Span(doc, m["start"], m["end"], label=m["kind"]) for m in mentions]


def add_mentions(doc: Doc, new: Iterable[InstMention]) -> None:
    """Organisation mentions found after the organisation rules, kept in text order."""
    added = [m.as_dict() for m in new]
    if added:
        set_mentions(doc, sorted([*facts(doc).get("inst", []), *added], key=lambda m: m["start"]))
