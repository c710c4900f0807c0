"""`coopx report` and the Archiv page of `coopx serve --store`: one self-contained offline HTML
file with the vendored library and its licence, and the archive API behind the search box
(the browser tests are in test_archive_browser.py)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from extractor.archive.consolidate import consolidate
from extractor.archive.synthetic import write_jsonl
from extractor.cli import app
from extractor.settings import Settings
from tests.archive_records import talberg_articles, write
from tests.conftest import ROOT

STATIC = ROOT / "extractor" / "archive" / "static"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("archive")
    path = tmp / "archive.duckdb"
    consolidate(path, [write(tmp / "talberg.jsonl", talberg_articles()), write_jsonl(tmp / "syn.jsonl", 1500)], Settings())
    return path


@pytest.fixture(scope="module")
def report_file(store):
    out = store.parent / "report.html"
    res = CliRunner().invoke(app, ["report", "--store", str(store), "-o", str(out), "--title", "Archiv <Test>"])
    assert res.exit_code == 0, res.output
    return out


def test_report_is_one_self_contained_file(report_file):
    html = report_file.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=\"(?!data:)|@import|url\(http", html)
    assert "vis.js is dual licensed" in html and "Universitätsklinikum Talberg" in html
    assert "<title>Archiv &lt;Test&gt;</title>" in html and "sourceMappingURL=vis" not in html


def test_vendored_library_ships_with_its_licence():
    for name in ("vis-network.min.js", "vis-network.LICENSE-MIT.txt", "vis-network.LICENSE-APACHE-2.0.txt", "VENDORED.md"):
        assert (STATIC / name).is_file(), name
    package_data = re.search(r'^"extractor" = \[(.*)\]$', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert '"archive/static/*"' in package_data.group(1) and '"archive/data/*"' in package_data.group(1)


def test_archive_api(store, rules_pipeline):
    from extractor.api import create_app

    with TestClient(create_app(Settings(model="blank"), pipeline=rules_pipeline, store=store)) as client:
        hits = client.get("/v1/archive/search", params={"q": "uniklinik tal"}).json()
        assert hits == [] or all("entity_id" in h for h in hits)
        hits = client.get("/v1/archive/search", params={"q": "UKT"}).json()
        assert hits and hits[0]["name"] == "Universitätsklinikum Talberg"
        d = client.get(f"/v1/archive/entities/{hits[0]['entity_id']}").json()
        assert d["partners"][0]["name"] == "Kreisklinik Bergtal" and len(d["events"]) == 4
        missing = client.get("/v1/archive/entities/Enothing")
        assert missing.status_code == 404 and "no such entity" in missing.json()["detail"]
        page = client.get("/archiv")
        assert page.status_code == 200 and '"api": "/v1/archive"' in page.text
    without = TestClient(create_app(Settings(model="blank"), pipeline=rules_pipeline))
    assert without.get("/archiv").status_code == 404


def test_embedded_json_has_no_angle_bracket():
    import json

    from extractor.archive.report import render

    name = "Klinik </script><!-- <b>Nord</b>"
    page = render({"title": "T", "nodes": [{"name": name}]})
    blob = page.split('<script id="coopx-data" type="application/json">')[1].split("</script>")[0]
    assert "<" not in blob and json.loads(blob)["nodes"][0]["name"] == name


def test_report_output_in_a_missing_folder(store, tmp_path):
    res = CliRunner().invoke(app, ["report", "--store", str(store), "-o", str(tmp_path / "nope" / "r.html")])
    assert res.exit_code == 2 and f"--output {tmp_path / 'nope' / 'r.html'}: the folder" in res.stderr
    assert "does not exist" in res.stderr and "Errno" not in res.stderr
