"""Features of an organisation from the organisations coordinated with it ("A, B und C").

Members of one enumeration share their role: when the first-stage partner model is sure of
some members of a list, the others are likely parties too, and a list of media or funders
stays a list of non-parties. The second-stage partner model reads these features next to the
organisation's own (stacking: the first stage's scores are out-of-fold while training).
"""

from __future__ import annotations

from collections.abc import Sequence

from extractor.features.entities import coordinator_follows
from extractor.features.view import ArticleView


def coordinated(view: ArticleView) -> list[frozenset[int]]:
    """Per entity (by index): the entities whose mentions stand directly next to one of its
    mentions, joined by "und", "sowie", "," or "&" (an article may follow the coordinator), or on
    the next line of a bulleted list."""
    doc = view.doc
    by_start = {m["start"]: k for k, e in enumerate(view.entities) for m in e.mentions}
    nb: list[set[int]] = [set() for _ in view.entities]
    for k, e in enumerate(view.entities):
        for m in e.mentions:
            j = coordinator_follows(doc, m["end"], by_start)
            if j is not None and by_start[j] != k:
                nb[k].add(by_start[j])
                nb[by_start[j]].add(k)
    for items in view.facts.get("bullets", []):
        listed = [by_start[s] for s, _ in items if s in by_start]
        for a, b in zip(listed, listed[1:]):
            if a != b:
                nb[a].add(b)
                nb[b].add(a)
    return [frozenset(s) for s in nb]


def _enumeration(neighbours: Sequence[frozenset[int]], k: int) -> set[int]:
    """The other members of k's whole enumeration: every entity reachable through neighbours."""
    seen, todo = {k}, [k]
    while todo:
        for n in neighbours[todo.pop()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    seen.discard(k)
    return seen


def with_neighbours(row: dict[str, float], k: int, first: Sequence[float], neighbours: Sequence[frozenset[int]],
                    threshold: float) -> dict[str, float]:
    """The organisation's own features plus what the first stage said of its direct neighbours
    (the most likely one) and of its whole enumeration (most likely, mean, size)."""
    f = dict(row)
    direct = neighbours[k]
    if not direct:
        return f
    best = max(first[n] for n in direct)
    f["nb_max"] = best
    f[f"nb_n={min(3, len(direct))}"] = 1.0
    if best >= threshold:
        f["nb_party"] = 1.0
    chain = [first[n] for n in _enumeration(neighbours, k)]
    f["list_max"] = max(chain)
    f["list_mean"] = sum(chain) / len(chain)
    f[f"list_n={min(5, len(chain))}"] = 1.0
    return f


def partner_list_features(row: dict[str, float], k: int, first: Sequence[float], neighbours: Sequence[frozenset[int]],
                          threshold: float, coop: float) -> dict[str, float]:
    """What the second-stage partner model reads, at training and at run time alike: the
    organisation's features, its own and its neighbours' first-stage scores, how many of the
    article's organisations pass the first stage (a two-party release and a forty-member list
    need different bars) and the article's cooperation score."""
    over = sum(p >= threshold for p in first)
    return {**with_neighbours(row, k, first, neighbours, threshold), "article_coop": coop, "self_p": first[k],
            f"n_over={min(4, over)}": 1.0}
