"""Raw input -> plain text with metadata. The only module that imports trafilatura."""

from __future__ import annotations

import re
import unicodedata

from extractor import language
from extractor.documents import CleanDocument, RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings

_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|div|p|article)\b", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def looks_like_html(data: str | bytes) -> bool:
    head = data[:4096].encode("utf-8", "ignore") if isinstance(data, str) else data[:4096]
    return bool(_HTML_HINT.search(head))


def is_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: not a text file."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    ctrl = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and ctrl / len(head) > 0.05


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes -> str, honouring a declared or <meta> charset, then UTF-8, then cp1252."""
    candidates = []
    if declared:
        candidates.append(declared)
    meta = _CHARSET.search(data[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def normalize_text(text: str) -> str:
    """NFC, unified line breaks, no soft hyphens or zero-width characters; offsets refer to this."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "", text)
    text = text.replace("\u00a0", " ")
    return text.strip()


def _html_to_text(html: str | bytes, url: str | None) -> dict:
    import trafilatura  # heavy import, only needed for HTML

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
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
        meta = _html_to_text(content, raw.url)
        text = meta.get("text") or ""
        title, sitename = meta.get("title"), meta.get("sitename")
        published = published or meta.get("date")
        url = url or meta.get("url")
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


def _iso_or_none(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(value).strip())
    if not m:
        return None
    return "-".join(p for p in m.groups() if p)
