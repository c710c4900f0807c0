"""The batch engine: every input gives exactly one record line or one error line, with a clear
reason; duplicates are reported; existing outputs are protected; worker crashes are contained."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from extractor.batch import BatchOptions, run_batch, work
from extractor.batch.engine_local import CRASH_REASON, run_local
from extractor.errors import CoopxError
from extractor.readers import read_all
from extractor.settings import Settings
from tests.conftest import ROOT
from tests.test_readers import write_warc

# -- inputs shared with the other batch tests ------------------------------------------------
PLACES = ["Hardenbrück", "Mühlberg", "Wiesental", "Paderborn", "Detmold", "Minden", "Herford", "Gütersloh", "Lippstadt",
          "Hamm", "Soest", "Unna", "Eschenau", "Rothenfeld", "Essen", "Hagen"]
TOPICS = ["die Weiterbildung von Ärztinnen und Ärzten", "die gemeinsame Versorgung von Schlaganfallpatienten",
          "ein telemedizinisches Konsil", "die Forschung zu seltenen Erkrankungen"]


def release(n: int) -> str:
    """A short, distinct German press release about a cooperation (number n)."""
    a, b = PLACES[n % len(PLACES)], PLACES[(n * 7 + 3) % len(PLACES)]
    if a == b:
        b = "Lemgo"
    topic = TOPICS[n % len(TOPICS)]
    return (f"Das Klinikum {a} und das Universitätsklinikum {b} haben am {n % 28 + 1}. Juni 2025 einen "
            f"Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst {topic}. "
            f"„Wir freuen uns auf die Partnerschaft“, sagte die Geschäftsführerin. Meldung Nummer {n}.")


def write_folder(folder: Path, count: int, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        path = folder / f"doc{n:04d}.txt"
        path.write_text(release(n), encoding="utf-8")
        paths.append(path)
    return paths


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


S = Settings(model="blank", allow_private_urls=True, fetch_timeout=0.3, fetch_retries=0, max_input_bytes=50_000)


def page(n: int) -> str:
    return (f"<html><head><title>Meldung {n}</title></head><body><nav>Startseite | Presse | Kontakt</nav>"
            f"<article><h1>Meldung {n}</h1><p>{release(n)}</p></article><footer>Impressum</footer></body></html>")


@pytest.fixture
def threaded_server():
    """Like pytest-httpserver's `httpserver`, but a slow handler does not hold up the others."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_mixed_inputs_every_input_one_line(tmp_path, threaded_server, capsys):
    httpserver = threaded_server
    docs = tmp_path / "docs"
    write_folder(docs, 4)
    (docs / "page.html").write_text(page(10), encoding="utf-8")
    (docs / "page2.html.gz").write_bytes(gzip.compress(page(11).encode()))
    (docs / "binary.txt").write_bytes(b"\x00\xff" * 100)
    (docs / "empty.txt").write_text("")
    (docs / "english.txt").write_text("The hospital and the university signed a cooperation agreement on Monday, "
                                      "which will improve the training of doctors in the region.")
    (docs / "zcopy.txt").write_text(release(0), encoding="utf-8")  # same text as doc0000.txt
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"id": "j1", "text": release(20), "published": "2025-06-02"}) + "\n"
                    + json.dumps({"id": "j2", "title": "kein Text"}) + "\n", encoding="utf-8")
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc)  # 3 documents

    def slow(request):
        time.sleep(0.8)
        return Response(page(30), content_type="text/html")

    httpserver.expect_request("/ok").respond_with_data(page(31), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/latin").respond_with_data(page(32).encode("cp1252"), content_type="text/html; charset=utf-8")
    httpserver.expect_request("/moved").respond_with_data("", status=301, headers={"Location": "/ok2"})
    httpserver.expect_request("/ok2").respond_with_data(page(33), content_type="text/html")
    httpserver.expect_request("/missing").respond_with_data("not here", status=404)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/huge").respond_with_data("<p>" + "x" * 60_000 + "</p>", content_type="text/html")
    httpserver.expect_request("/report.pdf").respond_with_data(b"%PDF-1.4", content_type="application/pdf")
    urls = tmp_path / "pages.urls"
    paths = ["/ok", "/latin", "/moved", "/missing", "/broken", "/slow", "/huge", "/report.pdf"]
    urls.write_text("\n".join(httpserver.url_for(p) for p in paths) + "\nnot-a-url\n", encoding="utf-8")

    out = tmp_path / "out.jsonl"
    inputs = [str(docs), str(dump), str(warc), str(urls), str(tmp_path / "nowhere"), str(docs / "doc0001.txt")]
    summary = run_batch(BatchOptions(inputs=inputs, output=out, workers=1), S)

    records = read_lines(out)
    errors = read_lines(tmp_path / "out.jsonl.errors.jsonl")
    url = httpserver.url_for
    by_origin = {e["origin"]: e for e in errors}
    # every input exactly once (the repeated doc0001.txt once more, as a duplicate)
    expected_inputs = 10 + 2 + 3 + 9 + 1 + 1
    assert len(records) + len(errors) == expected_inputs
    assert len({r["source"]["text_sha256"] for r in records}) == len(records)
    ok_origins = {r["source"]["path"] or r["source"]["url"] for r in records}
    assert {str(docs / f"doc000{n}.txt") for n in range(4)} <= ok_origins
    assert {str(docs / "page.html"), str(docs / "page2.html.gz")} <= ok_origins
    assert {url("/ok"), url("/ok2")} <= {r["source"]["url"] for r in records}  # redirect: the final URL
    [latin] = [r for r in records if r["source"]["url"] == url("/latin")]  # mislabelled Windows-1252
    assert any(i["name"].startswith("Universitätsklinikum") for i in latin["institutions"])
    assert [r["source"]["published"] for r in records if r["source"]["id"] == "j1"] == ["2025-06-02"]
    assert sum(1 for r in records if r["source"]["path"] == str(warc)) == 2  # + 1 with the same text
    # the reasons
    reasons = {
        str(docs / "binary.txt"): ("read", "binary"),
        str(docs / "empty.txt"): ("clean", "empty"),
        str(docs / "english.txt"): ("language", "not German"),
        str(docs / "zcopy.txt"): ("duplicate", "same text as"),
        f"{dump}#j2": ("read", "no 'text' or 'html'"),
        url("/missing"): ("fetch", "HTTP 404"),
        url("/broken"): ("fetch", "HTTP 500"),
        url("/slow"): ("fetch", "timed out"),
        url("/huge"): ("fetch", "larger than the limit"),
        url("/report.pdf"): ("fetch", "content type application/pdf"),
        f"{urls}:9": ("read", "not an http(s) URL"),
        str(tmp_path / "nowhere"): ("read", "no such file"),
    }
    for origin, (stage, text) in reasons.items():
        assert origin in by_origin, origin
        assert by_origin[origin]["stage"] == stage and text in by_origin[origin]["reason"], by_origin[origin]
    assert by_origin[str(docs / "english.txt")]["kind"] == "skipped"
    assert by_origin[str(docs / "zcopy.txt")]["duplicate_of"] == str(docs / "doc0000.txt")
    repeat = [e for e in errors if e["origin"] == str(docs / "doc0001.txt")]
    assert repeat and repeat[0]["stage"] == "duplicate" and "more than once" in repeat[0]["reason"]
    # the summary
    assert summary.processed == len(records) == 12
    assert summary.duplicates == 3 and summary.skipped == {"not German": 1}
    assert summary.failed == len(errors) - 4 == 10
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [summary.line()]  # no progress bar when stderr is not a terminal
    assert "12 processed" in err and "1 skipped (not German: 1)" in err and "10 failed" in err and "docs/s" in err


def test_existing_output_is_refused_without_resume(tmp_path):
    write_folder(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    out.write_text('{"old": true}\n')
    with pytest.raises(CoopxError, match="already exists: add --resume"):
        run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=out, workers=1), S)
    assert out.read_text() == '{"old": true}\n'
    with pytest.raises(CoopxError, match="no state store"):
        run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=out, workers=1, resume=True), S)


