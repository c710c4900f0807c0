"""The FastAPI application: JSON API (`/v1/...`), health, schema, offline docs and the web page.

The spaCy pipeline is loaded once when the app starts (lifespan) and shared by all requests.
The work runs off the event loop: cleaning and NLP in the thread pool (one document at a time
through the one pipeline), URL fetches in a pool of their own with at most `api_max_fetches`
at once; a URL request ends within `fetch_deadline` (one that finds every fetch slot busy for
half of it gets 503). So slow pages never hold the threads that text requests need, and `/health`
(answered on the event loop itself) never waits at all.
Every input problem is a 4xx JSON answer `{"detail": "...", "stage": "..."}`; an unexpected
error is a bare 500 JSON answer, with the traceback only in the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from extractor import __version__, textsafe
from extractor import clean as cleaning
from extractor.api.schemas import (
    AnalyzeResponse,
    BatchItem,
    BatchRequest,
    BatchResponse,
    ErrorInfo,
    ExtractRequest,
    Health,
)
from extractor.documents import RawDocument
from extractor.errors import CoopxError
from extractor.records import SCHEMA_VERSION, Record, json_schema
from extractor.settings import DEFAULT, Settings

log = logging.getLogger("coopx.api")

STATIC = Path(__file__).resolve().parent / "static"

# HTTP status for a CoopxError, by stage; anything not listed is 422 (the input cannot be used).
STAGE_STATUS = {"setup": 503, "busy": 503}

DESCRIPTION = """
Cooperation facts from German press releases as validated JSON records (schema v1).

* `POST /v1/extract` — one input (`url`, `text` or `html`, exactly one) → record
* `POST /v1/analyze` — the same input → `{{"record": ..., "text": ...}}`: the record plus the cleaned
  text that all `start`/`end` offsets refer to (used by the web page at `/`)
* `POST /v1/extract/batch` — `{{"items": [...]}}` with up to {max_batch} inputs → one result per input
* `GET /v1/schema` — JSON Schema of the record · `GET /health` — status and the loaded pipeline

