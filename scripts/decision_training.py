"""Training data and cross-validation for coopx's learned components (shared by
``train_decisions.py`` and ``eval_extraction.py --cv``).

Gold files (GOLD_FORMAT) -> processed Docs -> one feature row per candidate, labelled by
aligning the candidates with the gold the way the official scorer does. Folds are fixed by a
hash of the article id, so every run and every script splits alike.

The press-text organisation tagger sits inside the NLP stage, so the decisions are trained on
its out-of-fold output (stacking): each article is tagged by a tagger that never saw it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pycrfsuite
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from extractor.assemble import cooperations as coop_rules  # noqa: E402
from extractor.decide import Decisions  # noqa: E402
from extractor.decide.article import date_rows, entity_rows  # noqa: E402
from extractor.decide.linear import LabelSet, LinearModel  # noqa: E402
from extractor.documents import CleanDocument  # noqa: E402
from extractor.features.article import article_features, type_features, with_parties  # noqa: E402
from extractor.features.dates import sentence_entities, with_sentence_parties  # noqa: E402
from extractor.features.neighbours import coordinated, partner_list_features  # noqa: E402
from extractor.features.view import build_view  # noqa: E402
from extractor.nlp import loader  # noqa: E402
from extractor.nlp.linear_chain import LinearChain, saved_path  # noqa: E402
from extractor.nlp.org_tagger import OrgTagger, add_spans, sentence_items  # noqa: E402
from extractor.pipeline import Pipeline  # noqa: E402
from extractor.records import CooperationStatus, CooperationType  # noqa: E402
from extractor.settings import Settings  # noqa: E402

SHARED = REPO.parent / "shared"
DEFAULT_GOLD = [SHARED / "train", SHARED / "dev", REPO / "corpus" / "gold"]
SCORER = SHARED / "eval" / "score.py"
NFOLD = 5
TYPES = list(CooperationType.__args__)
STATUSES = list(CooperationStatus.__args__)
TAGGER_FOLDS = "org_tagger.folds.json"  # beside the fold taggers: the fold of every article they were trained under
CRF_PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}


def fold_of(article_id: str, k: int = NFOLD) -> int:
    return zlib.crc32(article_id.encode("utf-8")) % k


def salted_folds(golds: list[dict], salt: str, k: int = NFOLD) -> list[int]:
    """Another fold assignment of the same articles (`fold_of` of the salted id): a change of a
    few thousandths is judged on several assignments, not on the one the shipped folds happen to be."""
    return [fold_of(salt + g["id"], k) for g in golds]


def load_scorer(path: Path = SCORER):
    spec = importlib.util.spec_from_file_location("coopx_gold_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_gold(dirs: Iterable[Path]) -> list[dict]:
    golds, seen = [], set()
    for d in dirs:
        for p in sorted(Path(d).glob("*.json")):
            g = json.loads(p.read_text(encoding="utf-8"))
            if g["id"] in seen:
                raise SystemExit(f"duplicate gold id {g['id']} in {p}")
            seen.add(g["id"])
            g["_path"] = str(p)
            golds.append(g)
    return golds


# --------------------------------------------------------------------------- the org tagger
def project_tags(doc, gold: dict, tokenize: Callable) -> list[str]:
    """BIO tags of every occurrence of a gold organisation's name or alias (longest first):
    PART for the partners of a cooperation, ORG for the other organisations."""
    texts = [t.text for t in doc]
    partners = {p for c in gold["gold"]["cooperations"] for p in c["partners"]}
    forms: dict[tuple[str, ...], str] = {}
    for inst in gold["gold"]["institutions"]:
        label = "PART" if inst["name"] in partners else "ORG"
        for form in [inst["name"], *inst.get("aliases", [])]:
            toks = tuple(t.text for t in tokenize(form))
            if toks and forms.get(toks) != "PART":
                forms[toks] = label
    tags = ["O"] * len(doc)
    for form in sorted(forms, key=len, reverse=True):
        n = len(form)
        for i in range(len(texts) - n + 1):
            if tuple(texts[i : i + n]) == form and all(t == "O" for t in tags[i : i + n]):
                tags[i] = "B-" + forms[form]
                for j in range(i + 1, i + n):
                    tags[j] = "I-" + forms[form]
    return tags


def train_tagger(items: list, tags: list, path: Path, params: dict = CRF_PARAMS) -> Path:
    trainer = pycrfsuite.Trainer(verbose=False)
    for doc_items, doc_tags in zip(items, tags):
        for idx, sent_items in doc_items:
            trainer.append(pycrfsuite.ItemSequence(sent_items), [doc_tags[i] for i in idx])
    trainer.set_params(params)
    trainer.train(str(path))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    LinearChain.from_tagger(tagger).save(saved_path(path), path.read_bytes())  # what run time reads
    return path


@dataclass
class Corpus:
    """Gold articles run through the NLP stage with out-of-fold organisation tagging."""

    golds: list[dict]
    docs: list
    folds: list[int]
    tagger_items: list = field(default_factory=list)
    tagger_tags: list = field(default_factory=list)


def process(golds: list[dict], pipe: Pipeline, work: Path, log=print, salt: str = "",
            taggers: Path | None = None) -> Corpus:
    """`salt`: the organisation tagger's folds are `salted_folds` of it (another realisation of
    the out-of-fold tagging, which moves the cross-validated figure by a few thousandths).
    `taggers`: the `work` folder of an earlier run whose fold taggers are used as they are (a rule
    change is then judged paired, without that retraining noise); its folds must be these."""
    nlp = loader.add_candidate_components(pipe.nlp)
    tagger: OrgTagger = nlp.get_pipe(loader.ORG_TAGGER)
    after = nlp.pipe_names[nlp.pipe_names.index(loader.ORG_TAGGER) + 1 :]  # they read the tagger's mentions
    docs = list(nlp.pipe((g["text"] for g in golds), disable=[loader.ORG_TAGGER, *after]))
    featurizer = tagger.featurizer(nlp)
    items = [sentence_items(doc, featurizer) for doc in docs]
    tags = [project_tags(doc, g, nlp.tokenizer) for doc, g in zip(docs, golds)]
    folds = salted_folds(golds, salt)
    work.mkdir(parents=True, exist_ok=True)
    assignment = {g["id"]: f for g, f in zip(golds, folds)}
    if taggers is not None:
        saved = taggers / TAGGER_FOLDS
        if not saved.is_file() or json.loads(saved.read_text(encoding="utf-8")) != assignment:
            raise SystemExit(f"{taggers} holds no fold taggers of these articles under these folds ({TAGGER_FOLDS})")
    for k in range(NFOLD):
        train = [i for i, f in enumerate(folds) if f != k]
        model = f"org_tagger.fold{k}.crfsuite"
        path = taggers / model if taggers is not None else \
            train_tagger([items[i] for i in train], [tags[i] for i in train], work / model)
        fold_tagger = OrgTagger(featurizer=featurizer)
        fold_tagger.load(path)
        for i, f in enumerate(folds):
            if f == k:
                add_spans(docs[i], fold_tagger.spans(docs[i], items[i]))
        log(f"  org tagger fold {k}: {'from ' + str(taggers) if taggers is not None else 'trained'} on {len(train)} articles")
    if taggers is None:
        (work / TAGGER_FOLDS).write_text(json.dumps(assignment, sort_keys=True), encoding="utf-8")
    for i, doc in enumerate(docs):
        for name in after:
            docs[i] = nlp.get_pipe(name)(docs[i])
    return Corpus(golds, docs, folds, items, tags)


def prepare(golds: list[dict], scorer, work: Path, log=print, salt: str = "",
            taggers: Path | None = None) -> tuple[Pipeline, Corpus, list]:
    """The pipeline the decisions are trained for (shipped NER, no decisions), the processed
    corpus with out-of-fold tagging, and the rows of every article."""
    pipe = Pipeline(Settings(model="shipped", decisions=False))
    corpus = process(golds, pipe, work, log, salt, taggers)
    return pipe, corpus, [rows_for(doc, g, scorer) for doc, g in zip(corpus.docs, golds)]


# --------------------------------------------------------------------------- rows and labels
@dataclass
class ArticleRows:
    entity: list[dict]
    partner: list[int]
    institution: list[int]
    article: dict
    detect: int
    types: set[str]
    status: str | None
    dates: list[dict]
    date_labels: list[int]
    date_values: list[str]
    n_gold_dates: int
    neighbours: list[frozenset[int]]  # per entity: the entities coordinated with it
    kinds: list[str]  # per entity
    date_entities: list[list[int]]  # per date candidate: the entities in its sentence
    type_extra: dict[str, float]  # what only the types model reads (`type_features`)


def rows_for(doc, gold: dict, scorer) -> ArticleRows:
    published = gold.get("published")
    view = build_view(doc, published)
    rule_is_coop, rule_coops = coop_rules.build(doc, view.article, published)
    ents = entity_rows(view, rule_coops)
    pin = [{"id": n, "name": e.name, "mentions": [doc[m["start"] : m["end"]].text for m in e.mentions]}
           for n, e in enumerate(view.entities)]
    gg = gold["gold"]
    mapping = scorer.align_institutions([scorer.Inst(d) for d in gg["institutions"]], pin)
    positive = bool(gg["is_cooperation"])
    gpart = {p for c in gg["cooperations"] for p in c["partners"]} if positive else set()
    partner = [int(mapping.get(n) in gpart) for n in range(len(view.entities))]
    institution = [int(n in mapping) for n in range(len(view.entities))]
    art = article_features(view, rule_is_coop, rule_coops)
    types = {t for c in gg["cooperations"] for t in c["types"]} if positive else set()
    status = gg["cooperations"][0]["status"] if positive and gg["cooperations"] else None
    gdates = {c["date"]["value"] for c in gg["cooperations"] if c.get("date") and c["date"].get("value")} if positive else set()
    drows = date_rows(view, rule_coops)
    return ArticleRows(ents, partner, institution, art, int(positive), types, status,
                       [f for _, _, f in drows], [int(v in gdates) for _, v, _ in drows], [v for _, v, _ in drows],
                       len(gdates), coordinated(view),
                       [e.kind for e in view.entities], [sentence_entities(view, d) for d, _, _ in drows],
                       type_features(rule_coops))


# --------------------------------------------------------------------------- models
INNER = 3  # inner folds that choose a decision's threshold from the training part only
GRID = np.round(np.arange(0.05, 0.81, 0.025), 3)  # thresholds 0.15-0.70: the grid's ends only fill windows
C_LOGISTIC = 0.5  # inverse L2 strength of the logistic decisions
C_DATE = 0.08  # the date decision's: few positives (one date per article at most) over many sparse features;
# cross-validated dates F1 (mean of four fold assignments) 0.621 at C 0.5, 0.635 at 0.25, 0.637 at 0.15,
# 0.641 at 0.08 and 0.04, 0.633 at 0.02: the middle of the plateau
WINDOW = 4  # grid steps each side: a threshold is chosen by its neighbourhood's mean F1, not a lucky peak


def _fit(X: list[dict], y: np.ndarray, C: float, balanced: bool = False) -> tuple[DictVectorizer, LogisticRegression | None]:
    vec = DictVectorizer()
    A = vec.fit_transform(X)
    if y.min() == y.max():
        return vec, None
    return vec, LogisticRegression(C=C, max_iter=3000, class_weight="balanced" if balanced else None).fit(A, y)


def _linear(name: str, vec: DictVectorizer, clf, y: np.ndarray) -> LinearModel:
    if clf is None:  # one class only: a constant model
        return LinearModel(name, {}, 8.0 if y[0] else -8.0)
    names = vec.get_feature_names_out()
    weights = {n: float(w) for n, w in zip(names, clf.coef_[0]) if abs(w) > 1e-6}
    return LinearModel(name, weights, float(clf.intercept_[0]))


def _oof(X: list[dict], y: np.ndarray, groups: list[str], C: float, balanced: bool = False) -> np.ndarray:
    """Out-of-fold probabilities over the training part, folds by article."""
    inner = np.array([fold_of(g + "#inner", INNER) for g in groups])
    p = np.zeros(len(y))
    for k in range(INNER):
        tr, te = inner != k, inner == k
        if not te.any():
            continue
        vec, clf = _fit([X[i] for i in np.flatnonzero(tr)], y[tr], C, balanced)
        B = vec.transform([X[i] for i in np.flatnonzero(te)])
        p[te] = clf.predict_proba(B)[:, 1] if clf is not None else float(y[tr][0])
    return p


def _smoothed_best(f1: Callable[[float], float]) -> float:
    """The grid threshold whose neighbourhood scores best: out-of-fold F1 curves are flat and
    jagged, so their single peak moves with every small change of the training data."""
    vals = np.array([f1(t) for t in GRID])
    smooth = np.convolve(vals, np.ones(2 * WINDOW + 1) / (2 * WINDOW + 1), mode="valid")  # full windows only
    return float(GRID[WINDOW + int(np.argmax(smooth))])


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    def f1(t):
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        return 2 * tp / max(1.0, pred.sum() + (y == 1).sum())
    return _smoothed_best(f1)


def fit_binary(name: str, X: list[dict], y: list[int], groups: list[str] | None = None, C: float = C_LOGISTIC) -> LinearModel:
    """Logistic regression; with `groups` (article ids), its threshold maximises the smoothed
    out-of-fold F1 (`_smoothed_best`)."""
    if groups is None:
        y = np.asarray(y)
        vec, clf = _fit(X, y, C)
        return _linear(name, vec, clf, y)
    return fit_binary_scored(name, X, y, groups, C)[0]


def fit_binary_scored(name: str, X: list[dict], y: list[int], groups: list[str], C: float = C_LOGISTIC) -> tuple[LinearModel, np.ndarray]:
    """`fit_binary` with groups, and the out-of-fold scores its threshold was chosen on: the
    stacked decisions read them, so they are computed once."""
    y = np.asarray(y)
    vec, clf = _fit(X, y, C)
    model = _linear(name, vec, clf, y)
    if clf is None:
        return model, np.full(len(y), float(y[0]) if len(y) else 0.0)
    scores = _oof(X, y, groups, C)
    return replace(model, threshold=_best_threshold(y, scores)), scores


def fit_pick_one(name: str, X: list[dict], y: list[int], groups: list[str], gold_counts: dict[str, int],
                 values: list[str] | None = None, C: float = C_LOGISTIC) -> LinearModel:
    """A model that picks at most one candidate per article (its most likely one, when over the
    threshold); the threshold maximises the smoothed F1 over articles out of fold, where `gold_counts` holds
    the number of gold values per article (an article may have none). Given the candidates' `values`,
    a second threshold is chosen the same way for the likeliest candidate of another value, picked
    beside the first; it stays None when a second pick does not beat none."""
    y = np.asarray(y)
    vec, clf = _fit(X, y, C)
    model = _linear(name, vec, clf, y)
    if clf is None:
        return model
    p = _oof(X, y, groups, C)
    by_value: dict[str, dict] = {}
    for g, v, pi, yi in zip(groups, values if values is not None else range(len(y)), p, y):
        best = by_value.setdefault(g, {})
        if v not in best or pi > best[v][0]:
            best[v] = (pi, int(yi))
    ranked = [sorted(b.values(), key=lambda c: -c[0]) for b in by_value.values()]
    n_gold = sum(gold_counts.values())

    def f1(t: float, t2: float = 2.0) -> float:
        tp = fp = 0
        for cands in ranked:
            if cands[0][0] < t:
                continue
            picked = [cands[0], *(c for c in cands[1:2] if c[0] >= max(t, t2))]
            tp += sum(yi for _, yi in picked)
            fp += sum(1 - yi for _, yi in picked)
        return 2 * tp / max(1, tp + fp + n_gold)
    threshold = _smoothed_best(f1)
    second = None
    if values is not None:
        t2 = _smoothed_best(lambda t2: f1(threshold, t2))
        second = t2 if f1(threshold, t2) > f1(threshold) else None
    return replace(model, threshold=threshold, second_threshold=second)


def fit_labels(name: str, X: list[dict], labels: list[set[str]], vocabulary: list[str], groups: list[str],
               C: float = C_LOGISTIC, shared_threshold: bool = True, balanced: bool = False) -> LabelSet:
    """One model per label; one threshold for all, maximising the smoothed micro F1 out of fold.
    `balanced`: each label's classes weigh alike, so a rare label ("joint_center" in 26 of 331
    articles) is not pressed under the one threshold by its prior."""
    models, ys, ps = {}, [], []
    for label in vocabulary:
        y = np.array([int(label in ls) for ls in labels])
        vec, clf = _fit(X, y, C, balanced)
        models[label] = _linear(f"{name}:{label}", vec, clf, y)
        if shared_threshold:
            ys.append(y)
            ps.append(_oof(X, y, groups, C, balanced) if clf is not None else np.full(len(y), float(y[0])))
    if shared_threshold:
        t = _best_threshold(np.concatenate(ys), np.concatenate(ps))
        models = {k: replace(m, threshold=t) for k, m in models.items()}
    return LabelSet(name, models)


def per_article(rows: list[ArticleRows], scores: np.ndarray) -> list[list[float]]:
    """Scores over all rows' entities, cut into one list per article."""
    out, k = [], 0
    for a in rows:
        out.append(scores[k : k + len(a.entity)].tolist())
        k += len(a.entity)
    return out


