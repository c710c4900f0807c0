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
import train_ner  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
BASE = ("PER", "ORG", "LOC", "OTH")

# How the configuration was chosen (GermEval dev, spaCy's ents_f over PER/ORG/LOC/MISC with
# deriv/part = O, best checkpoint; each run on GermEval train only, one CPU thread, ~10 min).
DEV_NOTES = """\
| Run | Change | best dev F1 |
|---|---|---|
| A | `configs/ner.cfg` (MultiHashEmbed NORM/PREFIX/SUFFIX/SHAPE 40k/5k/25k/2k rows, width 64, depth 4, maxout 2), GermEval + SmartData + MobIE | 68.5 (step 3000) |
| B | as A, GermEval train only | 68.3 (step 2500) |
| D | as A + `spacy pretrain` (characters objective, 7 epochs, 14 min on the corpora's raw text) + dropout 0.25 | 68.1 |
| E | as A with CharacterEmbed (first/last 5 bytes) instead of MultiHashEmbed, + title/abbreviation fixes | 68.2 |
| F | as A + title/abbreviation fixes + warm-up/linear-decay learning rate (peak 0.002, 5000 steps) | 68.1 (step 3000) |
| G | as A + title/abbreviation fixes + Europeana newspapers (`--europeana`) | 67.8 (step 3000) |

Held-out GermEval test scores of the train-only checkpoints (same metric as above): A 67.3,
F 67.5. The shipped model uses A's configuration plus the title/abbreviation fixes, trained
on GermEval train+dev (+ SmartData, MobIE) for a fixed 3,300 steps (the dev optimum of the
runs above was at about 3,000 steps on train alone), last checkpoint.

All variants plateau at about 68 on dev after 2-3 epochs and then overfit. On dev, 62% of the
gold entities never occur as entities in the training data; recall on those is ~50% versus
~88% on seen ones: without pretrained vectors the model knows little about unseen names, and
neither extra data, pretraining on the ~0.8M tokens of raw text available, character features
nor more dropout changed that. Width 96 / maxout 3 was not used: it runs at ~18k words/s.
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
    ("der Leisniger Klinik") are gold ORG although NER would not tag the article.
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
def words_per_second(nlp, words: list[list[str]], runs: int = 5, batch_size: int = 256) -> float:
    best = 0.0
    for _ in range(runs):
        docs = [Doc(nlp.vocab, words=w) for w in words]
        t = time.perf_counter()
        n = sum(len(d) for d in nlp.pipe(docs, batch_size=batch_size))
        best = max(best, n / (time.perf_counter() - t))
    return best


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
    info = meta.get("coopx", {})
    data = info.get("training_data", {})
    cfg = spacy.util.load_config(model / "config.cfg", interpolate=True)
    enc = cfg["components"]["tok2vec"]["model"]["encode"]
    emb = cfg["components"]["tok2vec"]["model"]["embed"]
    ge, gd = res["germeval_test"], res.get("germeval_dev")
    final = data.get("checkpoint") == "model-last" and "germeval_dev" in data
    lines = [
        f"# de_coopx_ner {meta['version']}: coopx's German NER model",
        "",
        "A spaCy pipeline (`tok2vec` + `ner`, built from `lang = \"de\"`, German default tokenizer) that",
        "tags **PER, ORG, LOC, MISC**. It was trained from scratch by `scripts/train_ner.py` because",
        "`de_core_news_lg` cannot be installed in coopx's environment. No pretrained vectors are used.",
        "",
        "Load it with `spacy.load(\"extractor/models/de_coopx_ner\")`.",
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
        "GermaNER 76.9, spaCy v2 71.8.",
        "",
    ]
    if gd:
        lines += [
            f"GermEval 2014 dev, same metric: micro F1 {gd['micro']['f']*100:.1f} "
            + ("(the shipped model was also trained on dev, so this is not a held-out score)." if final
               else "(used to pick the checkpoint)."),
            "",
        ]
    if res.get("smartdata_v3_test"):
        sd = res["smartdata_v3_test"]
        lines += [
            "DFKI SmartData v3 test (230 documents, removed from the v1 training data), exact char spans,",
            "`location-route` ignored:",
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
            f"coopx press-release dev set (`/work/shared/dev/*.json`, {cd['articles']} articles), ORG and PER,",
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
        f"  pre-tokenised GermEval test Docs, batch 256, OMP/BLAS threads = 1, best of 5; {sp['cpu']}).",
        f"  With the tokenizer on raw text: {sp['words_per_second_with_tokenizer']:,.0f} words/s.",
        "  Note: on the shared 2-core build machine (other jobs running) repeated measurements of the",
        "  same model ranged from about 26,000 to 35,000 words/s; width 96 / maxout 3 gave ~18,000.",
        f"* Load time (`spacy.load`, fresh process, median of 3): **{sp['load_seconds']:.2f} s**.",
        f"* Folder size: **{sp['size_mb']:.1f} MB**.",
        "",
        "## Architecture",
        "",
        ("* `tok2vec`: MultiHashEmbed over " + ", ".join(emb["attrs"]) + f" with rows {list(emb['rows'])};"
         if "attrs" in emb else
         f"* `tok2vec`: CharacterEmbed (NORM hash embedding, {emb['rows']} rows, plus the first and last "
         f"{emb['nC'] // 2} UTF-8 bytes of each word embedded with width {emb['nM']});"),
        f"  MaxoutWindowEncoder width {enc['width']}, depth {enc['depth']}, window {enc['window_size']},",
        f"  maxout pieces {enc['maxout_pieces']}. No static vectors.",
        "* `ner`: spaCy TransitionBasedParser (hidden width 64), listening to `tok2vec`.",
        "* Config: `configs/ner.cfg` (seed 42).",
        "",
        "## Training data and label mapping",
        "",
        "| Corpus | Used | Licence | Docs/sentences |",
        "|---|---|---|---|",
        f"| GermEval 2014 NER (NoSta-D), train (reconstructed outer layer){' + dev' if final else ''} | yes | CC BY 4.0 | "
        f"{data.get('germeval_train', '?')}{' + ' + str(data.get('germeval_dev')) if final else ''} sentences |",
        f"| DFKI SmartData v1 train+test, deduplicated by id, minus the v3 test documents | "
        f"{'yes' if 'smartdata' in data else 'no'} | CC BY 4.0 | {data.get('smartdata', 0)} paragraphs |",
        f"| DFKI MobIE train+dev+test (NER CoNLL export) | {'yes' if 'mobie' in data else 'no'} | CC BY 4.0 | "
        f"{data.get('mobie', 0)} sentences |",
        f"| Europeana Newspapers, German | {'yes' if 'europeana' in data else 'no'} | CC0 1.0 | "
        f"{data.get('europeana', 0)} segments |",
        "| German LER (legal-ler) | **no** (licence ambiguous: CC BY 4.0 statement vs. CC BY-NC-SA badge) | | |",
        "",
        f"In total {data.get('train_docs', '?')} training docs, {data.get('train_tokens', '?')} tokens.",
        "",
        "Label mapping:",
        "",
        "* GermEval: `PER`→PER, `ORG`→ORG, `LOC`→LOC, `OTH`→MISC (outer layer only; the train file",
        "  has no inner layer). **`*deriv` and `*part` → O**: *deutschen*, *Berliner* (LOCderiv) and",
        "  *EU-Budget* (ORGpart) are not names of entities, coopx needs names only, and the evaluation",
        "  on the four base classes leaves them out. The model therefore learns to leave them untagged.",
        "* SmartData and MobIE (same guidelines): `person`→PER; `organization`, `organization-company`",
        "  →ORG; `location`, `location-city`, `location-street`, `location-stop`→LOC;",
        "  `location-route` (road and line numbers such as *A 9*, *S1*) → tokens marked *missing*",
        "  (no training signal either way, since GermEval is inconsistent about them); all other",
        "  types (date, time, number, trigger, org-position, ...) → O. Mentions are char offsets; one",
        "  that does not align with spaCy tokens is contracted to the tokens inside it, or marked",
        "  missing. Documents are split into one Doc per line. These corpora have no MISC class.",
        "* Titles and forms of address (*Dr.*, *Prof.*, *Frau*, ...) are cut off PER spans (GermEval",
        "  convention; SmartData sometimes included them). Because GermEval always splits *Dr .*",
        "  while spaCy's German tokenizer keeps *Dr.* as one token, half of GermEval's",
        "  abbreviation + period pairs that spaCy keeps together (*Dr.*, *St.*, *Mio.*, ...) are",
        "  joined in the training data (`--merge-abbrev 0.5`), so both forms are seen.",
        "* Text fixes: the pre-2022 encoding errors of the GermEval train file are repaired (C1",
        "  control characters decoded as Windows-1252: U+0096→–, U+0092→', U+0080→€, U+0094→”, ...;",
        "  soft hyphens U+00AD removed inside words).",
        "",
        "## Training",
        "",
        "```",
        "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 .venv/bin/python "
        + info.get("training_command", "scripts/train_ner.py"),
        "```",
        "",
        f"Checkpoint: `{data.get('checkpoint', '?')}`; training wall time "
        f"{data.get('train_wall_seconds', 0) / 60:.0f} min on one CPU thread.",
        "Evaluation: `.venv/bin/python scripts/eval_ner.py` (writes this card).",
        "",
        "## Licence, attribution and citations",
        "",
        "The model is derived from CC BY 4.0 data and is released under **CC BY 4.0**. Attribution:",
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
        "## How the configuration was chosen",
        "",
        DEV_NOTES,
        "## Limitations",
        "",
        "* Trained without pretrained embeddings on ~0.7M tokens; rare names and unusual spellings are",
        "  weaker than with `de_core_news_lg`.",
        "* The GermEval train file is a third-party reconstruction (outer layer only).",
        "* No MISC in SmartData/MobIE; MISC is learnt from GermEval `OTH` only, and its recall is low.",
        "* Below coopx's target of 75 micro F1 on GermEval test (see the scores above).",
        "* Hospitals and other institutions that are rare in news text (\"Klinikum ...\") are found less",
        "  reliably than companies (see the coopx dev ORG recall).",
    ]
    (model / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_meta(model: Path, res: dict) -> None:
    path = model / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    europeana = "europeana" in meta.get("coopx", {}).get("training_data", {})
    meta.update(train_ner.base_meta(europeana))
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
    p.add_argument("--model", type=Path, default=train_ner.DEFAULT_OUTPUT)
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
    wps = words_per_second(ner_only, words)
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
