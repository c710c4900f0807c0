"""HTTP API and web page of coopx: `coopx serve` runs `serve()`; `create_app()` builds the ASGI app.

Endpoints: `POST /v1/extract`, `POST /v1/analyze` (record + cleaned text), `POST /v1/extract/batch`
(at most `MAX_BATCH` inputs), `GET /v1/schema`, `GET /health`, `GET /docs` (offline), `GET /` (page);
with an archive store (`coopx serve --store`) also `GET /archiv` and `GET /v1/archive/...` (`archive`).
"""

from extractor.api.app import check_url, create_app, serve
from extractor.api.schemas import MAX_BATCH, MAX_REQUEST_BYTES

__all__ = ["create_app", "serve", "check_url", "MAX_BATCH", "MAX_REQUEST_BYTES"]
