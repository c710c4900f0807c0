"""Loads the rule data files in `extractor/nlp/data/` once per process.

Every rule reads its words from here; no word lists live in code except tiny closed classes
(articles, prepositions) in `labels.py`.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _csv(name: str) -> list[dict]:
    return list(csv.DictReader(_lines(name)))


@dataclass(frozen=True)
class Head:
    """An institution head noun as found in a token."""

    base: str  # nominative singular of the whole token, e.g. "Universitätsklinikum"
    kind: str
    gender: str
    inflected: bool
    plural: bool
    suffix_of_compound: bool


@dataclass
class HeadLexicon:
    exact: dict[str, tuple[str, str, str, bool, bool]] = field(default_factory=dict)
    suffixes: list[tuple[str, str, str, str, bool, bool]] = field(default_factory=list)

    _memo: dict[str, Head | None] = field(default_factory=dict)

    def lookup(self, word: str) -> Head | None:
        """Head noun (or compound ending in one) for a token text; None if it is no head (memoised)."""
        try:
            return self._memo[word]
        except KeyError:
            pass
        head = self._lookup(word)
        if len(self._memo) < 500_000:
            self._memo[word] = head
        return head

    def last_in(self, words) -> Head | None:
        """The head of a name: the last head word in it ("Klinik für Dermatologie Talberg" -> Klinik)."""
        head = None
        for word in words:
            head = self.lookup(word) or head
        return head

    def noun(self, word: str) -> str | None:
        """The lexicon's head noun that a word is or ends in ("Krebszentrums" -> "Zentrum"): what a
        feature reads so that it holds for every compound of the head."""
        low = word.lower()
        hit = self.exact.get(low)
        if hit:
            return hit[0]
        suffix = self._suffix(low)
        return suffix[1] if suffix else None

    def _suffix(self, low: str) -> tuple[str, str, str, str, bool, bool] | None:
        """The longest compound-heading form that the lower-case word ends in, after a stem of three letters or more."""
        return next((s for s in self.suffixes if low.endswith(s[0]) and len(low) > len(s[0]) + 2), None)

    def _lookup(self, word: str) -> Head | None:
        low = word.lower()
        hit = self.exact.get(low)
        if hit:
            base, kind, gender, infl, plural = hit
            return Head(base, kind, gender, infl, plural, False)
        hit = self._suffix(low)
        if hit:
            suffix, base, kind, gender, infl, plural = hit
            stem = word[: len(word) - len(suffix)]
            joined = stem + base if stem.endswith("-") else stem + base.lower()
            return Head(joined, kind, gender, infl, plural, True)
        return None


@lru_cache(maxsize=1)
def head_rows() -> tuple[dict, ...]:
    """Rows of heads.csv: form, inflected (|-separated), kind, gender, compound."""
    return tuple(_csv("heads.csv"))


@lru_cache(maxsize=1)
def heads() -> HeadLexicon:
    lex = HeadLexicon()
    for row in head_rows():
        base, kind, gender = row["form"], row["kind"], row["gender"]
        forms = [(base, False, gender == "p")]  # a plural-only head ("Stadtwerke") coordinates places
        for f in filter(None, row["inflected"].split("|")):
            plural = f.lower().endswith(("en", "e", "er", "ien", "äuser", "äusern", "ä", "a", "ter", "ler")) and not f.lower().endswith(("s", "es"))
            forms.append((f, True, plural))
            if plural and f.lower().endswith(("e", "er", "el")):
                forms.append((f + "n", True, True))  # the dative plural: "Verbände" -> "mit den Verbänden"
        for form, infl, plural in forms:
            lex.exact.setdefault(form.lower(), (base, kind, gender, infl, plural))
            if row["compound"] == "1" and " " not in form:
                lex.suffixes.append((form.lower(), base, kind, gender, infl, plural))
    lex.suffixes.sort(key=lambda s: -len(s[0]))
    return lex


@lru_cache(maxsize=1)
def legal_forms() -> list[tuple[str, ...]]:
    forms = [tuple(f.split()) for f in _lines("legal_forms.txt")]
    return sorted(forms, key=len, reverse=True)


@lru_cache(maxsize=1)
def titles() -> frozenset[str]:
    return frozenset(_lines("titles.txt"))


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return frozenset(_lines("first_names.txt"))


@dataclass(frozen=True, eq=False)  # hashed by identity: it is the key of the is_role memo
class RoleLexicon:
    exact: frozenset[str]
    suffixes: tuple[str, ...]
    modifiers: tuple[str, ...]

    def is_role(self, word: str) -> bool:
        return _is_role(self, word)

    def _is_role(self, word: str) -> bool:
        if word in self.exact:
            return True
        low = word.lower()
        if not word[:1].isupper() or not low.endswith(self.suffixes):  # one C call rules out most words
            return False
        return any(low.endswith(s) and len(low) > len(s) + 2 for s in self.suffixes)

    def is_modifier(self, word: str) -> bool:
        return word[:1].isupper() and any(word.startswith(m) for m in self.modifiers)


@lru_cache(maxsize=200_000)
def _is_role(lex: "RoleLexicon", word: str) -> bool:
    return lex._is_role(word)


@lru_cache(maxsize=1)
def roles() -> RoleLexicon:
    rows = _csv("roles.csv")
    exact = frozenset(r["form"] for r in rows)
    suffixes = tuple(sorted({r["form"].lower() for r in rows if r["compound"] == "1"}, key=len, reverse=True))
    return RoleLexicon(exact, suffixes, tuple(_lines("role_modifiers.txt")))


@dataclass(frozen=True)
class Cue:
    group: str
    label: str
    tokens: tuple[re.Pattern, ...]
    when_later: re.Pattern | None


@lru_cache(maxsize=1)
def cues() -> tuple[Cue, ...]:
    out = []
    for line in _lines("cues.jsonl"):
        d = json.loads(line)
        later = re.compile(d["when_later"] + "$") if d.get("when_later") else None
        out.append(Cue(d["group"], d["label"], tuple(re.compile(t + "$") for t in d["tokens"]), later))
    return tuple(out)


@lru_cache(maxsize=1)
def cue_first_tokens() -> re.Pattern:
    """One pattern for the first tokens of all cues: a word it does not match starts no cue."""
    return re.compile("|".join(f"(?:{c.tokens[0].pattern})" for c in cues()))


@lru_cache(maxsize=1)
def calendar() -> tuple[dict[str, int], dict[str, int]]:
    months, weekdays = {}, {}
    for r in _csv("calendar.csv"):
        (months if r["type"] == "month" else weekdays)[r["form"].lower()] = int(r["value"])
    return months, weekdays


@lru_cache(maxsize=1)
def boilerplate() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(line prefixes that make one line boilerplate, markers after which the rest is teaser)."""
    line, rest = [], []
    for r in _csv("boilerplate.csv"):
        (rest if r["scope"] == "rest" else line).append(r["text"].lower())
    return tuple(line), tuple(rest)


