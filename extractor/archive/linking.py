"""Organisation entity resolution across articles: distinct names -> entities, every link explained.

Within one article the extractor has already bound a name to its inflected forms and the
abbreviation it defines; this module links the distinct canonical names of a whole archive.
Names with equal `names.form` keys are one organisation (rule "form": inflection, case, legal
form, word order, Uni/Universität). Keys are then linked by, in this order:

- "spelling": equal once hyphens and spaces are gone ("Mosel-Klinikum" = "Moselklinikum");
- "optional word": equal without the words of `data/optional_words.txt`, unless that short
  name could mean two organisations ("AWO Bergstraße" with "AWO Kreisverband Bergstraße" and
  "AWO Ortsverein Bergstraße" in the archive links to neither);
- "similar spelling": a rapidfuzz token-sort score >= `fuzzy_threshold` inside a block of
  names that share a rare word, where all words match exactly but one, and that one is a
  misspelling of a type word (`data/type_words.txt`: "Universitätsklinkum"); place names and
  brands must match exactly, and two type words never count as misspellings of each other, so
  "Helios Klinikum Erfurt" and "Helios Klinik Erfurt-Nord" stay apart;
- "alias": another article's name for the organisation ("IHK Hohenwald" beside "Industrie- und
  Handelskammer Hohenwald") when it is a full name and means one organisation only;
- "abbreviation": a name that is only an abbreviation ("UMT") joins the one organisation whose
  articles define it ("Universitätsmedizin Talberg (UMT)"); defined for two, it joins the one
  in its location, else none. Such names are linked per location (`qualifier`).

Every rule but "form" and "spelling" also needs compatible kinds and locations. Analysts'
corrections come first: merges are unconditional, splits forbid any link across their sides.
Work is per distinct name, and pairwise comparison only inside blocks, so an archive of a
million records with ~100,000 distinct names links in seconds.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from extractor.archive.names import NameForm, form, is_abbreviation, type_stems, words

FUZZY_THRESHOLD = 90.0
MAX_BLOCK = 400  # a word shared by more names than this is too common to block on
MIN_FUZZY_TOKEN = 6
TOKEN_SIMILARITY = 0.85


def qualifier(name: str, location: str | None) -> str | None:
    """A name that is only an abbreviation means different organisations in different places
    ("UKM"), so it is linked per location; every other name is one unit however located."""
    return location if location and form(name).abbreviation else None


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
    """An analyst's correction in key terms: merge = these keys are one organisation; split =
    no key of one side is the same organisation as a key of another side."""

    action: str
    sides: list[list[str]]


@dataclass
class Linking:
    key_of: dict[tuple[str, str | None], str]  # (name, qualifier) -> key
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
    """Union-find over keys that refuses unions across the sides of a split."""

    def __init__(self, keys: Iterable[str], corrections: list[Correction]) -> None:
        self.parent = {k: k for k in keys}
        self.tags: dict[str, dict[int, int]] = defaultdict(dict)
        for n, corr in enumerate(corrections):
            if corr.action == "split":
                for side, members in enumerate(corr.sides):
                    for key in members:
                        if key in self.parent:
                            self.tags[key][n] = side

    def find(self, k: str) -> str:
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def allowed(self, a: str, b: str) -> bool:
        ta, tb = self.tags.get(self.find(a), {}), self.tags.get(self.find(b), {})
        return all(tb.get(c, s) == s for c, s in ta.items())

    def union(self, a: str, b: str, force: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or not (force or self.allowed(ra, rb)):
            return False
        self.parent[rb] = ra
        merged = self.tags.pop(rb, {})
        if merged:
            self.tags[ra] = {**merged, **self.tags.get(ra, {})}
        return True


def _compatible(a: KeyInfo, b: KeyInfo) -> bool:
    ka, kb = a.kind(), b.kind()
    la, lb = a.location(), b.location()
    return not (ka and kb and ka != kb) and not (la and lb and la != lb)


def _keys(names: Iterable[NameStat]) -> tuple[dict[str, str], dict[str, KeyInfo]]:
    key_of: dict[str, str] = {}
    infos: dict[str, KeyInfo] = {}
    for stat in names:
        f = form(stat.name)
        key = f.key + (f"@{form(stat.qualifier).key}" if f.abbreviation and stat.qualifier else "")
        info = infos.get(key)
        if info is None:
            info = infos[key] = KeyInfo(key=key, form=f, first=stat.first)
        key_of[(stat.name, stat.qualifier)] = key
        info.names.append(stat.name)
        info.count += stat.count
        info.kinds.update(stat.kinds)
        info.locations.update(stat.locations)
        long_words = set(words(stat.name))
        for mention, n in stat.mentions.items():
            if is_abbreviation(mention):
                if mention.lower() not in long_words:  # "SBB" in "SBB Cargo" is a short form, no definition
                    info.abbreviations.add(mention.upper())
            else:
                info.aliases[mention] += n
        if f.defines:
            info.abbreviations.add(f.defines.upper())
        info.first = min(info.first, stat.first)
    return key_of, infos


def _spelling_links(infos: dict[str, KeyInfo]) -> list[Link]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, info in infos.items():
        if not info.form.abbreviation:
            groups[info.form.squash].append(key)
    return [Link(k, min(keys), "spelling", 100.0, "equal without hyphens and spaces")
            for keys in groups.values() for k in sorted(keys)[1:]]


def _optional_word_links(infos: dict[str, KeyInfo]) -> list[Link]:
    groups: dict[str, list[str]] = defaultdict(list)
    for key, info in infos.items():
        if not info.form.abbreviation:
            groups[info.form.core].append(key)
    links = []
    for core, keys in groups.items():
        longer = [k for k in keys if k != core]
        if len(keys) < 2 or len(longer) > 1:
            continue  # nothing to link, or the short name could mean several organisations
        target = core if core in infos else keys[0]
        for k in keys:
            if k != target and _compatible(infos[k], infos[target]):
                extra = " ".join(t for t in infos[k].form.tokens if t not in infos[target].form.tokens)
                links.append(Link(k, target, "optional word", 100.0, f"differ only by '{extra or core}'"))
    return links


def _one_misspelt_word(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, str] | None:
    """The one word pair in which `a` and `b` differ, when one is a type word (`data/type_words.txt`)
    and the other its misspelling; None otherwise (also when they differ in more than one word)."""
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
    return (x, y) if Levenshtein.normalized_similarity(x, y) >= TOKEN_SIMILARITY else None


def _fuzzy_links(infos: dict[str, KeyInfo], threshold: float) -> list[Link]:
    keys = [k for k, info in infos.items() if not info.form.abbreviation]
    df: Counter = Counter(t for k in keys for t in infos[k].form.tokens)  # block on rare words only
    blocks: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        for t in infos[k].form.tokens:
            if len(t) >= 4 and df[t] <= MAX_BLOCK:
                blocks[t].append(k)
    seen: set[tuple[str, str]] = set()
    links = []
    for members in blocks.values():
        if len(members) < 2:
            continue
        scores = process.cdist(members, members, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
        for i, j in zip(*scores.nonzero()):
            a, b = members[i], members[j]
            if i >= j or (a, b) in seen:
                continue
            seen.add((a, b))
            pair = _one_misspelt_word(infos[a].form.tokens, infos[b].form.tokens)
            if pair and _compatible(infos[a], infos[b]):
                links.append(Link(a, b, "similar spelling", float(scores[i, j]), f"'{pair[0]}' ~ '{pair[1]}'"))
    return sorted(links, key=lambda lk: -lk.score)


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
        return False  # "Deutsches Herzzentrum" for "... Berlin": a short form, maybe of several
    return bool(own) or not theirs or any(is_abbreviation(w) for w in alias.split())


def _alias_links(infos: dict[str, KeyInfo], comps: _Components) -> list[Link]:
    """A form one article uses for an organisation ("IHK Hohenwald" beside "Industrie- und
    Handelskammer Hohenwald") that is another article's canonical name, when it fits
    (`_alias_fits`) and every article that uses it means the same organisation."""
    users: dict[str, set[str]] = defaultdict(set)
    for key, info in infos.items():
        for alias in info.aliases:
            f = form(alias)
            if f.key != key and f.key in infos and _alias_fits(alias, f, info.form):
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


def _abbreviation_links(infos: dict[str, KeyInfo], comps: _Components) -> list[Link]:
    definers: dict[str, set[str]] = defaultdict(set)
    for key, info in infos.items():
        if not info.form.abbreviation:
            for abbr in info.abbreviations:
                definers[abbr].add(key)
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


def link(names: Iterable[NameStat], corrections: list[Correction] = (), *,
         fuzzy_threshold: float = FUZZY_THRESHOLD) -> Linking:
    """Distinct canonical names -> entities, with the links that explain every join."""
    key_of, infos = _keys(names)
    corrections = list(corrections)
    comps = _Components(infos, corrections)
    applied: list[Link] = []
    for corr in corrections:
        if corr.action == "merge":
            present = [k for side in corr.sides for k in side if k in infos]
            for other in present[1:]:
                if comps.union(present[0], other, force=True):
                    applied.append(Link(other, present[0], "analyst merge", 100.0, "coopx entities merge"))

    def apply(links: Iterable[Link]) -> None:
        for lk in links:
            if comps.union(lk.other, lk.key):
                applied.append(lk)

    apply(_spelling_links(infos))
    apply(_optional_word_links(infos))
    apply(_fuzzy_links(infos, fuzzy_threshold))
    apply(_alias_links(infos, comps))
    apply(_abbreviation_links(infos, comps))

    members: dict[str, list[str]] = defaultdict(list)
    for key in infos:
        members[comps.find(key)].append(key)
    entity_of = {}
    for keys in members.values():
        eid = entity_id(min(keys, key=lambda k: (infos[k].first, k)))
        entity_of.update(dict.fromkeys(keys, eid))
    return Linking(key_of=key_of, entity_of=entity_of, links=applied, infos=infos)
