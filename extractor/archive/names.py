"""Name forms: what is left of an organisation's name once the spelling differences that never
tell two organisations apart are gone.

`form(name)` gives the comparison keys the linker works with. They fold inflection (a German
Snowball stemmer: "Universitätsklinikums" = "Universitätsklinikum", "Leipziger" = "Leipzig"),
case, umlaut spellings, articles and prepositions, legal forms (GmbH, gGmbH, AG, e.V.), the
short words of `data/synonyms.csv` ("Uni" = "Universität") and word order ("Brackenheides
Stadtwerke" = "Stadtwerke Brackenheide"). Words that do tell organisations apart survive
unchanged, so "Universität Leipzig" and "Universitätsklinikum Leipzig" keep different keys.
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
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"))


@dataclass(frozen=True)
class NameForm:
    """Comparison keys of one name.

    key: sorted distinct stems ("leipzig universitat"): equal keys are one organisation.
    squash: the stems of the words (hyphenated compounds as one word) in order, without
    separators: equal when names differ only by hyphens or spaces ("Mosel-Klinikum" =
    "Moselklinikum" = "Mosel Klinikum").
    core: `key` without the optional words of `data/optional_words.txt`.
    abbreviation: the name is itself an abbreviation ("UMMD"), upper case.
    defines: an abbreviation the name carries ("Universitätsmedizin Talberg (UMT)",
    "KRH Klinikum Region Hannover").
    """

    key: str
    squash: str
    core: str
    tokens: tuple[str, ...]
    abbreviation: str | None = None
    defines: str | None = None


def _lines(name: str) -> list[str]:
    text = resources.files("extractor.archive").joinpath("data", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def _legal_forms() -> re.Pattern:
    forms = sorted(_lines("legal_forms.txt"), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w])")


@cache
def _synonyms() -> dict[str, tuple[str, ...]]:
    rows = csv.reader(_lines("synonyms.csv")[1:])
    return {word: tuple(repl.split()) for word, repl in rows}


@cache
def _function_words() -> frozenset[str]:
    return frozenset(_lines("function_words.txt"))


@cache
def optional_stems() -> frozenset[str]:
    return frozenset(_stem(w) for w in _lines("optional_words.txt"))


@cache
def type_stems() -> frozenset[str]:
    """Stems of the words that say what kind of organisation a name is (`data/type_words.txt`)."""
    return frozenset(_stem(w) for w in _lines("type_words.txt"))


@cache
def _stemmer():
    return snowballstemmer.stemmer("german")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    stem = _stemmer().stemWord(word)
    for digraph, vowel in _DIGRAPHS:
        stem = stem.replace(digraph, vowel)
    return stem


def is_abbreviation(text: str) -> bool:
    """"UMMD", "KIT", "UKSH": one short word, mostly capitals (at least two)."""
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
    """Lower-case words of a name without legal forms and function words, synonyms expanded;
    `join_hyphens` keeps hyphenated compounds as one word ("Reha-Klinik" -> "rehaklinik")."""
    text = _legal_forms().sub(" ", unicodedata.normalize("NFC", name)).lower()
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
    stripped = _legal_forms().sub(" ", long).strip(" ,-")
    if is_abbreviation(stripped) and defines is None:
        abbr = stripped.upper()
        return NameForm(key=f"abbr:{abbr}", squash=f"abbr:{abbr}", core=f"abbr:{abbr}", tokens=(abbr.lower(),),
                        abbreviation=abbr)
    stems = [_stem(w) for w in words(long)] or [long.lower()]
    squash = "".join(_stem(w) for w in words(long, join_hyphens=True)) or long.lower()
    distinct = sorted(set(stems))
    optional = optional_stems()
    core = [s for s in distinct if s not in optional] or distinct
    return NameForm(key=" ".join(distinct), squash=squash, core=" ".join(core), tokens=tuple(distinct),
                    defines=defines)
