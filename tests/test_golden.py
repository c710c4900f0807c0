"""Golden tests: the pipeline on the team's corpus (corpus/gold) and, when ../shared exists, the
scored run on the dev set with the bar from the core issue (rules-only pipeline)."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata

import pytest

from extractor.documents import RawDocument
from tests.conftest import ROOT, SHARED

GOLD = sorted((ROOT / "corpus" / "gold").glob("*.json"))


def _norm(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).lower().replace("-", " ").split())


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


@pytest.fixture(scope="module")
def corpus_runs(rules_pipeline):
    raws = []
    for path in GOLD:
        d = json.loads(path.read_text(encoding="utf-8"))
        raws.append(RawDocument(origin=str(path), content=d["text"], id=d["id"], content_type="text", published=d.get("published")))
    records = list(rules_pipeline.run_many(raws))
    return [(json.loads(p.read_text(encoding="utf-8"))["gold"], r) for p, r in zip(GOLD, records)]


def test_corpus_every_article_gives_a_valid_record(corpus_runs):
    assert len(corpus_runs) >= 20
    for gold, rec in corpus_runs:
        assert rec.schema_version == "1.0"
        assert rec.pipeline.kind == "rules_only" and rec.warnings  # never hide the fallback


def test_corpus_detection_people_and_partners_floor(corpus_runs):
    """Floors just under what the rules measure (detection 0.97, people 0.99, partners 0.91): a
    change that loses cooperations or people on the team's corpus fails here."""
    det = [0, 0, 0]
    ppl = [0, 0, 0]
    par = [0, 0, 0]
    for gold, rec in corpus_runs:
        g, p = gold["is_cooperation"], rec.is_cooperation
        det[0] += g and p
        det[1] += p and not g
        det[2] += g and not p
        gnames = {_norm(x["name"]).split()[-1] for x in gold["people"]}
        pnames = {_norm(x.name).split()[-1] for x in rec.people}
        ppl[0] += len(gnames & pnames)
        ppl[1] += len(pnames - gnames)
        ppl[2] += len(gnames - pnames)
        forms = {}
        for inst in gold["institutions"]:
            for f in [inst["name"], *inst.get("aliases", [])]:
                forms[_norm(f)] = inst["name"]
        names = {i.id: i for i in rec.institutions}
        gpart = {x for c in (gold["cooperations"] if gold["is_cooperation"] else []) for x in c["partners"]}
        ppart = set()
        for c in rec.cooperations:
            for pid in c.partners:
                inst = names[pid]
                hit = next((forms[_norm(f)] for f in [inst.name, *inst.mentions] if _norm(f) in forms), None)
                ppart.add(hit or "?" + inst.name)
        par[0] += len(gpart & ppart)
        par[1] += len(ppart - gpart)
        par[2] += len(gpart - ppart)
    assert _f1(*det) >= 0.92
    assert _f1(*ppl) >= 0.97
    assert _f1(*par) >= 0.86


def _dev_score(tmp_path, model: str) -> dict:
    inp, out = tmp_path / "dev.jsonl", tmp_path / f"out-{model}.jsonl"
    with inp.open("w", encoding="utf-8") as fh:
        for f in sorted((SHARED / "dev").glob("*.json")):
            d = json.loads(f.read_text(encoding="utf-8"))
            fh.write(json.dumps({k: d[k] for k in ("id", "text", "url", "published") if d.get(k) is not None}, ensure_ascii=False) + "\n")
    subprocess.run([sys.executable, "-m", "extractor.cli", "batch", str(inp), "-o", str(out), "--model", model, "--workers", "1"],
                   check=True, cwd=ROOT, capture_output=True)
    res = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), "--gold", str(SHARED / "dev"), "--pred", str(out), "--json"],
                         check=True, capture_output=True, text=True)
    score = json.loads(res.stdout)
    assert not score["missing_predictions"]
    return score


NO_DEV = not (SHARED / "dev").is_dir() or not (SHARED / "eval" / "score.py").is_file()


@pytest.mark.skipif(NO_DEV, reason="../shared/dev and ../shared/eval are not present in this checkout")
def test_dev_set_bar(tmp_path):
    """The core issue's bar on ../shared/dev with the rules-only fallback."""
    score = _dev_score(tmp_path, "blank")
    assert score["overall"] >= 0.80, score["overall"]
    assert score["partners"]["f1"] >= 0.85, score["partners"]
    assert score["people"]["f1"] >= 0.90, score["people"]


@pytest.mark.skipif(NO_DEV, reason="../shared/dev and ../shared/eval are not present in this checkout")
def test_dev_set_with_the_learned_decisions(tmp_path):
    """The default pipeline (shipped NER + learned decisions) on ../shared/dev. The decisions were
    trained on these articles too, so this guards against regressions; the cross-validated
    figures (scripts/eval_extraction.py --cv 5) are the measure of quality."""
    score = _dev_score(tmp_path, "shipped")
    assert score["overall"] >= 0.88, score["overall"]
    assert score["partners_seen"] >= 0.90, score["partners_seen"]
