"""`coopx` command line: extract, batch, schema, serve; consolidate, entities, export, report
(the archive store, see docs/archive.md).

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
    store: Optional[Path] = typer.Option(None, help="An archive store (coopx consolidate): adds the Archiv page /archiv."),
) -> None:
    """Run the HTTP API and the web page."""
    from extractor.api import serve as run_server

    if store is not None:
        _check_store(store)
    run_server(host=host, port=port, settings=Settings(model=model, allow_private_urls=allow_private_urls), store=store)


# -- the archive store (docs/archive.md) -----------------------------------------------------
class ExportFormat(str, Enum):
    graphml = "graphml"
    neo4j = "neo4j"
    parquet = "parquet"
    csv = "csv"


STORE_OPTION = typer.Option(..., "--store", "-s", help="The archive store (a DuckDB file).")


def _check_store(store: Path) -> None:
    from extractor.archive.store import opened

    try:
        with opened(store, Settings(), read_only=True):
            pass
    except CoopxError as exc:
        _fail(exc.message)


def _archive(run, *args):
    """Run an archive operation; its CoopxError (or Ctrl-C) is one line, never a traceback."""
    try:
        return run(*args)
    except CoopxError as exc:
        _fail(exc.message)
    except KeyboardInterrupt:
        _fail("interrupted; the store is as it was before this command", 130)
    except OSError as exc:
        _fail(str(exc))


@app.command()
def consolidate(
    records: Optional[list[Path]] = typer.Argument(None, help="Outputs of coopx batch: JSON Lines files or Parquet folders."),
    store: Path = STORE_OPTION,
) -> None:
    """Add records to the archive store (creating it) and rebuild organisations and cooperations.

    Idempotent: records already in the store are skipped. Without RECORDS, only rebuilds (e.g.
    after an upgrade). Every call is one transaction: on a bad input nothing is written.
    """
    from extractor.archive.consolidate import consolidate as run

    def say(message: str) -> None:
        typer.echo(f"coopx consolidate: {message}", err=True)

    result = _archive(run, store, list(records or []), Settings(), say)
    say(result.line())


entities_app = typer.Typer(no_args_is_help=True, help="Organisations of an archive store: list, show, merge, split.")
app.add_typer(entities_app, name="entities")


def _read(store: Path, work):
    from extractor.archive.store import opened

    def run():
        with opened(store, Settings(), read_only=True) as con:
            return work(con)

    return _archive(run)


@entities_app.command("list")
def entities_list(
    store: Path = STORE_OPTION,
    search: str = typer.Option("", "--search", "-q", help="Only names or variants containing this."),
    limit: int = typer.Option(30, help="At most this many, most reported first."),
) -> None:
    """Organisations with their ids, most reported first."""
    from extractor.archive.describe import search as find

    for e in _read(store, lambda con: find(con, search, limit)):
        typer.echo(f"{e['entity_id']}  {e['n_articles']:>6} articles  {e['n_cooperations']:>5} coops  {e['name']}"
                   f"  ({e['kind']}{', ' + e['location'] if e['location'] else ''})")


@entities_app.command("show")
def entities_show(entity: str = typer.Argument(..., help="Entity id (E...)."), store: Path = STORE_OPTION) -> None:
    """An organisation: its names and the rule that linked each, variants, partners, timeline."""
    from extractor.archive.describe import detail, show_lines

    typer.echo("\n".join(show_lines(_read(store, lambda con: detail(con, entity)))))


@entities_app.command("merge")
def entities_merge(ids: list[str] = typer.Argument(..., help="Two or more entity ids."), store: Path = STORE_OPTION) -> None:
    """These entities are one organisation (kept in the store, applied on every rebuild)."""
    from extractor.archive.corrections import merge

    typer.echo(f"merged into {_archive(merge, store, list(ids), Settings())}")


@entities_app.command("split")
def entities_split(
    entity: str = typer.Argument(..., help="Entity id."),
    name: Optional[list[str]] = typer.Option(None, "--name", "-n", help="Split these names off (repeat); default: every name apart."),
    store: Path = STORE_OPTION,
) -> None:
    """This entity is several organisations (kept in the store, applied on every rebuild)."""
    from extractor.archive.corrections import split

    typer.echo("split into " + " ".join(_archive(split, store, entity, list(name or []), Settings())))


@app.command()
def export(
    store: Path = STORE_OPTION,
    format: ExportFormat = typer.Option(..., "--format", "-f", help="graphml | neo4j | parquet | csv"),
    output: Path = typer.Option(..., "--output", "-o", help="Output folder."),
) -> None:
    """Export the archive: GraphML, Neo4j import CSVs, or Parquet/CSV tables (docs/archive.md)."""
    from extractor.archive.export import export as run

    if output.exists() and not output.is_dir():
        _fail(f"{output}: is a file; --output is a folder")
    for path in _read(store, lambda con: run(con, format.value, output)):
        typer.echo(str(path))


@app.command()
def report(
    store: Path = STORE_OPTION,
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
    title: str = typer.Option("coopx Archiv: Kooperationen", help="Page title."),
) -> None:
    """One self-contained HTML page (offline): network, timeline, top organisations, evidence."""
    from extractor.archive.report import write

    if output.is_dir():
        _fail(f"{output}: is a folder; --output is the HTML file to write")
    typer.echo(str(_read(store, lambda con: write(con, Settings(), output, title))))


def main() -> None:  # pragma: no cover - console entry for `python -m extractor.cli`
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
