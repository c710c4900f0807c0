"""The "Archiv" page of `coopx serve --store archive.duckdb`: the report of `coopx report` with a
search box over all organisations, and the small JSON API behind it.

Each request opens the store read-only and closes it, so `coopx consolidate` can update the
store between requests (while it writes, requests answer 503).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from extractor.errors import CoopxError
from extractor.settings import Settings

PREFIX = "/v1/archive"


def router(store: Path, settings: Settings) -> APIRouter:
    from extractor.archive import describe, report
    from extractor.archive.store import opened

    api = APIRouter()

    def read(work):
        try:
            with opened(store, settings, read_only=True) as con:
                return work(con)
        except CoopxError as exc:
            status = 404 if exc.message.startswith("no such entity") else 503
            raise HTTPException(status, exc.message) from None

    @api.get("/archiv", include_in_schema=False)
    def page() -> HTMLResponse:
        payload = read(lambda con: report.data(con, settings, f"coopx Archiv: {store.name}"))
        return HTMLResponse(report.render(payload, api=PREFIX))

    @api.get(f"{PREFIX}/search", tags=["archive"])
    def search(q: str = Query("", max_length=200), limit: int = Query(20, ge=1, le=100)) -> list[dict]:
        """Organisations whose name or any variant contains `q`, most reported first."""
        return read(lambda con: describe.search(con, q.strip(), limit))

    @api.get(f"{PREFIX}/entities/{{entity_id}}", tags=["archive"])
    def entity(entity_id: str) -> dict:
        """One organisation: row, variants, linked names with their rule, partners, timeline."""
        return read(lambda con: describe.detail(con, entity_id))

    return api
