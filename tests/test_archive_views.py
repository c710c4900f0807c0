"""The consolidated views of an archive: organisations across articles, cooperations with their
timelines, analysts' corrections that survive rebuilds, and the exports (GraphML, Neo4j CSV,
Parquet/CSV tables)."""

from __future__ import annotations

import csv
import re

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from extractor.archive import corrections
from extractor.archive.consolidate import consolidate
from extractor.archive.describe import detail, search
from extractor.archive.entities import resolve
from extractor.archive.export import export
from extractor.archive.store import EXPORT_TABLES, connect
from extractor.cli import app
from extractor.errors import CoopxError
from extractor.settings import Settings
from tests.archive_records import coop, inst, record, talberg_articles, write
from tests.conftest import ROOT

S = Settings()


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "archive.duckdb"
    consolidate(path, [write(tmp_path / "records.jsonl", talberg_articles())], S)
    return path


def rows(store, sql, params=None):
    con = connect(store, S, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def entity(store, name):
    return rows(store, "SELECT entity_id FROM entities WHERE name = ?", [name])[0][0]


def test_one_organisation_across_articles(store):
    ents = dict(rows(store, "SELECT name, n_articles FROM entities"))
    assert ents["Universitätsklinikum Talberg"] == 4 and ents["Kreisklinik Bergtal"] == 4
    assert {"Universität Talberg", "Stadtwerke Talberg", "Stadt Talberg"} <= set(ents)
    assert len(ents) == 5  # the shared words and the place joined nothing
    ukt = entity(store, "Universitätsklinikum Talberg")
    variants = dict(rows(store, "SELECT variant, count FROM entity_variants WHERE entity_id = ?", [ukt]))
    assert variants["Universitätsklinikum Talberg"] == 2 and variants["Uniklinik Talberg"] == 1
    assert variants["UKT"] == 2 and variants["Universitätsklinikums Talberg"] == 1
    row = rows(store, "SELECT kind, location, first_seen, last_seen FROM entities WHERE entity_id = ?", [ukt])[0]
    assert row == ("hospital", "Talberg", "2023-11-20", "2025-02-01")
    rules = dict(rows(store, "SELECT k.names[1], k.rule FROM entity_keys k WHERE entity_id = ?", [ukt]))
    assert rules["UKT"] == "abbreviation"
    con = connect(store, S, read_only=True)
    try:
        found = search(con, "uniklinik")
        assert [e["entity_id"] for e in found] == [ukt]
        assert search(con, "%") == [] and search(con, "_") == []  # no wildcards
        assert len(search(con, "")) == 5
        d = detail(con, ukt)
        assert d["entity"]["name"] == "Universitätsklinikum Talberg" and len(d["events"]) == 4
        assert [p["name"] for p in d["partners"]] == ["Kreisklinik Bergtal"]
    finally:
        con.close()


def test_one_cooperation_with_a_timeline(store):
    coops = rows(store, "SELECT cooperation_id, partner_names, types, status, first_date, last_date, n_reports, "
                        "n_articles, n_outlets FROM cooperations ORDER BY n_reports DESC")
    assert len(coops) == 2
    cid, partners, types, status, first, last, reports, articles, outlets = coops[0]
    assert partners == ["Kreisklinik Bergtal", "Universitätsklinikum Talberg"]
    assert types == ["education", "patient_care", "telemedicine"] and status == "extended"
    assert (first, last, reports, articles, outlets) == ("2023-11", "2025-02-01", 4, 4, 3)
    events = rows(store, "SELECT event, date, outlet, url, evidence FROM cooperation_events WHERE cooperation_id = ? "
                         "ORDER BY date", [cid])
    assert [(e[0], e[1]) for e in events] == [("announced", "2023-11"), ("signed", "2024-05-03"), ("started", "2024-06"),
                                            ("extended", "2025-02-01")]
    assert events[1][2] == "bergtal-kurier.example" and events[1][3].startswith("https://www.bergtal-kurier.example/")
    assert all(e[4] for e in events)


def test_differently_named_cooperations_of_one_pair_stay_apart(tmp_path):
    a, b = inst("i1", "Hochschule Lindenau", kind="university"), inst("i2", "Klinikum Lindenau")
    recs = [record("n1", [a, b], [coop("c1", ["i1", "i2"], ["research"], "started", "Projekt Alpha startet.", name="Alpha")]),
            record("n2", [a, b], [coop("c1", ["i1", "i2"], ["research"], "started", "Projekt Beta startet.", name="Beta")]),
            record("n3", [a, b], [coop("c1", ["i1", "i2"], ["research", "education"], "extended", "Alpha wächst.",
                                       name="Alpha")]),
            record("n4", [a, b], [coop("c1", ["i1", "i2"], ["administration"], "started", "Gemeinsamer Einkauf.")])]
    path = tmp_path / "a.duckdb"
    consolidate(path, [write(tmp_path / "r.jsonl", recs)], S)
    got = sorted(rows(path, "SELECT coalesce(name, ''), n_reports FROM cooperations"))
    assert got == [("", 1), ("Alpha", 2), ("Beta", 1)]


def test_merge_and_split_survive_rebuilds(store, tmp_path):
    uni, works = entity(store, "Universität Talberg"), entity(store, "Stadtwerke Talberg")
    merged = corrections.merge(store, [uni, works], S)
    assert merged in (uni, works)
    assert rows(store, "SELECT count(*) FROM entities WHERE entity_id = ?", [merged]) == [(1,)]
    consolidate(store, [], S)  # a rebuild
    more = record("m1", [inst("i1", "Stadtwerke Talberg GmbH", kind="company"), inst("i2", "Klinikum Lindenau")],
                  [coop("c1", ["i1", "i2"], ["other"], "started", "Die Stadtwerke liefern Wärme.")])
    consolidate(store, [write(tmp_path / "more.jsonl", [more])], S)  # new records, rebuild again
    names = rows(store, "SELECT names FROM entity_keys WHERE entity_id = ?", [merged])
    assert {n for (ns,) in names for n in ns} >= {"Universität Talberg", "Stadtwerke Talberg", "Stadtwerke Talberg GmbH"}
    con = connect(store, S, read_only=True)
    assert resolve(con, [uni, works]) == {uni: merged, works: merged}  # the absorbed id still resolves
    con.close()
    parts = corrections.split(store, merged, ["Universität Talberg"], S)
    assert len(parts) == 2
    consolidate(store, [], S)
    assert rows(store, "SELECT count(DISTINCT entity_id) FROM entity_keys WHERE list_contains(names, 'Universität Talberg') "
                       "OR list_contains(names, 'Stadtwerke Talberg')") == [(2,)]
    ukt = entity(store, "Universitätsklinikum Talberg")
    whole = corrections.split(store, ukt, [], S)  # every name key apart: the long names (one key) and "UKT"
    assert len(whole) == 2
    assert rows(store, "SELECT count(*) FROM corrections") == [(3,)]
    with pytest.raises(CoopxError, match="no such entity"):
        corrections.merge(store, [ukt + "x", uni], S)


def test_cli_entities_commands(store):
    runner = CliRunner()
    res = runner.invoke(app, ["entities", "list", "--store", str(store), "-q", "Talberg"])
    assert res.exit_code == 0 and "Universitätsklinikum Talberg" in res.stdout
    ukt = entity(store, "Universitätsklinikum Talberg")
    res = runner.invoke(app, ["entities", "show", ukt, "--store", str(store)])
    assert res.exit_code == 0
    assert "abbreviation 100 (UKT defined for" in res.stdout and "Kreisklinik Bergtal" in res.stdout
    res = runner.invoke(app, ["entities", "merge", ukt, "--store", str(store)])
    assert res.exit_code == 1 and "at least two" in res.stderr
    kkb = entity(store, "Kreisklinik Bergtal")
    res = runner.invoke(app, ["entities", "merge", ukt, kkb, "--store", str(store)])
    assert res.exit_code == 0 and res.stdout.startswith("merged into E")


def test_graphml_loads_in_networkx(store, tmp_path):
    import networkx as nx

    paths = export(connect(store, S, read_only=True), "graphml", tmp_path / "g")
    g = nx.read_graphml(paths[0])
    names = {d["name"] for _, d in g.nodes(data=True)}
    assert g.number_of_nodes() == 5 and {"Universitätsklinikum Talberg", "Kreisklinik Bergtal"} <= names
    assert g.number_of_edges() == 2
    ukt, kkb = entity(store, "Universitätsklinikum Talberg"), entity(store, "Kreisklinik Bergtal")
    edge = g.edges[ukt, kkb]
    assert edge["weight"] == 4 and edge["types"] == "education;patient_care;telemedicine"


HEADER = re.compile(r"^(?P<name>[A-Za-z_][\w]*)?(?::(?P<type>ID|START_ID|END_ID|TYPE|LABEL|IGNORE|string|int|long|float|"
                    r"double|boolean|byte|short|char|date|localtime|time|localdatetime|datetime|duration|point)"
                    r"(?P<array>\[\])?)?(?:\((?P<group>\w+)\))?$")


def test_neo4j_csv_headers_are_valid_for_neo4j_admin_import(store, tmp_path):
    con = connect(store, S, read_only=True)
    paths = export(con, "neo4j", tmp_path / "n")
    con.close()
    ids: dict[str, set[str]] = {}
    refs = []
    for path in [p for p in paths if p.suffix == ".csv"]:
        with path.open(encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh))
        header, body = table[0], table[1:]
        assert body, path.name
        assert all(len(r) == len(header) for r in body), path.name
        for n, col in enumerate(header):
            m = HEADER.match(col)
            assert m and (m.group("name") or m.group("type")), f"{path.name}: bad header {col!r}"
            if m.group("type") == "ID":
                ids.setdefault(m.group("group"), set()).update(r[n] for r in body)
            if m.group("type") in ("START_ID", "END_ID"):
                refs.append((m.group("group"), {r[n] for r in body}, path.name))
        kinds = {m.group("type") for m in map(HEADER.match, header)}
        assert ("ID" in kinds) != ("START_ID" in kinds and "END_ID" in kinds and "TYPE" in kinds), path.name
    for group, used, name in refs:
        assert used <= ids[group], f"{name} refers to unknown {group} ids"
    assert "neo4j-admin database import full" in (tmp_path / "n" / "import.sh").read_text()


