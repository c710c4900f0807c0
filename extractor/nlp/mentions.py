"""An organisation mention as the rules find it (shared by the organisation and abbreviation rules)."""

from __future__ import annotations

from dataclasses import dataclass, field


def plain(item) -> dict:
    """A flat dataclass as the msgpack-safe dict the Doc's facts keep; its lists copied.
    (`dataclasses.asdict` copies recursively, which costs ten times as much.)"""
    return {k: list(v) if isinstance(v, list) else v for k, v in vars(item).items()}


@dataclass
class InstMention:
    start: int
    end: int  # token end (exclusive)
    canonical: str
    kind: str
    head: str | None = None  # nominative head, e.g. "Klinikum"
    place: str | None = None
    place_adj: str | None = None  # "Talberger" in "Talberger Universitätsklinikum"
    abbr: str | None = None
    modifiers: list[str] = field(default_factory=list)
    source: str = "head"  # head | legal | abbr | abbr-use | ner | coord | descriptor | crf | list | place

    def as_dict(self) -> dict:
        return plain(self)

    def used_as(self, start: int, end: int, abbr: str) -> InstMention:
        """A later use of this organisation's abbreviation at tokens start:end ("UKN sagte ...")."""
        return InstMention(start, end, self.canonical, self.kind, self.head, self.place, abbr=abbr, source="abbr-use")
