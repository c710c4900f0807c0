"""Train coopx's learned components from the gold files and ship them with a card.

    .venv/bin/python scripts/train_decisions.py                 # ../shared/train + dev + corpus/gold
    .venv/bin/python scripts/train_decisions.py --gold DIR ...  # other gold folders
    .venv/bin/python scripts/train_decisions.py --no-cv         # skip the cross-validated figures

What it trains (``pip install -e ".[train]"`` for scikit-learn):
1. the press-text organisation tagger (``coopx_org_tagger``): a CRF on every name and alias of
   the annotated organisations, projected onto the tokens;
2. the decisions (``extractor/decide``): detection, partner (two stages), institution, types, status, date,
   logistic regressions over the rules' named features, on the tagger's out-of-fold output.

Every figure in the card is cross-validated: 5 folds fixed by a hash of the article id; fold k's
tagger and decisions never saw fold k; the records are scored by the official scorer. Adding
annotated articles and running this script again is all it takes to improve coopx.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import decision_training as dt  # noqa: E402

from extractor.decide import MODELS, NAMES  # noqa: E402
from extractor.nlp.linear_chain import saved_path  # noqa: E402

METRICS, EXTRA = dt.METRICS, dt.EXTRA


def table(pooled: dict, per_fold: list[dict]) -> str:
    head = "| set | articles | overall | " + " | ".join(METRICS) + " | " + " | ".join(EXTRA) + " |"
    rule = "|" + "---|" * (3 + len(METRICS) + len(EXTRA))
    lines = [head, rule]
    for name, r in [*((f"fold {k}", r) for k, r in enumerate(per_fold)), ("**pooled**", pooled)]:
        cells = [name, str(r["articles"]), f"{r['overall']:.3f}", *(f"{r[m]['f1']:.3f}" for m in METRICS),
                 *(f"{r[m]:.3f}" if r[m] is not None else "–" for m in EXTRA)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def top_weights(model, n: int = 12) -> str:
    items = sorted(model.weights.items(), key=lambda kv: -abs(kv[1]))[:n]
    return ", ".join(f"`{k}` {v:+.2f}" for k, v in items)


def card(decisions, meta: dict, cv: str | None) -> str:
    d = decisions
    parts = [
        f"# coopx decisions {meta['version']}",
        "",
        "Learned parts of coopx, trained by `scripts/train_decisions.py` from the gold articles "
        "(GOLD_FORMAT). The rules propose candidates and compute named features; these models decide. "
        "Without this folder, coopx falls back to the rules alone.",
        "",
        "## Data",
        "",
        f"{meta['articles']} annotated articles ({', '.join(f'{k}: {v}' for k, v in meta['sources'].items())}), "
        f"{meta['cooperation_articles']} of them reporting a cooperation; {meta['entities']} organisation candidates "
        f"({meta['partner_candidates']} aligned to a gold partner), {meta['dates']} date candidates. "
        f"Gold set hash `{meta['gold_sha256'][:16]}`.",
        "",
        "## Models",
        "",
        "| file | decision | model | threshold |",
        "|---|---|---|---|",
        "| `org_tagger.crfsuite` | which tokens name an organisation | linear-chain CRF (python-crfsuite, "
        f"c1 {dt.CRF_PARAMS['c1']}, c2 {dt.CRF_PARAMS['c2']}) over the NER's word features, the NER label, the rule "
        "mention and the sentence's cue words | – |",
        "| `org_tagger.npz` | the same CRF's weights as arrays, what run time tags with (used only with the "
        "model file whose SHA-256 it holds) | | – |",
        f"| `detect.json` | the article reports a cooperation | logistic regression, {len(d.detect.weights)} features | {d.detect.threshold} |",
        f"| `partner.json` | an organisation is a party (first stage) | logistic regression, {len(d.partner.weights)} features | {d.partner.threshold} |",
        f"| `partner_list.json` | the same, second stage: also given the first stage's score of the organisation, "
        f"of those coordinated with it and how many of the article's pass it | logistic regression, {len(d.partner_list.weights)} features | {d.partner_list.threshold} |",
        f"| `institution.json` | an organisation belongs in the record | logistic regression, {len(d.institution.weights)} features | {d.institution.threshold} |",
        f"| `types.json` | types of the main cooperation, also given the kinds of the rules' main partners (a further one keeps the rules' types these confirm) | one logistic regression per type, its two classes weighed alike (rare types are not held under the shared threshold by their prior) | {next(iter(d.types.models.values())).threshold} |",
        "| `status.json` | status of the main cooperation | one-vs-rest logistic regressions | highest score |",
        f"| `date.json` | a date mention is the cooperation's date; the likeliest date of another value dates a background cooperation | logistic regression, {len(d.date.weights)} features | {d.date.threshold}; second date {d.date.second_threshold} |",
        "",
        f"L2 regularisation: C {dt.C_LOGISTIC} for every logistic regression but the date's (C {dt.C_DATE}: few positives over sparse features). "
        "Thresholds are chosen inside the training data (3 inner folds by article): the grid point whose "
        f"neighbourhood (±{dt.WINDOW} steps of {dt.GRID[1] - dt.GRID[0]:.3f}) has the best mean F1. "
        "Stacking: the first-stage partner scores that `partner_list`, `detect`, `types`, `status` and `date` read "
        "(the two most likely parties, their kinds, the parties beside a date, an organisation's own) are out of fold while training. "
        "Features are named (see `extractor/features/`); a decision's explanation is its largest weighted features.",
        "",
        "Largest weights:",
        "",
        f"- partner: {top_weights(d.partner)}",
        f"- partner_list: {top_weights(d.partner_list)}",
        f"- detect: {top_weights(d.detect)}",
        f"- date: {top_weights(d.date)}",
        "",
    ]
    if cv:
        parts += ["## Cross-validated figures (official scorer)", "",
                  "5 folds by a hash of the article id; each fold scored by models trained on the other four "
                  "(the organisation tagger included). Pooled = all folds' records scored together.", "", cv, ""]
    parts += ["## Limits", "",
              "- The gold lists only the organisations that take part or employ a quoted person, so the tagger "
              "learns *relevant* organisations; others (media, funders) are left to the rules and the NER.",
              "- Trained on the shipped pipeline's candidates (`de_coopx_ner`); with `de_core_news_lg` the same "
              "models run on that NER's entities, which they were not trained on.",
              "- The rules-only pipeline (`--model blank`) does not use these models.", ""]
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, nargs="+", default=[p for p in dt.DEFAULT_GOLD if p.is_dir()])
    ap.add_argument("--out", type=Path, default=MODELS)
    ap.add_argument("--work", type=Path, default=dt.REPO / ".work" / "decisions")
    ap.add_argument("--scorer", type=Path, default=dt.SCORER)
    ap.add_argument("--no-cv", action="store_true", help="skip the cross-validated figures")
    a = ap.parse_args()
    if not a.scorer.is_file():
        raise SystemExit(f"the official scorer is needed to align candidates with the gold: {a.scorer} not found")
    t0 = time.time()
    scorer = dt.load_scorer(a.scorer)
    golds = dt.load_gold(a.gold)
    print(f"{len(golds)} gold articles from {', '.join(str(g) for g in a.gold)}")
    pipe, corpus, rows = dt.prepare(golds, scorer, a.work)
    print(f"processed in {time.time() - t0:.0f} s")
    cv = None
    if not a.no_cv:
        pooled, per_fold = dt.cross_validate(pipe, corpus, rows, scorer)
        cv = table(pooled, per_fold)
        print(cv)
    digest = hashlib.sha256("".join(sorted(g["id"] + g["text"] for g in golds)).encode("utf-8")).hexdigest()
    decisions = dt.fit_decisions(rows, [g["id"] for g in golds])
    a.out.mkdir(parents=True, exist_ok=True)
    dt.train_tagger(corpus.tagger_items, corpus.tagger_tags, a.work / "org_tagger.crfsuite")
    weights = hashlib.sha256(json.dumps([getattr(decisions, n).to_json() for n in NAMES], sort_keys=True).encode("utf-8"))
    weights.update((a.work / "org_tagger.crfsuite").read_bytes())
    version = f"{date.today().isoformat()}+{weights.hexdigest()[:8]}"  # changes with the models, not only the data
    decisions = dataclasses.replace(decisions, version=version)
    for name in ("org_tagger.crfsuite", saved_path(Path("org_tagger.crfsuite")).name):
        shutil.copyfile(a.work / name, a.out / name)
    decisions.to_dir(a.out)
    sources: dict[str, int] = {}
    for g in golds:
        key = Path(g["_path"]).parent.name
        sources[key] = sources.get(key, 0) + 1
    meta = {"version": version, "articles": len(golds), "sources": sources, "gold_sha256": digest,
            "cooperation_articles": sum(r.detect for r in rows), "entities": sum(len(r.entity) for r in rows),
            "partner_candidates": sum(sum(r.partner) for r in rows), "dates": sum(len(r.dates) for r in rows),
            "crf_params": dt.CRF_PARAMS}
    (a.out / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (a.out / "MODEL_CARD.md").write_text(card(decisions, meta, cv), encoding="utf-8")
    print(f"wrote {a.out} ({version}) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