Errors are JSON `{{"detail": "...", "stage": "..."}}`: 422 for inputs that cannot be used (invalid or
refused URL, unreachable host, timeout, not HTML, page too large, empty or non-German text,
impossible publication date), 413 when the request body exceeds {max_bytes} bytes, 503 when
{max_fetches} pages are being fetched already for half of the fetch deadline.
"""


# -- helpers ---------------------------------------------------------------------------------
class SafeJSONResponse(JSONResponse):
    """JSON as UTF-8; a string that cannot be UTF-8 (a lone surrogate from the request's JSON)
    is sent as a JSON escape instead of failing the answer."""

    def render(self, content) -> bytes:
        try:
            return super().render(content)
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _error(status: int, detail: str, stage: str | None = None) -> JSONResponse:
    body = {"detail": textsafe.label(detail)}
    if stage:
        body["stage"] = stage
    return SafeJSONResponse(body, status_code=status)


def check_url(url: str, settings: Settings) -> None:
    """Refuse URLs the server must not fetch (not http(s), or by default a loopback, private or
    link-local address); the rule itself lives in `extractor.fetch`, which also checks redirects."""
    from extractor.fetch import check_url_allowed

    check_url_allowed(url.strip(), settings)


class GuardMiddleware:
    """Pure ASGI middleware: caps the request body size (413, also for chunked bodies without a
    Content-Length) and turns any unexpected exception into a clean 500 JSON answer, logging the
    traceback server-side only."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = _error(413, f"request body too large (limit {self.max_bytes} bytes)", "request")
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await too_large(scope, receive, send)
                return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            # read the body here, up to the limit, then replay it to the app
            chunks, size, more = [], 0, True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return  # client went away
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await too_large(scope, receive, send)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            replayed = False

            async def replay():
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                return await receive()

            app_receive = replay
        else:
            app_receive = receive

        started = False

        async def guarded_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, app_receive, guarded_send)
        except Exception:
            log.exception("unexpected error in %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _error(500, "internal server error", "server")(scope, receive, send)


# -- the work (runs in the thread pool) ------------------------------------------------------
class Fetcher:
    """URLs fetched in threads of their own, at most `api_max_fetches` at once."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: ThreadPoolExecutor | None = None
        self.slots: asyncio.Semaphore | None = None
        self.client = None  # one httpx client for all fetches: pooled connections (each fetch sets its own timeout)

    def start(self) -> None:
        """Called in the event loop the app runs in (the semaphore belongs to it)."""
        from extractor.fetch import make_client

        self.pool = ThreadPoolExecutor(max_workers=self.settings.api_max_fetches, thread_name_prefix="coopx-fetch")
        self.slots = asyncio.Semaphore(self.settings.api_max_fetches)
        self.client = make_client(self.settings)

    async def fetch(self, url: str) -> RawDocument:
        """The page, within `fetch_deadline` in all: waiting for a slot takes at most half of it
        (then 503), the fetch gets what is left."""
        from extractor.fetch import fetch

        if self.slots is None or self.pool is None:
            self.start()
        loop = asyncio.get_running_loop()
        deadline = self.settings.fetch_deadline
        started = loop.time()
        try:
            await asyncio.wait_for(self.slots.acquire(), timeout=deadline / 2)
        except asyncio.TimeoutError:
            raise CoopxError(f"the server is busy fetching {self.settings.api_max_fetches} other pages; try again "
                             "later", stage="busy") from None
        try:  # fetch() checks the URL (check_url's rule) before it connects
            settings = self.settings.with_(fetch_deadline=deadline - (loop.time() - started))
            return await loop.run_in_executor(self.pool, partial(fetch, url.strip(), settings, client=self.client))
        finally:
            self.slots.release()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        if self.client is not None:
            self.client.close()


class Service:
    """Input -> (Record, cleaned text), with the one shared pipeline."""

    def __init__(self, settings: Settings, pipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.fetcher = Fetcher(settings)
        self._lock = threading.Lock()  # one spaCy Language, one document at a time

    async def raw(self, req: ExtractRequest) -> RawDocument:
        if req.url is not None:
            raw = await self.fetcher.fetch(req.url)
            return replace(raw, id=req.id if req.id is not None else raw.id,
                           published=req.published or raw.published)
        if req.text is not None:
            return RawDocument(origin=req.id or "text", content=req.text, id=req.id, content_type="text",
                               published=req.published)
        return RawDocument(origin=req.id or "html", content=req.html, id=req.id, content_type="html",
                           published=req.published)

    def _extract(self, raw: RawDocument) -> tuple[Record, str]:
        doc = cleaning.clean(raw, self.settings)
        with self._lock:
            return self.pipeline.extract_clean(doc), doc.text

    async def analyze(self, req: ExtractRequest) -> tuple[Record, str]:
        raw = await self.raw(req)
        return await run_in_threadpool(self._extract, raw)

    async def batch(self, items: list[ExtractRequest]) -> list[BatchItem]:
        results = []
        for n, req in enumerate(items):
            rid = textsafe.optional(req.id)
            try:
                record, _ = await self.analyze(req)
                results.append(BatchItem(index=n, id=rid, ok=True, record=record))
            except CoopxError as exc:
                results.append(BatchItem(index=n, id=rid, ok=False,
                                         error=ErrorInfo(detail=textsafe.label(exc.message), stage=exc.stage)))
            except Exception:  # one broken input must not fail the batch
                log.exception("unexpected error in batch item %d", n)
                results.append(BatchItem(index=n, id=rid, ok=False,
                                         error=ErrorInfo(detail="internal error while extracting", stage="extract")))
        return results


# -- the app ---------------------------------------------------------------------------------
def create_app(settings: Settings = DEFAULT, pipeline=None, store: Path | None = None) -> FastAPI:
    """The ASGI app. `pipeline` (an `extractor.pipeline.Pipeline`) is loaded at start-up when not given;
    `store` (an archive store) adds the Archiv page (`extractor.api.archive`)."""
    max_batch = settings.api_max_batch
    max_bytes = settings.api_max_request_bytes

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service.fetcher.start()
        if app.state.service.pipeline is None:
            from extractor.pipeline import Pipeline

            app.state.service.pipeline = await run_in_threadpool(Pipeline, settings)
            log.info("coopx pipeline loaded: %s (%s)", app.state.service.pipeline.info.model,
                     app.state.service.pipeline.info.kind)
        yield
        app.state.service.fetcher.close()

    app = FastAPI(
        title="coopx",
        version=__version__,
        description=DESCRIPTION.format(max_batch=max_batch, max_bytes=max_bytes, max_fetches=settings.api_max_fetches),
        default_response_class=SafeJSONResponse,
        docs_url=None,  # served below with local assets (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = Service(settings, pipeline)
    app.state.settings = settings
    app.add_middleware(GuardMiddleware, max_bytes=max_bytes)

    def service() -> Service:
        svc = app.state.service
        if svc.pipeline is None:
            raise HTTPException(503, "the pipeline is still loading")
        return svc

    # -- errors --
    @app.exception_handler(CoopxError)
    async def coopx_error(request: Request, exc: CoopxError):
        return _error(STAGE_STATUS.get(exc.stage, 422), exc.message, exc.stage)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        msgs = []
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                reason = (err.get("ctx") or {}).get("error", "")
                msgs.append(f"the request body is not valid JSON ({reason})" if reason else "the request body is not valid JSON")
                continue
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            msgs.append(f"{loc}: {msg}" if loc else msg)
        # without the offending input: it may be megabytes of text
        errors = json.loads(json.dumps([{k: v for k, v in e.items() if k != "input"} for e in exc.errors()], default=str))
        body = {"detail": textsafe.label("; ".join(msgs) or "invalid request"), "stage": "request", "errors": errors}
        return SafeJSONResponse(body, status_code=422)

    # -- API --
    @app.get("/health", response_model=Health, tags=["meta"])
    async def health() -> Health:
        """Liveness, versions, limits and the loaded pipeline (model, kind, components); answered
        on the event loop, so it never waits behind extraction or fetching."""
        pipe = app.state.service.pipeline
        return Health(
            status="ok" if pipe is not None else "starting",
            version=__version__,
            schema_version=SCHEMA_VERSION,
            pipeline=pipe.info.model_dump() if pipe is not None else None,
            max_batch=max_batch,
            max_request_bytes=max_bytes,
            allow_private_urls=settings.allow_private_urls,
        )

    @app.get("/v1/schema", tags=["meta"])
    def schema() -> dict:
        """The JSON Schema of the record (v1)."""
        return json_schema()

    @app.post("/v1/extract", response_model=Record, tags=["extract"],
              responses={413: {"model": ErrorInfo}, 422: {"model": ErrorInfo}})
    async def extract(req: ExtractRequest) -> Record:
        """The record for one input: `url` (fetched by the server), `text` or `html`; exactly one."""
        record, _ = await service().analyze(req)
        return record

    @app.post("/v1/analyze", response_model=AnalyzeResponse, tags=["extract"],
              responses={413: {"model": ErrorInfo}, 422: {"model": ErrorInfo}})
    async def analyze(req: ExtractRequest) -> AnalyzeResponse:
        """Like /v1/extract, plus the cleaned text that every `start`/`end` offset refers to."""
        record, text = await service().analyze(req)
        return AnalyzeResponse(record=record, text=text)

    batch_doc = (f"Up to {max_batch} inputs (each like the body of /v1/extract); one result per input, in "
                 'order: `{"index": 0, "ok": true, "record": ...}` or `{"index": 1, "ok": false, "error": '
                 '{"detail": ..., "stage": ...}}`.')

    @app.post("/v1/extract/batch", response_model=BatchResponse, tags=["extract"], description=batch_doc,
              responses={413: {"model": ErrorInfo}, 422: {"model": ErrorInfo}})
    async def extract_batch(req: BatchRequest) -> BatchResponse:
        if len(req.items) > max_batch:
            raise HTTPException(422, f"too many items: {len(req.items)} (at most {max_batch} per batch)")
        return BatchResponse(results=await service().batch(req.items))

    if store is not None:
        from extractor.api.archive import router as archive_router

        app.include_router(archive_router(Path(store), settings))

    # -- docs and page --
    _mount_docs(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    return app


def _mount_docs(app: FastAPI) -> None:
    """/docs without internet: Swagger UI from the `swagger-ui-bundle-v2` package when installed,
    else coopx's own small docs page (static/docs.html), which renders /openapi.json."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        swagger_ui_path = None
    if swagger_ui_path is not None and (Path(str(swagger_ui_path)) / "swagger-ui-bundle.js").is_file():
        from fastapi.openapi.docs import get_swagger_ui_html

        app.mount("/static/swagger-ui", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

        @app.get("/docs", include_in_schema=False)
        def docs() -> HTMLResponse:
            return get_swagger_ui_html(
                openapi_url=app.openapi_url,
                title="coopx API",
                swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
                swagger_css_url="/static/swagger-ui/swagger-ui.css",
                swagger_favicon_url="/static/favicon.svg",
                swagger_ui_parameters={"validatorUrl": None},  # no call to the online validator
            )
    else:
        @app.get("/docs", include_in_schema=False)
        def docs() -> FileResponse:
            return FileResponse(STATIC / "docs.html", media_type="text/html")


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings = DEFAULT, store: Path | None = None) -> None:
    """Run the app with uvicorn. The model is loaded before the port opens, so a bad `--model`
    is one clear error line instead of a failed start-up. With `api_workers` > 1 the loaded
    process forks that many servers on one socket: one spaCy pipeline serves one request at a
    time, so a second process is what lets concurrent requests use a second core (the model's
    memory is shared with the forks until written to)."""
    import sys

    import uvicorn

    from extractor.pipeline import Pipeline

    try:
        pipeline = Pipeline(settings)
    except CoopxError as exc:
        print(f"coopx: error: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from None
    workers = settings.api_workers if hasattr(os, "fork") else 1
    print(f"coopx: pipeline {pipeline.info.model} ({pipeline.info.kind}), {workers} worker process(es); "
          f"web page on http://{host}:{port}/ , API docs on http://{host}:{port}/docs", file=sys.stderr)
    if store is not None:
        print(f"coopx: archive {store} on http://{host}:{port}/archiv", file=sys.stderr)
    config = uvicorn.Config(create_app(settings, pipeline=pipeline, store=store), host=host, port=port, log_level="info")
    gc.freeze()  # the model lives as long as the server: the collector stops walking (and the forks copying) it
    if workers <= 1:
        _serve_one(config)
        return
    try:
        sock = _listen(host, port)
    except OSError as exc:
        print(f"coopx: error: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        raise SystemExit(1) from None
    status = _run_forked(config, sock, workers)
    if status:
        raise SystemExit(status)


def _serve_one(config, sockets: list[socket.socket] | None = None) -> None:
    """One uvicorn server; a start-up that fails exits with 3, as `uvicorn.run` does."""
    import uvicorn

    server = uvicorn.Server(config)
    server.run(sockets=sockets)
    if not server.started:
        raise SystemExit(3)


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket made with its protocol named: asyncio sets TCP_NODELAY only on
    sockets whose `proto` says TCP, and without it each keep-alive response waits ~40 ms for a
    delayed ACK. IPv4 unless the host is an IPv6 address, as uvicorn binds."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    family, kind, proto, _, address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, socket.IPPROTO_TCP)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(2048)
    return sock


def _run_forked(config, sock: socket.socket, workers: int) -> int:
    """`workers` forks serving `sock`. The parent passes SIGINT/SIGTERM on and waits; when a
    worker fails, it stops the others and returns the failure's exit status (a service
    manager then restarts the whole server)."""
    alive: set[int] = set()
    stopping: list[bool] = []

    def stop(signum=None, _frame=None) -> None:
        stopping.append(True)
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)  # before the first fork: no signal finds a worker without a parent
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: its own event loop, thread pool and (uvicorn's) signal handlers
            for sig in (signal.SIGTERM, signal.SIGINT):  # before uvicorn's, and what uvicorn re-raises after its shutdown
                signal.signal(sig, lambda *_: os._exit(0))
            code = 0
            try:
                _serve_one(config, [sock])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                log.exception("coopx worker %d stopped on an error", os.getpid())
                code = 1
            finally:
                os._exit(code)
        alive.add(pid)
    sock.close()
    status = 0
    while alive:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        alive.discard(pid)
        code = os.waitstatus_to_exitcode(raw)
        if code == -signal.SIGTERM and stopping:
            code = 0
        if code != 0 and status == 0:
            log.error("coopx worker %d exited with %d: stopping the server", pid, code)
            status = code if code > 0 else 1
            stop()
    return status
