"""Fact assembly: pure functions from an annotated Doc to the record's institutions, people and
cooperations."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.records import Cooperation, Institution, Person


@dataclass
class Facts:
    is_cooperation: bool = False
    institutions: list[Institution] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    cooperations: list[Cooperation] = field(default_factory=list)


def build_facts(doc, published: str | None = None) -> Facts:
    return Facts()
