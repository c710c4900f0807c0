"""`coopx consolidate`: the archive store adds incrementally, is idempotent by record id, reads
JSON Lines and Parquet folders alike, and a bad input or a killed process leaves it as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest
from typer.testing import CliRunner

from extractor.archive.consolidate import consolidate
from extractor.archive.store import connect
from extractor.archive.synthetic import write_jsonl
from extractor.batch.parquet import write_tables
from extractor.cli import app
from extractor.errors import CoopxError
from extractor.settings import Settings
from tests.archive_records import talberg_articles, write
from tests.conftest import ROOT

S = Settings()


def snapshot(store) -> dict:
    """Every table's rows (without write times), for comparing a store before and after."""
    con = connect(store, S, read_only=True)
    try:
        tables = con.execute("""SELECT table_name, list(column_name) FILTER (column_name = 'added_at')
                                FROM information_schema.columns WHERE table_schema = 'main'
                                AND table_name IN (SELECT table_name FROM information_schema.tables
                                                   WHERE table_type = 'BASE TABLE') GROUP BY 1""").fetchall()
        return {t: sorted(map(repr, con.execute(f"SELECT * {'EXCLUDE (added_at)' if timed else ''} FROM {t}").fetchall()))
                for t, timed in tables}
    finally:
        con.close()


def test_incremental_and_idempotent(tmp_path):
    recs = talberg_articles()
    first, second = write(tmp_path / "first.jsonl", recs[:3]), write(tmp_path / "second.jsonl", recs[2:])
    store = tmp_path / "archive.duckdb"
    r1 = consolidate(store, [first], S)
    assert (r1.inputs[0].read, r1.inputs[0].new) == (3, 3) and r1.counts["articles"] == 3
    r2 = consolidate(store, [second], S)  # a3 again, a4 and a5 new
    assert (r2.inputs[0].read, r2.inputs[0].new) == (3, 2) and r2.counts["articles"] == 5
    before = snapshot(store)
    r3 = consolidate(store, [first, second], S)
    assert [i.new for i in r3.inputs] == [0, 0]
    assert snapshot(store) == before  # not even a row in `ingests`
    assert r3.counts["institutions"] == sum(len(r["institutions"]) for r in recs)
    # one input twice in one call: still each record once
    other = tmp_path / "other.duckdb"
    r4 = consolidate(other, [first, first], S)
    assert [i.new for i in r4.inputs] == [3, 0] and r4.counts["articles"] == 3


def test_parquet_folder_gives_the_same_store_as_jsonl(tmp_path):
    recs = talberg_articles()
    jsonl = write(tmp_path / "records.jsonl", recs)
    folder = tmp_path / "out"
    write_tables(jsonl, folder)  # what `coopx batch --format parquet` (either engine) writes
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    consolidate(a, [jsonl], S)
    consolidate(b, [folder], S)
    sa, sb = snapshot(a), snapshot(b)
    for table in ("articles", "institutions", "record_cooperations", "entities", "entity_variants", "cooperations",
                  "cooperation_events"):
        assert sa[table] == sb[table], table
    assert consolidate(b, [jsonl], S).inputs[0].new == 0  # same ids: nothing new


def test_gzipped_jsonl(tmp_path):
    import gzip

    plain = write(tmp_path / "r.jsonl", talberg_articles())
    packed = tmp_path / "r.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert consolidate(tmp_path / "a.duckdb", [packed], S).inputs[0].new == len(talberg_articles())


