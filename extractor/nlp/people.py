"""Rule-based person mentions and role phrases.

A person starts with titles ("Prof. Dr. med."), an honorific ("Herr", "Frau") or a known first
name followed by a capitalised surname. A role phrase is a German function noun with its
modifiers and sub-unit ("Leitende Oberärztin für Nephrologie", "Direktor der Klinik für
Dermatologie"); the organisation after it is an affiliation, not part of the role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from extractor.nlp import lexicons
from extractor.nlp.docdata import words
from extractor.nlp.labels import ARTICLES
from extractor.nlp.names import is_cap, nonname

_INITIAL = re.compile(r"^(?:[A-ZÄÖÜ]\.)+$")  # "E.", "E.A."
_PARTICLES = {"von", "van", "de", "zu", "di", "da", "ter", "ten", "la", "le", "del", "bin", "al"}
_CREDIT_WINDOW = 5  # tokens before a name that a credit word may stand in: "© Fotos (4): A B"
_SURNAME_PARTICLES = {"van", "de", "di", "da", "ter", "ten", "la", "le", "del", "bin", "al"}  # after a surname too:
# "Hrabé de Angelis"; not "von" or "zu", which after a full name mostly say where from ("Anna Berger von Siemens")
_INNER_PARTICLES = {"der", "den", "dem", "und"}  # only after a particle: "von der Heyde", "van den Berg", "von und zu"
_HONORIFICS = {"Herr", "Herrn", "Frau"}
_TITLE_STARTERS = {"Prof.", "Professor", "Professorin", "Dr.", "PD", "Priv.-Doz.", "Univ.-Prof.", "Dipl.-Ing.", "Dipl.-Kfm.",
                   "Dipl.-Kffr.", "Dipl.-Psych.", "Dipl.-Med.", "apl."}


@dataclass
class PersonMention:
    start: int
    end: int
    name: str
    title: str | None


@dataclass
class RoleMention:
    start: int
    end: int
    text: str  # nominative


def _surname_token(tok: Token, insts: set[int], after_first_name: bool = False) -> bool:
    """A capitalised word that can be a surname; after a known first name also a month or a
    weekday ("Christoph Freitag", "Anna Mai")."""
    if tok.i in insts or not is_cap(tok) or nonname(tok) or tok.is_punct:
        return False
    if lexicons.roles().is_role(tok.text) or tok.text in lexicons.titles():
        return False
    months, weekdays = lexicons.calendar()
    if not after_first_name and (tok.lower_ in months or tok.lower_ in weekdays):
        return False
    if lexicons.heads().lookup(tok.text) or tok.text.isupper() and len(tok.text) > 1:
        return False
    return tok.text.replace("-", "").replace("'", "").isalpha()


def find_people(doc: Doc, insts: set[int]) -> list[PersonMention]:
    """Person mentions; `insts` are token indices already inside organisation names."""
    first_names = lexicons.first_names()
    titles = lexicons.titles()
    out: list[PersonMention] = []
    texts = words(doc)[0]
    i, n = 0, len(doc)
    while i < n:
        w = texts[i]
        if i in insts:
            i += 1
            continue
        start = i
        title_toks: list[str] = []
        if w in _TITLE_STARTERS or (w in _HONORIFICS and i + 1 < n and is_cap(doc[i + 1])):
            j = i
            while j < n and (doc[j].text in titles or doc[j].text in _HONORIFICS or
                             (doc[j].text == "." and title_toks and title_toks[-1] in titles) or
                             (doc[j].is_lower and j + 1 < n and doc[j + 1].text == "." and doc[j].text + "." in titles)):
                if doc[j].text in _HONORIFICS:
                    j += 1
                    continue
                if doc[j].text == ".":
                    title_toks[-1] += "."
                else:
                    title_toks.append(doc[j].text)
                j += 1
            k = _name_run(doc, j, insts)
            if k > j:
                title = " ".join(title_toks).replace(" .", ".") or None
                out.append(PersonMention(start, k, doc[j:k].text, title))
                i = k
                continue
            i = max(j, i + 1)
            continue
        if first_name(w) and i + 1 < n and not _org_follows(doc, i + 1) and _surname_follows(doc, i + 1, insts):
            k = _name_run(doc, i, insts)
            if k >= i + 2:
                out.append(PersonMention(i, k, doc[i:k].text, None))
                i = k
                continue
        i += 1
    return out


def _surname_follows(doc: Doc, k: int, insts: set[int]) -> bool:
    """After a first name: a surname, maybe after initials or particles ("Lena K. Hofstetter",
    "Peter von der Heyde")."""
    n = len(doc)
    if k < n and _INITIAL.match(doc[k].text):
        k += 1
    elif k < n and doc[k].lower_ in _PARTICLES:
        k = _past_particles(doc, k + 1)
    return k < n and _surname_token(doc[k], insts, first_name(doc[k - 1].text))


def _past_particles(doc: Doc, k: int) -> int:
    """The first token from k on that is no name particle ("von der Heyde", "von und zu")."""
    while k < len(doc) and (doc[k].lower_ in _PARTICLES or doc[k].lower_ in _INNER_PARTICLES):
        k += 1
    return k


def is_particle(word: str) -> bool:
    """A lower-case word inside a personal name: "von", "van", "der", "den", "zu" ("und" only
    between particles, as in "von und zu")."""
    return word in _PARTICLES or word in _INNER_PARTICLES and word != "und"


def first_name(word: str) -> bool:
    """A known first name, or a double one whose parts all are ("Klaus-Dieter", "Anna-Lena")."""
    names = lexicons.first_names()
    return word in names or "-" in word and all(part in names for part in word.split("-"))


def _agency(tok: Token) -> bool:
    """"dpa", "LAIF", "AFP": the lower-case or all-capital agency of a credit ("dpa/A B", "A B/dpa")."""
    return tok.is_alpha and (tok.is_lower or tok.is_upper)


def credited(doc: Doc, start: int, end: int) -> bool:
    """A name on a byline, a photo credit or a press contact: "Foto: A B", "Fotos (4): A B",
    "© A B", "dpa/A B", "A B/dpa", "Von A B" alone on its line, or a name under "Kontakt".
    (Bylines that open a sentence, "Von A B. Talberg – ...", assembly drops: `assemble.people`.)"""
    credit = lexicons.credit_words()
    texts, lows = words(doc)
    n = len(doc)
    k = start - 1
    while k >= 0 and "\n" not in texts[k]:
        if start - k <= _CREDIT_WINDOW:
            if "©" in texts[k]:
                return True
            # the credit word and its colon: "Foto: A B", "Fotos (4): A B"; not "ein Bild, zwei Meinungen: A B"
            between = texts[k + 1 : start]
            if lows[k] in credit.get("before", ()) and between and between[-1].endswith(":") \
                    and all(w in (":", "(", ")", "):") or w.isdigit() for w in between):
                return True
        k -= 1
    if start >= 2 and texts[start - 1] == "/" and _agency(doc[start - 2]) \
            or end + 1 < n and texts[end] == "/" and _agency(doc[end + 1]):
        return True
    line_end = end >= n or "\n" in texts[end] or texts[end] in (",", "|", "·") or doc[end].like_num
    if start > 0 and lows[start - 1] == "von" and line_end \
            and (start - 1 == k + 1 or texts[start - 2] in ("-", "–", "•")):
        return True  # "Von A B" as a byline line
    if k >= 0:
        above = k - 1
        while above >= 0 and "\n" not in texts[above]:
            above -= 1
        line = doc[above + 1 : k].text.strip().lower() if above + 1 < k else ""
        if line in credit.get("line", ()):
            return True
    return False


def inside_org_name(doc: Doc, start: int, insts: set[int]) -> bool:
    """"das Universitätsklinikum Anna Berger", "die Hochschule Talberg - Anna Berger": a person's
    name right after a singular head noun, or after a dash that ends an organisation's name, is
    the organisation's name; after a genitive head it is a person of that house ("die Leiterin
    der Klinik Anna Berger")."""
    if start == 0:
        return False
    prev = doc[start - 1].text
    head = lexicons.heads().lookup(prev)
    if head is not None:
        genitive = start >= 2 and doc[start - 2].lower_ in ("der", "des")
        return not head.plural and not genitive  # "der DRK-Krankenhäuser Axel Namenlos": a person of the houses
    return prev in ("-", "–") and start >= 2 and start - 2 in insts