def test_resume_after_a_finished_run_does_nothing(tmp_path):
    write_folder(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    first = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=out, workers=1), S)
    before = out.read_bytes()
    again = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=out, workers=1, resume=True), S)
    assert out.read_bytes() == before and first.processed == again.processed == 3
    assert again.this_run == 0 and again.earlier == 3
    # new inputs added to the job are picked up by a resumed run
    write_folder(tmp_path / "in", 2, start=3)
    more = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=out, workers=1, resume=True), S)
    assert more.processed == 5 and more.this_run == 2 and len(read_lines(out)) == 5


def test_worker_pool_gives_the_same_records(tmp_path):
    write_folder(tmp_path / "in", 40)
    one = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=tmp_path / "one.jsonl", workers=1), S)
    two = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=tmp_path / "two.jsonl", workers=2), S)
    assert one.processed == two.processed == 40
    lines = lambda p: set(p.read_text(encoding="utf-8").splitlines())
    assert lines(tmp_path / "one.jsonl") == lines(tmp_path / "two.jsonl")


def crash_on_boom(chunk, settings):
    """A process function that kills its worker on one document (a stand-in for a segfault)."""
    if any(str(getattr(item, "origin", "")).endswith("boom.txt") for item in chunk):
        os._exit(3)
    return work.process_chunk(chunk, settings)


