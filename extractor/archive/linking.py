"""Organisation entity resolution across articles: distinct names -> entities, every link explained.

Within one article the extractor has already bound a name to its inflected forms and the
abbreviation it defines; this module links the distinct canonical names of a whole archive.
A name is linked in its location (`qualifier`) where the name does not say the place itself
("Klinikum Nord" in Talberg and in Rheinhagen are two hospitals). Names with equal `names.form`
keys in one location are one organisation (rule "form": case, legal form, word order,
Uni/Universität, inflected type words). Keys are then linked by, in this order:

- "spelling": equal once hyphens and spaces are gone ("Mosel-Klinikum" = "Moselklinikum");
- "place form": a place adjective or genitive before a type word where the base form is also
  a name ("Talberger Universität" = "Universität Talberg", "Talbergs Stadtwerke");
- "optional word": equal without the words of `data/optional_words.txt`, unless that short
  name could mean two organisations ("AWO Bergtal" with "AWO Kreisverband Bergtal" and
  "AWO Ortsverein Bergtal" in the archive links to neither);
- "similar spelling": a rapidfuzz token-sort score >= `fuzzy_threshold` inside a block of
  names that share a rare word, where all words match exactly but one, and that one is a
  misspelling of a type word (`data/type_words.txt`: "Universitätsklinkum"), not itself a
  word made of type words ("Klinikverband" is no misspelt "Klinikverbund"); place names and
  brands must match exactly, and two type words never count as misspellings of each other, so
  "Sanova Klinikum Talberg" and "Sanova Klinik Talberg-Nord" stay apart;
- "location": a name without location to the same name in its only location ("Klinikum
  Nord" to "Klinikum Nord" in Talberg, when no other "Klinikum Nord" is known);
- "alias": another article's name for the organisation ("IHK Hohenwald" beside "Industrie- und
  Handelskammer Hohenwald") when it is a full name and means one organisation only;
- "abbreviation": a name that is only an abbreviation ("UMT") joins the one organisation whose
  articles define it ("Universitätsmedizin Talberg (UMT)"); defined for two, it joins the one
  in its location, else none.

Every rule but "form" and "spelling" also needs compatible kinds and locations, and no rule but
"form" joins two organisations that one report names as partners of each other (`cannot_link`).
Analysts' corrections come first: merges are unconditional, splits forbid any link across their
sides; a later correction wins where two disagree (`effective_corrections`). Work is per distinct
name, and pairwise comparison only inside blocks, so an archive of a million records with
~100,000 distinct names links in seconds.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from networkx.utils import UnionFind
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from extractor.archive.names import (NameForm, ends_in_type_word, form, is_abbreviation, stem, type_stems,
                                    words)

FUZZY_THRESHOLD = 90.0
MAX_BLOCK = 400  # a word shared by more names than this is too common to block on
MIN_FUZZY_TOKEN = 6
TOKEN_SIMILARITY = 0.85
PLACE_ENDINGS = ("er", "r", "es", "s")  # "Talberger", "Brackenheider", "Talbergs"

Unit = tuple[str, "str | None"]  # (canonical name, qualifier)


def qualifier(name: str, location: str | None) -> str | None:
    """The location a name is linked in: one name means different organisations in different
    places when it does not name the place itself ("UKM", "Klinikum Nord"); a name that
    contains its location ("Klinikum Talberg" in Talberg) is one unit however located."""
    location = (location or "").strip()
    if not location:
        return None
    f = form(name)
    if not f.abbreviation and set(form(location).tokens) <= set(f.tokens):
        return None
    return location


@dataclass
class NameStat:
    """One distinct canonical name (with its `qualifier`) and what its articles say about it:
    how often, which kinds and locations, and the other forms they use (`mentions`)."""

    name: str
    qualifier: str | None = None
    count: int = 1
    kinds: Counter = field(default_factory=Counter)
    locations: Counter = field(default_factory=Counter)
    mentions: Counter = field(default_factory=Counter)
    first: int = 0  # the ingest that first brought the name (older keys anchor entity ids)


@dataclass(frozen=True)
class Link:
    key: str
    other: str
    rule: str
    score: float
    detail: str


@dataclass
class Correction:
    """An analyst's correction in terms of units (name, qualifier), which survive changes of
    the normalisation: merge = these units are one organisation; split = no unit of one side
    is the same organisation as a unit of another side."""

    action: str
    sides: list[list[Unit]]


@dataclass
class Linking:
    key_of: dict[Unit, str]  # (name, qualifier) -> key
    entity_of: dict[str, str]  # key -> entity id
    links: list[Link]  # the links that joined keys (a spanning forest of every entity)
    infos: dict[str, "KeyInfo"]


@dataclass
class KeyInfo:
    key: str
    form: NameForm
    names: list[str] = field(default_factory=list)
    count: int = 0
    kinds: Counter = field(default_factory=Counter)
    locations: Counter = field(default_factory=Counter)
    abbreviations: set[str] = field(default_factory=set)
    aliases: Counter = field(default_factory=Counter)
    first: int = 0
    base: str = ""  # the key without a qualifier or refinement

    def kind(self) -> str | None:
        known = [(n, k) for k, n in self.kinds.items() if k and k != "other"]
        return max(known)[1] if known else None

    def location(self) -> str | None:
        known = [(n, loc) for loc, n in self.locations.items() if loc]
        return form(max(known)[1]).key if known else None


def entity_id(anchor_key: str) -> str:
    """The id an entity takes from its oldest key: stable while that key is in it, and every
    key's own id keeps resolving to the entity that holds the key."""
    return "E" + hashlib.sha1(anchor_key.encode("utf-8")).hexdigest()[:10]


