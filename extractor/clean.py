"""Raw input -> plain text with metadata. The only module that imports trafilatura.

- bytes are decoded honouring a byte-order mark, the declared charset (HTTP header or WARC
  record), the page's `<meta charset>`, and UTF-8/Windows-1252 as fallbacks; bytes that are not
  valid UTF-8 are decoded with a warning in the record, never silently;
- HTML goes through trafilatura (boilerplate removed) with its metadata: title, publication
  date (htmldate), site name and canonical URL; pages nested deeper than lxml reads by default
  are flattened first, so their text is not lost;
- `published` comes from the input (checked: `extractor.published`), else the page's metadata,
  else the text's dateline (`extractor.dateline`); the record says which (`published_origin`);
- the text is normalised (offsets in records refer to this text), too-short texts are
  rejected (stage "clean") and non-German texts skipped (stage "language").
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from extractor import dateline, language, textsafe
from extractor import published as dates
from extractor.documents import CleanDocument, RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings

_HTML_HINT = re.compile(rb"<\s*(!doctype\s+html|html|head|body|div|p|article)\b", re.IGNORECASE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Single-byte Western charsets: a page that claims one of these but is valid UTF-8 with
# non-ASCII bytes is (almost always) mislabelled UTF-8.
_LATIN = {codecs.lookup(c).name for c in ("iso-8859-1", "iso-8859-15", "windows-1252", "ascii")}
# Codecs Python knows that no web page is really written in: they fail on ordinary bytes
# ("undefined", "punycode") or turn them into something else (utf-7, escapes).
_NOT_PAGE_CHARSETS = {codecs.lookup(c).name for c in ("undefined", "punycode", "idna", "utf-7", "unicode_escape",
                                                      "raw_unicode_escape")}
_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
# Pages nested deeper than this are flattened before trafilatura sees them: libxml2 stops
# reading at 256 levels (and at 2048 with its "huge" option), dropping all text below.
MAX_DEPTH = 200
HUGE_DEPTH = 2000
_KEEP_TAGS = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "title"}
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_WRAPPER_TAG = re.compile(r"</?(?!(?:p|br|h[1-6]|html|head|body|title|meta)\b)[a-zA-Z][^>]*>")


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
    """The codec for a charset label, if it is one a text can really be written in."""
    if not enc:
        return None
    try:
        info = codecs.lookup(enc.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    if info.name in _NOT_PAGE_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def decode(data: bytes, declared: str | None = None) -> str:
    """Bytes -> str (see `decode_noted`)."""
    return decode_noted(data, declared)[0]


def decode_noted(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Bytes -> (str, a warning for the record when the bytes were not valid in any charset).

    Order: a byte-order mark; the declared charset (HTTP header / WARC record), then the
    page's <meta> charset, each used only when the bytes decode cleanly in it (labels of no
    real charset, such as "undefined", are passed over); UTF-8; then detection: UTF-8 with the
    bad bytes replaced when most non-ASCII bytes are UTF-8, else Windows-1252. A
    Latin-1/Windows-1252 label on bytes that are valid, non-ASCII UTF-8 is treated as the
    common mislabelling it is.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), None
    utf8: str | None = None
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [c for c in (_usable(declared), _usable(meta_charset(data))) if c]
    for enc in candidates:
        if utf8 is not None and enc in _LATIN and not data.isascii():
            return utf8, None
        try:
            return data.decode(enc), None
        except (LookupError, UnicodeError):
            continue
    if utf8 is not None:
        return utf8, None
    return _detect(data)


def _detect(data: bytes) -> tuple[str, str]:
    """Bytes valid in no charset tried: mostly UTF-8 with a few bad bytes, or Windows-1252."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if len(_NON_ASCII.findall(text)) > bad:
        return text, f"input is not valid UTF-8: {bad} undecodable byte sequence(s) replaced by U+FFFD"
    return data.decode("cp1252", errors="replace"), "input is not valid UTF-8: decoded as Windows-1252"