def test_a_document_that_kills_its_worker_is_pinned_down(tmp_path):
    write_folder(tmp_path / "in", 12)
    (tmp_path / "in" / "doc0005boom.txt").write_text(release(99), encoding="utf-8")
    items = list(read_all([str(tmp_path / "in")], S))
    chunks = [items[i:i + 4] for i in range(0, len(items), 4)]
    outcomes = [o for batch in run_local(chunks, S, 2, process=crash_on_boom) for o in batch]
    assert sorted(o.origin for o in outcomes) == sorted(i.origin for i in items)
    bad = [o for o in outcomes if o.line is None]
    assert [(Path(o.origin).name, o.reason) for o in bad] == [("doc0005boom.txt", CRASH_REASON)]


def coopx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor.cli", *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_cli_exit_codes_and_summary(tmp_path):
    write_folder(tmp_path / "good", 3)
    res = coopx("batch", str(tmp_path / "good"), "-o", str(tmp_path / "good.jsonl"), "--model", "blank", "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert "3 processed, 0 skipped, 0 failed, 0 duplicates" in res.stderr
    res = coopx("batch", str(tmp_path / "good"), "-o", str(tmp_path / "good.jsonl"), "--model", "blank")
    assert res.returncode == 1 and "already exists: add --resume" in res.stderr and "Traceback" not in res.stderr
    res = coopx("batch", str(tmp_path / "good"), str(tmp_path / "missing.html"), "-o", str(tmp_path / "bad.jsonl"),
                "--model", "blank", "--workers", "1", "--errors", str(tmp_path / "errs.jsonl"))
    assert res.returncode == 3 and "1 failed" in res.stderr
    assert read_lines(tmp_path / "errs.jsonl")[0]["reason"].startswith("no such file")


def test_progress_bar_mode_runs_and_still_prints_the_summary(tmp_path, capsys):
    write_folder(tmp_path / "in", 5)
    summary = run_batch(BatchOptions(inputs=[str(tmp_path / "in")], output=tmp_path / "o.jsonl", workers=1,
                                     progress=True), S)
    assert summary.processed == 5
    assert summary.line() in capsys.readouterr().err


# -- hardening (issue #11) ----------------------------------------------------------------------
def test_one_bad_jsonl_line_costs_no_good_line(tmp_path):
    rows = [json.dumps({"id": f"d{n}", "text": release(n)}) for n in range(40)]
    rows[3] = json.dumps({"id": "d3", "text": release(3) + " \ud800 Ende."})  # valid JSON, a lone surrogate
    rows[7] = json.dumps({"id": "d7", "text": release(7), "published": "2024-02-30"})
    rows[9] = "{broken"
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_batch(BatchOptions(inputs=[str(dump)], output=out, workers=1), S)
    ids = {r["source"]["id"] for r in read_lines(out)}
    assert ids == {f"d{n}" for n in range(40)} - {"d7", "d9"}
    errors = {e["origin"]: e for e in read_lines(tmp_path / "out.jsonl.errors.jsonl")}
    assert set(errors) == {f"{dump}#d7", f"{dump}:10"} and "no day 30" in errors[f"{dump}#d7"]["reason"]
    assert summary.failed == 2


def test_file_name_that_is_not_utf8_leaves_the_others_processed(tmp_path):
    folder = tmp_path / "in"
    write_folder(folder, 3)
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(release(9), encoding="utf-8")
    odd_folder = tmp_path / os.fsdecode(b"d\xe9")  # the input argument itself is no UTF-8
    write_folder(odd_folder, 1, start=20)
    out = tmp_path / os.fsdecode(b"out\xe9.jsonl")
    for extra in ([], ["--resume"]):
        res = subprocess.run([sys.executable, "-m", "extractor.cli", "batch", str(folder), str(odd_folder), "-o", str(out),
                              "--model", "blank", "--workers", "1", *extra], cwd=ROOT, capture_output=True, check=False)
        err = res.stderr.decode("utf-8", "replace")
        assert res.returncode == 0 and "Traceback" not in err, err
    paths = sorted(r["source"]["path"] for r in read_lines(out))
    assert paths == sorted([str(folder / f"doc000{n}.txt") for n in range(3)] + [f"{folder}/caf\\xe9.txt",
                                                                                   f"{tmp_path}/d\\xe9/doc0020.txt"])


def test_resume_recognises_inputs_however_they_are_spelled(tmp_path):
    write_folder(tmp_path / "in", 4)
    first = subprocess.run([sys.executable, "-m", "extractor.cli", "batch", "in", "-o", "out.jsonl", "--model", "blank",
                            "--workers", "1"], cwd=tmp_path, capture_output=True, text=True, check=False,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert first.returncode == 0, first.stderr
    again = run_batch(BatchOptions(inputs=[str(tmp_path / "in") + "/"], output=tmp_path / "out.jsonl", workers=1,
                                   resume=True), S)
    assert again.this_run == 0 and again.earlier == 4 and again.duplicates == 0
    assert len(read_lines(tmp_path / "out.jsonl")) == 4


def test_output_dash_streams_records_to_stdout_and_stdin_jsonl_is_many_documents(tmp_path):
    dump = "".join(json.dumps({"id": f"s{n}", "text": release(n)}) + "\n" for n in range(5)) + "{broken\n"
    res = subprocess.run([sys.executable, "-m", "extractor.cli", "batch", "-", "--model", "blank",  # -o - by default
                          "--workers", "1"], cwd=tmp_path, input=dump, capture_output=True, text=True, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 3, res.stderr
    assert [json.loads(line)["source"]["id"] for line in res.stdout.splitlines()] == [f"s{n}" for n in range(5)]
    err = res.stderr.strip().splitlines()
    assert json.loads(err[0])["origin"] == "stdin:6" and err[-1].startswith("coopx batch: 5 processed")
    assert "1 failed" in err[-1] and not list(tmp_path.iterdir())  # no files named "-", no state store
    res = coopx("batch", "-", "-o", "-", "--resume")
    assert res.returncode == 1 and "cannot resume" in res.stderr


def test_exact_duplicates_keep_the_copy_with_the_richest_metadata(tmp_path):
    folder = tmp_path / "a_folder"
    write_folder(folder, 3)
    dump = tmp_path / "b_dump.jsonl"
    dump.write_text(json.dumps({"id": "rich", "text": release(1), "url": "https://example.org/pm1",
                                "published": "2025-06-02"}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_batch(BatchOptions(inputs=[str(folder), str(dump)], output=out, workers=1), S)
    records = read_lines(out)
    assert sorted(r["source"]["id"] for r in records) == ["doc0000", "doc0002", "rich"]
    [rich] = [r for r in records if r["source"]["id"] == "rich"]
    assert rich["source"]["url"] == "https://example.org/pm1" and rich["source"]["published"] == "2025-06-02"
    [dup] = read_lines(tmp_path / "out.jsonl.errors.jsonl")
    assert dup["origin"] == str(folder / "doc0001.txt") and dup["duplicate_of"] == f"{dump}#rich"
    assert (summary.processed, summary.duplicates) == (3, 1)
    again = run_batch(BatchOptions(inputs=[str(folder), str(dump)], output=out, workers=1, resume=True), S)
    assert (again.processed, again.duplicates, again.this_run) == (3, 1, 0) and len(read_lines(out)) == 3


def test_a_run_stopped_inside_compaction_is_finished_by_resume(tmp_path, monkeypatch):
    from extractor.batch import compact

    folder = tmp_path / "a_folder"
    write_folder(folder, 3)
    dump = tmp_path / "b_dump.jsonl"
    dump.write_text(json.dumps({"id": "rich", "text": release(1), "url": "https://example.org/pm1"}) + "\n")
    out = tmp_path / "out.jsonl"
    real_install = compact.install

    def crash(path):
        raise KeyboardInterrupt  # the process ends between the state commit and the rename

    monkeypatch.setattr(compact, "install", crash)
    with pytest.raises(KeyboardInterrupt):
        run_batch(BatchOptions(inputs=[str(folder), str(dump)], output=out, workers=1), S)
    assert len(read_lines(out)) == 4  # the old line is still there
    monkeypatch.setattr(compact, "install", real_install)
    again = run_batch(BatchOptions(inputs=[str(folder), str(dump)], output=out, workers=1, resume=True), S)
    assert sorted(r["source"]["id"] for r in read_lines(out)) == ["doc0000", "doc0002", "rich"]
    assert again.processed == 3 and again.duplicates == 1


def test_duplicates_on_stdout_keep_the_first_copy(tmp_path, capfd):
    folder = tmp_path / "a_folder"
    write_folder(folder, 2)
    dump = tmp_path / "b_dump.jsonl"
    dump.write_text(json.dumps({"id": "rich", "text": release(1), "url": "https://example.org/pm1"}) + "\n")
    run_batch(BatchOptions(inputs=[str(folder), str(dump)], output=Path("-"), workers=1), S)
    out, err = capfd.readouterr()
    assert [json.loads(line)["source"]["id"] for line in out.splitlines()] == ["doc0000", "doc0001"]
    assert '"duplicate_of"' in err


def test_summary_line_plurals():
    from extractor.batch.options import BatchSummary

    one = BatchSummary(processed=1, duplicates=1, this_run=1, seconds=1.0).line()
    assert "1 duplicate;" in one and "1 document in" in one
    two = BatchSummary(processed=2, duplicates=2, this_run=2, seconds=1.0).line()
    assert "2 duplicates;" in two and "2 documents in" in two


@pytest.mark.slow
@pytest.mark.parametrize("pause", [0.02, 0.2])  # the second one while the batch stops, or in the interpreter's teardown
def test_two_ctrl_c_end_the_batch_within_seconds(tmp_path, pause):
    import signal

    write_folder(tmp_path / "in", 1500)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "extractor.cli", "batch", str(tmp_path / "in"), "-o", str(out), "--model", "blank",
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None and not (out.exists() and out.stat().st_size):
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode()
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        time.sleep(pause)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        started = time.monotonic()
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert time.monotonic() - started < 15 and proc.returncode == 130
    assert "Traceback" not in err and "--resume" in err
