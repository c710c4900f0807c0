"""One frozen settings object: the only home of defaults. The CLI and API build it; nothing
below them reads flags or environment variables."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Settings:
    # NLP
    model: str = "auto"  # auto | de_core_news_lg | <installed package> | <path> | blank
    max_chars: int = 200_000  # longer texts are truncated, with a warning in the record
    min_chars: int = 40  # shorter cleaned texts are rejected as empty
    require_german: bool = True
    batch_size: int = 32
    # strings the vocabulary keeps for good: until it holds this many, the words of the texts
    # stay, so the tokenizer caches them (spaCy caches nothing inside a memory zone); beyond,
    # each batch's new words are freed with it, so memory stays flat however long a run is
    # (a full warm vocabulary holds about 55 MB)
    warm_vocabulary: int = 150_000
    decisions: bool = True  # the shipped learned decisions decide (statistical pipelines only); else rules alone

    # Inputs: the most bytes of one document, however it comes (file, gzip, WARC record,
    # JSONL line, stdin, HTTP); also what a .gz may unpack to
    max_input_bytes: int = 10 * 1024 * 1024

    # Fetching URLs
    fetch_timeout: float = 20.0  # one attempt (connect, and between bytes)
    fetch_deadline: float = 30.0  # one URL, all attempts and redirects together
    fetch_retries: int = 2
    fetch_backoff: float = 0.5
    fetch_max_redirects: int = 5
    user_agent: str = "coopx/0.1 (+https://github.com/coopx)"
    allow_private_urls: bool = False

    # HTTP API
    api_max_batch: int = 32  # inputs per POST /v1/extract/batch
    api_max_request_bytes: int = 4 * 1024 * 1024  # whole request body
    api_max_fetches: int = 8  # URLs the server fetches at once (its own threads: text requests never wait)
    api_workers: int = 2  # server processes forked after the model is loaded (each extracts one text at a time)

    # Archive store (coopx consolidate, export, report; serve --store)
    archive_threads: int | None = None  # DuckDB threads; None: DuckDB's default (one per core)
    archive_memory_limit: str = "1GB"  # DuckDB spills to disk beyond this
    report_max_nodes: int = 300  # organisations drawn in the network (the most reported first)
    report_max_cooperations: int = 3000  # cooperations among them (the most reported first)
    report_max_events: int = 20  # timeline events per cooperation (the latest first)
    report_max_evidence: int = 5  # evidence sentences per cooperation in the report

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


DEFAULT = Settings()
