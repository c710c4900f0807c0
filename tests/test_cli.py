"""The `coopx` command line: clear one-line errors and non-zero exits for bad input, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "corpus" / "examples" / "netzwerk_kooperation.txt"
GOOD = ("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen Kooperationsvertrag "
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
    assert "Klinikum Hardenbrück" in out and "Universitätsklinikum Mühlberg" in out


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


# -- everyday conventions (issue #11) -------------------------------------------------------------
def test_version_and_short_help():
    from extractor import __version__

    for flag in ("--version", "-V"):
        res = coopx(flag)
        assert res.returncode == 0 and res.stdout.decode().strip() == f"coopx {__version__}"
    for args in (["-h"], ["batch", "-h"], ["extract", "-h"], ["serve", "-h"], ["schema", "-h"]):
        res = coopx(*args)
        assert res.returncode == 0 and res.stdout.decode().startswith("Usage: "), args


@pytest.mark.parametrize("command", ["extract", "batch", "serve", "schema"])
def test_help_is_readable_when_piped_and_has_examples(command):
    out = coopx(command, "--help").stdout.decode()
    assert "Examples:" in out and f"coopx {command}" in out
    assert "…" not in out and "╭" not in out  # wrapped text, not panels cut at 80 columns
    assert max(len(line) for line in out.splitlines()) <= 100
    if command in ("extract", "batch"):
        assert "Exit codes:" in out


def test_exit_codes_are_distinct(tmp_path):
    assert coopx("extract", str(tmp_path / "missing.txt"), "--model", "blank").returncode == 3  # input gave no record
    assert coopx("extract", "--bogus").returncode == 2  # usage
    out = tmp_path / "o.jsonl"
    out.write_text("x\n")
    assert coopx("batch", str(EXAMPLE), "-o", str(out), "--model", "blank").returncode == 1  # set-up


@pytest.mark.parametrize("args, message", [
    (["extract", "x", "--format", "jsn"], "did you mean 'json'?"),
    (["batch", "x", "-o", "o.jsonl", "--format", "parket"], "did you mean 'parquet'?"),
    (["batch", "x", "-o", "o.jsonl", "--engine", "dsk"], "did you mean 'dask'?"),
    (["extract", "x", "--model", "shiped"], "did you mean 'shipped'?"),
    (["extract", "x", "--model", "nosuch"], "unknown model 'nosuch'"),
    (["extract", "x", "--published", "2024-02-30"], "no day 30"),
])
def test_usage_errors_say_what_is_wrong(args, message):
    res = coopx(*args)
    err = res.stderr.decode()
    assert res.returncode == 2 and message in err and "Traceback" not in err
    assert "x: " not in err  # a model or option problem is not reported as a problem of the input file


def test_extract_jsonl_is_one_compact_line_and_takes_german_dates():
    res = coopx("extract", "-", "--format", "jsonl", "--model", "blank", "--published", "11. März 2025",
                stdin=GOOD.encode())
    assert res.returncode == 0, res.stderr
    [line] = res.stdout.decode().splitlines()
    assert json.loads(line)["source"]["published"] == "2025-03-11"


def test_dateline_fills_published_of_a_plain_text(tmp_path):
    path = tmp_path / "pm.txt"
    path.write_text("Hardenbrück, 11. März 2025 – " + GOOD, encoding="utf-8")
    source = json.loads(coopx("extract", str(path), "--model", "blank").stdout)["source"]
    assert (source["published"], source["published_origin"]) == ("2025-03-11", "text")
