"""Inputs -> RawDocument (or Skip for an unreadable input). No parsing of content happens here
(that is `clean`); a reader only says where a document came from (`origin`, the batch state
store's key) and hands over its bytes.

One input argument is, checked in this order:

- `-`: standard input (gzip is unpacked): JSON Lines (as a `.jsonl` file, see below) when it
  starts with `{`, a URL list (see below) when every non-empty line is an http(s) URL,
  otherwise one document (text or HTML).
- `http://...` / `https://...`: one page, fetched (`extractor.fetch`).
- a folder: every `.html`, `.htm` and `.txt` file below it, and the `.gz` of those, recursively,
  in sorted order (names starting with a dot are ignored). Containers (WARC, JSONL, URL lists)
  inside folders are not opened: name them explicitly.
- `*.warc`, `*.warc.gz`: every HTTP `response` record with status 200 and an HTML or plain-text
  content type; other records (requests, metadata, images, redirects, ...) are not documents
  and are passed over silently (a WARC file without any document is one "skipped" line). The
  record's target URI and WARC-Date become `url` and `fetched`; `id` is the WARC-Record-ID;
  `origin` is `FILE@OFFSET` (the record's byte offset). A record cut short (the file ends
  inside it) is an error line of its own; the complete records before it are documents.
- `*.jsonl`, `*.jsonl.gz`, `*.ndjson`: one document per line, an object with `text` or `html`
  and optional `url`, `published`, `id`. `origin` is `FILE#ID`, else `FILE:LINE`.
- `*.urls` (also `.urls.gz`): a URL list. A URL list has one http(s) URL per line; empty lines
  and lines starting with `#` are ignored; any other line is an error for that line. A `.txt`
  file given directly is also read as a URL list when all its non-empty, non-`#` lines are
  http(s) URLs (a press release never is). The `origin` of a listed page is its URL.
- any other file: one document (content sniffed: HTML or text; binary files are refused).

No document may be larger than `settings.max_input_bytes`, also once unpacked (gzip is
decompressed as a stream, so a gzip bomb costs no more memory than the limit), nor may one
JSONL line. Origins are valid UTF-8 even for file names that are not (`textsafe.label`).

With `fetch_urls=False` a URL becomes a `PendingURL` (fetched later by a batch worker, see
`load`), so the reading side never waits on the network.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from extractor import published as dates
from extractor import textsafe
from extractor.documents import PendingURL, RawDocument, Skip
from extractor.errors import CoopxError
from extractor.settings import Settings

TEXT_SUFFIXES = (".txt", ".html", ".htm")
DOC_SUFFIXES = TEXT_SUFFIXES + tuple(s + ".gz" for s in TEXT_SUFFIXES)
WARC_SUFFIXES = (".warc", ".warc.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
URLS_SUFFIXES = (".urls", ".urls.gz")
WARC_DOC_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
GZIP_ERRORS = (OSError, EOFError, zlib.error)


Item = RawDocument | Skip | PendingURL
Exclude = Callable[[str], bool]


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _lower_name(path: Path | str) -> str:
    return os.path.basename(str(path)).lower()


def _has_suffix(path: Path | str, suffixes: tuple[str, ...]) -> bool:
    return _lower_name(path).endswith(suffixes)


def _name(path: Path | str) -> str:
    """A path as origins show it: valid UTF-8 even when the file name's bytes are not."""
    return textsafe.label(str(path))


class TooLarge(Exception):
    """More bytes than `max_input_bytes`."""


def read_limited(fh: BinaryIO, limit: int) -> bytes:
    """All of `fh` (read as a stream), or TooLarge after `limit` bytes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise TooLarge
    return data


def _too_large(limit: int, packed: bool) -> str:
    return f"larger than the limit of {limit} bytes" + (" once unpacked" if packed else "")


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
        if _has_suffix(path, JSONL_SUFFIXES + URLS_SUFFIXES) and not _is_gz(path):
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
        yield from _stdin(settings, exclude)
        return
    if is_url(source):
        if not exclude(source):
            yield PendingURL(source, source)
        return
    path = Path(source)
    if not path.exists():
        if not exclude(_name(source)):
            yield Skip(_name(source), "read", f"no such file or folder: {_name(source)}")
    elif path.is_dir():
        for p in _walk(path):
            if not exclude(_name(p)):
                yield _file(p, settings)
    elif _has_suffix(path, WARC_SUFFIXES):
        yield from _warc(path, settings, exclude)
    elif _has_suffix(path, JSONL_SUFFIXES):
        yield from _jsonl(path, settings, exclude)
    elif _has_suffix(path, URLS_SUFFIXES):
        yield from _url_list_file(path, settings, exclude)
    elif _lower_name(path).endswith(".txt") and _is_url_list_file(path, settings):
        yield from _url_list_file(path, settings, exclude)
    elif not exclude(_name(path)):
        yield _file(path, settings)


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
    return textsafe.label(Path(name).stem)


def _is_gz(path: Path) -> bool:
    return _lower_name(path).endswith(".gz")


def _open(path: Path) -> BinaryIO:
    """The file's bytes as a stream, unpacked as it is read when it is a .gz."""
    return gzip.open(path, "rb") if _is_gz(path) else path.open("rb")


