"""The hashed tables that hold place names and word frequencies: the same keys in every process,
dict semantics, and a frequency cache that a broken or unwritable cache folder cannot break."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import numpy as np
import pytest

from extractor.nlp import frequencies
from extractor.nlp.hashed import HashTable, stable_hash
from extractor.nlp.ner_features import PhraseTable
from tests.conftest import ROOT


def test_the_hash_is_the_same_in_another_process():
    code = "from extractor.nlp.hashed import stable_hash; print(stable_hash('Bad Rheinfurt'), stable_hash('\\ud800x'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.split()
    assert [int(x) for x in out] == [stable_hash("Bad Rheinfurt"), stable_hash("\ud800x")]
    assert stable_hash("Rheinfurt") != stable_hash("rheinfurt")


def test_a_table_answers_like_a_dict():
    table = HashTable.build([("Lindenau", 3), ("Talberg", 1), ("Lindenau", 7)])
    assert len(table) == 2 and table.get("Lindenau") == 7 and table.get("Talberg") == 1
    assert table.get("Nordhain") is None and table.get("") is None
    assert list(table.keys) == sorted(table.keys)
    empty = HashTable.build([])
    assert empty.get("Talberg") is None


def test_phrases_match_longest_first_from_either_file_format(tmp_path):
    labels = {("Bad", "Rheinfurt"): "p1", ("Bad",): "p0", ("Neustadt", "an", "der", "Lahn"): "p2", ("Lindenau",): "p0"}
    words = ["in", "Bad", "Rheinfurt", ",", "Bad", "und", "Neustadt", "an", "der", "Lahn", "Neustadt"]
    want = [None, "B-p1", "I-p1", None, "B-p0", None, "B-p2", "I-p2", "I-p2", "I-p2", None]
    table = PhraseTable(labels)
    assert table.match(words) == want and len(table) == 4
    assert PhraseTable({("Neustadt", "an", "der", "Lahn"): "p2"}).match(words) == [None] * 6 + ["B-p2", "I-p2", "I-p2", "I-p2", None]
    table.to_disk(tmp_path / "places.npz")
    assert PhraseTable.from_disk(tmp_path / "places.npz").match(words) == want
    # the gzipped text that models before the .npz format shipped
    text = "".join(f"\t{label}\n" + "".join(" ".join(p) + "\n" for p, lab in labels.items() if lab == label)
                   for label in sorted(set(labels.values())))
    (tmp_path / "places.tsv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    assert PhraseTable.from_disk(tmp_path / "places.tsv.gz").match(words) == want


def test_a_damaged_table_file_is_refused(tmp_path):
    path = tmp_path / "places.npz"
    np.savez(path, word_keys=np.arange(3, dtype=np.int64), word_values=np.zeros(3, dtype=np.uint16),
             phrase_keys=np.zeros(0, dtype=np.uint64), phrase_values=np.zeros(0, dtype=np.uint8), names=np.array(["p0"]))
    with pytest.raises(ValueError, match="not a hashed table"):
        PhraseTable.from_disk(path)


def _fresh(monkeypatch, folder):
    monkeypatch.setenv("COOPX_CACHE", str(folder))
    frequencies.load_frequencies.cache_clear()
    return frequencies.load_frequencies()


def test_word_frequencies_are_cached_on_disk_and_survive_a_broken_cache(tmp_path, monkeypatch):
    try:
        built = _fresh(monkeypatch, tmp_path / "cache")
        files = list((tmp_path / "cache").glob("zipf_de.*.npz"))
        assert len(files) == 1 and not list((tmp_path / "cache").glob("*.tmp"))
        assert built.get("und") == "7" and built.get("kooperation") is not None and built.get("xqzvbnt") is None
        assert _fresh(monkeypatch, tmp_path / "cache").table.keys.tobytes() == built.table.keys.tobytes()
        for damage in (b"not a numpy file", files[0].read_bytes()[:1000]):  # a damaged cache is rebuilt, not trusted
            files[0].write_bytes(damage)
            assert _fresh(monkeypatch, tmp_path / "cache").get("und") == "7"
            assert files[0].read_bytes() != damage
        blocker = tmp_path / "file"
        blocker.write_text("")  # a cache folder that cannot be made: built in memory, no error
        assert _fresh(monkeypatch, blocker / "cache").get("und") == "7"
    finally:
        frequencies.load_frequencies.cache_clear()


def test_without_a_home_folder_nothing_is_written_where_the_command_runs(tmp_path, monkeypatch):
    for var in ("COOPX_CACHE", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # a user without a home: "~" stays "~"
    monkeypatch.chdir(tmp_path)
    assert frequencies.cache_folder() is None
    try:
        frequencies.load_frequencies.cache_clear()
        assert frequencies.load_frequencies().get("und") == "7"
        assert list(tmp_path.iterdir()) == []
    finally:
        frequencies.load_frequencies.cache_clear()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert frequencies.cache_folder() == tmp_path / "xdg" / "coopx"
