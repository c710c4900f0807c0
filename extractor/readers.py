"""Inputs -> RawDocument (or Skip for an unreadable input). No parsing of content happens here
(that is `clean`); a reader only says where a document came from (`origin`, the batch state
store's key) and hands over its bytes.

One input argument is, checked in this order:

- `-`: standard input. A URL list (see below) when every non-empty line is an http(s) URL,
  otherwise one document (text or HTML; gzip is unpacked).
- `http://...` / `https://...`: one page, fetched (`extractor.fetch`).
- a folder: every `.html`, `.htm` and `.txt` file below it, and the `.gz` of those, recursively,
  in sorted order (names starting with a dot are ignored). Containers (WARC, JSONL, URL lists)
  inside folders are not opened: name them explicitly.
- `*.warc`, `*.warc.gz`: every HTTP `response` record with status 200 and an HTML or plain-text
  content type; other records (requests, metadata, images, redirects, ...) are not documents
  and are passed over silently. The record's target URI and WARC-Date become `url` and
  `fetched`; `id` is the WARC-Record-ID; `origin` is `FILE@OFFSET` (the record's byte offset).
- `*.jsonl`, `*.jsonl.gz`, `*.ndjson`: one document per line, an object with `text` or `html`
  and optional `url`, `published`, `id`. `origin` is `FILE#ID`, else `FILE:LINE`.
- `*.urls` (also `.urls.gz`): a URL list. A URL list has one http(s) URL per line; empty lines
  and lines starting with `#` are ignored; any other line is an error for that line. A `.txt`
  file given directly is also read as a URL list when all its non-empty, non-`#` lines are
  http(s) URLs (a press release never is). The `origin` of a listed page is its URL.
- any other file: one document (content sniffed: HTML or text; binary files are refused).

With `fetch_urls=False` a URL becomes a `PendingURL` (fetched later by a batch worker, see
`load`), so the reading side never waits on the network.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from extractor.documents import PendingURL, RawDocument, Skip
from extractor.errors import CoopxError
from extractor.settings import Settings

TEXT_SUFFIXES = (".txt", ".html", ".htm")
DOC_SUFFIXES = TEXT_SUFFIXES + tuple(s + ".gz" for s in TEXT_SUFFIXES)
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
URLS_SUFFIXES = (".urls", ".urls.gz")
WARC_DOC_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


Item = RawDocument | Skip | PendingURL
Exclude = Callable[[str], bool]


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _lower_name(path: Path | str) -> str:
    return os.path.basename(str(path)).lower()


def _has_suffix(path: Path | str, suffixes: tuple[str, ...]) -> bool:
    return _lower_name(path).endswith(suffixes)


# -- entry points -----------------------------------------------------------------------------
def read(source: str, settings: Settings, *, fetch_urls: bool = True, exclude: Exclude | None = None) -> Iterator[Item]:
    """Every document in one input argument, in a stable order.

    `exclude(origin)` true: the document is passed over without reading its content (used by
    `--resume`). With `fetch_urls` (the default) URLs are fetched here; otherwise they come as
    `PendingURL`.
    """
    items = _read(source, settings, exclude or (lambda origin: False))
    if not fetch_urls:
        yield from items
        return
    client = None
    try:
        for item in items:
            if isinstance(item, PendingURL):
                from extractor.fetch import make_client

                client = client or make_client(settings)
                item = load(item, settings, client=client)
            yield item
    finally:
        if client is not None:
            client.close()


def read_all(sources: Iterable[str], settings: Settings, *, fetch_urls: bool = True,
             exclude: Exclude | None = None) -> Iterator[Item]:
    for source in sources:
        yield from read(source, settings, fetch_urls=fetch_urls, exclude=exclude)


def load(item: Item, settings: Settings, *, client=None) -> RawDocument | Skip:
    """A PendingURL fetched (a Skip when that fails); anything else as it is."""
    if not isinstance(item, PendingURL):
        return item
    from extractor.fetch import fetch

    try:
        return fetch(item.url, settings, client=client, origin=item.origin, id=item.id, published=item.published)
    except CoopxError as exc:
        return Skip(item.origin, exc.stage, exc.message, item.id)
    except Exception as exc:  # a broken page must never stop a batch
        return Skip(item.origin, "fetch", f"cannot fetch {item.url}: {type(exc).__name__}: {exc}", item.id)


def estimate(source: str) -> int | None:
    """A cheap count of the documents in one input (None when unknown), for progress bars."""
    if source == "-" or is_url(source):
        return None if source == "-" else 1
    path = Path(source)
    try:
        if path.is_dir():
            return sum(1 for _ in _walk(path))
        if _has_suffix(path, JSONL_SUFFIXES + URLS_SUFFIXES) and not _lower_name(path).endswith(".gz"):
            with path.open("rb") as fh:
                return sum(1 for line in fh if line.strip())
        if _has_suffix(path, WARC_SUFFIXES):
            return None
        return 1
    except OSError:
        return None


# -- dispatch ---------------------------------------------------------------------------------
def _read(source: str, settings: Settings, exclude: Exclude) -> Iterator[Item]:
    if source == "-":
        yield from _stdin(exclude)
        return
    if is_url(source):
        if not exclude(source):
            yield PendingURL(source, source)
        return
    path = Path(source)
    if not path.exists():
        if not exclude(source):
            yield Skip(source, "read", f"no such file or folder: {source}")
    elif path.is_dir():
        for p in _walk(path):
            if not exclude(str(p)):
                yield _file(p)
    elif _has_suffix(path, WARC_SUFFIXES):
        yield from _warc(path, settings, exclude)
    elif _has_suffix(path, JSONL_SUFFIXES):
        yield from _jsonl(path, exclude)
    elif _has_suffix(path, URLS_SUFFIXES):
        yield from _url_list_file(path, exclude)
    elif _lower_name(path).endswith(".txt") and _is_url_list_file(path):
        yield from _url_list_file(path, exclude)
    elif not exclude(str(path)):
        yield _file(path)


def _walk(folder: Path) -> Iterator[Path]:
    """Document files below `folder`, sorted, streaming (no full listing in memory)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(DOC_SUFFIXES):
                yield Path(root) / name


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def _read_bytes(path: Path) -> bytes:
    if _lower_name(path).endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    return path.read_bytes()


