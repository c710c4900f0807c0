"""What counts as part of a name: capitalised name parts, place runs ("Rothenburg ob der
Tauber"), place adjectives ("Leipziger"), inflected adjectives to fold, network names. Shared by
the organisation, abbreviation and person rules."""

from __future__ import annotations

import re

from spacy.tokens import Doc, Token

from extractor.nlp import lexicons
from extractor.nlp.frequencies import load_frequencies
from extractor.nlp.labels import ARTICLES, PLACE_LINKS

ALLCAPS = re.compile(r"^[A-ZÄÖÜ][A-ZÄÖÜ0-9&\-]{1,7}[a-z]?$")
ADJ = re.compile(
    r"^(?P<stem>[A-ZÄÖÜ][\wäöüß\-]*?(isch|lich|ig|ell|iv|al|är|sam|bar|eutsch|neu|frei|privat|ersten|ober|unter|ost|west|nord|süd))"
    r"(?P<end>e|en|em|er|es)$"
)
_GENDER_END = {"n": "es", "f": "e", "m": "er", "p": "e"}


def is_cap(tok: Token) -> bool:
    return is_cap_word(tok.text)


def is_cap_word(t: str) -> bool:
    return bool(t) and t[0].isupper() and any(c.isalpha() for c in t)


def nonname(tok: Token) -> bool:
    return tok.text in lexicons.nonname_words() or tok.lower_ in ARTICLES


def is_namepart(tok: Token, *, allow_heads: bool = False) -> bool:
    """A capitalised token that can be part of a proper name (place, brand, name)."""
    if not is_cap(tok) or nonname(tok) or tok.is_punct:
        return False
    if tok.text in lexicons.titles() or lexicons.roles().is_role(tok.text):
        return False
    months, weekdays = lexicons.calendar()
    if tok.lower_ in months or tok.lower_ in weekdays:
        return False
    if not allow_heads and lexicons.heads().lookup(tok.text) and not tok.text.isupper():
        return False
    return True


def lower_brand(tok: Token) -> bool:
    """A lower-case word that is rare in German text ("degewo", "badenova", "kbo-Inn-Salzach"): a brand
    written small, which can start a company name; not a rare inflected adjective ("neugegründete")."""
    text = tok.text
    return len(text) >= 3 and text[:1].islower() and text.replace("-", "").isalnum() and not _INFLECTED.search(text) \
        and rare(text)


_INFLECTED = re.compile(r"(e|en|er|es|em)$")


def rare(word: str) -> bool:
    """Rare in German text (wordfreq Zipf class 2 or below, or unknown): a name rather than a noun."""
    return load_frequencies().get(word.lower(), "0") <= "2"


def proper_compound(word: str) -> bool:
    """"Emstal-Klinikverbund", "Nordwald-Klinikum": a capitalised proper-name part before the head."""
    parts = word.split("-")
    return len(parts) >= 2 and len(parts[0]) >= 4 and parts[0][:1].isupper() and lexicons.heads().lookup(parts[0]) is None \
        and parts[0] not in ("Reha", "Herz", "Kinder", "Frauen", "Notfall", "Akut", "Fach", "Haupt", "Kreis", "Tele", "Uni", "Gesundheits")


def place_of_adjective(words: set[str], word: str) -> str | None:
    """"Leipziger" -> "Leipzig" when the text also names the place itself."""
    if not (word.endswith("er") and len(word) > 5 and word[:1].isupper()):
        return None
    stem = word[:-2]
    for cand in (stem, stem + "e", stem.replace("ä", "a").replace("ö", "o").replace("ü", "u")):
        if cand in words:
            return cand
    return None


def looks_like_person_start(doc: Doc, i: int) -> bool:
    tok = doc[i]
    if tok.text in lexicons.titles():
        return True
    return tok.text in lexicons.first_names() and i + 1 < len(doc) and is_cap(doc[i + 1]) and not lexicons.heads().lookup(doc[i + 1].text)


