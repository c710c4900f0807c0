"""The output contract: one `Record` per article.

These pydantic models are the single source of truth; `schemas/record.v1.schema.json` is
generated from them (`coopx schema`) and a test fails when the file is stale. Bump
`SCHEMA_VERSION` on any change a downstream loader could notice.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"

ISO_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"

InstitutionKind = Literal[
    "hospital",
    "university",
    "research_institute",
    "company",
    "public_authority",
    "association",
    "network",
    "other",
]
CooperationType = Literal[
    "patient_care",
    "education",
    "research",
    "telemedicine",
    "network",
    "joint_center",
    "administration",
    "strategic",
    "other",
]
CooperationStatus = Literal["planned", "started", "extended", "ongoing", "ended"]
DateKind = Literal["start", "signed", "joined", "announced", "planned", "ended"]
PipelineKind = Literal["external", "shipped", "rules_only"]
PublishedOrigin = Literal["input", "metadata", "text"]


class Contract(BaseModel):
    """Base for every contract model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class TextSpan(Contract):
    """A stretch of the cleaned text; `text == cleaned_text[start:end]`."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Source(Contract):
    id: str | None = Field(description="The input's own id: the JSONL `id`, else the file stem.")
    path: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = Field(default=None, pattern=ISO_DATE,
                                  description="Publication date, ISO with the precision known.")
    published_origin: PublishedOrigin | None = Field(
        default=None, description="Where `published` comes from: input (given with the document), metadata "
        "(the page's HTML metadata) or text (the article's dateline).")
    sitename: str | None = None
    language: str | None = None
    text_sha256: str


class PipelineInfo(Contract):
    """Which NLP actually ran: never hidden from the user."""

    model: str = Field(description="spaCy pipeline name, e.g. de_core_news_lg, de_coopx_ner, blank:de")
    model_version: str | None = None
    kind: PipelineKind = Field(
        description="external: an installed spaCy model; shipped: coopx's own model; "
        "rules_only: blank German + rules"
    )
    coopx_version: str
    components: list[str] = Field(default_factory=list)


class Institution(Contract):
    id: str
    name: str = Field(description="Canonical nominative form.")
    mentions: list[str] = Field(
        default_factory=list, description="Distinct surface forms as written (inflected, abbreviations)."
    )
    spans: list[TextSpan] = Field(default_factory=list, description="Every occurrence with offsets.")
    kind: InstitutionKind = "other"
    abbreviation: str | None = None
    location: str | None = None


class Person(Contract):
    id: str
    name: str = Field(description="Name without titles.")
    title: str | None = Field(default=None, description='Academic titles as written, e.g. "Prof. Dr. med."')
    role: str | None = Field(default=None, description="Function as written, nominative.")
    affiliation: str | None = Field(default=None, description="Institution id or null.")
    mentions: list[str] = Field(default_factory=list)
    spans: list[TextSpan] = Field(default_factory=list)


class CooperationDate(Contract):
    value: str = Field(pattern=ISO_DATE, description="ISO with the precision the text gives.")
    kind: DateKind
    text: str = Field(description="The words in the article.")


class Cooperation(Contract):
    id: str
    partners: list[str] = Field(min_length=2, description="Institution ids of the parties.")
    name: str | None = None
    types: list[CooperationType] = Field(min_length=1)
    status: CooperationStatus
    date: CooperationDate | None = None
    evidence: list[TextSpan] = Field(min_length=1)
    confidence: float = Field(ge=0.0, le=1.0)


class Record(Contract):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    id: str = Field(description="Stable hash of the cleaned text.")
    source: Source
    pipeline: PipelineInfo
    is_cooperation: bool
    institutions: list[Institution] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    cooperations: list[Cooperation] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def json_schema() -> dict:
    """The published JSON Schema of `Record`."""
    schema = Record.model_json_schema()
    schema["$id"] = f"https://coopx.example/schemas/record.v{SCHEMA_VERSION.split('.')[0]}.schema.json"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