def fit_decisions(rows: list[ArticleRows], ids: list[str], version: str = "dev") -> Decisions:
    ent_X = [r for a in rows for r in a.entity]
    ent_g = [i for a, i in zip(rows, ids) for _ in a.entity]
    ent_y = [y for a in rows for y in a.partner]
    partner, partner_oof = fit_binary_scored("partner", ent_X, ent_y, ent_g)
    first = per_article(rows, partner_oof)  # stacking: out of fold
    institution = fit_binary("institution", ent_X, [y for a in rows for y in a.institution], ent_g)
    article = [with_parties(a.article, p, partner.threshold, a.kinds) for a, p in zip(rows, first)]
    detect_y = [a.detect for a in rows]
    detect, coop = fit_binary_scored("detect", article, detect_y, ids)
    partner_list = fit_binary("partner_list", [partner_list_features(r, n, p, a.neighbours, partner.threshold, c)
                                               for a, p, c in zip(rows, first, coop) for n, r in enumerate(a.entity)], ent_y, ent_g)
    pos = [(a, i, x, p) for a, i, x, p in zip(rows, ids, article, first) if a.detect]
    types = fit_labels("types", [{**x, **a.type_extra} for a, _, x, _ in pos], [a.types for a, _, _, _ in pos], TYPES,
                       [i for _, i, _, _ in pos], balanced=True)
    with_status = [(a, i, x) for a, i, x, _ in pos if a.status]
    status = fit_labels("status", [x for _, _, x in with_status], [{a.status} for a, _, _ in with_status], STATUSES,
                        [i for _, i, _ in with_status], shared_threshold=False)
    date_X = [with_sentence_parties(r, [p[k] for k in ents], partner.threshold)
              for a, _, _, p in pos for r, ents in zip(a.dates, a.date_entities)]
    date = fit_pick_one("date", date_X, [y for a, _, _, _ in pos for y in a.date_labels],
                        [i for a, i, _, _ in pos for _ in a.dates], {i: a.n_gold_dates for a, i, _, _ in pos},
                        [v for a, _, _, _ in pos for v in a.date_values], C=C_DATE)
    return Decisions(detect, partner, partner_list, institution, types, status, date, version=version)


