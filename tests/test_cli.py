"""The `coopx` command line: clear one-line errors and non-zero exits for bad input, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "corpus" / "examples" / "netzwerk_kooperation.txt"
GOOD = ("Das Klinikum Osnabrück und das Universitätsklinikum Münster haben am 3. Juni 2025 einen Kooperationsvertrag "
        "unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung von Ärztinnen und Ärzten.")


def coopx(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor.cli", *args], cwd=ROOT, input=stdin, capture_output=True)


def test_extract_bundled_example_as_json():
    res = coopx("extract", str(EXAMPLE), "--model", "blank")
    assert res.returncode == 0, res.stderr
    rec = json.loads(res.stdout)
    assert rec["is_cooperation"] and rec["cooperations"]
    assert rec["source"]["id"] == "netzwerk_kooperation"
    assert rec["pipeline"]["kind"] == "rules_only"


def test_extract_stdin_summary():
    res = coopx("extract", "-", "--format", "summary", "--model", "blank", stdin=GOOD.encode())
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    assert "Klinikum Osnabrück" in out and "Universitätsklinikum Münster" in out


def test_extract_html_file(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>Kooperation</title></head><body><nav>Start | Kontakt</nav>"
                    f"<article><h1>Kooperation</h1><p>{GOOD}</p><p>{GOOD}</p></article></body></html>", encoding="utf-8")
    res = coopx("extract", str(page), "--model", "blank")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["is_cooperation"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.txt", None, "no such file"),
        ("binary.txt", b"\x00\x01\x02\x03" * 50, "binary"),
        ("empty.txt", b"", "empty"),
        ("english.txt", b"The hospital and the university signed a cooperation agreement on Monday, "
                        b"which will improve the training of doctors in the region.", "not German"),
    ],
)
def test_extract_bad_input_is_one_clear_line(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    res = coopx("extract", str(path), "--model", "blank")
    err = res.stderr.decode()
    assert res.returncode != 0
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_batch_keeps_good_records_when_some_inputs_are_bad(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(GOOD, encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\x00\xff" * 100)
    (folder / "c.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = coopx("batch", str(folder), "-o", str(out), "--model", "blank", "--workers", "1")
    assert res.returncode != 0
    assert "Traceback" not in res.stderr.decode()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(ln)["source"]["id"] for ln in lines] == ["a"]


def test_schema_command_prints_the_contract():
    res = coopx("schema")
    assert res.returncode == 0
    schema = json.loads(res.stdout)
    assert schema["title"] == "Record" and "cooperations" in schema["properties"]