def _org_follows(doc: Doc, i: int) -> bool:
    """"Konrad Weidemann-Institut", "Carl Zeiss Stiftung": a first name that opens an organisation name."""
    for k in range(i, min(i + 3, len(doc))):
        if lexicons.heads().lookup(doc[k].text) or doc[k].text in ("GmbH", "AG", "Stiftung", "SE"):
            return True
        if not is_cap(doc[k]):
            return False
    return False


def _name_run(doc: Doc, j: int, insts: set[int]) -> int:
    """End of a personal name starting at j: 'Hans-Jochen Weller', 'Lena K. Hofstetter', 'Markus von der Heyde'."""
    k = j
    n = len(doc)
    count = 0
    surname = False  # one word that is no first name ends the name: "Anna Berger Kommunikation" is "Anna Berger"
    while k < n and count < 4 and not surname:
        tok = doc[k]
        if _surname_token(tok, insts, count == 1 and first_name(doc[k - 1].text)):
            surname = count > 0 and not first_name(tok.text)
            k += 1
            count += 1
            continue
        if _INITIAL.match(tok.text) and count >= 1 and k + 1 < n and _surname_token(doc[k + 1], insts):
            k += 1
            continue
        if tok.lower_ in _PARTICLES and count >= 1 and k + 1 < n:
            m = _past_particles(doc, k + 1)
            if m < n and _surname_token(doc[m], insts) and m - k <= 3:
                return m + 1  # "von Schorlemer" ends the name ("... von Schorlemer Ende April")
        break
    if surname and k < n and doc[k].lower_ in _SURNAME_PARTICLES:
        m = _past_particles(doc, k + 1)
        if m < n and m - k <= 3 and _surname_token(doc[m], insts):
            return m + 1  # a double surname: "Martin Hrabé de Angelis"
    return k