def normalize_text(text: str) -> str:
    """NFC, unified line breaks, no soft hyphens, zero-width characters or lone surrogates;
    offsets refer to this."""
    text = unicodedata.normalize("NFC", textsafe.text(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00ad\u200b\u200c\u200d\ufeff]", "", text)
    text = text.replace("\u00a0", " ")
    return text.strip()


def _tidy_extracted(text: str) -> str:
    """Extracted HTML text: runs of spaces collapsed, lines trimmed, at most one blank line."""
    lines = [re.sub(r"[ \t\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _depths(tree) -> tuple[int, list]:
    """(the tree's depth, its elements at depth MAX_DEPTH)."""
    from lxml import etree

    depth = deepest = 0
    at_limit = []
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth == MAX_DEPTH:
            at_limit.append(element)
    return deepest, at_limit


def _parse_huge(html: str):
    from lxml import etree
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(huge_tree=True, collect_ids=False, remove_comments=True, remove_pis=True)
    try:
        return lxml_html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None


def shallow(html: str) -> str:
    """The page as trafilatura should get it: the string itself, or, for a page nested deeper
    than MAX_DEPTH, the page again with its elements below that depth keeping only paragraph
    and heading tags (a string: trafilatura parses it as any page, and may change its tree)."""
    from lxml import html as lxml_html

    tree = _parse_huge(html)
    if tree is None:
        return html
    deepest, at_limit = _depths(tree)
    if deepest < MAX_DEPTH:
        return html
    if deepest >= HUGE_DEPTH:  # even the huge parser stops here: drop wrapper tags from the source
        tree = _parse_huge(_WRAPPER_TAG.sub(" ", _SCRIPT.sub(" ", html)))
        if tree is None:
            return html
        deepest, at_limit = _depths(tree)
    for element in at_limit:
        for inner in list(element.iterdescendants()):
            if isinstance(inner.tag, str) and inner.tag not in _KEEP_TAGS:
                inner.drop_tag()  # its text and children stay, one level up
    return lxml_html.tostring(tree, encoding="unicode")


def _html_to_text(html: str, url: str | None, min_chars: int = 0) -> dict:
    import trafilatura  # heavy import, only needed for HTML

    html = shallow(html)
    options = {"url": url, "with_metadata": True, "include_comments": False, "include_tables": False}
    try:
        doc = trafilatura.bare_extraction(html, **options)
        text = (doc.text if doc is not None else None) or ""
        if len(text.strip()) < max(min_chars, 1):
            # Unusual layouts: the balanced extraction found nothing; try harder before giving up.
            retry = trafilatura.bare_extraction(html, favor_recall=True, **options)
            if retry is not None and len((retry.text or "").strip()) > len(text.strip()):
                doc = retry
    except Exception as exc:  # trafilatura or lxml choking on a page: that page's problem, in our words
        raise CoopxError(f"cannot read this HTML ({type(exc).__name__}: {exc})", stage="clean") from exc
    if doc is None:
        return {}
    meta = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    return {k: meta.get(k) for k in ("text", "title", "date", "sitename", "url")}


def clean(raw: RawDocument, settings: Settings) -> CleanDocument:
    """Turn one raw document into text; raise CoopxError (with a stage) when it cannot be used."""
    content = raw.content
    warnings: list[str] = list(raw.notes)
    if isinstance(content, bytes):
        if is_binary(content):
            raise CoopxError("binary content, not text or HTML", stage="read")
        content, note = decode_noted(content)
        warnings += [note] if note else []
    kind = raw.content_type or ("html" if looks_like_html(content) else "text")
    title = sitename = None
    published = dates.parse_given(raw.published)
    origin = "input" if published else None
    url = textsafe.optional(raw.url)
    if kind == "html":
        meta = _html_to_text(content, raw.url, settings.min_chars)
        text = _tidy_extracted(normalize_text(meta.get("text") or ""))
        title, sitename = _str_or_none(meta.get("title")), _str_or_none(meta.get("sitename"))
        if published is None and (published := dates.parse_or_none(meta.get("date"))):
            origin = "metadata"
        url = url or _http_or_none(meta.get("url"))
    else:
        text = content
    text = normalize_text(text)
    if len(text) < settings.min_chars:
        n = len(text)
        raise CoopxError(f"text too short ({n} character{'s' if n != 1 else ''})" if n else "empty text: nothing to extract",
                         stage="clean")
    lang, _ = language.detect(text)
    if settings.require_german and lang != "de":
        raise CoopxError(f"not German (detected: {lang or 'unknown'})", stage="language")
    if len(text) > settings.max_chars:
        text = text[: settings.max_chars]
        warnings.append(f"text truncated to {settings.max_chars} characters")
    if published is None and (published := dateline.find(text)):
        origin = "text"
    return CleanDocument(
        origin=textsafe.label(raw.origin),
        text=text,
        id=textsafe.optional(raw.id),
        path=textsafe.optional(raw.path),
        url=url,
        title=title,
        published=published,
        published_origin=origin,
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
    return textsafe.label(value) if isinstance(value, str) and value.startswith(("http://", "https://")) else None
