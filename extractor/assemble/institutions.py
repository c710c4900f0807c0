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
from extractor.nlp.abbreviations import spells

SHORT_FORM = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöü]{1,6}[0-9]?$")  # "UKN", "ZfL", "EvKB", "UAS7"
# what a word may end in beyond the stem it shares with another form of it: inflection
# ("Freien" / "Freie", "Landesbetriebes") and place adjectives ("Speyerer" / "Speyer", "Tübinger" / "Tübingen")
_ENDINGS = frozenset(("", "e", "s", "es", "n", "en", "m", "em", "r", "er", "ns", "ens"))
_MIN_STEM = 4

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


def _score_name(m: dict, surface: str, others: set[str] = frozenset()) -> tuple:
    """The fullest name the text gives (GOLD_FORMAT: "the fullest nominative form"): more words
    first, then one without a word that is an inflected or place-adjective form of a word of
    the `others` names ("Freien" beside "Freie", "Tübinger" beside "Tübingen"), then a name seen
    in nominative as written, then one a rule read; a bare list member, place or abbreviation
    names its house only when nothing else does."""
    as_written = norm(surface) == norm(m["canonical"])
    return (m["source"] not in ("list", "place", "abbr-use"), len(m["canonical"].split()),
            -_derived_words(m["canonical"], others), as_written, m["source"] not in ("coord", "ner", "crf"),
            len(m["canonical"]))


def _derived_words(name: str, others: set[str]) -> int:
    """How many words of `name` are a longer form of a word in `others` (or, as long, the one
    ending in "r"): the genitive, the dative, the place adjective."""
    own = name.lower().split()
    theirs = {v for o in others for v in o.lower().split()} - set(own)
    return sum(1 for w in own if any(_same_word(w, v) and (len(w) > len(v) or (len(w) == len(v) and w.endswith("r")))
                                     for v in theirs))


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
    #    "Voltaro Aktiengesellschaft" when only a legal form is added; a short form: "ETH" -> "ETH Talberg")
    legal = {" ".join(f).lower() for f in lexicons.legal_forms()}
    for a, na in enumerate(names):
        longer = [b for b, nb in enumerate(names) if b != a and nb.startswith(na + " ")]
        if len(longer) != 1:
            continue
        rest = names[longer[0]][len(na) + 1 :]
        if len(na.split()) >= 2 or mentions[groups[a][0]]["abbr"] or rest in legal or _short_form(mentions[groups[a][0]]["canonical"]):
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
        others = {m["canonical"] for m in ms}
        best = max(ms, key=lambda m: _score_name(m, doc[m["start"] : m["end"]].text, others))
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


def _short_form(text: str) -> bool:
    upper = sum(c.isupper() for c in text)
    return bool(SHORT_FORM.match(text)) and upper >= 2 and 2 * upper >= sum(c.isalpha() for c in text)


def _same_word(x: str, y: str) -> bool:
    """Two forms of one word: equal, or what they add to a shared stem of four letters or more is
    an ending (`_ENDINGS`)."""
    if x == y:
        return True
    n = 0
    while n < min(len(x), len(y)) and x[n] == y[n]:
        n += 1
    return n >= _MIN_STEM and x[n:] in _ENDINGS and y[n:] in _ENDINGS


def _forms_within(t: tuple[str, ...], u: tuple[str, ...]) -> bool:
    """Every word of `t` is a form of its own word of `u` (`_same_word`), one of them as written:
    an inflected or place-adjective variant of the same name ("Speyerer Stadtwerke" /
    "Stadtwerke Speyer"), or of a longer one ("Freien Universität" in "Freie Universität Berlin")."""
    free = list(u)
    exact = False
    for w in t:
        k = next((k for k, v in enumerate(free) if v == w), None)
        if k is None:
            k = next((k for k, v in enumerate(free) if _same_word(w, v)), None)
        else:
            exact = True
        if k is None:
            return False
        free.pop(k)
    return exact


def _link_variants(groups: list[list[int]], mentions: list[dict], find, union, headline: set[int]) -> None:
    """Variants of one organisation named apart in one text: the same words in another order or
    form ("Uni Talberg" / "Universität Talberg", "Beteiligungsgesellschaft X" / "X
    Beteiligungsgesellschaft", "Talberger Stadtwerke" / "Stadtwerke Talberg"), a short form
    inside exactly one longer name ("Lessing-Universität" in "Gotthold-Ephraim-Lessing-Universität",
    a bare "Wernau" beside "Spital Wernau"), a short form spelling exactly one name ("UKN",
    "ZfL", "LSV" for "Landessportverband", "MVZ Nordhain" for "Medizinisches Versorgungszentrum Nordhain")."""
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
        for b in range(a + 1, len(toks)):
            if len(t) >= 2 and len(toks[b]) == len(t) and find(a) != find(b) and _forms_within(t, toks[b]):
                union(a, b)
    for a, t in enumerate(toks):
        if not t:
            continue
        sa = set(t)
        if any(mentions[i]["source"] == "place" and i not in headline for i in groups[a]):
            continue  # a town may be a party of its own beside its school or clinic (in a headline it names the house)
        containers = {find(b) for b, u in enumerate(toks) if b != a and find(b) != find(a) and len(u) > len(t)
                      and (sa <= set(u) or (len(t) >= 2 and _forms_within(t, u)))
                      and not _names_another(set(u) - sa, toks, a, b)}
        if len(containers) == 1 and any(not lexicons.heads().lookup(w.capitalize()) for w in t):
            union(a, containers.pop())
            continue
        short, *tail = mentions[groups[a][0]]["canonical"].split()
        if _short_form(short) and len(tail) <= 2 and not _defined(short, a, groups, mentions, find):
            hits = {find(b) for b, g in enumerate(groups) if find(b) != find(a) and _spelt_by(short, tail, mentions[g[0]])}
            if len(hits) == 1:
                union(a, hits.pop())


def _defined(short: str, a: int, groups: list[list[int]], mentions: list[dict], find) -> bool:
    """The short form of group `a` has joined a longer name that carries it ("SWN" with "SWN
    Stadtwerke Talberg"): that is its organisation, whatever else it might spell."""
    return any(find(b) == find(a) and len(words := mentions[g[0]]["canonical"].split()) > 1 and short in words
               for b, g in enumerate(groups) if b != a)


def _spelt_by(short: str, tail: list[str], m: dict) -> bool:
    """The mention's name ends in the words `tail` and what comes before them is spelt by `short`."""
    words = m["canonical"].split()
    if tail:
        if len(words) <= len(tail) or words[-len(tail):] != tail:
            return False
        words = words[: -len(tail)]
    if not words or words == [short] or (len(words) == 1 and _short_form(words[0])):
        return False  # another short form
    return spells(short, " ".join(words), m.get("place"))


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