def fold_adjective(word: str, gender: str) -> str:
    """Inflected adjective -> the form it takes before the head without article."""
    m = ADJ.match(word)
    if not m:
        return word
    return m.group("stem") + _GENDER_END.get(gender, "e")


_SAINT = frozenset(("St.", "Sankt", "Hl."))  # "St. Josef": a saint's first name continues a name
_CAPTION = frozenset(("links", "rechts", "mitte", "oben", "unten"))  # photo positions, not place parts


def _ner_person_start(doc: Doc, j: int) -> bool:
    """The first of several words the NER marks as a person: "Jobcenter Talberg Vorname
    Namenlos" ends before her."""
    tok = doc[j]
    return tok.ent_iob_ == "B" and tok.ent_type_ == "PER" and j + 1 < len(doc) and doc[j + 1].ent_iob_ == "I"


def place_run(doc: Doc, i: int, limit: int) -> int:
    """End of a place-like name starting at i (0 tokens if none): Erfurt, Rothenburg ob der Tauber,
    Talberg/Wernau, Halle (Saale)."""
    if i >= limit or not is_namepart(doc[i]) or looks_like_person_start(doc, i):
        return i
    j = i + 1
    while j < limit:
        tok = doc[j]
        saint = doc[j - 1].text in _SAINT
        if j - i < 3 and is_namepart(tok) and (saint or (not looks_like_person_start(doc, j) and tok.text not in lexicons.first_names()
                                                         and not _ner_person_start(doc, j))) \
                and not (j + 1 < limit and doc[j + 1].lower_ in ("des", "der", "eines", "einer")):
            j += 1  # "Schloss Hohenfels", "Teleintensivmedizin Bayern"; not "Talberg Teil des Netzwerks"
            continue
        if tok.text == "/" and j + 1 < limit and is_namepart(doc[j + 1]):
            j += 2
            continue
        linked = False
        for link in PLACE_LINKS:
            n = len(link)
            if j + n < limit and tuple(t.lower_ for t in doc[j : j + n]) == link and is_namepart(doc[j + n]):
                nxt = doc[j + n + 1] if j + n + 1 < limit else None
                # "Rothenburg ob der Tauber" but not "Erfurt am Montag" (weekday filtered), "Leipzig in Sachsen ist"
                # or "Talberg im Bereich der Pflege" (a genitive follows a noun, not a place)
                if link[0] in ("ob", "am", "an", "im") and (nxt is None or not is_cap(nxt) or nxt.is_punct) \
                        and not (nxt is not None and nxt.lower_ in ("der", "des", "eines", "einer")):
                    j += n + 1
                    linked = True
                break
        if linked:
            continue
        if tok.text == "(" and j + 2 < limit and doc[j + 2].text == ")" and is_namepart(doc[j + 1]) and not ALLCAPS.match(doc[j + 1].text) \
                and doc[j + 1].text not in lexicons.countries() and doc[j + 1].lower_ not in _CAPTION:
            j += 3  # Halle (Saale); not "Talberg (Schweden)" or a caption's "(links)"
            continue
        break
    return j


_NETWORK_NAME = re.compile(r"(^|\s)(netzwerk|verbund|allianz|konsortium|plattform|cluster|initiative)\b|netzwerk\b|netz\s", re.IGNORECASE)


def is_network_name(name: str) -> bool:
    """"Netzwerk Lungengesundheit", "Schlaganfallnetzwerk Mittelhessen", "Verbund X", "Palliativnetz Altmark";
    not an operator such as "Klinikverbund Emstal"."""
    return bool(_NETWORK_NAME.search(name + " "))


def join_name(parts: list[str]) -> str:
    """Words of a name as one string: "Emstal- Klinikverbund" closes up, a truncated compound
    before "und" stays open ("Industrie- und Handelskammer"), parentheses hug their words."""
    joined = re.sub(r"\s+", " ", re.sub(r"- (?!(und|oder|sowie) )", "-", " ".join(parts))).strip()
    return joined.replace("( ", "(").replace(" )", ")")
