"""`coopx_structure`: organisation candidates from the shape of the sentence, not from the words.

- Lists: "Alvena, Brunthal, Corvetta und Dravon", "Suchthilfe, Schuldnerberatung und der
  Sozialpsychiatrische Dienst": when one member of a coordinated list of names is an organisation
  mention, the other members are candidates too; a list of three or more names in a sentence
  with a cooperation cue is one even when no member is known ("Talberg, Nordhain, Wernau und
  Kaltenbach treten bei").
- Places acting as parties: a place the NER found that is not introduced by a preposition of
  place ("in", "aus", "nach") in a sentence with a cooperation cue ("Hessen spart ...",
  "zwischen Wernau und Kaltenbach").

They are candidates only (source "list" / "place"); the decision models learn when they are
parties. Runs after the people and cue components, so names of people are never list members.
"""

from __future__ import annotations

from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from extractor.nlp import labels, lexicons
from extractor.nlp.bullets import bullet_lists
from extractor.nlp.docdata import add_mentions, facts, set_mentions, words
from extractor.nlp.docdata import blocked as blocked_tokens
from extractor.nlp.mentions import InstMention
from extractor.nlp.names import join_name, looks_like_person_start

_SEPARATORS = frozenset({",", "und", "sowie", "&", "bzw."})
_PLACE_PREPS = frozenset("in im aus nach bei beim am an auf von vom zu zum zur nahe über unter bis ab gen".split())
_CUE_GROUPS = ("cue", "join")
_MAX_ELEMENT = 6


@lru_cache(maxsize=100_000)
def _namelike(text: str) -> bool:
    """A word that can be (part of) a list member's name: capitalised, no function word, title,
    month, weekday or role."""
    if not text[:1].isupper() or not any(c.isalpha() for c in text) or text in lexicons.nonname_words():
        return False
    low = text.lower()
    months, weekdays = lexicons.calendar()
    return low not in labels.ARTICLES and text not in lexicons.titles() and low not in months and low not in weekdays \
        and not lexicons.roles().is_role(text)


