"""Name forms: what is left of an organisation's name once the spelling differences that never
tell two organisations apart are gone.

`form(name)` gives the comparison keys the linker works with. They fold case, umlaut
spellings, articles and prepositions, a legal form at the end (GmbH, gGmbH, AG, e.V.), the
short words of `data/synonyms.csv` ("Uni" = "Universität") and word order ("Talberg
Stadtwerke" = "Stadtwerke Talberg"). Inflection is folded (a German Snowball stemmer) only in
the words that say what an organisation is (`data/type_words.txt`, compounds ending in one:
"Universitätsklinikums" = "Universitätsklinikum"), in the common words of
`data/common_words.txt` and in adjectives ("Evangelischen" = "Evangelisches"). Every other
word, a place or a brand, is kept as written: stemming "Velbern", "Talle" or "Norden" would make
them equal to "Velber", "Tall" and "Nord". Repeated words count ("Stadt Kessel-Kessel" is not
"Stadt Kessel"). Place adjectives and genitives of such words ("Talberger Universität",
"Talbergs Stadtwerke") are linked by `linking`, which can check that the base form exists.
The word lists are data (`data/*.txt|csv`), not code.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import snowballstemmer

ABBREVIATION = re.compile(r"[A-ZÄÖÜ][A-Za-zÄÖÜäöü0-9&\-]{1,9}")
_PAREN = re.compile(r"\s*\(([^()]{1,12})\)\s*$")
_TOKEN = re.compile(r"[^\W_]+(?:\.(?=\s|$))?|&|\+", re.UNICODE)
# an inflected adjective: "evangelischen", "städtische", "medizinisches", "gemeinnützigen"
_ADJECTIVE = re.compile(r"\w{3,}(?:(?:isch|lich)(?:e|er|es|en|em)?|(?:ig|al|ell|iv)(?:e|er|es|en|em))$")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))
MIN_COMPOUND_HEAD = 5  # "Moselklinikum": a compound ending in a type word of at least this length


@dataclass(frozen=True)
class NameForm:
    """Comparison keys of one name.

    key: its normalised words, sorted, repeats kept ("talberg universitat"): equal keys are
    one organisation (in one location, see `linking.qualifier`).
    squash: the normalised words (hyphenated compounds as one word) in order, without
    separators: equal when names differ only by hyphens or spaces ("Mosel-Klinikum" =
    "Moselklinikum" = "Mosel Klinikum").
    core: `key` without the optional words of `data/optional_words.txt`.
    tokens: the words of `key`; ordered: the same in the name's order.
    abbreviation: the name is itself an abbreviation ("UKT"), upper case.
    defines: an abbreviation the name carries ("Universitätsmedizin Talberg (UMT)",
    "KRT Klinikum Region Talberg").
    """

    key: str
    squash: str
    core: str
    tokens: tuple[str, ...]
    ordered: tuple[str, ...] = ()
    abbreviation: str | None = None
    defines: str | None = None


def _lines(name: str) -> list[str]:
    text = resources.files("extractor.archive").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _legal_form_at_end() -> re.Pattern:
    forms = sorted(_lines("legal_forms.txt"), key=len, reverse=True)
    alternatives = "|".join(re.escape(f) for f in forms)
    return re.compile(r"(?:(?<=[\s,])|^)(?:" + alternatives + r")(?:[\s,]+(?:" + alternatives + r"))*[\s,]*$")


def strip_legal_form(name: str) -> str:
    """"Klinikum Lindenau gGmbH" -> "Klinikum Lindenau"; only at the end, where a legal form
    stands ("AG Talberg" keeps its "AG": there it is a word of the name)."""
    stripped = _legal_form_at_end().sub("", name).strip(" ,-")
    return stripped or name


@cache
def _synonyms() -> dict[str, tuple[str, ...]]:
    rows = csv.reader(_lines("synonyms.csv")[1:])
    return {word: tuple(repl.split()) for word, repl in rows}


@cache
def _function_words() -> frozenset[str]:
    return frozenset(_lines("function_words.txt"))


@cache
def optional_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in _lines("optional_words.txt"))


@cache
def type_stems() -> frozenset[str]:
    """Stems of the words that say what kind of organisation a name is (`data/type_words.txt`)."""
    return frozenset(stem(w) for w in _lines("type_words.txt"))


@cache
def _common_stems() -> frozenset[str]:
    return type_stems() | optional_stems() | frozenset(stem(w) for w in _lines("common_words.txt"))


@cache
def _compound_heads() -> tuple[str, ...]:
    return tuple(sorted((s for s in type_stems() | optional_stems() if len(s) >= MIN_COMPOUND_HEAD), key=len,
                        reverse=True))


@cache
def _stemmer():
    return snowballstemmer.stemmer("german")


def _fold(word: str) -> str:
    word = word.translate(_FOLD)
    for digraph, vowel in _DIGRAPHS:
        word = word.replace(digraph, vowel)
    return word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem, umlauts folded."""
    return _fold(_stemmer().stemWord(word))


