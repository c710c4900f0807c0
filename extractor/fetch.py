"""URL -> RawDocument over HTTP(S): timeout, retries with backoff, size limit, redirects."""

from __future__ import annotations

import time

import httpx

from extractor.documents import RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings


def fetch(url: str, settings: Settings) -> RawDocument:
    if not url.startswith(("http://", "https://")):
        raise CoopxError(f"only http and https URLs are supported: {url}", stage="fetch")
    last: Exception | None = None
    for attempt in range(settings.fetch_retries + 1):
        try:
            with httpx.Client(follow_redirects=True, timeout=settings.fetch_timeout,
                              headers={"User-Agent": settings.user_agent}) as client:
                with client.stream("GET", url) as resp:
                    if resp.status_code >= 400:
                        if resp.status_code >= 500 and attempt < settings.fetch_retries:
                            raise httpx.HTTPStatusError("server error", request=resp.request, response=resp)
                        raise CoopxError(f"HTTP {resp.status_code} for {url}", stage="fetch")
                    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                    if ctype and not (ctype.startswith("text/") or "html" in ctype or "xml" in ctype):
                        raise CoopxError(f"not an HTML or text page (content type {ctype}): {url}", stage="fetch")
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        if len(body) > settings.fetch_max_bytes:
                            raise CoopxError(f"page larger than {settings.fetch_max_bytes} bytes: {url}", stage="fetch")
                    charset = resp.charset_encoding
                    content = bytes(body).decode(charset) if charset else bytes(body)
                    return RawDocument(origin=url, content=content, id=None, content_type="html" if "html" in ctype or not ctype else "text",
                                       url=str(resp.url))
        except CoopxError:
            raise
        except (httpx.HTTPError, UnicodeDecodeError, LookupError) as exc:
            last = exc
            if attempt < settings.fetch_retries:
                time.sleep(settings.fetch_backoff * (2**attempt))
    reason = "timed out" if isinstance(last, httpx.TimeoutException) else f"{type(last).__name__}: {last}"
    raise CoopxError(f"cannot fetch {url}: {reason}", stage="fetch")
