"""`coopx` command line: extract, batch, schema, serve; consolidate, entities, export, report
(the archive store, see docs/archive.md).

The CLI only turns flags into a `Settings` object and prints results; a bad input is one clear
line on stderr and a non-zero exit (see `ExitCode`), never a traceback. Help is plain text
(readable when piped), with examples for every command.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import os
import sys
from enum import Enum, IntEnum
from pathlib import Path
from typing import Optional

import typer

from extractor import __version__
from extractor.errors import CoopxError
from extractor.settings import Settings


class ExitCode(IntEnum):
    """What `coopx` exits with (also in `coopx --help` and the README)."""

    OK = 0
    ERROR = 1  # the command could not run: set-up (model, output path), or an unexpected error
    USAGE = 2  # wrong options or arguments (as click reports them)
    INPUT_FAILED = 3  # extract: the input gave no record; batch: some inputs failed (see the errors file)
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODES_HELP = (
    "\b\nExit codes:\n  0  success\n  1  the command could not run (model, output path, ...)\n"
    "  2  wrong options or arguments\n  3  an input gave no record (batch: see the errors file)\n"
    "  130  interrupted (Ctrl-C)"
)
MODELS = ("auto", "shipped", "blank", "de_core_news_lg")
MODEL_ALIASES = ("blank:de", "rules", "de_coopx_ner")
MODEL_HELP = "auto | shipped | blank | an installed spaCy package (de_core_news_lg) | a model folder."

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,  # click's plain help: wraps at any width instead of cutting panels at 80 columns
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help="Cooperation facts from German press releases.",
    epilog="\b\nExamples:\n  coopx extract article.txt --format summary\n  coopx batch press/ -o records.jsonl\n"
           "  coopx serve\n\n" + EXIT_CODES_HELP,
)


def _fail(message: str, code: ExitCode = ExitCode.ERROR) -> None:
    typer.echo(f"coopx: error: {message}", err=True)
    raise typer.Exit(int(code))


def _input_error(source: str, exc: CoopxError) -> None:
    """A set-up problem (the model, an output path) is not the input's fault: no file name before it."""
    if exc.stage == "setup":
        _fail(exc.message, ExitCode.ERROR)
    _fail(f"{source}: {exc.message}", ExitCode.INPUT_FAILED)


def _suggest(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def choice(*options: str):
    """A callback that accepts one of `options` and suggests the closest for a typo."""

    def check(value: str) -> str:
        if value not in options:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, options))}"
                                     + _suggest(value, list(options)))
        return value

    return check


def _model(value: str) -> str:
    """Known names, model folders and installed packages pass; anything else is a usage error here,
    before any input is read."""
    if value in MODELS + MODEL_ALIASES or Path(value).is_dir():
        return value
    try:
        installed = "." not in value and importlib.util.find_spec(value) is not None
    except (ImportError, ValueError):
        installed = False
    if installed:
        return value
    raise typer.BadParameter(f"unknown model {value!r}: use {MODEL_HELP.rstrip('.')}" + _suggest(value, list(MODELS)))


