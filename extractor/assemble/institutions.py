"""Organisation mentions -> entities: one canonical name per organisation, its surface forms,
abbreviation, place and kind.

Mentions are merged when they share a canonical name, when one name is a prefix of exactly one
longer name ("Sanovia Klinik" -> "Sanovia Klinik Wernau"), or when they name the same kind of
house in the same place ("Wernauer Klinik" -> "Sanovia Klinik Wernau", "Uniklinikum Talberg"
-> "Universitätsklinikum Talberg").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.nlp import lexicons

ALLCAPS_SHORT = re.compile(r"^[A-ZÄÖÜ]{2,6}$")

_FAMILIES = (
    ("unihosp", ("universitätsklinikum", "uniklinikum", "universitätsklinik", "uniklinik")),
    ("unimed", ("universitätsmedizin", "unimedizin")),
    ("hosp", ("klinikum", "klinik", "krankenhaus", "spital", "hospital")),
    ("univ", ("universität", "university", "uni")),
    ("college", ("hochschule", "fachhochschule")),
)
# short forms that stand for a longer word in the same name ("Uni Talberg", "FH Nordhain")
_SHORT = {"uni": "universität", "fh": "fachhochschule", "th": "technische hochschule", "tu": "technische universität",
          "uniklinik": "universitätsklinikum", "uni-klinik": "universitätsklinikum", "uniklinikum": "universitätsklinikum",
          "unimedizin": "universitätsmedizin", "kh": "krankenhaus", "st.": "sankt"}
_GENERIC = frozenset("der die das des dem den und für in im am an zu zur zum von vom e.v. gmbh ggmbh ag se kg eg mbh".split())


def family(head: str | None) -> str | None:
    """The kind of house a head names; a compound with a name of its own ("Severinshospital",
    "Josefsklinik") is a family of one, so two houses in one place stay apart."""
    if not head:
        return None
    low = head.lower()
    for name, heads in _FAMILIES:
        if low in heads or low.replace("-", "") in heads:
            return name
        if name.startswith("uni") and any(low.endswith(h) for h in heads):
            return name
    return low


def norm(text: str) -> str:
    return re.sub(r"[\s\-–—/]+", " ", text.lower()).strip()


@dataclass(eq=False)
class Entity:
    id: str
    name: str
    kind: str
    mentions: list[dict] = field(default_factory=list)
    abbreviation: str | None = None
    place: str | None = None
    head: str | None = None

    @property
    def first(self) -> int:
        return min(m["start"] for m in self.mentions)


def _score_name(m: dict, surface: str) -> tuple:
    """The fullest name the text gives (GOLD_FORMAT: "the fullest nominative form"): more words
    first, then a name seen in nominative as written, then one a rule read; a bare list member,
    place or abbreviation names its house only when nothing else does."""
    as_written = norm(surface) == norm(m["canonical"])
    return (m["source"] not in ("list", "place", "abbr-use"), len(m["canonical"].split()), as_written,
            m["source"] not in ("coord", "ner", "crf"), len(m["canonical"]))


def resolve(doc, mentions: list[dict]) -> tuple[list[Entity], dict[int, Entity]]:
    """Entities in order of first mention, and a map from mention index to its entity."""
    groups: list[list[int]] = []
    by_norm: dict[str, int] = {}
    for idx, m in enumerate(mentions):
        key = norm(m["canonical"])
        if key in by_norm:
            groups[by_norm[key]].append(idx)
        else:
            by_norm[key] = len(groups)
            groups.append([idx])
    parent = list(range(len(groups)))

    def find(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    names = [norm(mentions[g[0]]["canonical"]) for g in groups]
    # 1. prefix of exactly one longer name ("Sanovia Klinik" -> "Sanovia Klinik Wernau"; "Voltaro" ->
    #    "Voltaro Aktiengesellschaft" when only a legal form is added)
    legal = {" ".join(f).lower() for f in lexicons.legal_forms()}
    for a, na in enumerate(names):
        longer = [b for b, nb in enumerate(names) if b != a and nb.startswith(na + " ")]
        if len(longer) != 1:
            continue
        rest = names[longer[0]][len(na) + 1 :]
        if len(na.split()) >= 2 or mentions[groups[a][0]]["abbr"] or rest in legal:
            union(a, longer[0])
    # 2. same house family in the same place
    info = []
    for g in groups:
        m = mentions[g[0]]
        place = m.get("place") or _last_word_place(m)
        info.append((family(m.get("head")), place))
    for a in range(len(groups)):
        fa, pa = info[a]
        if not fa or not pa:
            continue
        cands = [b for b in range(len(groups)) if b != a and info[b][0] == fa and info[b][1] == pa]
        if len(cands) == 1 or (cands and all(find(c) == find(cands[0]) for c in cands)):
            mods_a = set(mentions[groups[a][0]].get("modifiers") or [])
            mods_b = set(mentions[groups[cands[0]][0]].get("modifiers") or [])
            if not mods_a or not mods_b or mods_a <= mods_b or mods_b <= mods_a:
                union(a, cands[0])
    first_end = next(iter(doc.sents)).end if len(doc) else 0
    headline = {i for i, m in enumerate(mentions) if m["start"] < first_end}
    _link_variants(groups, mentions, find, union, headline)
    merged: dict[int, list[int]] = {}
    for gi, g in enumerate(groups):
        merged.setdefault(find(gi), []).extend(g)
    entities: list[Entity] = []
    of_mention: dict[int, Entity] = {}
    for root in sorted(merged, key=lambda r: min(mentions[i]["start"] for i in merged[r])):
        idxs = sorted(merged[root], key=lambda i: mentions[i]["start"])
        ms = [mentions[i] for i in idxs]
        best = max(ms, key=lambda m: _score_name(m, doc[m["start"] : m["end"]].text))
        kinds = [m["kind"] for m in ms if m["source"] not in ("ner",)] or [ms[0]["kind"]]
        kind = "network" if "network" in kinds and best["kind"] == "network" else best["kind"] if best["kind"] != "other" else max(kinds, key=lambda k: (kinds.count(k), k != "other"))
        abbr = next((m["abbr"] for m in ms if m.get("abbr")), None)
        place = next((m.get("place") for m in ms if m.get("place")), None)
        ent = Entity(id="", name=best["canonical"], kind=kind, mentions=ms, abbreviation=abbr, place=place, head=best.get("head"))
        entities.append(ent)
        for i in idxs:
            of_mention[i] = ent
    for n, ent in enumerate(entities, 1):
        ent.id = f"i{n}"
    return entities, of_mention


def variant_tokens(name: str) -> tuple[str, ...]:
    """A name's words for comparing variants: lower case, hyphens and parentheses split, short
    forms expanded, inflected head nouns in their base form, legal forms dropped."""
    words = []
    for w in re.split(r"[\s\-–—/()]+", name.lower()):
        if not w or w in _GENERIC:
            continue
        words += _SHORT.get(w, w).split()
    for k, w in enumerate(words):
        head = lexicons.heads().lookup(w.capitalize())
        if head is not None and head.inflected and not head.plural:
            words[k] = head.base.lower()
    return tuple(words)


def _names_another(extra: set[str], toks: list[tuple[str, ...]], a: int, b: int) -> bool:
    """The longer name's other words are a third organisation ("Brenntal" in "Brenntal Voltaro
    GmbH" beside "Voltaro"): a joint name, not a variant."""
    return any(c not in (a, b) and u and set(u) <= extra for c, u in enumerate(toks))


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words if w)


