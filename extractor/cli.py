"""`coopx` command line: extract, batch, schema, serve.

The CLI only turns flags into a `Settings` object and prints results; a bad input is one clear
line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from extractor.errors import CoopxError
from extractor.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cooperation facts from German press releases.")


class OutputFormat(str, Enum):
    json = "json"
    summary = "summary"


class BatchFormat(str, Enum):
    jsonl = "jsonl"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    dask = "dask"


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"coopx: error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def extract(
    source: str = typer.Argument(..., help="A file (text or HTML), an http(s) URL, or - for stdin."),
    format: OutputFormat = typer.Option(OutputFormat.json, "--format", "-f", help="json (default) or a readable summary."),
    model: str = typer.Option("auto", help="auto | de_core_news_lg | shipped | blank | a model path."),
    published: Optional[str] = typer.Option(None, help="Publication date (YYYY-MM-DD) for relative dates."),
    allow_private_urls: bool = typer.Option(False, help="Allow URLs on loopback/private networks."),
) -> None:
    """Extract the cooperation facts of one article."""
    from dataclasses import replace

    from extractor.clean import clean
    from extractor.documents import Skip
    from extractor.pipeline import Pipeline
    from extractor.readers import read

    settings = Settings(model=model, allow_private_urls=allow_private_urls)
    try:
        docs = list(read(source, settings))
        if len(docs) != 1:
            _fail(f"{source}: expected one document, found {len(docs)} (use `coopx batch` for folders and JSONL)")
        raw = docs[0]
        if isinstance(raw, Skip):
            _fail(f"{raw.origin}: {raw.reason}")
        if published:
            raw = replace(raw, published=published)
        cleaned = clean(raw, settings)
        record = Pipeline(settings).extract_clean(cleaned)
    except CoopxError as exc:
        _fail(f"{source}: {exc.message}")
    if format is OutputFormat.summary:
        from extractor.summary import render

        render(record, source=source, text=cleaned.text)
    else:
        typer.echo(record.model_dump_json(indent=2))


@app.command()
def batch(
    inputs: list[str] = typer.Argument(..., help="Folders, files, .jsonl dumps, WARC files, URL lists, URLs or -."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file (JSON Lines, or a folder of Parquet tables)."),
    workers: Optional[int] = typer.Option(None, help="Worker processes (default: all cores)."),
    engine: Engine = typer.Option(Engine.local, help="local processes or a dask cluster."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://host:port)."),
    resume: bool = typer.Option(False, help="Continue an interrupted run: skip inputs already done."),
    errors: Optional[Path] = typer.Option(None, help="Errors file (JSON Lines); default OUTPUT.errors.jsonl."),
    format: BatchFormat = typer.Option(BatchFormat.jsonl, "--format", help="jsonl or parquet."),
    model: str = typer.Option("auto", help="auto | de_core_news_lg | shipped | blank | a model path."),
    allow_private_urls: bool = typer.Option(False, help="Allow URLs on loopback/private networks."),
) -> None:
    """Extract records for many articles, one JSON line per article.

    Inputs: folders (.html/.htm/.txt and their .gz, recursively), files, .warc/.warc.gz,
    .jsonl dumps, URL lists (.urls, or a .txt/stdin of http(s) URLs only), URLs, or - for stdin.
    Inputs without a record go to the errors file with a reason; exit code 2 if any failed.
    """
    from extractor.batch import BatchOptions, run_batch

    settings = Settings(model=model, allow_private_urls=allow_private_urls)
    options = BatchOptions(
        inputs=list(inputs),
        output=output,
        errors=errors,
        workers=workers,
        engine=engine.value,
        scheduler=scheduler,
        resume=resume,
        format=format.value,
    )
    try:
        summary = run_batch(options, settings)
    except CoopxError as exc:
        _fail(exc.message)
    except KeyboardInterrupt:  # run_batch has said how to continue (--resume)
        raise typer.Exit(130)
    if summary.failed:
        raise typer.Exit(2)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the record contract."""
    from extractor.records import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port."),
    model: str = typer.Option("auto", help="auto | de_core_news_lg | shipped | blank | a model path."),
    allow_private_urls: bool = typer.Option(False, help="Let the server fetch URLs on loopback/private networks."),
) -> None:
    """Run the HTTP API and the web page."""
    from extractor.api import serve as run_server

    run_server(host=host, port=port, settings=Settings(model=model, allow_private_urls=allow_private_urls))


def main() -> None:  # pragma: no cover - console entry for `python -m extractor.cli`
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