def test_unknown_export_format_is_refused(store, tmp_path):
    con = connect(store, S, read_only=True)
    try:
        with pytest.raises(CoopxError, match="unknown export format 'xml'"):
            export(con, "xml", tmp_path / "x")
    finally:
        con.close()
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_tables_export(store, tmp_path, fmt):
    res = CliRunner().invoke(app, ["export", "--store", str(store), "--format", fmt, "-o", str(tmp_path / fmt)])
    assert res.exit_code == 0, res.output
    for table in EXPORT_TABLES:
        path = tmp_path / fmt / f"{table}.{fmt}"
        if fmt == "parquet":
            assert pq.read_table(path).num_rows > 0, table
        else:
            with path.open(encoding="utf-8") as fh:
                assert len(list(csv.reader(fh))) > 1, table
    if fmt == "parquet":
        coops = pq.read_table(tmp_path / fmt / "cooperations.parquet").to_pylist()
        assert max(c["n_outlets"] for c in coops) == 3


@pytest.mark.parametrize("doc", ["README.md", "docs/archive.md"])
def test_documented_store_queries_run(store, doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text[text.index("coopx consolidate"):] if doc == "README.md" else text
    query = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
    result = rows(store, query)
    assert result and "Universitätsklinikum Talberg" in repr(result[:2])


def test_a_split_keeps_the_rest_of_an_earlier_merge(store):
    uni, works, town = (entity(store, n) for n in ("Universität Talberg", "Stadtwerke Talberg", "Stadt Talberg"))
    merged = corrections.merge(store, [uni, works, town], S)
    corrections.split(store, merged, ["Stadt Talberg"], S)
    consolidate(store, [], S)  # a rebuild
    got = rows(store, """SELECT count(DISTINCT entity_id) FROM entity_keys WHERE list_has_any(names,
                         ['Universität Talberg', 'Stadtwerke Talberg', 'Stadt Talberg'])""")
    assert got == [(2,)]
    holder = {n: rows(store, "SELECT entity_id FROM entity_keys WHERE list_contains(names, ?)", [n])[0][0]
              for n in ("Universität Talberg", "Stadtwerke Talberg", "Stadt Talberg")}
    assert holder["Universität Talberg"] == holder["Stadtwerke Talberg"] != holder["Stadt Talberg"]


def test_split_names_equal_after_normalisation_and_by_location(tmp_path):
    recs = [record("s1", [inst("i1", "Kreisklinik Bergtal"), inst("i2", "Klinikum Nord", location="Talberg")],
                   [coop("c1", ["i1", "i2"], ["patient_care"], "started", "Sie arbeiten zusammen.")]),
            record("s2", [inst("i1", "Kreisklinik Bergtal GmbH"), inst("i2", "Klinikum Nord")],
                   [coop("c1", ["i1", "i2"], ["patient_care"], "started", "Sie arbeiten zusammen.")])]
    path = tmp_path / "a.duckdb"
    consolidate(path, [write(tmp_path / "r.jsonl", recs)], S)
    kkb = entity(path, "Kreisklinik Bergtal")
    assert len(corrections.split(path, kkb, ["Kreisklinik Bergtal GmbH"], S)) == 2
    north = rows(path, "SELECT entity_id FROM entity_keys WHERE list_contains(names, 'Klinikum Nord')")
    assert len({e for (e,) in north}) == 1  # the unlocated one joined the only located one
    res = CliRunner().invoke(app, ["entities", "split", north[0][0], "-n", "Klinikum Nord", "-l", "Talberg",
                                   "--store", str(path)])
    assert res.exit_code == 0 and len(res.stdout.split()) == 4, res.output
    res = CliRunner().invoke(app, ["entities", "split", entity(path, "Kreisklinik Bergtal"), "--store", str(path)])
    assert res.exit_code == 1 and "nothing to split: it has one name only ('Kreisklinik Bergtal')" in res.stderr


def test_cooperation_ids_survive_reports_that_sort_first(tmp_path):
    path = tmp_path / "a.duckdb"
    first = talberg_articles()[:2]
    consolidate(path, [write(tmp_path / "first.jsonl", first)], S)
    before = rows(path, "SELECT cooperation_id, n_reports FROM cooperations")
    anchor = min(r["id"] for r in first)
    a, b = inst("i1", "Universitätsklinikum Talberg"), inst("i2", "Kreisklinik Bergtal")
    late = next(rec for n in range(100) if (rec := record(f"late{n}", [a, b], [
        coop("c1", ["i1", "i2"], ["telemedicine"], "ongoing", "Die Zusammenarbeit läuft.")]))["id"] < anchor)
    consolidate(path, [write(tmp_path / "late.jsonl", [late])], S)
    after = rows(path, "SELECT cooperation_id, n_reports FROM cooperations")
    assert [c for c, _ in after] == [c for c, _ in before] and after[0][1] == before[0][1] + 1


def test_no_cooperation_chains_over_the_years(tmp_path):
    a, b = inst("i1", "Hochschule Lindenau", kind="university"), inst("i2", "Klinikum Lindenau")
    recs = [record(f"y{year}", [a, b], [coop("c1", ["i1", "i2"], ["research"], "started", "Vertrag unterzeichnet.",
                                             date=f"{year}-03-01", kind="signed")]) for year in (2020, 2021, 2022, 2023)]
    path = tmp_path / "a.duckdb"
    consolidate(path, [write(tmp_path / "r.jsonl", recs)], S)
    assert sorted(rows(path, "SELECT first_date, last_date FROM cooperations")) == [
        ("2020-03-01", "2022-03-01"), ("2023-03-01", "2023-03-01")]


def test_partners_of_one_report_stay_apart_and_collapsed_reports_are_counted(tmp_path):
    kv, short = inst("i1", "AWO Kreisverband Bergtal", kind="association"), inst("i2", "AWO Bergtal", kind="association")
    same = inst("i2", "AWO Kreisverband Bergtal e.V.", kind="association")
    recs = [record("p1", [kv, short], [coop("c1", ["i1", "i2"], ["network"], "started", "Beide arbeiten zusammen.")]),
            record("p2", [kv, same], [coop("c1", ["i1", "i2"], ["network"], "started", "Eine Doppelung.")])]
    path = tmp_path / "a.duckdb"
    result = consolidate(path, [write(tmp_path / "r.jsonl", recs)], S)
    assert result.counts["entities"] == 2 and result.counts["cooperations"] == 1
    assert result.counts["reports_dropped"] == 1 and "1 cooperation reports dropped" in result.line()


def test_the_display_name_is_not_an_inflected_form(tmp_path):
    recs = [record(f"d{n}", [inst("i1", name, kind="research_institute")], [])
            for n, name in enumerate(["Deutschen Talinstituts Talberg", "Deutschen Talinstituts Talberg",
                                      "Deutsches Talinstitut Talberg"])]
    path = tmp_path / "a.duckdb"
    consolidate(path, [write(tmp_path / "r.jsonl", recs)], S)
    assert rows(path, "SELECT name, n_articles FROM entities") == [("Deutsches Talinstitut Talberg", 3)]