def _published(value: Optional[str]) -> Optional[str]:
    from extractor import published

    try:
        return published.parse_given(value)
    except CoopxError as exc:
        raise typer.BadParameter(exc.message) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coopx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Cooperation facts from German press releases: organisations, cooperations, dates and
    people as validated JSON records."""


@app.command(epilog="\b\nExamples:\n  coopx extract article.txt\n  coopx extract https://example.org/pm.html --format summary\n"
             "  cat pm.txt | coopx extract - --published 11.03.2025 --format jsonl\n\n" + EXIT_CODES_HELP)
def extract(
    source: str = typer.Argument(..., metavar="SOURCE", help="A file (text or HTML), an http(s) URL, or - for stdin."),
    format: str = typer.Option("json", "--format", "-f", metavar="json|jsonl|summary",
                               callback=choice("json", "jsonl", "summary"),
                               help="json (indented, default), jsonl (one line) or a readable summary."),
    model: str = typer.Option("auto", "--model", callback=_model, help=MODEL_HELP),
    published: Optional[str] = typer.Option(None, callback=_published,
                                            help="Publication date for relative dates: 2025-03-11, 11.03.2025 or "
                                                 "11. März 2025."),
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
            _fail(f"{source}: expected one document, found {len(docs)} (use `coopx batch` for folders and JSONL)",
                  ExitCode.INPUT_FAILED)
        raw = docs[0]
        if isinstance(raw, Skip):
            _fail(f"{raw.origin}: {raw.reason}", ExitCode.INPUT_FAILED)
        if published:
            raw = replace(raw, published=published)
        cleaned = clean(raw, settings)
        record = Pipeline(settings).extract_clean(cleaned)
    except CoopxError as exc:
        _input_error(source, exc)
    if format == "summary":
        from extractor.summary import render

        render(record, source=source, text=cleaned.text)
    elif format == "jsonl":
        typer.echo(record.model_dump_json())
    else:
        typer.echo(record.model_dump_json(indent=2))


@app.command(epilog="\b\nExamples:\n  coopx batch press/ dump.jsonl crawl.warc.gz todo.urls -o records.jsonl\n"
             "  coopx batch press/ -o records.jsonl --resume\n  coopx batch crawl.warc.gz -o out/ --format parquet\n"
             "  cat dump.jsonl | coopx batch - | jq .source.id\n\n" + EXIT_CODES_HELP)
def batch(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...",
                                       help="Folders, files, .jsonl dumps, WARC files, URL lists, URLs or - (stdin)."),
    output: Path = typer.Option(Path("-"), "--output", "-o", show_default=False,
                                help="Output file (JSON Lines), a folder of Parquet tables, or - for stdout "
                                     "(the default)."),
    workers: Optional[int] = typer.Option(None, help="Worker processes (default: all cores)."),
    engine: str = typer.Option("local", metavar="local|dask", callback=choice("local", "dask"),
                               help="local processes (default) or a dask cluster."),
    scheduler: Optional[str] = typer.Option(None, help="Dask scheduler address (tcp://host:port)."),
    resume: bool = typer.Option(False, help="Continue an interrupted run: skip inputs already done."),
    errors: Optional[Path] = typer.Option(None, help="Errors file (JSON Lines); default OUTPUT.errors.jsonl "
                                                     "(with -o -: stderr)."),
    format: str = typer.Option("jsonl", "--format", metavar="jsonl|parquet", callback=choice("jsonl", "parquet"),
                               help="jsonl (default) or parquet."),
    model: str = typer.Option("auto", "--model", callback=_model, help=MODEL_HELP),
    allow_private_urls: bool = typer.Option(False, help="Allow URLs on loopback/private networks."),
) -> None:
    """Extract records for many articles, one JSON line per article.

    Inputs: folders (.html/.htm/.txt and their .gz, recursively), files, .warc/.warc.gz,
    .jsonl dumps, URL lists (.urls, or a .txt of http(s) URLs only), URLs, or - for stdin (JSON
    Lines, a URL list or one document). Inputs without a record get a line with the reason in
    the errors file; the summary goes to stderr.
    """
    from extractor.batch import BatchOptions, run_batch

    settings = Settings(model=model, allow_private_urls=allow_private_urls)
    options = BatchOptions(
        inputs=list(inputs),
        output=output,
        errors=errors,
        workers=workers,
        engine=engine,
        scheduler=scheduler,
        resume=resume,
        format=format,
    )
    try:
        summary = run_batch(options, settings)
    except CoopxError as exc:
        _fail(exc.message, ExitCode.ERROR)
    except KeyboardInterrupt:  # run_batch has said how to continue (--resume)
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    except BrokenPipeError:  # `coopx batch ... -o - | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(int(ExitCode.ERROR))
    if summary.failed:
        raise typer.Exit(int(ExitCode.INPUT_FAILED))


@app.command(epilog="\b\nExamples:\n  coopx schema > record.v1.schema.json")
def schema() -> None:
    """Print the JSON Schema of the record contract."""
    from extractor.records import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))


@app.command(epilog="\b\nExamples:\n  coopx serve                   # http://127.0.0.1:8000/\n"
             "  coopx serve --host 0.0.0.0 --port 8080 --model shipped\n  coopx serve --allow-private-urls")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port."),
    model: str = typer.Option("auto", "--model", callback=_model, help=MODEL_HELP),
    allow_private_urls: bool = typer.Option(False, help="Let the server fetch URLs on loopback/private networks."),
    store: Optional[Path] = typer.Option(None, help="An archive store (coopx consolidate): adds the Archiv page /archiv."),
    workers: int = typer.Option(Settings.api_workers, min=1, max=64,
                                help="Server processes, forked once the model is loaded (one text at a time each)."),
) -> None:
    """Run the HTTP API and the web page."""
    from extractor.api import serve as run_server

    if store is not None:
        _check_store(store)
    settings = Settings(model=model, allow_private_urls=allow_private_urls, api_workers=workers)
    run_server(host=host, port=port, settings=settings, store=store)


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
        _fail("interrupted; the store is as it was before this command", ExitCode.INTERRUPTED)
    except OSError as exc:
        _fail(str(exc))


@app.command()
def consolidate(
    records: Optional[list[Path]] = typer.Argument(None, help="Outputs of coopx batch: JSON Lines files or Parquet folders."),
    store: Path = STORE_OPTION,
    threads: Optional[int] = typer.Option(None, min=1, help="DuckDB threads (default: one per core)."),
) -> None:
    """Add records to the archive store (creating it) and rebuild organisations and cooperations.

    Idempotent: records already in the store are skipped. Without RECORDS, only rebuilds (e.g.
    after an upgrade). Every call is one transaction: on a bad input nothing is written.
    """
    from extractor.archive.consolidate import consolidate as run

    def say(message: str) -> None:
        typer.echo(f"coopx consolidate: {message}", err=True)

    result = _archive(run, store, list(records or []), Settings(archive_threads=threads), say)
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
    location: Optional[str] = typer.Option(None, "--location", "-l", help="Only the --name names in this location."),
    store: Path = STORE_OPTION,
) -> None:
    """This entity is several organisations (kept in the store, applied on every rebuild)."""
    from extractor.archive.corrections import split

    if location and not name:
        _fail("--location needs --name (the names to split off in that location)", ExitCode.USAGE)
    typer.echo("split into " + " ".join(_archive(split, store, entity, list(name or []), Settings(), location)))


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
    if not output.parent.is_dir():
        _fail(f"--output {output}: the folder {output.parent} does not exist", ExitCode.USAGE)
    typer.echo(str(_read(store, lambda con: write(con, Settings(), output, title))))


ONE_SHOT = frozenset({"extract"})  # commands that end without the interpreter's teardown (`_end_now`)


def main() -> None:  # pragma: no cover - console entry for `python -m extractor.cli`
    try:
        app()
    except KeyboardInterrupt:
        _ignore_sigint_at_teardown()
        sys.exit(int(ExitCode.INTERRUPTED))
    except SystemExit as exc:
        if exc.code == ExitCode.INTERRUPTED:
            _ignore_sigint_at_teardown()
        elif len(sys.argv) > 1 and sys.argv[1] in ONE_SHOT and (exc.code is None or isinstance(exc.code, int)):
            _end_now(exc.code or 0)
        raise


def _end_now(code: int) -> None:
    """End a one-shot command once its output is written: the interpreter's teardown would free
    the loaded model object by object (about 0.2 s of a 1.4 s `coopx extract`), memory the
    system takes back at once. Such a command holds no other resource (no workers, no store)."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # `coopx extract ... | head`, or stdout closed
        pass
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass
    os._exit(code)


def _ignore_sigint_at_teardown() -> None:
    """After a Ctrl-C, a further one is ignored from the exit handlers on: the interpreter's
    teardown puts back SIGINT's default action, which would end the process by the signal
    instead of with exit code 130. While threads are joined, before the exit handlers, the batch's
    second-Ctrl-C handler still ends the process at once."""
    import atexit
    import signal

    atexit.register(signal.signal, signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":  # pragma: no cover
    main()
