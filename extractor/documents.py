"""What flows between the stages: input -> (PendingURL ->) raw document -> cleaned document -> Record | Skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from extractor.records import PublishedOrigin

ContentType = Literal["text", "html"]


@dataclass(frozen=True)
class RawDocument:
    """One input as read, before any parsing of its content.

    `origin` says where it came from in words a user can find again (a path, a URL,
    `dump.jsonl:17`, `stdin`); it is the key of the batch state store.
    """

    origin: str
    content: str | bytes
    id: str | None = None
    content_type: ContentType | None = None  # None: detect from the content
    url: str | None = None
    path: str | None = None
    published: str | None = None
    fetched: str | None = None
    notes: tuple[str, ...] = ()  # warnings from reading it (e.g. bytes that were not valid UTF-8)


@dataclass(frozen=True)
class PendingURL:
    """A page still to be fetched (by the worker that processes it, not the reader)."""

    origin: str
    url: str
    id: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class CleanDocument:
    """Plain text ready for the NLP, with the metadata cleaning found."""

    origin: str
    text: str
    id: str | None = None
    path: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    published_origin: PublishedOrigin | None = None
    sitename: str | None = None
    language: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Skip:
    """An input that produced no record, and why (a line of the errors file)."""

    origin: str
    stage: str
    reason: str
    id: str | None = None
    kind: Literal["skipped", "failed"] = "failed"
