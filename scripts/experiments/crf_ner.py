"""Experiment: feature-rich linear-chain CRF for German NER on GermEval 2014.

    .venv/bin/python scripts/experiments/crf_ner.py train --c1 0.05 --c2 0.01 --name a
    .venv/bin/python scripts/experiments/crf_ner.py test --name a      # held-out test, once

Labels: GermEval outer layer, PER/ORG/LOC/OTH kept, ``*deriv``/``*part`` -> O for training.
Scoring: exactly ``scripts/eval_ner.py`` (``score_sets`` over ``germeval_gold_spans``):
outer chunks, PER/ORG/LOC/OTH, exact start+end+label; deriv/part gold spans left out.

Gazetteer / lexicon features come only from GermEval *train* and the repo's own lists
(``extractor/nlp/data``).  The train-derived lexicon is jackknifed (5 folds) for the
training sentences, so the CRF cannot learn to trust a lexicon that contains the very
token it is tagging.  Capitalisation statistics come from unlabeled raw text of GermEval
train + SmartData v1 train + MobIE train (never dev/test).

Scratch output (models, json) goes to ``.work/crf/``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pycrfsuite

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import ner_data as nd  # noqa: E402

GE = REPO.parent / "shared" / "corpora" / "germeval2014"
SD = REPO.parent / "shared" / "corpora" / "smartdata"
MOBIE = REPO.parent / "shared" / "corpora" / "mobie"
DATA = REPO / "extractor" / "nlp" / "data"
WORK = REPO / ".work" / "crf"
BASE = ("PER", "ORG", "LOC", "OTH")
NFOLD = 5
MAXLEN = 6  # longest multi-token gazetteer match


# scoring: the same functions as scripts/eval_ner.py (imported, so there is one metric)
from eval_ner import score_sets  # noqa: E402


# --------------------------------------------------------------------------- data
def map_tag(tag: str) -> str:
    if tag == "O":
        return "O"
    p, _, typ = tag.partition("-")
    return f"{p}-{typ}" if typ in BASE else "O"


def read_ge(name: str):
    with open(GE / name, encoding="utf-8") as fh:
        return list(nd.read_germeval_sentences(fh))


def spans_from_tags(tags):
    return nd.germeval_gold_spans([("", t, "O") for t in tags], keep=BASE)


# --------------------------------------------------------------------------- resources
def load_lists():
    first = {l.strip() for l in open(DATA / "first_names.txt", encoding="utf-8") if l.strip() and not l.startswith("#")}
    legal = [l.strip() for l in open(DATA / "legal_forms.txt", encoding="utf-8") if l.strip() and not l.startswith("#")]
    legal_tok = {tuple(l.replace(".", " .").split()) for l in legal} | {tuple(l.split()) for l in legal}
    heads, comp_heads = set(), set()
    with open(DATA / "heads.csv", encoding="utf-8") as fh:
        rows = [l for l in fh if not l.startswith("#")]
    for r in csv.DictReader(rows):
        forms = [r["form"]] + [f for f in (r["inflected"] or "").split("|") if f]
        for f in forms:
            last = f.split()[-1]
            heads.add(last)
            if r.get("compound") == "1":
                comp_heads.add(last.lower())
    orgs = set()
    with open(DATA / "organisations.csv", encoding="utf-8") as fh:
        rows = [l for l in fh if not l.startswith("#")]
    for r in csv.DictReader(rows):
        orgs.add(tuple(r["form"].split()))
    titles = {l.strip().rstrip(".") for l in open(DATA / "titles.txt", encoding="utf-8") if l.strip() and not l.startswith("#")}
    return {"first": first, "legal": legal_tok, "heads": heads, "comp_heads": sorted(comp_heads, key=len, reverse=True),
            "orgs": orgs, "titles": titles}


TOKEN_RE = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]", re.UNICODE)


def cap_stats(train_sents):
    """Counts of lowercase vs capitalised non-initial occurrences, from unlabeled raw text."""
    low, cap = Counter(), Counter()

    def add(words):
        for i, w in enumerate(words):
            if not w[:1].isalpha():
                continue
            key = w.lower()
            if w[0].islower():
                low[key] += 1
            elif i > 0 and words[i - 1] not in (".", "!", "?", ":", '"', "„", "«", "»", "(", "-"):
                cap[key] += 1

    for s in train_sents:
        add([t for t, _, _ in s])
    for f in (SD / "v1_20180119" / "train.jsonl",):
        for rec in nd.smartdata_records(f):
            for para in rec["text"].split("\n"):
                add(TOKEN_RE.findall(para))
    with open(MOBIE / "train.conll2003", encoding="utf-8") as fh:
        for s in nd.read_conll_sentences(fh):
            add([w for w, _ in s])
    return low, cap


class Lexicon:
    """Train-derived token and span lexicon (label counts)."""

    def __init__(self, sents):
        self.tok = defaultdict(Counter)     # token -> Counter(label or 'O')
        self.span = defaultdict(Counter)    # tuple(tokens) -> Counter(label)
        for s in sents:
            words = [t for t, _, _ in s]
            tags = [map_tag(o) for _, o, _ in s]
            spans = spans_from_tags(tags)
            inside = {}
            for a, b, lab in spans:
                self.span[tuple(words[a:b])][lab] += 1
                for i in range(a, b):
                    inside[i] = lab
            for i, w in enumerate(words):
                self.tok[w][inside.get(i, "O")] += 1

    def tok_feats(self, w):
        c = self.tok.get(w)
        if not c:
            return ["lx=unk"]
        n = sum(c.values())
        out = []
        for lab, k in c.items():
            if lab == "O":
                continue
            r = k / n
            out.append(f"lx={lab}")
            out.append(f"lx={lab}:{'hi' if r > 0.66 else 'mid' if r > 0.33 else 'lo'}")
        if not out:
            out.append("lx=O" if n >= 2 else "lx=O1")
        return out

    def span_tags(self, words):
        """Longest-match BIO tags of known train entity strings (label = majority)."""
        tags = [None] * len(words)
        i = 0
        while i < len(words):
            for L in range(min(MAXLEN, len(words) - i), 0, -1):
                c = self.span.get(tuple(words[i:i + L]))
                if c:
                    lab = c.most_common(1)[0][0]
                    tags[i] = f"B-{lab}"
                    for j in range(i + 1, i + L):
                        tags[j] = f"I-{lab}"
                    i += L
                    break
            else:
                i += 1
        return tags


# --------------------------------------------------------------------------- features
def shape(w):
    s = re.sub(r"[A-ZÄÖÜ]", "X", w)
    s = re.sub(r"[a-zäöüß]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    return s


def short_shape(w):
    return re.sub(r"(.)\1+", r"\1", shape(w))


class Featurizer:
    def __init__(self, lists, low, cap):
        self.L = lists
        self.low, self.cap = low, cap

    def cap_feat(self, w):
        if not w[:1].isupper():
            return None
        k = w.lower()
        lo, ca = self.low.get(k, 0), self.cap.get(k, 0)
        if lo + ca == 0:
            return "cs=unseen"
        r = lo / (lo + ca)
        return "cs=" + ("low" if r > 0.5 else "some" if r > 0.05 else "cap") + ("" if lo + ca > 3 else "_rare")

    def sent_features(self, words, lex: Lexicon):
        n = len(words)
        L = self.L
        base = []
        for i, w in enumerate(words):
            lw = w.lower()
            f = {
                "w": lw, "sh": short_shape(w)[:6],
                "t": "T" if w[:1].isupper() else ("U" if w.isupper() else ("d" if w[:1].isdigit() else ("p" if not w[:1].isalnum() else "l"))),
            }
            base.append(f)
        gz_span = lex.span_tags(words)
        legal_at = set()
        org_at = {}
        for i in range(n):
            for L_ in range(1, 5):
                if tuple(words[i:i + L_]) in L["legal"]:
                    legal_at.add(i)
            for L_ in range(1, 4):
                if tuple(words[i:i + L_]) in L["orgs"]:
                    for j in range(i, i + L_):
                        org_at[j] = "B" if j == i else "I"
        feats = []
        for i, w in enumerate(words):
            lw = w.lower()
            F = ["bias", "w=" + lw, "W=" + w if w[:1].isupper() else "Wl", "sh=" + shape(w)[:8], "ss=" + base[i]["sh"],
                 "t=" + base[i]["t"], "len=" + str(min(len(w), 12))]
            for k in range(1, 5):
                if len(w) >= k:
                    F.append(f"p{k}={lw[:k]}")
                    F.append(f"s{k}={lw[-k:]}")
            if len(w) > 6:
                F.append("s5=" + lw[-5:])
            if any(c.isdigit() for c in w):
                F.append("dig")
                if w.isdigit():
                    F.append(f"alldig{len(w)}")
            if "-" in w and len(w) > 1:
                F.append("hyph")
                parts = w.split("-")
                F.append("hlast=" + parts[-1].lower())
                F.append("hfirst=" + parts[0].lower())
                if parts[0][:1].isupper() and parts[-1][:1].isupper():
                    F.append("hTT")
            if w.isupper() and len(w) > 1:
                F.append("allcap")
            if any(c.isupper() for c in w[1:]) and not w.isupper():
                F.append("innercap")
            if "." in w and len(w) > 1:
                F.append("dot")
            if i == 0:
                F.append("BOS")
            if i == n - 1:
                F.append("EOS")
            F.append("pos=" + ("0" if i == 0 else "1" if i == 1 else "m" if i < n - 1 else "e"))
            c = self.cap_feat(w)
            if c:
                F.append(c)
                if i == 0:
                    F.append("0" + c)
            # gazetteers
            if w in L["first"]:
                F.append("gz:first")
            if w in L["heads"]:
                F.append("gz:head")
            if w[:1].isupper():
                for h in L["comp_heads"]:
                    if lw.endswith(h) and len(lw) > len(h) + 2:
                        F.append("gz:comphead")
                        break
            if i in legal_at:
                F.append("gz:legal")
            if any(j in legal_at for j in range(i + 1, min(n, i + 6))):
                F.append("gz:legal_right")
            if i in org_at:
                F.append("gz:org" + org_at[i])
            if w.rstrip(".") in L["titles"]:
                F.append("gz:title")
            if i > 0 and words[i - 1].rstrip(".") in L["titles"]:
                F.append("gz:after_title")
            for x in lex.tok_feats(w):
                F.append(x)
            if gz_span[i]:
                F.append("gs=" + gz_span[i])
                F.append("gs=" + gz_span[i][2:])
            # window
            for d in (-2, -1, 1, 2):
                j = i + d
                if 0 <= j < n:
                    b = base[j]
                    F.append(f"{d}w={b['w']}")
                    F.append(f"{d}ss={b['sh']}")
                    F.append(f"{d}t={b['t']}")
                    if abs(d) == 1:
                        F.append(f"{d}s3={b['w'][-3:]}")
                        if gz_span[j]:
                            F.append(f"{d}gs={gz_span[j]}")
                        if words[j] in L["first"]:
                            F.append(f"{d}gz:first")
                        for x in lex.tok_feats(words[j]):
                            F.append(f"{d}{x}")
                        c = self.cap_feat(words[j])
                        if c:
                            F.append(f"{d}{c}")
                else:
                    F.append(f"{d}PAD")
            if i > 0:
                F.append(f"bg-={base[i-1]['w']}|{lw}")
            if i < n - 1:
                F.append(f"bg+={lw}|{base[i+1]['w']}")
            F.append(f"tt={base[i-1]['t'] if i else '^'}{base[i]['t']}{base[i+1]['t'] if i < n-1 else '$'}")
            feats.append(F)
        return feats


def build(train):
    lists = load_lists()
    low, cap = cap_stats(train)
    return Featurizer(lists, low, cap)


def decode(tagger, feats):
    return tagger.tag(pycrfsuite.ItemSequence(feats))


def evaluate(tagger, fz, lex, sents):
    pairs = []
    for s in sents:
        words = [t for t, _, _ in s]
        tags = decode(tagger, fz.sent_features(words, lex))
        pairs.append((nd.germeval_gold_spans(s, keep=BASE), spans_from_tags(tags)))
    return score_sets(pairs, BASE), pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["train", "test"])
    ap.add_argument("--name", required=True)
    ap.add_argument("--c1", type=float, default=0.05)
    ap.add_argument("--c2", type=float, default=0.01)
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--no-jackknife", action="store_true")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    model = WORK / f"{args.name}.crfsuite"

    t0 = time.time()
    train = read_ge("NER-de-train.reconstructed.outer-bio.tsv")[: args.limit]
    dev = read_ge("NER-de-dev.tsv")
    fz = build(train)
    full_lex = Lexicon(train)
    print(f"resources {time.time()-t0:.1f}s", flush=True)

    if args.cmd == "train":
        t0 = time.time()
        trainer = pycrfsuite.Trainer(verbose=False)
        if args.no_jackknife:
            folds = [(list(range(len(train))), full_lex)]
        else:
            folds = []
            for k in range(NFOLD):
                idx = [i for i in range(len(train)) if i % NFOLD == k]
                lex = Lexicon([s for i, s in enumerate(train) if i % NFOLD != k])
                folds.append((idx, lex))
        ntok = 0
        for idx, lex in folds:
            for i in idx:
                s = train[i]
                words = [t for t, _, _ in s]
                trainer.append(pycrfsuite.ItemSequence(fz.sent_features(words, lex)), [map_tag(o) for _, o, _ in s])
                ntok += len(words)
        t_feat = time.time() - t0
        print(f"features {t_feat:.1f}s for {ntok} tokens", flush=True)
        trainer.set_params({"c1": args.c1, "c2": args.c2, "max_iterations": args.iters,
                            "feature.possible_transitions": True})
        t0 = time.time()
        trainer.train(str(model))
        t_train = time.time() - t0
        print(f"train {t_train:.1f}s", flush=True)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        res, _ = evaluate(tagger, fz, full_lex, dev)
        out = {"name": args.name, "c1": args.c1, "c2": args.c2, "iters": args.iters, "jackknife": not args.no_jackknife,
               "train_sentences": len(train), "feature_s": round(t_feat, 1), "train_s": round(t_train, 1),
               "dev": res, "last_iteration": trainer.logparser.last_iteration}
        print(json.dumps({k: v for k, v in out.items() if k != "last_iteration"}, indent=1))
        (WORK / f"{args.name}.dev.json").write_text(json.dumps(out, indent=1, default=str))
    else:
        tagger = pycrfsuite.Tagger()
        tagger.open(str(model))
        test = read_ge("NER-de-test.tsv")
        res, pairs = evaluate(tagger, fz, full_lex, test)
        # speed: feature extraction + tagging, one process, best of 3
        words = [[t for t, _, _ in s] for s in test]
        ntok = sum(map(len, words))
        best = 1e9
        for _ in range(3):
            t0 = time.perf_counter()
            for ws in words:
                decode(tagger, fz.sent_features(ws, full_lex))
            best = min(best, time.perf_counter() - t0)
        out = {"name": args.name, "test": res, "tokens": ntok, "tokens_per_s": round(ntok / best)}
        print(json.dumps(out, indent=1))
        (WORK / f"{args.name}.test.json").write_text(json.dumps(out, indent=1))
        with open(WORK / f"{args.name}.test.pred.jsonl", "w") as fh:
            for g, p in pairs:
                fh.write(json.dumps({"gold": sorted(g), "pred": sorted(p)}) + "\n")


if __name__ == "__main__":
    main()
