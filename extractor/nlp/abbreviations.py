"""Abbreviations of organisation names: definitions in parentheses ("Universitätsmedizin
Talberg (UMTB)", "Konrad Weidemann-Institut (KWI)", "(ISI) Kassel"), their later uses ("der UMTB",
"MHT – PB"), and undefined all-caps short forms whose letters are the initials of a name in the
text ("UKN" for "Universitätsklinikum Nordhain")."""

from __future__ import annotations

import re

from spacy.tokens import Doc

from extractor.nlp import lexicons
from extractor.nlp.docdata import words
from extractor.nlp.labels import DASHES, NAME_LINKS
from extractor.nlp.mentions import InstMention
from extractor.nlp.names import ALLCAPS, is_cap, nonname, place_run

_ABBR = re.compile(r"^[A-ZÄÖÜ][A-Za-zÄÖÜäöü0-9&\-]{0,9}$")


def _pieces(name: str) -> list[str]:
    """Name -> capitalised pieces whose initials may spell an abbreviation; compounds split at
    their head ("Universitätsklinikum" -> "Universitäts", "Klinikum")."""
    out = []
    for word in re.split(r"[\s\-–/]+", name):
        if not word or not word[0].isupper():
            continue
        head = lexicons.heads().lookup(word)
        if head is not None and head.suffix_of_compound:
            low = word.lower()
            for suffix, *_ in lexicons.heads().suffixes:
                if low.endswith(suffix) and len(low) > len(suffix) + 2:
                    out += [word[: len(word) - len(suffix)], suffix.capitalize()]
                    break
        elif word.lower().startswith(("universitäts", "uni")) and head is not None:
            cut = 12 if word.lower().startswith("universitäts") else 3
            out += [word[:cut], word[cut:].capitalize()]
        else:
            out.append(word)
    return out


def initials_match(abbr: str, name: str) -> bool:
    """"UKN" ~ "Universitätsklinikum Nordhain", "KWI" ~ "Konrad Weidemann-Institut", "TIW" ~ "Talberger
    Institut für Werkstofftechnik": the letters are the initials of consecutive capitalised pieces."""
    letters = [c for c in abbr.upper() if c.isalpha()]
    initials = [p[0].upper() for p in _pieces(name) if p]
    return len(letters) >= 2 and letters == initials[: len(letters)] and len(initials) - len(letters) <= 1


_INNER_MIN = 3  # a letter from inside a piece ("LSV": Landes-S-port-V-erband) stands after its first 3 letters


def _spelling_pieces(name: str) -> list[tuple[str, bool]]:
    """(piece, optional) of `name`: its capitalised pieces (`_pieces`) and, optional, the
    small-written words between them ("für" in "Zentrum für Lehrerbildung" spells the "f" of
    "ZfL", "internationale" the "I" of "GIZ")."""
    out = []
    for word in re.split(r"[\s\-–/]+", name):
        if word.lower() in NAME_LINKS or word[:1].islower():
            out.append((word.lower(), True))
        elif word[:1].isupper():
            head = lexicons.heads().lookup(word)
            whole = head is not None and not head.suffix_of_compound  # "Universität", "University": one piece
            out += [(word, False)] if whole else [(p, False) for p in _pieces(word) if p]
    return out


def spells(abbr: str, name: str, place: str | None = None) -> bool:
    """An undefined short form of a name: `initials_match`, and also letters taken from inside a
    compound piece ("LSV" ~ "Landessportverband", "ZBB" ~ "Zentrale Biobank"; never from the
    name's `place`), linking words spelt or not ("ZfL" ~ "Zentrum für Lehrerbildung", "ICBC" ~
    "Industrial & Commercial Bank of China"), one describing piece before the spelt ones ("THW" ~
    "Bundesanstalt Technisches Hilfswerk") and one piece after them (a place). Two pieces at
    least give their initials: one word spells no short form ("ZF" is not "Zukäufe")."""
    letters = [c.lower() for c in abbr if c.isalpha()]
    if len(letters) < 2:
        return False
    if initials_match(abbr, name):
        return True
    pieces = _spelling_pieces(name)
    n = len(pieces)

    def rest_ok(i: int, initials: int) -> bool:  # after the spelt pieces: linking words and at most one piece
        return initials >= 2 and sum(1 for _, optional in pieces[i:] if not optional) <= 1

    def inside(k: int, i: int, q: int, initials: int) -> bool:  # piece i entered, its letters after q free
        if k == len(letters):
            return rest_ok(i + 1, initials)
        word = pieces[i][0]
        if word != place:
            low = word.lower()
            for p in range(max(q, _INNER_MIN), len(low)):
                if low[p] == letters[k] and inside(k + 1, i, p + 1, initials):
                    return True
        return at(k, i + 1, initials)

    def at(k: int, i: int, initials: int) -> bool:  # letters[k:] from piece i on, every piece spelt or optional
        if k == len(letters):
            return rest_ok(i, initials)
        if i >= n:
            return False
        word, optional = pieces[i]
        if word[0].lower() == letters[k] and inside(k + 1, i, 1, initials + (not optional)):
            return True
        return optional and at(k, i + 1, initials)

    return any(at(0, s, 0) for s in range(min(2, n)) if not pieces[s][1])


