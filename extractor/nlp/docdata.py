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


def add_mentions(doc: Doc, new: Iterable[InstMention]) -> None:
    """Organisation mentions found after the organisation rules, kept in text order."""
    mentions = facts(doc).setdefault("inst", [])
    added = [m.as_dict() for m in new]
    if added:
        mentions += added
        mentions.sort(key=lambda m: m["start"])
        doc.spans[labels.INSTITUTION] = [Span(doc, m["start"], m["end"], label=m["kind"]) for m in mentions]
