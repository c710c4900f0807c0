"""Organisation linking across articles, measured: pairwise precision/recall and B-cubed F1.

    python scripts/eval_linking.py [--corpus corpus/linking/clusters.json] [--shared ../shared] [--show 10]

Items are mentions: every surface form (canonical name and the other forms one article uses) of
every article's institution. `corpus/linking/clusters.json` gives the expected cluster of each,
and hard negatives (pairs of clusters that must stay apart: each one joined is listed). In
`../shared/train` + `../shared/dev` (when present) the gold gives no ids across articles, so the
truth is built (`gold_truth`): within an article an institution's name and aliases are one
organisation; across articles, institutions are one organisation when they share their
canonical name, or a name or alias that is a full name of it (`full_alias`: it keeps every
place and brand word of its article's canonical name and is no abbreviation), transitively.
So "Uni X" in one article and "Universität X" with the alias "Uni X" in another are one
organisation, while a short form ("Amt für Talwege" for "... Rheinhagen"), a generic word
("Universität") or an abbreviation ("IHK" for several chambers) joins nothing: such forms are
shared by different organisations across articles. A correct merge of "DFB" and "Deutscher X-Bund"
across articles then still counts as wrong; the clusters with several canonical names are
counted, and wrong merges and misses listed, for inspection. Targets on the corpus:
precision >= 0.98, recall >= 0.90.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from networkx.utils import UnionFind  # noqa: E402

from extractor.archive.linking import Linking, NameStat, link, qualifier  # noqa: E402
from extractor.archive.names import distinguishing, form, is_generic  # noqa: E402

CORPUS = ROOT / "corpus" / "linking" / "clusters.json"
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class Occurrence:
    """One article's institution: canonical name, the other forms, and its true cluster."""

    name: str
    mentions: tuple[str, ...]
    kind: str | None
    location: str | None
    truth: str


def corpus_occurrences(path: Path = CORPUS) -> list[Occurrence]:
    out = []
    for cluster in json.loads(path.read_text(encoding="utf-8"))["clusters"]:
        for occ in cluster["occurrences"]:
            if isinstance(occ, list):
                occ = {"name": occ[0], "mentions": occ[1:]}
            out.append(Occurrence(occ["name"], tuple(occ.get("mentions", ())), occ.get("kind", cluster["kind"]),
                                  occ.get("location", cluster["location"]), cluster["id"]))
    return out


def hard_negatives(path: Path = CORPUS) -> list[tuple[str, str, str]]:
    return [tuple(h) for h in json.loads(path.read_text(encoding="utf-8"))["hard_negatives"]]


def full_alias(alias: str, name: str) -> bool:
    """Whether an article's alias is a full name of its institution `name` (see the docstring)."""
    return not is_generic(alias) and not form(alias).abbreviation and distinguishing(name) <= distinguishing(alias)