def attach_definitions(doc: Doc, found: list[InstMention], taken: set[int], sent_end, sent_start) -> None:
    """"Universitätsmedizin Talberg (UMTB)", "International Sleep Institute (ISI) Kassel",
    "Medizinische Hochschule Talberg – Paul Brenner (MHT – PB)"."""
    by_end = {m.end: m for m in found}
    texts = words(doc)[0]
    for i in [i for i, text in enumerate(texts) if text == "("]:
        k = i + 1
        while k < len(texts) and texts[k] != ")" and k - i <= 5:
            k += 1
        if k >= len(texts) or texts[k] != ")" or k == i + 1:
            continue
        inner = doc[i + 1 : k]
        abbr = inner.text
        if not all(_ABBR.match(t.text) or t.text in DASHES for t in inner) or not any(c.isupper() for c in abbr[1:] + abbr[:1]):
            continue
        letters = [c for c in abbr if c.isupper()]
        if len(letters) < 2:
            continue
        m = by_end.get(i)
        if m is None:
            m = _name_before_paren(doc, i, letters, by_end, sent_start(i))
        if m is None:
            continue
        m.abbr = abbr
        taken.update(range(i, k + 1))  # the definition itself is no further mention
        # a place after the parenthesis belongs to the name: "(INI) Hannover"
        p_end = place_run(doc, k + 1, sent_end(i))
        if p_end > k + 1 and not any(q in taken for q in range(k + 1, p_end)) and m.place is None:
            m.place = doc[k + 1 : p_end].text
            m.canonical = f"{m.canonical} {m.place}"
        if m not in found:
            found.append(m)
            taken.update(range(m.start, m.end))
            by_end[m.end] = m

def find_uses(doc: Doc, found: list[InstMention], taken: set[int], blocked: set[int]) -> None:
    """Later uses of an abbreviation ("des ISI", "der UMTB"), and all-caps short forms whose
    letters are the initials of a name in the text ("UKN" for Universitätsklinikum Nordhain)."""
    defined = {m.abbr: m for m in found if m.abbr}
    texts = words(doc)[0]
    for abbr, target in list(defined.items()):
        parts = abbr.split()
        if len(parts) < 2:
            continue
        for i in range(len(doc) - len(parts) + 1):  # "MHT – PB" used again later
            if texts[i : i + len(parts)] == parts and not any(k in taken or k in blocked for k in range(i, i + len(parts))):
                found.append(target.used_as(i, i + len(parts), abbr))
                taken.update(range(i, i + len(parts)))
    for i, word in enumerate(texts):
        if i in taken or i in blocked or not ALLCAPS.match(word):
            continue
        text = word[:-1] if word.endswith("s") and word[:-1] in defined else word
        target = defined.get(text)
        if target is None:
            target = next((m for m in found if m.source != "abbr-use" and initials_match(text, m.canonical)), None)
        if target is None:
            continue
        found.append(target.used_as(i, i + 1, text))
        taken.add(i)

def _name_before_paren(doc: Doc, i: int, letters: list[str], by_end: dict, sent_start: int) -> InstMention | None:
    """A name right before "(ABBR)" whose initials spell the abbreviation ("Konrad Weidemann-Institut (KWI)",
    "Medizinische Hochschule Talberg – Paul Brenner (MHT – PB)") and that no head rule found."""
    j = i
    initials: list[str] = []
    while j - 1 >= sent_start and i - j < 8:
        prev = doc[j - 1]
        if prev.text in DASHES:
            j -= 1
            continue
        if not is_cap(prev) or nonname(prev):
            if prev.lower_ in ("für", "und", "der", "des") and j - 2 >= sent_start and is_cap(doc[j - 2]):
                j -= 1
                continue
            break
        j -= 1
        parts = re.split(r"[-\s]", prev.text)
        initials = [p[0].upper() for p in parts if p] + initials
        if "".join(initials).endswith("".join(letters)) or "".join(initials) == "".join(letters):
            break
    inner = by_end.get(j) if j in by_end else None
    if inner is not None:
        return None
    if "".join(initials)[: len(letters)] != "".join(letters) and "".join(initials) != "".join(letters):
        return None
    head = lexicons.heads().last_in(t.text for t in doc[j:i])
    kind = head.kind if head else "other"
    return InstMention(j, i, doc[j:i].text, kind, head.base if head else None, source="abbr")