class _Words:
    """The words of a doc as plain strings (Token objects cost more than the scan)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.texts, self.lows = words(doc)

    def element(self, i: int, end: int, mention_at: dict[int, dict]) -> int:
        """End of the list member starting at token i (i itself when none starts there)."""
        texts = self.texts
        first = i
        if i < end and self.lows[i] in labels.ARTICLES:
            i += 1
        if i in mention_at:
            return mention_at[i]["end"]
        if i >= end or not _namelike(texts[i]) or looks_like_person_start(self.doc, i):
            return first  # "und die neue Gesellschaft": no member starts here
        k = i
        while k < end and k - i < _MAX_ELEMENT and (_namelike(texts[k]) or (texts[k] in ("-", "–") and k + 1 < end
                                                                               and _namelike(texts[k + 1]))):
            k += 1
        if texts[k - 1].endswith("-"):
            return first  # "Industrie-" in "Industrie- und Handelskammer": half of a name, not a member
        return k

    def lists(self, start: int, end: int, mention_at: dict[int, dict]) -> list[list[tuple[int, int]]]:
        """Coordinated runs of names in one sentence: [(start, end) of each member]."""
        lows = self.lows
        out = []
        i = start
        while i < end:
            e = self.element(i, end, mention_at)
            if e == i:
                i += 1
                continue
            members = [(i if lows[i] not in labels.ARTICLES else i + 1, e)]
            k = e
            closing = False
            while k < end and lows[k] in _SEPARATORS:
                sep = lows[k]
                nxt = self.element(k + 1, end, mention_at)
                if nxt == k + 1:
                    break
                s = k + 1 if lows[k + 1] not in labels.ARTICLES else k + 2
                members.append((s, nxt))
                k = nxt
                if sep in ("und", "sowie", "bzw."):
                    closing = True
                    break
            if len(members) >= 2 and (closing or len(members) >= 3):
                out.append(members)
            i = max(k, e)
        return out


def _shared_head(first: dict | None, is_town=None) -> str | None:
    """The head words a list's first member puts before its place ("KH" of "KH Talberg",
    "Städtisches Klinikum" of "Städtisches Klinikum Lüneburg"), if it is a house in a place. Without
    a head (an NER name), a town as its last word is the place."""
    if not first:
        return None
    name, place = first["canonical"], first.get("place")
    if not first.get("head") or not place:
        last = name.split()[-1] if " " in name else None
        if first.get("head") or last is None or is_town is None or not is_town(last) or last in lexicons.countries():
            return None
        place = last
    if not name.endswith(" " + place):
        return None
    return name[: -len(place) - 1] or None


class StructureCandidates:
    def __init__(self, is_town=None) -> None:
        """`is_town`: word -> whether it names a town (the NER's place names), if known."""
        self.is_town = is_town

    def place_name(self, place: str) -> str:
        """A place acting as a party is named for its kind: "Land Hessen", "Kanton Zug", "Stadt
        Trier"; other places (countries, regions) keep their bare name."""
        kind = lexicons.regions().get(place)
        if kind:
            return f"{kind} {place}"
        if self.is_town is not None and self.is_town(place) and place not in lexicons.countries():
            return f"Stadt {place}"
        return place

    def _is_place(self, text: str, span: tuple[int, int], loc_spans: set[tuple[int, int]]) -> bool:
        return span in loc_spans or text in lexicons.regions() or (self.is_town is not None and self.is_town(text))

    def _place_member(self, s: int, e: int, text: str) -> InstMention:
        """A place standing as a list member, named for its kind."""
        return InstMention(s, e, self.place_name(text), "public_authority", source="list", place=text)

    def _whole_lines(self, doc: Doc, mentions: list[dict], taken: set[int], loc_spans: set[tuple[int, int]]) -> list[dict]:
        """Mentions for the names of bulleted lists (kept as `facts(doc)["bullets"]`): a line's one
        mention takes the rest of the line ("Klinikum Talberg" + " am See KU"; what the name rules
        left out before it, a descriptor or an article, stays out); in a list that holds a known
        name, a line without any becomes a candidate (source "list"), a place named for its kind."""
        out = list(mentions)
        lists = facts(doc)["bullets"] = [[[s, e] for s, e in items] for items in bullet_lists(doc)]
        texts = words(doc)[0]
        for items in lists:
            known = any(m["start"] < e and s < m["end"] for s, e in items for m in mentions)
            for s, e in items:
                if any(k in taken for k in range(s, e)):
                    continue
                inside = [n for n, m in enumerate(out) if m["start"] < e and s < m["end"]]
                if len(inside) > 1 or any(out[n]["start"] < s or out[n]["end"] > e for n in inside):
                    continue  # two names on the line, or a mention across its edge
                if inside:
                    m = out[inside[0]]
                    if m["end"] < e:
                        out[inside[0]] = dict(m, end=e, canonical=join_name([m["canonical"], *texts[m["end"] : e]]))
                    continue
                if not known or not _namelike(texts[s]):
                    continue  # a list of topics or dates, not of names
                text = doc[s:e].text
                if self._is_place(text, (s, e), loc_spans):
                    out.append(self._place_member(s, e, text).as_dict())
                    continue
                head = next((h for h in map(lexicons.heads().lookup, texts[s:e]) if h is not None), None)
                out.append(InstMention(s, e, text, head.kind if head else "other", head.base if head else None,
                                       source="list").as_dict())
        if len(out) != len(mentions) or any(a is not b for a, b in zip(out, mentions)):
            set_mentions(doc, sorted(out, key=lambda m: m["start"]))
        return facts(doc)["inst"]

    def __call__(self, doc: Doc) -> Doc:
        f = facts(doc)
        blocked = blocked_tokens(doc)
        people = {k for m in f.get("person", []) for k in range(m["start"], m["end"])}
        places = [e for e in doc.ents if e.label_ == "LOC"]
        loc_spans = {(e.start, e.end) for e in places}
        mentions = self._whole_lines(doc, f.setdefault("inst", []), blocked | people, loc_spans)
        cue_tokens = {c["start"] for c in f.get("cue", []) if c["group"] in _CUE_GROUPS}
        taken = {k for m in [*mentions, *f.get("person", [])] for k in range(m["start"], m["end"])}
        mention_at = {m["start"]: m for m in mentions}
        added: list[InstMention] = []
        scan = _Words(doc)
        for sent in doc.sents:
            if any(t.i in blocked for t in sent[:1]):
                continue
            cue = any(sent.start <= c < sent.end for c in cue_tokens)
            if not cue and not any(k in mention_at for k in range(sent.start, sent.end)):
                continue  # a list counts with a known member or in a cue sentence
            for members in scan.lists(sent.start, sent.end, mention_at):
                known = sum(1 for s, _ in members if s in mention_at)
                if not known and not (cue and len(members) >= 3):
                    continue
                prefix = _shared_head(mention_at.get(members[0][0]), self.is_town)
                for s, e in members:
                    if s >= e or s in mention_at or any(k in taken for k in range(s, e)) or e - s > _MAX_ELEMENT:
                        continue
                    text = doc[s:e].text
                    place = self._is_place(text, (s, e), loc_spans)
                    if prefix and place:
                        # "KH Rheinfurt, Nordhain und Lindenau": places share the first member's head
                        first = mention_at[members[0][0]]
                        added.append(InstMention(s, e, f"{prefix} {text}", first["kind"], first["head"], place=text, source="list"))
                    elif place:
                        added.append(self._place_member(s, e, text))
                    else:
                        added.append(InstMention(s, e, text, "other", source="list"))
                    taken.update(range(s, e))
            if not cue:
                continue
            for ent in places:
                if not (sent.start <= ent.start < sent.end) or any(k in taken or k in blocked for k in range(ent.start, ent.end)):
                    continue
                if ent.start > 0 and doc[ent.start - 1].lower_ in _PLACE_PREPS:
                    continue
                if ent.end < len(doc) and (doc[ent.end].text[:1].isupper() and doc[ent.end].is_alpha):
                    continue  # "Talberger Stadtwerke": part of a longer name
                added.append(InstMention(ent.start, ent.end, self.place_name(ent.text), "public_authority", source="place",
                                         place=ent.text))
                taken.update(range(ent.start, ent.end))
        add_mentions(doc, added)
        return doc


@Language.factory("coopx_structure")
def make_structure(nlp: Language, name: str) -> StructureCandidates:
    is_town = None
    if nlp.has_pipe("coopx_crf_ner"):
        places = nlp.get_pipe("coopx_crf_ner").resources.places

        def is_town(name: str) -> bool:
            tags = places.match(name.split())  # "Bad Oldesloe": one place of two words
            return bool(tags) and (tags[0] or "").startswith("B-") and all((t or "").startswith("I-") for t in tags[1:])
    return StructureCandidates(is_town)