def find_roles(doc: Doc, insts: dict[int, int], people: set[int]) -> list[RoleMention]:
    """Role phrases; `insts` maps an organisation's first token to its end, `people` are person tokens."""
    lex = lexicons.roles()
    out: list[RoleMention] = []
    texts = words(doc)[0]
    i, n = 0, len(doc)
    while i < n:
        w = texts[i]
        if i in people or not (w[:1].isupper() and lex.is_role(w)):
            i += 1
            continue
        start = i
        while start - 1 >= 0 and (lex.is_modifier(doc[start - 1].text) or lex.is_modifier(doc[start - 1].text.capitalize())) \
                and doc[start - 1].lower_ not in ARTICLES and start - 1 not in people:
            start -= 1
        end = i + 1
        # coordinated roles: "Präsidentin und Gründerin", "Vizepräsident und Stellvertretender Pflegedirektor"
        while end + 1 < n and doc[end].lower_ in ("und", "sowie"):
            k = end + 1
            while k < n and lex.is_modifier(doc[k].text):
                k += 1
            if k < n and lex.is_role(doc[k].text) and k not in people:
                end = k + 1
            else:
                break
        end = _role_complement(doc, end, insts, people)
        text = " ".join(_fold_role_word(t.text, w) for t in doc[start:end])
        text = re.sub(r"\s+([,.)])", r"\1", text).replace("( ", "(")
        out.append(RoleMention(start, end, text))
        i = end
    return out


def _role_complement(doc: Doc, k: int, insts: dict[int, int], people: set[int]) -> int:
    """Extend a role over its sub-unit: "für Kardiologie", "der Klinik für Dermatologie und
    Allergologie", "des Pilotprojekts Tele-Visite", "Innere Medizin", "Wissenschaft"."""
    n = len(doc)
    # "Oberarzt Innere Medizin", "Vorstand Forschung"
    m = k
    while m < n and is_cap(doc[m]) and not nonname(doc[m]) and m not in insts and m not in people \
            and not lexicons.roles().is_role(doc[m].text) and doc[m].text not in lexicons.titles() \
            and doc[m].text not in lexicons.first_names() and m - k < 2:
        m += 1
    if m > k and (m >= n or not is_cap(doc[m]) or doc[m].is_punct):
        k = m
    while k < n:
        tok = doc[k]
        if tok.lower_ == "für" and k + 1 < n and k + 1 not in insts:
            m = k + 1
            while m < n and (is_cap(doc[m]) and not nonname(doc[m]) and m not in insts and m not in people
                             or doc[m].lower_ == "und" and m + 1 < n and is_cap(doc[m + 1])
                             or doc[m].text.endswith("-") or doc[m].text == ","
                             and m + 1 < n and doc[m + 1].text.endswith("-")):
                m += 1
            if m == k + 1:
                break
            k = m
            continue
        if tok.lower_ in ("der", "des") and k + 1 < n and k + 1 not in insts and k + 1 not in people:
            m = k + 1
            while m < n and doc[m].is_lower and doc[m].is_alpha and doc[m].lower_ not in ("und", "der", "des") and m - k < 3:
                m += 1  # "des bestehenden Krebszentrums"
            if m < n and is_cap(doc[m]) and not nonname(doc[m]) and m not in insts and m not in people \
                    and doc[m].text not in lexicons.titles() and doc[m].text not in lexicons.first_names():
                head = lexicons.heads().lookup(doc[m].text)
                generic_unit = head is None or head.base.lower().endswith(("klinik", "abteilung", "zentrum", "institut", "bereich")) \
                    or not head.suffix_of_compound
                if head is not None and not generic_unit:
                    break
                k = m + 1
                continue
        break
    return k


def _fold_role_word(word: str, noun: str) -> str:
    """Genitive/dative role words to nominative: Vorstandsvorsitzenden -> Vorstandsvorsitzender,
    Präsidenten -> Präsident, Ärztlichen Direktors -> Ärztlicher Direktor."""
    lex = lexicons.roles()
    feminine = noun.endswith("in") or noun.endswith("innen")
    if lex.is_role(word):
        for suffix, repl in (("vorsitzenden", "vorsitzender"), ("Vorsitzenden", "Vorsitzender"), ("präsidenten", "präsident"),
                             ("Präsidenten", "Präsident"), ("direktors", "direktor"), ("Direktors", "Direktor"),
                             ("leiters", "leiter"), ("Leiters", "Leiter"), ("führers", "führer"), ("arztes", "arzt"),
                             ("rektors", "rektor"), ("Rektors", "Rektor"), ("meisters", "meister"), ("ministers", "minister")):
            if word.endswith(suffix):
                return word[: -len(suffix)] + repl
        return word
    if lex.is_modifier(word) or lex.is_modifier(word.capitalize()):
        m = re.match(r"^(.+?)(e|en|em|er|es)$", word)
        if m:
            return m.group(1) + ("e" if feminine else "er")
    return word
