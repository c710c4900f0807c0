"""`--format parquet`: flat tables whose rows match the records, and the documented DuckDB
query (docs/parquet.md) runs on them."""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest

from extractor.batch import BatchOptions, run_batch
from extractor.batch.parquet import SCHEMAS, TABLES, rows, write_tables
from extractor.settings import Settings
from tests.conftest import ROOT
from tests.test_batch import release

S = Settings(model="blank")


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("parquet")
    (tmp / "in").mkdir()
    dump = tmp / "in" / "dump.jsonl"
    dump.write_text("".join(json.dumps({"id": f"n{n}", "text": release(n), "published": f"2025-06-{n + 1:02d}"}) + "\n"
                            for n in range(12)), encoding="utf-8")
    (tmp / "in" / "english.txt").write_text("The hospital and the university signed a cooperation agreement today.")
    out = tmp / "out"
    summary = run_batch(BatchOptions(inputs=[str(dump), str(tmp / "in")], output=out, workers=1, format="parquet"), S)
    records = [json.loads(line) for line in (out / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    return out, summary, records


def test_tables_match_the_records(tables):
    out, summary, records = tables
    assert summary.processed == 12 and summary.skipped == {"not German": 1}
    assert {p.name for p in summary.tables} == {f"{t}.parquet" for t in TABLES}
    read = {t: pq.read_table(out / f"{t}.parquet") for t in TABLES}
    for name, table in read.items():
        assert table.schema.equals(SCHEMAS[name]), name
    assert read["articles"].num_rows == len(records)
    assert read["institutions"].num_rows == sum(len(r["institutions"]) for r in records)
    assert read["people"].num_rows == sum(len(r["people"]) for r in records)
    assert read["cooperations"].num_rows == sum(len(r["cooperations"]) for r in records)
    assert read["cooperation_partners"].num_rows == sum(len(c["partners"]) for r in records for c in r["cooperations"])
    assert read["cooperation_partners"].num_rows > 0
    assert set(read["articles"].column("record_id").to_pylist()) == {r["id"] for r in records}
    assert (out / "errors.jsonl").read_text().count("\n") == 1


def test_documented_duckdb_query_runs(tables):
    duckdb = pytest.importorskip("duckdb")
    out, _, _ = tables
    doc = (ROOT / "docs" / "parquet.md").read_text(encoding="utf-8")
    query = re.search(r"```sql\n(.*?)```", doc, re.DOTALL).group(1).replace("'out/", f"'{out}/")
    con = duckdb.connect()
    result = con.execute(query).fetchall()
    assert result and all(isinstance(n, int) and n >= 1 for _, n, _ in result)
    # the join keys work: every partner row finds its institution
    missing = con.execute(f"""
        SELECT count(*) FROM read_parquet('{out}/cooperation_partners.parquet') p
        ANTI JOIN read_parquet('{out}/institutions.parquet') i USING (record_id, institution_id)""").fetchall()[0][0]
    assert missing == 0


def test_empty_tables_keep_their_columns(tmp_path):
    (tmp_path / "records.jsonl").write_text("")
    paths = write_tables(tmp_path / "records.jsonl", tmp_path / "t")
    for path in paths:
        table = pq.read_table(path)
        assert table.num_rows == 0 and table.schema.equals(SCHEMAS[path.stem])


def test_rows_of_one_record():
    record = {
        "id": "r1", "schema_version": "1.0", "is_cooperation": True, "warnings": [],
        "source": {"id": "a", "path": None, "url": "https://x.de/a", "title": "T", "published": "2025-06",
                   "sitename": None, "language": "de", "text_sha256": "f" * 64},
        "pipeline": {"model": "blank:de", "model_version": None, "kind": "rules_only", "coopx_version": "0.1.0",
                     "components": []},
        "institutions": [{"id": "i1", "name": "Klinikum A", "kind": "hospital", "mentions": ["Klinikum A"],
                          "spans": [{"text": "Klinikum A", "start": 0, "end": 10}]},
                         {"id": "i2", "name": "Universität B", "kind": "university", "mentions": [], "spans": []}],
        "people": [{"id": "p1", "name": "Anna Muster", "affiliation": "i2", "mentions": [], "spans": []}],
        "cooperations": [{"id": "c1", "partners": ["i1", "i2"], "types": ["research"], "status": "started",
                          "date": {"value": "2025-06-03", "kind": "signed", "text": "am 3. Juni"},
                          "evidence": [{"text": "x", "start": 0, "end": 1}], "confidence": 0.8}],
    }
    got = rows(record)
    assert got["people"][0]["affiliation_name"] == "Universität B"
    assert [r["institution_name"] for r in got["cooperation_partners"]] == ["Klinikum A", "Universität B"]
    assert got["cooperations"][0]["partner_names"] == ["Klinikum A", "Universität B"]
    assert got["cooperations"][0]["date"] == "2025-06-03" and got["cooperations"][0]["published"] == "2025-06"
    assert got["articles"][0]["n_institutions"] == 2