def _file(path: Path) -> RawDocument | Skip:
    try:
        data = _read_bytes(path)
    except (OSError, EOFError, zlib.error) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        kind = "corrupt gzip file" if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)) else "cannot read"
        return Skip(str(path), "read", f"{kind}: {reason}", _stem(path))
    inner = _lower_name(path).removesuffix(".gz")
    ctype = "html" if inner.endswith((".html", ".htm")) else None
    return RawDocument(origin=str(path), content=data, id=_stem(path), content_type=ctype, path=str(path))


# -- stdin ------------------------------------------------------------------------------------
def _stdin(exclude: Exclude) -> Iterator[Item]:
    data = sys.stdin.buffer.read()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            yield Skip("stdin", "read", f"corrupt gzip data on stdin: {exc}")
            return
    urls = _url_lines(data)
    if urls is not None:
        for _, url in urls:
            if not exclude(url):
                yield PendingURL(url, url)
    elif not exclude("stdin"):
        yield RawDocument(origin="stdin", content=data, id="stdin")


# -- URL lists --------------------------------------------------------------------------------
def _url_lines(data: bytes) -> list[tuple[int, str]] | None:
    """(line number, URL) when every non-empty, non-# line is a single http(s) URL; else None."""
    if len(data) > 50_000_000 or b"\x00" in data[:4096]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_url(line) or any(c.isspace() for c in line):
            return None
        out.append((n, line))
    return out or None


def _is_url_list_file(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if not head.lstrip().startswith((b"http://", b"https://", b"#")):
            return False
        return _url_lines(path.read_bytes()) is not None
    except OSError:
        return False


def _url_list_file(path: Path, exclude: Exclude) -> Iterator[Item]:
    try:
        data = _read_bytes(path)
        text = data.decode("utf-8-sig")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        if not exclude(str(path)):
            yield Skip(str(path), "read", f"cannot read URL list: {exc}")
        return
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line) and not any(c.isspace() for c in line):
            if not exclude(line):
                yield PendingURL(line, line)
        elif not exclude(f"{path}:{n}"):
            yield Skip(f"{path}:{n}", "read", f"not an http(s) URL in URL list: {line[:200]}")