# --------------------------------------------------------------------------- evaluation
METRICS = ("detect", "partners", "pairs", "types", "status", "dates", "institutions", "people")
EXTRA = ("partners_seen", "role_acc", "affiliation_acc", "canonical_name_acc")


def records_for(pipe: Pipeline, corpus: Corpus, indices: Iterable[int], decisions: Decisions | None) -> list[str]:
    """Records of the processed articles under these decisions; the pipeline keeps its own after."""
    own, pipe.decisions = pipe.decisions, decisions
    try:
        out = []
        for i in indices:
            g = corpus.golds[i]
            clean = CleanDocument(text=g["text"], id=g["id"], origin=g["id"], published=g.get("published"))
            out.append(pipe._record(clean, corpus.docs[i]).model_dump_json())
        return out
    finally:
        pipe.decisions = own


def score_lines(scorer, golds: list[dict], lines: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        gold_dir = Path(tmp) / "gold"
        gold_dir.mkdir()
        for g in golds:
            (gold_dir / f"{g['id']}.json").symlink_to(Path(g["_path"]).resolve())
        pred = Path(tmp) / "pred.jsonl"
        pred.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = scorer.score(gold_dir, pred)
    res.pop("_details", None)
    return res


def cross_validate(pipe: Pipeline, corpus: Corpus, rows: list[ArticleRows], scorer, log=print) -> tuple[dict, list[dict]]:
    """Pooled and per-fold official scores; fold k's models never saw fold k."""
    lines, per_fold = [], []
    for k in range(NFOLD):
        train = [rows[i] for i, f in enumerate(corpus.folds) if f != k]
        test = [i for i, f in enumerate(corpus.folds) if f == k]
        decisions = fit_decisions(train, [corpus.golds[i]["id"] for i, f in enumerate(corpus.folds) if f != k], version=f"cv{k}")
        fold_lines = records_for(pipe, corpus, test, decisions)
        per_fold.append(score_lines(scorer, [corpus.golds[i] for i in test], fold_lines))
        lines += fold_lines
        log(f"  decisions fold {k}: overall {per_fold[-1]['overall']:.4f}")
    return score_lines(scorer, corpus.golds, lines), per_fold
