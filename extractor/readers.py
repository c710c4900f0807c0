"""Inputs -> RawDocument: files, folders, JSONL dumps, stdin and URLs. No parsing of content
happens here (that is `clean`); a reader only says where a document came from."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from extractor.documents import RawDocument, Skip
from extractor.errors import CoopxError
from extractor.settings import Settings

TEXT_SUFFIXES = (".txt", ".html", ".htm")


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def read(source: str, settings: Settings) -> Iterator[RawDocument | Skip]:
    """Every document in one input argument, in a stable order."""
    if source == "-":
        data = sys.stdin.buffer.read()
        yield RawDocument(origin="stdin", content=data, id="stdin")
        return
    if is_url(source):
        from extractor.fetch import fetch

        try:
            yield fetch(source, settings)
        except CoopxError as exc:
            yield Skip(source, exc.stage, exc.message)
        return
    path = Path(source)
    if not path.exists():
        yield Skip(source, "read", f"no such file or folder: {source}")
    elif path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
        for p in files:
            yield _file(p)
    elif path.suffix.lower() == ".jsonl":
        yield from _jsonl(path)
    else:
        yield _file(path)


def _file(path: Path) -> RawDocument | Skip:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Skip(str(path), "read", f"cannot read: {exc.strerror or exc}")
    ctype = "html" if path.suffix.lower() in (".html", ".htm") else None
    return RawDocument(origin=str(path), content=data, id=path.stem, content_type=ctype, path=str(path))


def _jsonl(path: Path) -> Iterator[RawDocument | Skip]:
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            origin = f"{path}:{n}"
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Skip(origin, "read", f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(row, dict):
                yield Skip(origin, "read", "a JSONL line must be an object")
                continue
            rid = str(row["id"]) if row.get("id") is not None else None
            if isinstance(row.get("text"), str):
                content, ctype = row["text"], "text"
            elif isinstance(row.get("html"), str):
                content, ctype = row["html"], "html"
            else:
                yield Skip(origin, "read", "JSONL object has no 'text' or 'html' string", rid)
                continue
            yield RawDocument(origin=origin if rid is None else f"{path}#{rid}", content=content, id=rid, content_type=ctype,
                              url=row.get("url"), path=str(path), published=row.get("published"))