# -- JSONL dumps ------------------------------------------------------------------------------
def _open_lines(path: Path):
    if _lower_name(path).endswith(".gz"):
        return gzip.open(path, "rb")
    return path.open("rb")


def _jsonl(path: Path, exclude: Exclude) -> Iterator[Item]:
    seen_ids: set[str] = set()
    try:
        fh = _open_lines(path)
    except OSError as exc:
        if not exclude(str(path)):
            yield Skip(str(path), "read", f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        n = 0
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                yield from _jsonl_row(path, n, line, seen_ids, exclude)
        except (OSError, EOFError, zlib.error) as exc:
            origin = f"{path}:{n + 1}"
            if not exclude(origin):
                yield Skip(origin, "read", f"cannot read the rest of the file: {exc}")


def _jsonl_row(path: Path, n: int, line: bytes, seen_ids: set[str], exclude: Exclude) -> Iterator[Item]:
    origin = f"{path}:{n}"
    try:
        row = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        if not exclude(origin):
            yield Skip(origin, "read", f"invalid JSON: {getattr(exc, 'msg', exc)}")
        return
    if not isinstance(row, dict):
        if not exclude(origin):
            yield Skip(origin, "read", "a JSONL line must be an object")
        return
    rid = str(row["id"]) if row.get("id") is not None else None
    if rid is not None and rid not in seen_ids:
        seen_ids.add(rid)
        origin = f"{path}#{rid}"  # ids are easier to find again than line numbers
    if exclude(origin):
        return
    if isinstance(row.get("text"), str):
        content, ctype = row["text"], "text"
    elif isinstance(row.get("html"), str):
        content, ctype = row["html"], "html"
    else:
        yield Skip(origin, "read", "JSONL object has no 'text' or 'html' string", rid)
        return
    url = row.get("url") if isinstance(row.get("url"), str) else None
    published = row.get("published") if isinstance(row.get("published"), str) else None
    yield RawDocument(origin=origin, content=content, id=rid, content_type=ctype, url=url, path=str(path),
                      published=published)


# -- WARC -------------------------------------------------------------------------------------
def _warc(path: Path, settings: Settings, exclude: Exclude) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        fh = path.open("rb")
    except OSError as exc:
        if not exclude(str(path)):
            yield Skip(str(path), "read", f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        records = ArchiveIterator(fh)
        offset = 0
        try:
            for rec in records:
                if not str(rec.format).startswith("warc"):
                    if not exclude(str(path)):
                        yield Skip(str(path), "read", f"not a WARC file (its records read as {rec.format!r})")
                    return
                item = _warc_record(path, rec, records, settings, exclude)
                offset = records.get_record_offset()  # (only known once the record is read)
                if item is not None:
                    yield item
        except (ArchiveLoadFailed, OSError, EOFError, zlib.error, ValueError) as exc:
            origin = f"{path}@{offset}" if offset else str(path)
            if not exclude(origin):
                yield Skip(origin, "read", f"not a readable WARC file (at byte {offset}): {exc}")


def _warc_record(path: Path, rec, records, settings: Settings, exclude: Exclude) -> Item | None:
    if rec.rec_type != "response" or rec.http_headers is None:
        return None
    status = rec.http_headers.get_statuscode()
    ctype_header = rec.http_headers.get_header("Content-Type") or ""
    ctype = ctype_header.split(";")[0].strip().lower()
    if status != "200" or (ctype and ctype not in WARC_DOC_TYPES):
        return None
    limit = settings.fetch_max_bytes
    body = rec.content_stream().read(limit + 1)  # read first: the record's offset is known after it
    origin = f"{path}@{records.get_record_offset()}"
    if exclude(origin):
        return None
    rid = (rec.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or None
    uri = rec.rec_headers.get_header("WARC-Target-URI")
    date = rec.rec_headers.get_header("WARC-Date")
    if len(body) > limit:
        return Skip(origin, "read", f"WARC record larger than the limit of {limit} bytes ({uri})", rid)
    charset = None
    for part in ctype_header.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    from extractor.clean import decode

    return RawDocument(
        origin=origin,
        content=decode(body, charset),
        id=rid,
        content_type="text" if ctype == "text/plain" else ("html" if ctype else None),
        url=uri,
        path=str(path),
        fetched=date,
    )


__all__ = ["Item", "PendingURL", "estimate", "is_url", "load", "read", "read_all"]
