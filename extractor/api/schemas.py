"""Request and response models of the HTTP API (the record itself is `extractor.records.Record`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from extractor import published as dates
from extractor.errors import CoopxError
from extractor.records import Record
from extractor.settings import DEFAULT

# Default limits of the API (their home is `Settings`; a server uses its own settings' values).
MAX_BATCH = DEFAULT.api_max_batch
MAX_REQUEST_BYTES = DEFAULT.api_max_request_bytes


class ExtractRequest(BaseModel):
    """One input: exactly one of `url`, `text` or `html`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Das Klinikum Nord und die Universität Süd haben am 3. Mai 2024 einen "
                         "Kooperationsvertrag unterzeichnet ...", "published": "2024-05-06"},
                {"url": "https://www.example.org/presse/kooperation.html"},
            ]
        },
    )

    url: str | None = Field(default=None, description="An http(s) URL the server fetches.")
    text: str | None = Field(default=None, description="Plain German text.")
    html: str | None = Field(default=None, description="An HTML page; the article text is found in it.")
    published: str | None = Field(
        default=None, description="Publication date for relative dates: YYYY[-MM[-DD]], or as Germans write it "
        "(11.03.2025, 11. März 2025); sent on as ISO.",
    )
    id: str | None = Field(default=None, description="Your own id, copied into `source.id`.")

    @field_validator("published")
    @classmethod
    def _published(cls, value: str | None) -> str | None:
        try:
            return dates.parse_given(value)
        except CoopxError as exc:
            raise ValueError(exc.message) from None

    @model_validator(mode="after")
    def _exactly_one(self) -> "ExtractRequest":
        given = [name for name in ("url", "text", "html") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'url', 'text' or 'html'" + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ExtractRequest] = Field(
        min_length=1, description=f"Up to {MAX_BATCH} inputs, each like the body of POST /v1/extract."
    )


class ErrorInfo(BaseModel):
    detail: str
    stage: str | None = None


class BatchItem(BaseModel):
    index: int
    id: str | None = None
    ok: bool
    record: Record | None = None
    error: ErrorInfo | None = None


class BatchResponse(BaseModel):
    results: list[BatchItem] = Field(description="One entry per input, in input order.")


class AnalyzeResponse(BaseModel):
    """The record plus the cleaned text its offsets refer to (`text[start:end]`)."""

    record: Record
    text: str


class Health(BaseModel):
    status: Literal["ok", "starting"]
    version: str
    schema_version: str
    pipeline: dict | None
    max_batch: int
    max_request_bytes: int
    allow_private_urls: bool