def _read_bytes(path: Path, limit: int) -> bytes:
    with _open(path) as fh:
        return read_limited(fh, limit)


def _file(path: Path, settings: Settings) -> RawDocument | Skip:
    name = _name(path)
    try:
        data = _read_bytes(path, settings.max_input_bytes)
    except TooLarge:
        return Skip(name, "read", _too_large(settings.max_input_bytes, _is_gz(path)), _stem(path))
    except GZIP_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        kind = "corrupt gzip file" if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)) else "cannot read"
        return Skip(name, "read", f"{kind}: {reason}", _stem(path))
    inner = _lower_name(path).removesuffix(".gz")
    ctype = "html" if inner.endswith((".html", ".htm")) else None
    return RawDocument(origin=name, content=data, id=_stem(path), content_type=ctype, path=name)


# -- stdin ------------------------------------------------------------------------------------
def _stdin(settings: Settings, exclude: Exclude) -> Iterator[Item]:
    stream = sys.stdin.buffer
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)
    limit = settings.max_input_bytes
    packed = False
    try:
        if stream.peek(2)[:2] == b"\x1f\x8b":
            stream, packed = gzip.GzipFile(fileobj=stream, mode="rb"), True
        if stream.peek(64).lstrip()[:1] == b"{":  # JSON Lines: many documents, read as a stream
            yield from _jsonl_rows("stdin", None, stream, limit, exclude)
            return
        data = read_limited(stream, limit)
    except TooLarge:
        if not exclude("stdin"):
            yield Skip("stdin", "read", "standard input is " + _too_large(limit, packed))
        return
    except GZIP_ERRORS as exc:
        if not exclude("stdin"):
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


def _is_url_list_file(path: Path, settings: Settings) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if not head.lstrip().startswith((b"http://", b"https://", b"#")):
            return False
        return _url_lines(_read_bytes(path, settings.max_input_bytes)) is not None
    except (OSError, TooLarge):
        return False


def _url_list_file(path: Path, settings: Settings, exclude: Exclude) -> Iterator[Item]:
    name = _name(path)
    try:
        data = _read_bytes(path, settings.max_input_bytes)
        text = data.decode("utf-8-sig")
    except TooLarge:
        if not exclude(name):
            yield Skip(name, "read", "URL list " + _too_large(settings.max_input_bytes, _is_gz(path)))
        return
    except (*GZIP_ERRORS, UnicodeDecodeError) as exc:
        if not exclude(name):
            yield Skip(name, "read", f"cannot read URL list: {exc}")
        return
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if is_url(line) and not any(c.isspace() for c in line):
            if not exclude(line):
                yield PendingURL(line, line)
        elif not exclude(f"{name}:{n}"):
            yield Skip(f"{name}:{n}", "read", f"not an http(s) URL in URL list: {textsafe.label(line[:200])}")