def gold_truth(institutions: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """The true cluster of each gold institution (name, aliases): see the module docstring."""
    uf = UnionFind(range(len(institutions)))
    first: dict[str, int] = {}
    for n, (name, aliases) in enumerate(institutions):
        for text in (name, *(a for a in aliases if full_alias(a, name))):
            uf.union(n, first.setdefault(text, n))
    names: dict[int, Counter] = {}
    for n, (name, _) in enumerate(institutions):
        names.setdefault(uf[n], Counter())[name] += 1
    label = {root: min(c, key=lambda k: (-c[k], k)) for root, c in names.items()}  # the most used name
    return [label[uf[n]] for n in range(len(institutions))]


def gold_occurrences(shared: Path) -> list[Occurrence]:
    raw = []
    for split in ("train", "dev"):
        for path in sorted((shared / split).glob("*.json")):
            for inst in json.loads(path.read_text(encoding="utf-8"))["gold"]["institutions"]:
                raw.append((inst["name"], tuple(inst.get("aliases") or ()), inst.get("kind")))
    truth = gold_truth([(name, aliases) for name, aliases, _ in raw])
    return [Occurrence(name, aliases, kind, None, t) for (name, aliases, kind), t in zip(raw, truth)]


def name_stats(occurrences: list[Occurrence]) -> list[NameStat]:
    """What `entities.rebuild` aggregates from a store, here from the occurrences."""
    stats: dict[tuple[str, str | None], NameStat] = {}
    for occ in occurrences:
        unit = (occ.name, qualifier(occ.name, occ.location))
        stat = stats.setdefault(unit, NameStat(*unit, count=0))
        stat.count += 1
        stat.kinds[occ.kind] += 1
        stat.locations[occ.location] += 1
        stat.mentions.update(occ.mentions)
    return list(stats.values())


def _pairs(counts) -> int:
    return sum(n * (n - 1) // 2 for n in counts)


def scores(truth: list[str], pred: list[str]) -> dict[str, float]:
    """Pairwise precision/recall/F1 and B-cubed precision/recall/F1 of two labellings."""
    cells = Counter(zip(truth, pred))
    t_size, p_size = Counter(truth), Counter(pred)
    tp = _pairs(cells.values())
    pp, tt = _pairs(p_size.values()), _pairs(t_size.values())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    n = len(truth)
    bp = sum(c * c / p_size[pl] for (_, pl), c in cells.items()) / n
    br = sum(c * c / t_size[tl] for (tl, _), c in cells.items()) / n
    return {"items": n, "clusters": len(t_size), "entities": len(p_size), "precision": p, "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0, "b3_precision": bp, "b3_recall": br,
            "b3_f1": 2 * bp * br / (bp + br) if bp + br else 0.0}


def evaluate(occurrences: list[Occurrence]) -> tuple[dict[str, float], Linking, list[tuple[str, str]]]:
    linking = link(name_stats(occurrences))
    truth, pred = [], []
    for occ in occurrences:
        entity = linking.entity_of[linking.key_of[(occ.name, qualifier(occ.name, occ.location))]]
        for _ in (occ.name, *occ.mentions):
            truth.append(occ.truth)
            pred.append(entity)
    return scores(truth, pred), linking, list(zip(truth, pred))


def problems(linking: Linking, labelled: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Entities holding several true clusters (wrong merges) and clusters spread over several
    entities (misses), each with the names involved."""
    by_entity: dict[str, set[str]] = {}
    by_truth: dict[str, set[str]] = {}
    for t, p in labelled:
        by_entity.setdefault(p, set()).add(t)
        by_truth.setdefault(t, set()).add(p)
    names: dict[str, list[str]] = {}
    keys: dict[str, set[str]] = {}
    for (name, _), key in linking.key_of.items():
        names.setdefault(linking.entity_of[key], []).append(name)
        keys.setdefault(linking.entity_of[key], set()).add(key)
    rules = {lk.key: f"{lk.rule} {lk.score:.0f} ({lk.detail})" for lk in linking.links}
    merged = [f"{sorted(ts)} <- {sorted(names[e])}; links: "
              + "; ".join(rules[k] for k in sorted(keys[e]) if k in rules)
              for e, ts in by_entity.items() if len(ts) > 1]
    missed = [f"{t}: " + " | ".join(sorted({n for e in es for n in names[e]})) for t, es in by_truth.items() if len(es) > 1]
    return merged, missed


def joined_negatives(labelled: list[tuple[str, str]], negatives: list[tuple[str, str, str]]) -> list[str]:
    """The hard-negative pairs whose clusters share an entity."""
    entities: dict[str, set[str]] = {}
    for t, p in labelled:
        entities.setdefault(t, set()).add(p)
    return [f"{a} + {b} ({why})" for a, b, why in negatives if entities.get(a, set()) & entities.get(b, set())]


def report(title: str, occurrences: list[Occurrence], show: int,
           negatives: list[tuple[str, str, str]] | None = None) -> dict[str, float]:
    result, linking, labelled = evaluate(occurrences)
    print(f"{title}: {result['items']} mentions, {result['clusters']} true clusters, {result['entities']} entities")
    print(f"  pairwise precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}")
    print(f"  B-cubed  precision {result['b3_precision']:.3f}  recall {result['b3_recall']:.3f}  F1 {result['b3_f1']:.3f}")
    merged, missed = problems(linking, labelled)
    sections = [("wrong merges", merged), ("misses", missed)]
    if negatives is not None:
        joined = joined_negatives(labelled, negatives)
        result["hard_negatives"], result["hard_negatives_joined"] = len(negatives), len(joined)
        print(f"  hard negatives joined: {len(joined)} of {len(negatives)}")
        sections.append(("hard negatives joined", joined))
    else:
        spellings: dict[str, set[str]] = {}
        for occ in occurrences:
            spellings.setdefault(occ.truth, set()).add(occ.name)
        result["multi_name_clusters"] = sum(1 for names in spellings.values() if len(names) > 1)
        print(f"  true clusters with several canonical names: {result['multi_name_clusters']}")
    for label, lines in sections:
        if lines and show:
            print(f"  {label} ({len(lines)}):")
            for line in lines[:show]:
                print(f"    {line}")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--show", type=int, default=10, help="wrong merges and misses to list per set")
    args = ap.parse_args(argv)
    report(f"corpus/linking ({args.corpus.name})", corpus_occurrences(args.corpus), args.show, hard_negatives(args.corpus))
    if (args.shared / "train").is_dir():
        report(f"{args.shared}/train+dev institutions", gold_occurrences(args.shared), args.show)
    else:
        print(f"{args.shared}/train not found: gold institutions skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
