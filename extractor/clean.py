"""Raw input -> plain text with metadata. The only module that imports trafilatura.

- bytes are decoded honouring a byte-order mark, the declared charset (HTTP header or WARC
  record), the page's `<meta charset>`, and UTF-8/Windows-1252 as fallbacks;
- HTML goes through trafilatura (boilerplate removed) with its metadata: title, publication
  date (htmldate), site name and canonical URL;
- the text is normalised (offsets in records refer to this text), too-short texts are
  rejected (stage "clean") and non-German texts skipped (stage "language").
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from extractor import language
from extractor.documents import CleanDocument, RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings

_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|div|p|article)\b", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Single-byte Western charsets: a page that claims one of these but is valid UTF-8 with
# non-ASCII bytes is (almost always) mislabelled UTF-8.
_LATIN = {codecs.lookup(c).name for c in ("iso-8859-1", "iso-8859-15", "windows-1252", "ascii")}


def looks_like_html(data: str | bytes) -> bool:
    head = data[:4096].encode("utf-8", "ignore") if isinstance(data, str) else data[:4096]
    return bool(_HTML_HINT.search(head))


def is_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text file (UTF-16 with a BOM is text)."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and ctrl / len(head) > 0.05


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in `<meta charset>` / `http-equiv`, if any."""
    m = _CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "ignore") if m else None


def _usable(enc: str | None) -> str | None:
    if not enc:
        return None
    try:
        return codecs.lookup(enc.strip().strip("\"'")).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes -> str.

    Order: a byte-order mark; the declared charset (HTTP header / WARC record), then the
    page's <meta> charset, each used only when the bytes decode cleanly in it; UTF-8;
    Windows-1252. A Latin-1/Windows-1252 label on bytes that are valid, non-ASCII UTF-8 is
    treated as the common mislabelling it is.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    utf8: str | None = None
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [c for c in (_usable(declared), _usable(meta_charset(data))) if c]
    for enc in candidates:
        if utf8 is not None and enc in _LATIN and not data.isascii():
            return utf8
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    if utf8 is not None:
        return utf8
    return data.decode("cp1252", errors="replace")


def normalize_text(text: str) -> str:
    """NFC, unified line breaks, no soft hyphens or zero-width characters; offsets refer to this."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "", text)
    text = text.replace("\u00a0", " ")
    return text.strip()


def _tidy_extracted(text: str) -> str:
    """Extracted HTML text: runs of spaces collapsed, lines trimmed, at most one blank line."""
    lines = [re.sub(r"[ \t\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _html_to_text(html: str | bytes, url: str | None, min_chars: int = 0) -> dict:
    import trafilatura  # heavy import, only needed for HTML

    options = {"url": url, "with_metadata": True, "include_comments": False, "include_tables": False}
    doc = trafilatura.bare_extraction(html, **options)
    text = (doc.text if doc is not None else None) or ""
    if len(text.strip()) < max(min_chars, 1):
        # Unusual layouts: the balanced extraction found nothing; try harder before giving up.
        retry = trafilatura.bare_extraction(html, favor_recall=True, **options)
        if retry is not None and len((retry.text or "").strip()) > len(text.strip()):
            doc = retry
    if doc is None:
        return {}
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {k: meta.get(k) for k in ("text", "title", "date", "sitename", "url")}


def clean(raw: RawDocument, settings: Settings) -> CleanDocument:
    """Turn one raw document into text; raise CoopxError (with a stage) when it cannot be used."""
    content = raw.content
    if isinstance(content, bytes):
        if is_binary(content):
            raise CoopxError("binary content, not text or HTML", stage="read")
        content = decode(content)
    kind = raw.content_type or ("html" if looks_like_html(content) else "text")
    title = sitename = None
    published = raw.published
    url = raw.url
    if kind == "html":
        meta = _html_to_text(content, raw.url, settings.min_chars)
        text = _tidy_extracted(normalize_text(meta.get("text") or ""))
        title, sitename = _str_or_none(meta.get("title")), _str_or_none(meta.get("sitename"))
        published = published or meta.get("date")
        url = url or _http_or_none(meta.get("url"))
    else:
        text = content
    text = normalize_text(text)
    if len(text) < settings.min_chars:
        raise CoopxError("empty text: nothing to extract" if not text else f"text too short ({len(text)} characters)", stage="clean")
    lang, _ = language.detect(text)
    if settings.require_german and lang != "de":
        raise CoopxError(f"not German (detected: {lang or 'unknown'})", stage="language")
    warnings: list[str] = []
    if len(text) > settings.max_chars:
        text = text[: settings.max_chars]
        warnings.append(f"text truncated to {settings.max_chars} characters")
    return CleanDocument(
        origin=raw.origin,
        text=text,
        id=raw.id,
        path=raw.path,
        url=url,
        title=title,
        published=_iso_or_none(published),
        sitename=sitename,
        language=lang,
        warnings=tuple(warnings),
    )


def _str_or_none(value) -> str | None:
    if not isinstance(value, str):
        return None
    value = normalize_text(value)
    return value or None


def _http_or_none(value) -> str | None:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def _iso_or_none(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(value).strip())
    if not m:
        return None
    return "-".join(p for p in m.groups() if p)