def _link_variants(groups: list[list[int]], mentions: list[dict], find, union, headline: set[int]) -> None:
    """Variants of one organisation named apart in one text: the same words in another order or
    form ("Uni Talberg" / "Universität Talberg", "Beteiligungsgesellschaft X" / "X
    Beteiligungsgesellschaft"), a short form inside exactly one longer name ("Lessing-Universität"
    in "Gotthold-Ephraim-Lessing-Universität", a bare "Wernau" beside "Spital Wernau"), an
    all-caps short form spelling the initials of exactly one name ("UKN")."""
    toks = [variant_tokens(mentions[g[0]]["canonical"]) for g in groups]
    by_set: dict[frozenset, int] = {}
    for a, t in enumerate(toks):
        if not t:
            continue
        key = frozenset(t)
        if key in by_set:
            union(by_set[key], a)
        else:
            by_set[key] = a
    for a, t in enumerate(toks):
        if not t:
            continue
        sa = set(t)
        if any(mentions[i]["source"] == "place" and i not in headline for i in groups[a]):
            continue  # a town may be a party of its own beside its school or clinic (in a headline it names the house)
        containers = {find(b) for b, u in enumerate(toks) if b != a and find(b) != find(a) and len(u) > len(t) and sa <= set(u)
                      and not _names_another(set(u) - sa, toks, a, b)}
        if len(containers) == 1 and any(not lexicons.heads().lookup(w.capitalize()) for w in t):
            union(a, containers.pop())
            continue
        raw = mentions[groups[a][0]]["canonical"]
        if len(t) == 1 and ALLCAPS_SHORT.match(raw):
            hits = {find(b) for b, u in enumerate(toks) if b != a and len(u) >= 2 and _initials(u).startswith(raw.lower())
                    and len(_initials(u)) - len(raw) <= 1}
            if len(hits) == 1:
                union(a, hits.pop())


def _last_word_place(m: dict) -> str | None:
    """"Sanovia Klinikum Wernau" -> "Wernau" when the name ends in a capitalised word after its head."""
    head = m.get("head")
    if not head:
        return None
    canon = m["canonical"]
    pos = canon.find(head)
    if pos < 0:
        return None
    rest = canon[pos + len(head) :].strip()
    return rest if rest and " " not in rest and rest[:1].isupper() and "für" not in rest else None
