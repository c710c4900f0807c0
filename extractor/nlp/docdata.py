"""What the components write into a Doc, read and written in one place: the facts dict
(msgpack-safe, so Docs survive multiprocessing), the boilerplate tokens no rule reads, and the
organisation mentions with their display spans."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Doc, Span

from extractor.nlp import labels
from extractor.nlp.mentions import InstMention


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
