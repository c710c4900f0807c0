"""URL -> RawDocument over HTTP(S).

One GET per attempt with: a per-attempt deadline (`fetch_timeout`, also for pages that trickle),
retries with exponential backoff on timeouts, connection errors, 429 and 5xx, and one deadline
for the whole fetch (`fetch_deadline`: all attempts, backoffs and redirects together), so a slow
URL holds a worker for at most that long; a size limit
(`max_input_bytes`, checked on Content-Length and while streaming), our user agent, redirects
followed by hand (each target is checked, at most `fetch_max_redirects`), HTML/text content
types only, and the charset from the HTTP header, else the page's <meta>, else UTF-8/cp1252.

`check_url_allowed` is the safety check shared with the server: unless
`settings.allow_private_urls`, a URL whose host resolves to a loopback, private, link-local or
otherwise non-public address is refused, and so is every redirect target; after connecting, the
peer address is checked again (DNS may change between the check and the request).
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx

from extractor.clean import decode_noted
from extractor.documents import RawDocument
from extractor.errors import CoopxError
from extractor.settings import Settings

REDIRECT_CODES = (301, 302, 303, 307, 308)
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class _Retryable(Exception):
    """A failure worth another attempt (timeouts, connection problems, 429, 5xx)."""


# -- safety check -----------------------------------------------------------------------------
def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not loopback/private/link-local/reserved)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_private
                                 or ip.is_reserved or ip.is_unspecified)


def check_url_allowed(url: str, settings: Settings) -> None:
    """Raise CoopxError (stage "fetch") unless `url` may be fetched.

    Always: http or https, with a host. Unless `settings.allow_private_urls`: every address the
    host resolves to must be public (no loopback, private, link-local, CGNAT, reserved,
    multicast or unspecified address; IPv4-mapped IPv6 addresses are unwrapped).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise CoopxError(f"not a valid URL: {url} ({exc})", stage="fetch") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise CoopxError(f"only http and https URLs are supported: {url}", stage="fetch")
    host = parts.hostname
    if not host:
        raise CoopxError(f"URL has no host: {url}", stage="fetch")
    if settings.allow_private_urls:
        return
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise CoopxError(f"cannot resolve host {host!r}: {exc}", stage="fetch") from exc
    addresses = sorted({info[4][0] for info in infos})
    blocked = [a for a in addresses if not is_public_address(a)]
    if not addresses or blocked:
        raise CoopxError(
            f"refusing to fetch {url}: host {host} resolves to a non-public address ({', '.join(blocked) or 'none'}); "
            "private and loopback URLs need allow_private_urls (--allow-private-urls)",
            stage="fetch",
        )


def _check_peer(resp: httpx.Response, url: str, settings: Settings) -> None:
    """The address we actually connected to must be public too (DNS rebinding)."""
    if settings.allow_private_urls or any(os.environ.get(v) for v in _PROXY_VARS):
        return
    stream = resp.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer and not is_public_address(str(peer[0])):
        raise CoopxError(f"refusing to fetch {url}: connected to non-public address {peer[0]}", stage="fetch")


# -- fetching ---------------------------------------------------------------------------------
def make_client(settings: Settings) -> httpx.Client:
    """A client for many fetches (thread-safe; connection pooling). Redirects are ours."""
    return httpx.Client(
        follow_redirects=False,
        timeout=httpx.Timeout(settings.fetch_timeout),
        headers={"User-Agent": settings.user_agent, "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"},
    )


def fetch(url: str, settings: Settings, *, client: httpx.Client | None = None, origin: str | None = None,
          id: str | None = None, published: str | None = None) -> RawDocument:
    """Fetch one page; raise CoopxError (stage "fetch") with a reason a user can act on."""
    check_url_allowed(url, settings)
    deadline = time.monotonic() + settings.fetch_deadline
    own = client is None
    client = client or make_client(settings)
    last = "unknown error"
    tries = 0
    try:
        for attempt in range(settings.fetch_retries + 1):
            if attempt:
                pause = settings.fetch_backoff * (2 ** (attempt - 1))
                if time.monotonic() + pause >= deadline:
                    break
                time.sleep(pause)
            tries += 1
            try:
                return _fetch_once(client, url, settings, deadline, origin=origin or url, id=id, published=published)
            except _Retryable as exc:
                last = str(exc)
    finally:
        if own:
            client.close()
    raise CoopxError(f"cannot fetch {url}: {last}" + (f" (after {tries} attempts)" if tries > 1 else ""), stage="fetch")


def _fetch_once(client: httpx.Client, url: str, settings: Settings, overall: float, *, origin: str, id: str | None,
                published: str | None) -> RawDocument:
    """One attempt, redirects included; its deadline is `fetch_timeout` from now, or `overall` if sooner."""
    deadline = min(time.monotonic() + settings.fetch_timeout, overall)
    current = url
    for hop in range(settings.fetch_max_redirects + 1):
        if hop:
            check_url_allowed(current, settings)
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Retryable(f"timed out after {settings.fetch_deadline:g} s in all")
        try:
            with client.stream("GET", current, timeout=httpx.Timeout(min(settings.fetch_timeout, left))) as resp:
                _check_peer(resp, current, settings)
                if resp.status_code in REDIRECT_CODES and resp.headers.get("location"):
                    current = urljoin(str(resp.url), resp.headers["location"])
                    continue
                return _read_response(resp, url, settings, deadline, origin=origin, id=id, published=published)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out after {min(settings.fetch_timeout, left):g} s") from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        except (httpx.InvalidURL, ValueError) as exc:  # e.g. a host name no IDNA encoding takes
            raise CoopxError(f"not a valid URL: {current} ({exc})", stage="fetch") from exc
    raise CoopxError(f"cannot fetch {url}: more than {settings.fetch_max_redirects} redirects", stage="fetch")


def _read_response(resp: httpx.Response, url: str, settings: Settings, deadline: float, *, origin: str,
                   id: str | None, published: str | None) -> RawDocument:
    status = resp.status_code
    if status == 429 or status >= 500:
        raise _Retryable(f"HTTP {status} {resp.reason_phrase}".strip())
    if status >= 400:
        raise CoopxError(f"cannot fetch {url}: HTTP {status} {resp.reason_phrase}".strip(), stage="fetch")
    if status in REDIRECT_CODES:
        raise CoopxError(f"cannot fetch {url}: HTTP {status} redirect without a Location", stage="fetch")
    ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in HTML_TYPES:
        kind = "html"
    elif ctype in TEXT_TYPES:
        kind = "text"
    elif not ctype:
        kind = None  # sniffed by clean
    else:
        raise CoopxError(f"not an HTML or text page (content type {ctype}): {url}", stage="fetch")
    limit = settings.max_input_bytes
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise CoopxError(f"page larger than the limit of {limit} bytes ({length} bytes): {url}", stage="fetch")
    body = bytearray()
    for chunk in resp.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise CoopxError(f"page larger than the limit of {limit} bytes: {url}", stage="fetch")
        if time.monotonic() > deadline:
            raise _Retryable(f"timed out after {settings.fetch_timeout:g} s (body too slow)")
    text, note = decode_noted(bytes(body), resp.charset_encoding)
    return RawDocument(
        origin=origin,
        content=text,
        id=id,
        content_type=kind,
        url=str(resp.url),
        published=published,
        fetched=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        notes=(note,) if note else (),
    )
