"""`scripts/train_decisions.py` end to end on the team's corpus: it trains the organisation
tagger and every decision, writes the folder with its card, and the pipeline runs on what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SHARED

pytest.importorskip("sklearn")


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "eval" / "score.py").is_file(), reason="../shared/eval/score.py (the official scorer) is absent")
def test_training_writes_models_the_pipeline_loads(tmp_path):
    out = tmp_path / "decisions"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_decisions.py"), "--gold", str(ROOT / "corpus" / "gold"),
                          "--out", str(out), "--work", str(tmp_path / "work"), "--no-cv"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    from extractor import decide

    assert decide.available(out) and (out / "org_tagger.crfsuite").stat().st_size > 1000
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["articles"] == len(list((ROOT / "corpus" / "gold").glob("*.json")))
    assert "## Models" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    decisions = decide.Decisions.from_dir(out)
    assert decisions.partner.weights and 0.05 <= decisions.partner.threshold <= 0.95

    from extractor.documents import RawDocument
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    pipe = Pipeline(Settings(model="shipped"))
    pipe.decisions = decisions
    pipe.nlp.get_pipe("coopx_org_tagger").load(out / "org_tagger.crfsuite")
    g = json.loads(sorted((ROOT / "corpus" / "gold").glob("*.json"))[0].read_text(encoding="utf-8"))
    rec = pipe.extract(RawDocument(origin="t", content=g["text"], content_type="text", published=g.get("published")))
    assert rec.institutions  # a record built by the freshly trained models


def test_gold_names_are_projected_with_their_role():
    """The tagger learns partners apart from other organisations: every occurrence of a partner's
    name or alias is PART, of another annotated organisation ORG, the longest form first."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import decision_training as dt
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    nlp = Pipeline(Settings(model="blank")).nlp
    doc = nlp("Die Kreisklinik Talberg und die KKT-Stiftung kooperieren, gefördert vom Land Talberg.")
    gold = {"gold": {"institutions": [{"name": "Kreisklinik Talberg", "aliases": ["KKT-Stiftung"]},
                                      {"name": "Hochschule Nordhain"}, {"name": "Land Talberg"}],
                     "cooperations": [{"partners": ["Kreisklinik Talberg", "Hochschule Nordhain"]}]}}
    tags = dt.project_tags(doc, gold, nlp.tokenizer)
    got = [(t.text, tag) for t, tag in zip(doc, tags) if tag != "O"]
    assert got == [("Kreisklinik", "B-PART"), ("Talberg", "I-PART"), ("KKT-Stiftung", "B-PART"),
                   ("Land", "B-ORG"), ("Talberg", "I-ORG")]


def test_thresholds_follow_the_neighbourhood_not_a_lucky_peak():
    sys.path.insert(0, str(ROOT / "scripts"))
    import decision_training as dt

    lone_peak = {round(float(t), 3): 0.5 for t in dt.GRID} | {0.7: 0.9}  # one jagged spike
    plateau = {t: 0.8 for t in lone_peak if 0.3 <= t <= 0.45}
    assert dt._smoothed_best(lambda t: plateau.get(round(float(t), 3), lone_peak[round(float(t), 3)])) in plateau
    # a high end of the grid has no full window: it never wins on its own
    edge = {t: 0.9 if t <= 0.1 else 0.5 for t in lone_peak}
    assert dt._smoothed_best(lambda t: edge[round(float(t), 3)]) == pytest.approx(dt.GRID[dt.WINDOW])


def test_a_second_pick_is_learned_only_where_articles_have_two_values():
    sys.path.insert(0, str(ROOT / "scripts"))
    import decision_training as dt

    def data(n_good: int):
        X, y, groups, values = [], [], [], []
        for a in range(60):
            for v in range(3):
                good = v < n_good
                X.append({"good" if good else "bad": 1.0, f"noise{(a + v) % 5}": 1.0})
                y.append(int(good))
                groups.append(f"a{a}")
                values.append(f"20{10 + v}")
        return X, y, groups, values, {f"a{a}": n_good for a in range(60)}

    X, y, groups, values, counts = data(2)
    two = dt.fit_pick_one("date", X, y, groups, counts, values)
    assert two.second_threshold is not None
    X, y, groups, values, counts = data(1)
    assert dt.fit_pick_one("date", X, y, groups, counts, values).second_threshold is None
    assert dt.fit_pick_one("date", X, y, groups, counts).second_threshold is None  # without values: one pick


def test_rows_of_an_article_are_cut_back_in_order():
    sys.path.insert(0, str(ROOT / "scripts"))
    import numpy as np

    import decision_training as dt

    class Rows:  # only the entity count matters
        def __init__(self, n):
            self.entity = [{}] * n

    assert dt.per_article([Rows(2), Rows(0), Rows(3)], np.arange(5.0)) == [[0.0, 1.0], [], [2.0, 3.0, 4.0]]


def test_balanced_labels_lift_a_rare_label_over_the_shared_threshold():
    sys.path.insert(0, str(ROOT / "scripts"))
    import decision_training as dt

    X, labels, groups = [], [], []
    for a in range(120):
        rare = a % 20 == 0  # 6 of 120 articles
        cue = rare or a % 20 == 10  # the rare label's cue, half of the time without it
        X.append({"common_cue": 1.0, **({"rare_cue": 1.0} if cue else {}), f"noise{a % 7}": 1.0})
        labels.append({"common", *(["rare"] if rare else [])} if a % 3 else ({"rare"} if rare else {"other"}))
        groups.append(f"a{a}")
    vocabulary = ["common", "other", "rare"]
    plain = dt.fit_labels("types", X, labels, vocabulary, groups)
    balanced = dt.fit_labels("types", X, labels, vocabulary, groups, balanced=True)
    article = {"common_cue": 1.0, "rare_cue": 1.0}
    assert balanced.models["rare"].proba(article) > plain.models["rare"].proba(article)
    assert "rare" in balanced.chosen(article) and "rare" not in plain.chosen(article)


@pytest.mark.slow
def test_a_paired_run_reuses_the_fold_taggers_of_its_base(tmp_path):
    """`--taggers-from`: the fold taggers of an earlier run tag as they did there, without being
    retrained; taggers trained under other folds are refused, not silently used."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import decision_training as dt
    from extractor.nlp.docdata import facts
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    golds = dt.load_gold([ROOT / "corpus" / "gold"])
    base = dt.process(golds, Pipeline(Settings(model="shipped", decisions=False)), tmp_path / "base", log=lambda *_: None)
    trained = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "base").glob("org_tagger.fold*.crfsuite")}
    assert len(trained) == dt.NFOLD
    paired = dt.process(golds, Pipeline(Settings(model="shipped", decisions=False)), tmp_path / "paired",
                        log=lambda *_: None, taggers=tmp_path / "base")
    assert [facts(d).get("tagged") for d in paired.docs] == [facts(d).get("tagged") for d in base.docs]
    assert any(facts(d).get("tagged") for d in base.docs)
    assert not list((tmp_path / "paired").glob("org_tagger.fold*.crfsuite"))  # nothing retrained
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "base").glob("org_tagger.fold*.crfsuite")} == trained
    with pytest.raises(SystemExit, match="under these folds"):
        dt.process(golds, Pipeline(Settings(model="shipped", decisions=False)), tmp_path / "other",
                   log=lambda *_: None, salt="tagger1:", taggers=tmp_path / "base")