def ends_in_type_word(stemmed: str) -> bool:
    """A type word, or a compound ending in one ("moselklinikum", "klinikverband")."""
    return stemmed in type_stems() or stemmed in optional_stems() or stemmed.endswith(_compound_heads())


@lru_cache(maxsize=200_000)
def normalise(word: str) -> str:
    """One lower-case word as keys hold it: stemmed when it says what an organisation is (or
    is a common word or an adjective), else exactly as written (umlauts folded)."""
    stemmed = stem(word)
    if stemmed in _common_stems() or ends_in_type_word(stemmed) or _ADJECTIVE.fullmatch(word):
        return stemmed
    return _fold(word)


def is_abbreviation(text: str) -> bool:
    """"UKT", "KIT", "UKSH": one short word, mostly capitals (at least two)."""
    if not ABBREVIATION.fullmatch(text):
        return False
    upper = sum(ch.isupper() for ch in text)
    return upper >= 2 and upper * 2 >= sum(ch.isalpha() for ch in text)


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _function_words()).upper()


def split_abbreviation(name: str) -> tuple[str, str | None]:
    """"Universitätsmedizin Talberg (UMT)" -> ("Universitätsmedizin Talberg", "UMT"); a leading or
    trailing abbreviation that spells the other words' initials is split off too."""
    name = " ".join(name.split())
    m = _PAREN.search(name)
    if m and is_abbreviation(m.group(1)):
        return name[: m.start()].strip(), m.group(1)
    words = name.split()
    if len(words) >= 3:
        for abbr, rest in ((words[0], words[1:]), (words[-1], words[:-1])):
            if is_abbreviation(abbr) and abbr.isupper() and abbr.replace("-", "") == _initials(rest):
                return " ".join(rest), abbr
    return name, None


def words(name: str, *, join_hyphens: bool = False) -> list[str]:
    """Lower-case words of a name without a legal form at its end and function words, synonyms
    expanded; `join_hyphens` keeps hyphenated compounds as one word ("Reha-Klinik" -> "rehaklinik")."""
    text = strip_legal_form(unicodedata.normalize("NFC", name)).lower()
    if join_hyphens:
        text = re.sub(r"(?<=\w)-(?=\w)", "", text)
    out: list[str] = []
    for tok in _TOKEN.findall(text):
        for word in _synonyms().get(tok, (tok.rstrip("."),)):
            if word and word not in _function_words():
                out.append(word)
    return out


@lru_cache(maxsize=200_000)
def form(name: str) -> NameForm:
    """The comparison keys of `name` (cached: a store has far fewer distinct names than rows)."""
    long, defines = split_abbreviation(name)
    stripped = strip_legal_form(long)
    if is_abbreviation(stripped) and defines is None:
        abbr = stripped.upper()
        return NameForm(key=f"abbr:{abbr}", squash=f"abbr:{abbr}", core=f"abbr:{abbr}", tokens=(abbr.lower(),),
                        ordered=(abbr.lower(),), abbreviation=abbr)
    ordered = tuple(normalise(w) for w in words(long)) or (long.lower(),)
    squash = "".join(normalise(w) for w in words(long, join_hyphens=True)) or long.lower()
    tokens = tuple(sorted(ordered))
    optional = optional_stems()
    core = [t for t in tokens if t not in optional] or list(tokens)
    return NameForm(key=" ".join(tokens), squash=squash, core=" ".join(core), tokens=tokens, ordered=ordered,
                    defines=defines)


_OBLIQUE = ("s", "es", "n", "en", "m", "em", "ns", "ens")  # genitive and dative endings
_NOMINATIVE = ("", "e", "s", "es", "r", "er")
MAX_COMPARED = 50  # names of one key compared for inflection (more: none marked)


def _more_inflected(x: str, y: str) -> bool:
    n = 0
    while n < min(len(x), len(y)) and x[n].lower() == y[n].lower():
        n += 1
    xs, ys = x[n:].lower(), y[n:].lower()
    return (not ys and xs in _OBLIQUE) or (xs in ("n", "en", "m", "em") and ys in _NOMINATIVE)


def inflected_names(names: list[str]) -> set[str]:
    """The names that are a genitive or dative form of another of `names` (one key's names):
    "Deutschen Talinstituts Talberg" beside "Deutsches Talinstitut Talberg"; the display name
    of an entity is never one of them when the other is there."""
    names = sorted(set(names))
    if len(names) > MAX_COMPARED:
        return set()
    split = {n: n.split() for n in names}
    out = set()
    for x in names:
        for y in names:
            wx, wy = split[x], split[y]
            if x == y or len(wx) != len(wy):
                continue
            pairs = [(a, b) for a, b in zip(wx, wy) if a != b]
            if pairs and all(_more_inflected(a, b) for a, b in pairs):
                out.add(x)
                break
    return out


def distinguishing(name: str) -> set[str]:
    """The words of a name's key that are no type or common words: its places and brands."""
    return {t for t in form(name).tokens if not (t in _common_stems() or ends_in_type_word(t))}


def is_generic(name: str) -> bool:
    """A name made only of type and common words ("Universität", "die Stadt", "Klinikum"): it
    names no particular organisation."""
    return not form(name).abbreviation and not distinguishing(name)