class _Components:
    """Union-find over keys that refuses unions across the sides of a split, and (unless
    forced) unions that would put two partners of one report into one organisation."""

    def __init__(self, keys: Iterable[str], splits: list[list[set[str]]], cannot: Iterable[tuple[str, str]]) -> None:
        self.uf = UnionFind(keys)
        self.tags: dict[str, dict[int, int]] = defaultdict(dict)
        for n, sides in enumerate(splits):
            for side, members in enumerate(sides):
                for key in members:
                    self.tags[key][n] = side
        self.cannot: dict[str, set[str]] = defaultdict(set)
        for a, b in cannot:
            if a != b:
                self.cannot[a].add(b)
                self.cannot[b].add(a)

    def find(self, k: str) -> str:
        return self.uf[k]

    def allowed(self, ra: str, rb: str) -> bool:
        ta, tb = self.tags.get(ra, {}), self.tags.get(rb, {})
        if not all(tb.get(c, s) == s for c, s in ta.items()):
            return False
        ca, cb = self.cannot.get(ra, ()), self.cannot.get(rb, ())
        small, other = (ca, rb) if len(ca) <= len(cb) else (cb, ra)
        return not any(self.uf[k] == other for k in small)

    def union(self, a: str, b: str, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or not (force or self.allowed(ra, rb)):
            return False
        self.uf.union(ra, rb)
        root = self.find(ra)
        gone = rb if root == ra else ra
        merged = self.tags.pop(gone, {})
        if merged:
            self.tags[root] = {**merged, **self.tags.get(root, {})}
        moved = self.cannot.pop(gone, set())
        if moved:
            self.cannot[root] |= moved
        return True


def effective_corrections(corrections: list[tuple[str, list[set[str]]]]) -> tuple[list[set[str]], list[list[set[str]]]]:
    """Corrections in key terms, in the order made -> (merges, splits) that agree: a later split
    restricts an earlier merge to each of its sides (merge A, B, G then split G off: A and B
    stay merged), a later merge joins the sides of an earlier split that it spans."""
    merges: list[set[str]] = []
    splits: list[list[set[str]]] = []
    for action, sides in corrections:
        sides = [s for s in sides if s]
        if action == "merge":
            keys = set().union(*sides) if sides else set()
            for n, split in enumerate(splits):
                touched = [s for s in split if s & keys]
                if len(touched) > 1:
                    splits[n] = [s for s in split if not s & keys] + [set().union(*touched)]
            splits = [s for s in splits if len(s) > 1]
            if len(keys) > 1:
                merges.append(keys)
        elif len(sides) > 1:
            restricted = []
            for keys in merges:
                parts = [keys & s for s in sides]
                if sum(1 for p in parts if p) > 1:
                    restricted.extend(p for p in parts if len(p) > 1)
                else:
                    restricted.append(keys)
            merges = restricted
            splits.append(sides)
    return merges, splits


def _compatible(a: KeyInfo, b: KeyInfo) -> bool:
    ka, kb = a.kind(), b.kind()
    la, lb = a.location(), b.location()
    return not (ka and kb and ka != kb) and not (la and lb and la != lb)


def _base_key(name: str, qual: str | None) -> str:
    key = form(name).key
    return key + (f"@{form(qual).key}" if qual else "")


def _keys(names: Iterable[NameStat], refined: set[str]) -> tuple[dict[Unit, str], dict[str, KeyInfo]]:
    """Units -> keys, and what is known of each key. A key in `refined` holds names that an
    analyst split apart: each of its names becomes a key of its own."""
    key_of: dict[Unit, str] = {}
    infos: dict[str, KeyInfo] = {}
    for stat in names:
        f = form(stat.name)
        base = _base_key(stat.name, stat.qualifier)
        key = f"{base}#{stat.name}" if base in refined else base
        info = infos.get(key)
        if info is None:
            info = infos[key] = KeyInfo(key=key, form=f, first=stat.first, base=base)
        key_of[(stat.name, stat.qualifier)] = key
        info.names.append(stat.name)
        info.count += stat.count
        info.kinds.update(stat.kinds)
        if stat.qualifier:
            info.locations[stat.qualifier] += stat.count
        else:
            info.locations.update(stat.locations)
        long_words = set(words(stat.name))
        for mention, n in stat.mentions.items():
            if is_abbreviation(mention):
                if mention.lower() not in long_words:  # "KRT" in "KRT Klinikum" is a short form, no definition
                    info.abbreviations.add(mention.upper())
            else:
                info.aliases[mention] += n
        if f.defines:
            info.abbreviations.add(f.defines.upper())
        info.first = min(info.first, stat.first)
    return key_of, infos


def _qualified(info: KeyInfo) -> str:
    """The qualifier part of a key ("" when unqualified): links never cross it by themselves."""
    return info.base.partition("@")[2]


def _refined_links(infos: dict[str, KeyInfo]) -> list[Link]:
    """Names of one refined key (see `_keys`) stay one organisation where no split parts them."""
    groups: dict[str, list[str]] = defaultdict(list)
    for key, info in infos.items():
        if key != info.base:
            groups[info.base].append(key)
    return [Link(k, keys[0], "form", 100.0, "equal after normalising case, legal form, word order")
            for keys in map(sorted, groups.values()) for k in keys[1:]]


def _spelling_links(infos: dict[str, KeyInfo]) -> list[Link]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, info in infos.items():
        if not info.form.abbreviation:
            groups[(info.form.squash, _qualified(info))].append(key)
    return [Link(k, min(keys), "spelling", 100.0, "equal without hyphens and spaces")
            for keys in groups.values() for k in sorted(keys)[1:]]


def _place_form_links(infos: dict[str, KeyInfo]) -> list[Link]:
    """"Talberger Universität" -> "Universität Talberg": a word before a type word that ends
    like a place adjective or genitive, where the name with the base word is a key too."""
    by_tokens: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key, info in infos.items():
        if not info.form.abbreviation:
            by_tokens[info.form.tokens].append(key)
    links = []
    for key, info in infos.items():
        ordered = info.form.ordered
        if info.form.abbreviation or len(ordered) < 2:
            continue
        for i, word in enumerate(ordered[:-1]):
            if not ends_in_type_word(ordered[i + 1]):
                continue
            for ending in PLACE_ENDINGS:
                base = word[: -len(ending)]
                if not word.endswith(ending) or len(base) < 3:
                    continue
                tokens = tuple(sorted((*ordered[:i], base, *ordered[i + 1:])))
                targets = [k for k in by_tokens.get(tokens, ()) if k != key and _compatible(info, infos[k])]
                if len(targets) == 1:
                    links.append(Link(key, targets[0], "place form", 100.0, f"'{word}' is a form of '{base}'"))
                    break
            else:
                continue
            break
    return links


def _optional_word_links(infos: dict[str, KeyInfo]) -> list[Link]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, info in infos.items():
        if not info.form.abbreviation:
            groups[(info.form.core, _qualified(info))].append(key)
    links = []
    for (core, _), keys in groups.items():
        shorter = [k for k in keys if infos[k].form.key == core]
        longer = [k for k in keys if infos[k].form.key != core]
        if len(keys) < 2 or len({infos[k].form.key for k in longer}) > 1:
            continue  # nothing to link, or the short name could mean several organisations
        target = min(shorter or keys)
        for k in keys:
            if k != target and _compatible(infos[k], infos[target]):
                extra = " ".join(t for t in infos[k].form.tokens if t not in infos[target].form.tokens)
                links.append(Link(k, target, "optional word", 100.0, f"differ only by '{extra or core}'"))
    return links


def _one_misspelt_word(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, str] | None:
    """The one word pair in which `a` and `b` differ, when one is a type word (`data/type_words.txt`)
    and the other its misspelling, not a real word made of type words ("klinikverband" ~
    "klinikverbund" is no misspelling); None otherwise (also when they differ in more than one word)."""
    if len(a) != len(b):
        return None
    only_a = [t for t in a if t not in b]
    only_b = [t for t in b if t not in a]
    if len(only_a) != 1 or len(only_b) != 1:
        return None
    x, y = only_a[0], only_b[0]
    types = type_stems()
    if min(len(x), len(y)) < MIN_FUZZY_TOKEN or (x in types) == (y in types):
        return None
    word, other = (y, x) if x in types else (x, y)
    if ends_in_type_word(word):
        return None
    similarity = max(Levenshtein.normalized_similarity(w, other) for w in (word, stem(word)))
    return (x, y) if similarity >= TOKEN_SIMILARITY else None


def _fuzzy_links(infos: dict[str, KeyInfo], threshold: float) -> list[Link]:
    keys = [k for k, info in infos.items() if not info.form.abbreviation]
    df: Counter = Counter(t for k in keys for t in set(infos[k].form.tokens))  # block on rare words only
    blocks: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        for t in set(infos[k].form.tokens):
            if len(t) >= 4 and df[t] <= MAX_BLOCK:
                blocks[t].append(k)
    seen: set[tuple[str, str]] = set()
    links = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        texts = [infos[k].form.key for k in members]
        scores = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
        for i, j in zip(*scores.nonzero()):
            a, b = members[i], members[j]
            if i >= j or (a, b) in seen:
                continue
            seen.add((a, b))
            pair = _one_misspelt_word(infos[a].form.tokens, infos[b].form.tokens)
            if pair and _compatible(infos[a], infos[b]):
                links.append(Link(a, b, "similar spelling", float(scores[i, j]), f"'{pair[0]}' ~ '{pair[1]}'"))
    return sorted(links, key=lambda lk: -lk.score)


def _location_links(infos: dict[str, KeyInfo], definers: dict[str, set[str]]) -> list[Link]:
    """A name without location -> the same name in its one location ("DATV" -> "DATV" in
    Talberg), when no second location has it; an abbreviation defined for several
    organisations stays alone."""
    located: dict[str, list[str]] = defaultdict(list)
    for key, info in infos.items():
        if _qualified(info):
            located[info.base.partition("@")[0]].append(key)
    links = []
    for key, info in infos.items():
        if _qualified(info) or key != info.base:
            continue
        places = located.get(key, [])
        abbr = info.form.abbreviation
        if len(places) == 1 and not (abbr and len(definers.get(abbr, ())) > 1) and _compatible(info, infos[places[0]]):
            links.append(Link(key, places[0], "location", 100.0,
                              f"the only '{info.names[0]}' with a location ({_qualified(infos[places[0]])})"))
    return links


def _alias_fits(alias: str, f: NameForm, target: NameForm) -> bool:
    """Whether an article's other form `alias` can stand for `target` in other articles: it
    keeps a distinguishing word (a place, a brand), brings no type word of its own, drops only
    type words, and drops the type words altogether only for an abbreviation ("IHK Hohenwald")."""
    types = type_stems()
    own, theirs = types.intersection(f.tokens), types.intersection(target.tokens)
    if len(f.tokens) < 2 or not set(f.tokens) - types or not own <= theirs:
        return False
    dropped = set(target.tokens) - set(f.tokens)
    if set(f.tokens) < set(target.tokens) and not dropped <= types:
        return False  # "Klinikum Sanova" for "... Talberg": a short form, maybe of several
    return bool(own) or not theirs or any(is_abbreviation(w) for w in alias.split())


def _alias_links(infos: dict[str, KeyInfo], comps: _Components) -> list[Link]:
    """A form one article uses for an organisation ("IHK Hohenwald" beside "Industrie- und
    Handelskammer Hohenwald") that is another article's canonical name, when it fits
    (`_alias_fits`) and every article that uses it means the same organisation."""
    users: dict[str, set[str]] = defaultdict(set)
    for key, info in infos.items():
        for alias in info.aliases:
            f = form(alias)
            if f.key != info.form.key and f.key in infos and _alias_fits(alias, f, info.form):
                users[f.key].add(key)
    links = []
    for alias_key, keys in users.items():
        targets = {comps.find(k): k for k in sorted(keys)}
        if len(targets) == 1:
            target = next(iter(targets.values()))
            if _compatible(infos[alias_key], infos[target]):
                links.append(Link(alias_key, target, "alias", 100.0,
                                  f"'{infos[alias_key].names[0]}' is a name of '{infos[target].names[0]}' in its articles"))
    return links


def _definers(infos: dict[str, KeyInfo]) -> dict[str, set[str]]:
    definers: dict[str, set[str]] = defaultdict(set)
    for key, info in infos.items():
        if not info.form.abbreviation:
            for abbr in info.abbreviations:
                definers[abbr].add(key)
    return definers


def _abbreviation_links(infos: dict[str, KeyInfo], definers: dict[str, set[str]], comps: _Components) -> list[Link]:
    links = []
    for key, info in infos.items():
        abbr = info.form.abbreviation
        if not abbr:
            continue
        targets = {comps.find(k): k for k in sorted(definers.get(abbr, ())) if _compatible(info, infos[k])}
        if len(targets) == 1:
            target = next(iter(targets.values()))
            links.append(Link(key, target, "abbreviation", 100.0, f"{abbr} defined for '{infos[target].names[0]}'"))
    return links


def _unit_keys(unit: Unit | str, key_of: dict[Unit, str], by_name: dict[str, list[str]]) -> list[str]:
    """The keys of a unit a correction names; by name alone when its qualifier changed since
    (a store of format 1 named keys: those are looked up as names' keys)."""
    if isinstance(unit, str):
        return by_name.get(unit, [])
    key = key_of.get(tuple(unit))
    return [key] if key else by_name.get(unit[0], [])


def _refinements(corrections: list[Correction]) -> set[str]:
    """Base keys whose names lie on different sides of one split."""
    refined = set()
    for corr in corrections:
        if corr.action != "split":
            continue
        sides: dict[str, set[int]] = defaultdict(set)
        for n, side in enumerate(corr.sides):
            for unit in side:
                if not isinstance(unit, str):
                    sides[_base_key(*unit)].add(n)
        refined |= {k for k, ns in sides.items() if len(ns) > 1}
    return refined


def link(names: Iterable[NameStat], corrections: Iterable[Correction] = (), *,
         cannot_link: Iterable[tuple[Unit, Unit]] = (), fuzzy_threshold: float = FUZZY_THRESHOLD) -> Linking:
    """Distinct canonical names -> entities, with the links that explain every join.
    `cannot_link`: pairs of units that are different organisations (partners of one report)."""
    stats, corrections = list(names), list(corrections)
    key_of, infos = _keys(stats, _refinements(corrections))
    by_name: dict[str, list[str]] = defaultdict(list)
    for (name, _), key in key_of.items():
        by_name[name].append(key)
    for key, info in infos.items():
        by_name[info.base].append(key)  # format-1 corrections
    in_keys = [(c.action, [{k for unit in side for k in _unit_keys(unit, key_of, by_name)} for side in c.sides])
               for c in corrections]
    merges, splits = effective_corrections(in_keys)
    cannot = [(key_of[a], key_of[b]) for a, b in cannot_link if a in key_of and b in key_of]
    comps = _Components(infos, splits, cannot)
    applied: list[Link] = []
    for keys in merges:
        present = sorted(keys, key=lambda k: (infos[k].first, k))
        for other in present[1:]:
            if comps.union(present[0], other, force=True):
                applied.append(Link(other, present[0], "analyst merge", 100.0, "coopx entities merge"))

    def apply(links: Iterable[Link], force: bool = False) -> None:
        for lk in links:
            if comps.union(lk.other, lk.key, force=force):
                applied.append(lk)

    definers = _definers(infos)
    apply(_refined_links(infos))
    apply(_spelling_links(infos))
    apply(_place_form_links(infos))
    apply(_optional_word_links(infos))
    apply(_fuzzy_links(infos, fuzzy_threshold))
    apply(_location_links(infos, definers))
    apply(_alias_links(infos, comps))
    apply(_abbreviation_links(infos, definers, comps))

    entity_of = {}
    for keys in comps.uf.to_sets():
        eid = entity_id(min(keys, key=lambda k: (infos[k].first, k)))
        entity_of.update(dict.fromkeys(keys, eid))
    return Linking(key_of=key_of, entity_of=entity_of, links=applied, infos=infos)