@pytest.mark.slow
def test_real_batch_output_both_formats(tmp_path):
    """What `coopx batch` really writes (the dask engine writes the same files): a Parquet folder,
    and the records.jsonl inside it, give one store."""
    from extractor.batch import BatchOptions, run_batch
    from tests.test_batch import release

    dump = tmp_path / "dump.jsonl"
    dump.write_text("".join(json.dumps({"id": f"n{n}", "text": release(n), "url": f"https://presse{n % 3}.example/{n}",
                                        "published": f"2025-06-{n + 1:02d}"}) + "\n" for n in range(8)), encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch(BatchOptions(inputs=[str(dump)], output=out, workers=1, format="parquet"), Settings(model="blank"))
    assert summary.processed == 8
    store = tmp_path / "archive.duckdb"
    result = consolidate(store, [out], S)
    assert result.inputs[0].new == 8 and result.counts["cooperations"] >= 1 and result.counts["entities"] >= 2
    assert consolidate(store, [out / "records.jsonl"], S).inputs[0].new == 0
    con = connect(store, S, read_only=True)
    outlets = con.execute("SELECT count(DISTINCT outlet) FROM articles").fetchone()[0]
    con.close()
    assert outlets == 3


def torn(tmp_path):
    lines = [json.dumps(r) for r in talberg_articles()]
    path = tmp_path / "torn.jsonl"
    path.write_text("\n".join(lines[:2]) + "\n" + lines[2][:150] + "\n" + lines[3] + "\n", encoding="utf-8")
    return path, "torn.jsonl:3: not valid JSON"


def unknown_version(tmp_path):
    recs = talberg_articles()
    recs[1]["schema_version"] = "2.0"
    return write(tmp_path / "v2.jsonl", recs), "v2.jsonl:2: unknown schema_version '2.0' (this coopx reads 1.0)"


def wrong_type(tmp_path):
    recs = talberg_articles()
    recs[3]["institutions"] = "Universitätsklinikum Talberg"
    return write(tmp_path / "types.jsonl", recs), "types.jsonl:4: not a valid coopx record (institutions"


def parquet_v2(tmp_path):
    recs = talberg_articles()
    recs[4]["schema_version"] = "2.0"
    folder = tmp_path / "pq"
    write_tables(write(tmp_path / "r.jsonl", recs), folder)
    return folder, "articles.parquet: row 5: unknown schema_version '2.0'"


def missing(tmp_path):
    return tmp_path / "nope.jsonl", "nope.jsonl: no such file or folder"


def one_table(tmp_path):
    folder = tmp_path / "pq"
    write_tables(write(tmp_path / "r.jsonl", talberg_articles()), folder)
    return folder / "articles.parquet", "give the Parquet folder"


def not_parquet_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty", "not a coopx Parquet folder (missing articles.parquet"


def edited(tmp_path, name, change):
    recs = talberg_articles()
    change(recs)
    return write(tmp_path / name, recs)


def unknown_kind(tmp_path):
    path = edited(tmp_path, "kind.jsonl", lambda recs: recs[1]["institutions"][0].update(kind="spaceship"))
    return path, "kind.jsonl:2: not a valid coopx record (institutions.0.kind: Input should be"


def unknown_field(tmp_path):
    path = edited(tmp_path, "field.jsonl", lambda recs: recs[2].update(extra=1))
    return path, "field.jsonl:3: not a valid coopx record (extra: Extra inputs are not permitted)"


def stranger_partner(tmp_path):
    path = edited(tmp_path, "partner.jsonl", lambda recs: recs[3]["cooperations"][0].update(partners=["i1", "i9"]))
    return path, "partner.jsonl:4: not a valid coopx record (cooperations.0.partners: 'i9' is no institution id of it)"


def parquet_bad_kind(tmp_path):
    folder = tmp_path / "pq"
    write_tables(edited(tmp_path, "r.jsonl", lambda recs: recs[4]["institutions"][0].update(kind="spaceship")), folder)
    return folder, "not a valid coopx record (an institution kind outside the contract)"


@pytest.mark.parametrize("make", [torn, unknown_version, wrong_type, parquet_v2, missing, one_table, not_parquet_folder,
                                  unknown_kind, unknown_field, stranger_partner, parquet_bad_kind])
def test_bad_input_is_one_clear_line_and_changes_nothing(tmp_path, make):
    store = tmp_path / "archive.duckdb"
    recs = talberg_articles()
    consolidate(store, [write(tmp_path / "first.jsonl", recs[:2])], S)
    before = snapshot(store)
    good = write(tmp_path / "good.jsonl", recs[2:4])  # new records, read before the bad input
    bad, message = make(tmp_path)
    with pytest.raises(CoopxError) as err:
        consolidate(store, [good, bad], S)
    assert message in err.value.message and "\n" not in err.value.message
    assert snapshot(store) == before
    res = CliRunner().invoke(app, ["consolidate", str(bad), "--store", str(store)])
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("coopx: error: ")]
    assert len(errors) == 1 and message in errors[0] and res.stderr.splitlines()[-1] == errors[0]
    assert "Traceback" not in res.output


def test_a_failed_first_consolidation_leaves_no_store(tmp_path):
    store = tmp_path / "new.duckdb"
    bad, _ = torn(tmp_path)
    with pytest.raises(CoopxError):
        consolidate(store, [write(tmp_path / "good.jsonl", talberg_articles()[:2]), bad], S)
    assert not store.exists() and not (tmp_path / "new.duckdb.wal").exists()


def test_not_a_store_and_busy_store(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    res = CliRunner().invoke(app, ["report", "--store", str(junk), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 1 and "coopx: error:" in res.stderr and "Traceback" not in res.output
    records = write(tmp_path / "records.jsonl", talberg_articles())
    for args in (["entities", "list"], ["consolidate", str(records)]):
        res = CliRunner().invoke(app, [*args, "--store", str(records)])
        assert res.exit_code == 1 and "records.jsonl: not a DuckDB archive store" in res.stderr, res.output
    assert records.read_text(encoding="utf-8").count("\n") == len(talberg_articles())  # untouched
    foreign = tmp_path / "other.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("CREATE TABLE t (a INTEGER); CREATE VIEW sources AS SELECT 42 AS answer")
    con.close()
    res = CliRunner().invoke(app, ["consolidate", str(records), "--store", str(foreign)])
    assert res.exit_code == 1 and "a DuckDB database of something else" in res.stderr and "Traceback" not in res.output
    con = duckdb.connect(str(foreign), read_only=True)
    assert con.execute("SELECT * FROM sources").fetchall() == [(42,)]  # nothing written into it
    assert sorted(r[0] for r in con.execute("SHOW TABLES").fetchall()) == ["sources", "t"]
    con.close()
    res = CliRunner().invoke(app, ["entities", "list", "--store", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 1 and "no such archive store" in res.stderr
    store = tmp_path / "archive.duckdb"
    consolidate(store, [write(tmp_path / "r.jsonl", talberg_articles())], S)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(30)", str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(CoopxError, match="in use by another coopx process|cannot open"):
            consolidate(store, [], S)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_killed_consolidation_leaves_the_store_as_it_was(tmp_path):
    store = tmp_path / "archive.duckdb"
    consolidate(store, [write(tmp_path / "first.jsonl", talberg_articles())], S)
    before = snapshot(store)
    big = write_jsonl(tmp_path / "big.jsonl", 60_000)
    proc = subprocess.Popen([sys.executable, "-m", "extractor.cli", "consolidate", str(big), "--store", str(store)],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    lines = [proc.stderr.readline(), proc.stderr.readline()]
    assert "reading" in lines[0] and "linking organisations" in lines[1], lines
    # the records are in the store's tables now (uncommitted), the derived tables being rebuilt
    assert proc.poll() is None, "consolidation finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snapshot(store) == before  # the write-ahead log holds no commit of the killed run
    result = consolidate(store, [big], S)  # and the store works on
    assert result.inputs[0].new == 60_000 and result.counts["articles"] == 60_000 + len(talberg_articles())


def test_outlets_are_registrable_domains(tmp_path):
    recs = talberg_articles()[:3]
    recs[0]["source"].update(url="https://lokales.talberger-zeitung.de/a1", sitename="Talberger Zeitung – Lokales")
    recs[1]["source"].update(url="https://www.talberger-zeitung.de/a2", sitename="Talberger Zeitung")
    recs[2]["source"].update(url=None, sitename="Bergtal-Kurier")
    store = tmp_path / "archive.duckdb"
    consolidate(store, [write(tmp_path / "r.jsonl", recs)], S)
    con = connect(store, S, read_only=True)
    try:
        got = con.execute("SELECT outlet, sitename FROM articles ORDER BY outlet, sitename").fetchall()
    finally:
        con.close()
    assert got == [("Bergtal-Kurier", "Bergtal-Kurier"), ("talberger-zeitung.de", "Talberger Zeitung"),
                   ("talberger-zeitung.de", "Talberger Zeitung – Lokales")]


def test_a_failed_rollback_keeps_the_original_error():
    from extractor.archive.store import transaction

    class Broken:
        def execute(self, sql):
            if sql == "ROLLBACK":
                raise duckdb.ConnectionException("connection lost")

    with pytest.raises(ValueError, match="the original error"):
        with transaction(Broken()):
            raise ValueError("the original error")