# -- JSONL dumps ------------------------------------------------------------------------------
def _lines(fh: BinaryIO, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for every line of a stream; None for a line longer than `limit`,
    which is passed over without ever being held in memory whole."""
    n = 0
    while line := fh.readline(limit + 1):
        n += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = fh.readline(1 << 20)
            yield n, None
        else:
            yield n, line


def _jsonl(path: Path, settings: Settings, exclude: Exclude) -> Iterator[Item]:
    name = _name(path)
    try:
        fh = _open(path)
    except OSError as exc:
        if not exclude(name):
            yield Skip(name, "read", f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        yield from _jsonl_rows(name, name, fh, settings.max_input_bytes, exclude)


def _jsonl_rows(name: str, path: str | None, fh: BinaryIO, limit: int, exclude: Exclude) -> Iterator[Item]:
    """The documents of a JSONL stream; a read error ends it with one line for the rest."""
    seen_ids: set[str] = set()
    n = 0
    try:
        for n, line in _lines(fh, limit):
            if line is None:
                if not exclude(f"{name}:{n}"):
                    yield Skip(f"{name}:{n}", "read", "JSONL line " + _too_large(limit, False))
            elif line.strip():
                yield from _jsonl_row(name, path, n, line, seen_ids, exclude)
    except GZIP_ERRORS as exc:
        origin = f"{name}:{n + 1}"
        if not exclude(origin):
            yield Skip(origin, "read", f"cannot read the rest of the file: {exc}")


def _jsonl_row(name: str, path: str | None, n: int, line: bytes, seen_ids: set[str],
               exclude: Exclude) -> Iterator[Item]:
    origin = f"{name}:{n}"
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
    rid = textsafe.label(str(row["id"])) if row.get("id") is not None else None
    if rid is not None and rid not in seen_ids:
        seen_ids.add(rid)
        origin = f"{name}#{rid}"  # ids are easier to find again than line numbers
    if exclude(origin):
        return
    if isinstance(row.get("text"), str):
        content, ctype = row["text"], "text"
    elif isinstance(row.get("html"), str):
        content, ctype = row["html"], "html"
    else:
        yield Skip(origin, "read", "JSONL object has no 'text' or 'html' string", rid)
        return
    url = textsafe.label(row["url"]) if isinstance(row.get("url"), str) else None
    try:
        published = dates.parse_given(row.get("published"))
    except CoopxError as exc:
        yield Skip(origin, exc.stage, exc.message, rid)
        return
    yield RawDocument(origin=origin, content=content, id=rid, content_type=ctype, url=url, path=path,
                      published=published)


# -- WARC -------------------------------------------------------------------------------------
WARC_SEPARATOR = 4  # the CRLF CRLF after an uncompressed record, not counted in its length


def _warc(path: Path, settings: Settings, exclude: Exclude) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    name = _name(path)
    try:
        fh = path.open("rb")
    except OSError as exc:
        if not exclude(name):
            yield Skip(name, "read", f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        records = ArchiveIterator(fh)
        kinds: Counter[str] = Counter()
        documents = end = 0
        try:
            for rec in records:
                if not str(rec.format).startswith("warc"):
                    if not exclude(name):
                        yield Skip(name, "read", f"not a WARC file (its records read as {rec.format!r})")
                    return
                kinds[rec.rec_type] += 1
                item = _warc_record(name, rec, records, settings, exclude)
                end = records.get_record_offset() + records.get_record_length()
                if item is not None:
                    documents += 1
                    if item is not _EXCLUDED and not exclude(item.origin):
                        yield item
        except (ArchiveLoadFailed, *GZIP_ERRORS, ValueError) as exc:
            if not exclude(f"{name}@{end}"):
                yield Skip(f"{name}@{end}", "read", f"not a readable WARC file (at byte {end}): {exc}")
            return
        rest = os.fstat(fh.fileno()).st_size - end
        if rest > WARC_SEPARATOR and kinds:
            if not exclude(f"{name}@{end}"):
                yield Skip(f"{name}@{end}", "read", f"truncated WARC file: its last {rest} bytes are not a whole record")
        elif not documents and not exclude(name):
            found = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no records"
            yield Skip(name, "read", f"no HTML or text responses in this WARC file ({found})", kind="skipped")


_EXCLUDED = object()  # a WARC document already done (resume): counted, never decoded


def _warc_record(name: str, rec, records, settings: Settings, exclude: Exclude) -> Item | object | None:
    """The document in one WARC record, a Skip when it cannot be used, None for a record that
    is no document (request, metadata, image, redirect, ...), `_EXCLUDED` for one `exclude` names."""
    if rec.rec_type != "response" or rec.http_headers is None:
        return None
    status = rec.http_headers.get_statuscode()
    ctype_header = rec.http_headers.get_header("Content-Type") or ""
    ctype = ctype_header.split(";")[0].strip().lower()
    if status != "200" or (ctype and ctype not in WARC_DOC_TYPES):
        return None
    limit = settings.max_input_bytes
    rid = textsafe.optional((rec.rec_headers.get_header("WARC-Record-ID") or "").strip("<>") or None)
    uri = textsafe.optional(rec.rec_headers.get_header("WARC-Target-URI"))
    try:
        body = rec.content_stream().read(limit + 1)  # read first: the record's offset is known after it
    except (*GZIP_ERRORS, ValueError) as exc:  # e.g. a broken Content-Encoding: this record only
        return Skip(f"{name}@{records.get_record_offset()}", "read", f"unreadable WARC record ({uri}): {exc}", rid)
    origin = f"{name}@{records.get_record_offset()}"
    if exclude(origin):
        return _EXCLUDED
    if len(body) > limit:
        return Skip(origin, "read", f"WARC record larger than the limit of {limit} bytes ({uri})", rid)
    missing = getattr(rec.raw_stream, "limit", 0)  # bytes the record declares but the file does not hold
    if missing:
        return Skip(origin, "read", f"truncated WARC record: {rec.length - missing} of {rec.length} bytes ({uri})", rid)
    charset = None
    for part in ctype_header.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    from extractor.clean import decode_noted

    text, note = decode_noted(body, charset)
    return RawDocument(
        origin=origin,
        content=text,
        id=rid,
        content_type="text" if ctype == "text/plain" else ("html" if ctype else None),
        url=uri,
        path=name,
        fetched=rec.rec_headers.get_header("WARC-Date"),
        notes=(note,) if note else (),
    )


__all__ = ["Item", "PendingURL", "estimate", "is_url", "load", "read", "read_all"]