@lru_cache(maxsize=1)
def nonname_words() -> frozenset[str]:
    """Capitalised words that are never part of a name (sentence-initial function words etc.)."""
    return frozenset(_lines("nonname_words.txt"))


@lru_cache(maxsize=1)
def credit_words() -> dict[str, frozenset[str]]:
    """Lower-cased words that mark a name as a credit: "before" it on its line, or the whole "line" above."""
    out: dict[str, set[str]] = {}
    section = ""
    for line in _lines("credit_words.txt"):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        out.setdefault(section, set()).add(line)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def generic_abbreviations() -> frozenset[str]:
    """Abbreviations of common nouns ("IT", "KI", "MVZ") that never name an organisation alone."""
    return frozenset(_lines("generic_abbreviations.txt"))


@lru_cache(maxsize=1)
def descriptors() -> tuple[str, ...]:
    """Word endings of nouns that describe an organisation before its name ("Antriebshersteller")."""
    return tuple(w.lower() for w in _lines("descriptors.txt"))


@lru_cache(maxsize=100_000)
def is_descriptor(word: str) -> bool:
    low = word.lower()
    return any(low.endswith(d) for d in descriptors())


@lru_cache(maxsize=100_000)
def describing_compound(word: str) -> bool:
    """A compound descriptor ("Baukonzern", "Medizintechnikhersteller"): it describes the name after
    it and is never part of it; a compound club ("Förderverein") names itself."""
    low = word.lower()
    return any(low.endswith(d) and len(low) > len(d) + 2 and d != "verein" for d in descriptors())


@lru_cache(maxsize=1)
def media() -> frozenset[str]:
    """News agencies and media named in credits ("(dpa)", "Foto: AFP")."""
    return frozenset(_lines("media.txt"))


@lru_cache(maxsize=1)
def name_adjectives() -> frozenset[str]:
    """Adjective stems that are part of a name even when written small ("evangelisch")."""
    return frozenset(_lines("name_adjectives.txt"))


def is_name_adjective(word: str) -> bool:
    """A small-written inflected adjective of a name: "evangelischen", "ambulante"."""
    for end in ("en", "em", "er", "es", "e"):
        if word.endswith(end) and word[: -len(end)] in name_adjectives():
            return True
    return False


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """Country names in German: in parentheses after a name they locate it ("(Schweden)")."""
    return frozenset(_lines("countries.txt"))


@lru_cache(maxsize=1)
def anaphora() -> tuple[frozenset[str], frozenset[str]]:
    """(plural, singular) generic nouns that refer back to organisations ("beide Häuser")."""
    rows = _csv("anaphora.csv")
    return (frozenset(r["word"] for r in rows if r["number"] == "plural"),
            frozenset(r["word"] for r in rows if r["number"] == "singular"))


@lru_cache(maxsize=1)
def role_organisations() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Role prefixes and the organisation words they imply ("bürgermeister" -> "stadt")."""
    return tuple((r["role"], tuple(r["organisation_words"].split("|"))) for r in _csv("role_orgs.csv"))


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """State or canton name -> its kind word ("Hessen" -> "Land", "Zug" -> "Kanton")."""
    return {row["name"]: row["kind"] for row in _csv("regions.csv")}
