"""Corpus converters for coopx's German NER model (issue #3).

Every reader turns one corpus format into spaCy ``Doc`` objects whose entities use
the four coopx labels **PER, ORG, LOC, MISC**.  The readers never copy corpus text
anywhere; ``write_docbin`` stores the converted Docs in a ``.spacy`` DocBin, which
``train_ner.py`` puts under ``.work/`` (git-ignored).

Label mapping (documented again in the model card):

GermEval 2014 (NoSta-D), outer layer only
    PER -> PER, ORG -> ORG, LOC -> LOC, OTH -> MISC.
    ``*deriv`` (``deutschen``, ``Berliner``) and ``*part`` (``EU-Budget``) -> O by
    default (``deriv_part="O"``).  They are not names of entities, the coopx record
    needs only names, and the official outer-chunk score on the four base classes
    leaves them out.  ``deriv_part="missing"`` marks those tokens as unknown instead
    (no gradient either way); ``deriv_part="base"`` maps them to their base class.

DFKI SmartData (v1, v3) and DFKI MobIE (same annotation guidelines)
    person -> PER; organization, organization-company -> ORG;
    location, location-city, location-street, location-stop -> LOC
    (GermEval annotates towns, streets and named stations as LOC);
    location-route (``A 9``, ``S1``, ``RE 5``: line and road numbers, which GermEval
    normally leaves unannotated but sometimes tags) -> tokens marked *missing*
    (unknown), so the model is trained neither towards LOC nor towards O there.
    All other types (date, time, number, trigger, org-position, duration, ...) -> O.
    These corpora have no MISC class.

Europeana Newspapers (German part, optional): PER/LOC/ORG kept, malformed tags
    repaired where unambiguous (``B-PEr``, ``I_ORG``, ``B.PER``), everything else -> O.
    The token stream is segmented at sentence-final punctuation.

LER (legal-ler) is deliberately not supported: its licence is ambiguous, and the
shipped model must not be trained on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from extractor.nlp.ner_features import bio_spans

GERMEVAL_BASE = {"PER": "PER", "ORG": "ORG", "LOC": "LOC", "OTH": "MISC"}
MISSING = "-"  # BIO-level marker for "unknown" tokens (spaCy's missing value)

# SmartData / MobIE types (v1 spelling: lower case, hyphens)
SMARTDATA_MAP = {
    "person": "PER",
    "organization": "ORG",
    "organization-company": "ORG",
    "location": "LOC",
    "location-city": "LOC",
    "location-street": "LOC",
    "location-stop": "LOC",
}
SMARTDATA_MISSING = {"location-route"}


# --------------------------------------------------------------------------- text fixes
_C1_RE = re.compile("[\u0080-\u009f]")


def _c1_to_cp1252(match: re.Match) -> str:
    ch = match.group(0)
    try:
        return bytes([ord(ch)]).decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are unassigned in cp1252
        return ""


def fix_token(token: str) -> str:
    """Repair the pre-2022 GermEval encoding errors in one token.

    C1 control characters are mojibake of Windows-1252 (U+0096 -> en dash, U+0092 ->
    apostrophe, U+0080 -> euro sign, U+0094 -> right double quote, ...), as in the
    official 2022 fix.  A soft hyphen (U+00AD) inside a word only marked a line break
    and is deleted; a token that consists of soft hyphens only becomes ``-``.
    """
    fixed = _C1_RE.sub(_c1_to_cp1252, token)
    if "\u00ad" in fixed:
        stripped = fixed.replace("\u00ad", "")
        fixed = stripped if stripped else "-"
    fixed = "".join(fixed.split())  # a token must not contain whitespace
    return fixed if fixed else "-"


# --------------------------------------------------------------------------- titles, abbreviations
# Titles and forms of address are not part of a PER name (GermEval/NoSta-D guidelines, and
# coopx's gold: "name without academic titles").  SmartData sometimes includes them
# ("Dr. Stephan Riel", "Frau Brandner"); they are cut off every PER span.
TITLE_RE = re.compile(
    r"^(Dr|Prof|PD|Dipl|Ing|med|dent|vet|rer|nat|phil|pol|jur|oec|habil|h\.\s?c|mult|Dres|Drs|"
    r"Dipl\.-\w+|Herr|Herrn|Frau|Hr|Fr|Mr|Mrs|Ms|Sir|Dame)\.?$"
)


def strip_titles(spans: list[Span]) -> list[Span]:
    out = []
    for sp in spans:
        start = sp.start
        if sp.label_ == "PER":
            while start < sp.end - 1 and (TITLE_RE.match(sp.doc[start].text) or sp.doc[start].text == "."):
                start += 1
        out.append(sp if start == sp.start else Span(sp.doc, start, sp.end, label=sp.label_))
    return out


_ABBREVIATIONS: set[str] | None = None


def tokenizer_abbreviations() -> set[str]:
    """Single-token abbreviations of spaCy's German tokenizer ("Dr.", "Prof.", "St.", "Mio.", ...)."""
    global _ABBREVIATIONS
    if _ABBREVIATIONS is None:
        nlp = spacy.blank("de")
        _ABBREVIATIONS = {k for k in nlp.tokenizer.rules if k.endswith(".") and len(k) > 1
                          and " " not in k and len(nlp.make_doc(k)) == 1}
    return _ABBREVIATIONS


def merge_abbreviations(words: list[str], tags: list[str], prob: float, rnd) -> tuple[list[str], list[str]]:
    """Join ``Dr`` ``.`` into ``Dr.`` where spaCy's tokenizer keeps the abbreviation as one token.

    GermEval's tokenisation always splits the period off abbreviations, spaCy's German
    tokenizer (used at run time) does not, so the model would never see ``Dr.``/``Prof.``
    as one token.  Applied to a random share ``prob`` of the occurrences, so that the
    split form (GermEval's own test tokens) is still seen too.  The period takes the
    tag of the word before it.
    """
    if prob <= 0:
        return words, tags
    abbr = tokenizer_abbreviations()
    out_w, out_t = [], []
    i = 0
    while i < len(words):
        if (i + 1 < len(words) and words[i + 1] == "." and words[i] + "." in abbr
                and not tags[i + 1].startswith("B-") and tags[i + 1] != MISSING and rnd.random() < prob):
            nxt = tags[i + 1]
            if nxt == "O" or (nxt.startswith("I-") and tags[i] != "O" and nxt[2:] == tags[i][2:]):
                out_w.append(words[i] + ".")
                out_t.append(tags[i])
                i += 2
                continue
        out_w.append(words[i])
        out_t.append(tags[i])
        i += 1
    return out_w, out_t


# --------------------------------------------------------------------------- BIO -> Doc
def bio_to_doc(vocab: Vocab, words: list[str], tags: list[str]) -> Doc:
    """Build a Doc from tokens and BIO tags over coopx labels.

    ``O`` is outside, ``MISSING`` ("-") is unknown; an ``I-X`` that does not continue an
    ``X`` span starts a new one (the README's counting rule).
    """
    doc = Doc(vocab, words=words)
    ents: list[Span] = []
    missing: list[Span] = []
    start, label = None, None

    def close(end: int) -> None:
        nonlocal start, label
        if start is not None:
            ents.append(Span(doc, start, end, label=label))
        start, label = None, None

    for i, tag in enumerate(tags):
        if tag == MISSING:
            close(i)
            missing.append(Span(doc, i, i + 1))
            continue
        if tag == "O" or not tag:
            close(i)
            continue
        prefix, _, lab = tag.partition("-")
        if prefix == "I" and start is not None and lab == label:
            continue
        close(i)
        start, label = i, lab
    close(len(tags))
    doc.set_ents(strip_titles(ents), missing=missing, default="outside")
    return doc


# --------------------------------------------------------------------------- GermEval 2014
def map_germeval_tag(tag: str, deriv_part: str = "O") -> str:
    """Map one GermEval BIO tag (12 types) to coopx BIO (or ``MISSING``)."""
    if tag in ("O", ""):
        return "O"
    prefix, _, typ = tag.partition("-")
    base = typ[:3]
    if typ in GERMEVAL_BASE:
        return f"{prefix}-{GERMEVAL_BASE[typ]}"
    if typ[3:] in ("deriv", "part") and base in GERMEVAL_BASE:
        if deriv_part == "O":
            return "O"
        if deriv_part == "missing":
            return MISSING
        if deriv_part == "base":
            return f"{prefix}-{GERMEVAL_BASE[base]}"
        raise ValueError(f"unknown deriv_part mode {deriv_part!r}")
    raise ValueError(f"unknown GermEval tag {tag!r}")


def read_germeval_sentences(lines: Iterable[str]) -> Iterator[list[tuple[str, str, str]]]:
    """Yield sentences as lists of (token, outer_tag, inner_tag) from GermEval TSV.

    Accepts both the official 4-column files (``#`` comment line per sentence, token
    number, token, outer tag, inner tag) and the reconstructed 2-column train file
    (token, outer tag; inner tag reported as ``O``).  Tokens are repaired with
    :func:`fix_token`.
    """
    sent: list[tuple[str, str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if sent:
                yield sent
                sent = []
            continue
        cols = line.split("\t")
        if cols[0] == "#" and not (len(cols) >= 4 and cols[0].isdigit()):
            continue  # comment line: "#<TAB>url<TAB>[date]<TAB>"
        if len(cols) >= 4 and cols[0].isdigit():
            token, outer, inner = cols[1], cols[2], cols[3]
        elif len(cols) >= 2:
            token, outer, inner = cols[0], cols[1], "O"
        else:
            raise ValueError(f"cannot parse GermEval line {line!r}")
        sent.append((fix_token(token), outer.strip(), inner.strip()))
    if sent:
        yield sent


def germeval_bio(path: str | Path, deriv_part: str = "O", limit: int | None = None, merge_abbrev: float = 0.0,
                 seed: int = 0) -> Iterator[tuple[list[str], list[str]]]:
    """GermEval sentences as (words, BIO tags over coopx labels), abbreviations merged as in training."""
    import random

    rnd = random.Random(seed)
    with open(path, encoding="utf-8") as fh:
        for n, sent in enumerate(read_germeval_sentences(fh)):
            if limit is not None and n >= limit:
                break
            words = [t for t, _, _ in sent]
            tags = [map_germeval_tag(o, deriv_part) for _, o, _ in sent]
            yield merge_abbreviations(words, tags, merge_abbrev, rnd)


def germeval_docs(path: str | Path, vocab: Vocab, deriv_part: str = "O", limit: int | None = None,
                  merge_abbrev: float = 0.0, seed: int = 0) -> Iterator[Doc]:
    for words, tags in germeval_bio(path, deriv_part, limit, merge_abbrev, seed):
        yield bio_to_doc(vocab, words, tags)


def germeval_gold_spans(sent: list[tuple[str, str, str]], keep=("PER", "ORG", "LOC", "OTH")) -> set[tuple[int, int, str]]:
    """Outer-layer spans (start, end, label) of the given GermEval types (official chunking)."""
    return {span for span in bio_spans([tag for _, tag, _ in sent]) if span[2] in keep}


def _norm_type(typ: str) -> str:
    return typ.lower().replace("_", "-")


def smartdata_records(path: str | Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def smartdata_doc_to_docs(record: dict, nlp: Language) -> list[Doc]:
    """Split one SmartData document into one Doc per non-empty line (paragraph).

    Mentions are character offsets into ``text``.  A mention that does not align
    with spaCy's tokens is contracted to the tokens inside it when that keeps at
    least half of its characters, otherwise its tokens are marked missing.
    Overlapping mentions: the longest wins (``filter_spans``).
    """
    text = record["text"]
    mentions = []
    for m in record.get("conceptMentions") or []:
        typ = _norm_type(m["type"])
        s, e = m["span"]["start"], m["span"]["end"]
        if typ in SMARTDATA_MAP:
            mentions.append((s, e, SMARTDATA_MAP[typ]))
        elif typ in SMARTDATA_MISSING:
            mentions.append((s, e, MISSING))
    docs = []
    pos = 0
    for para in text.split("\n"):
        p_start, p_end = pos, pos + len(para)
        pos = p_end + 1
        lead = len(para) - len(para.lstrip())
        body = para.strip()
        if not body:
            continue
        off = p_start + lead
        doc = nlp.make_doc(body)
        ents, missing = [], []
        for s, e, label in mentions:
            if s < off or e > off + len(body):
                continue
            s0, e0 = s - off, e - off
            span = doc.char_span(s0, e0, label=label if label != MISSING else "")
            if span is None:
                span = doc.char_span(s0, e0, alignment_mode="contract", label=label if label != MISSING else "")
                if span is not None and len(span.text) * 2 < (e0 - s0):
                    span = None
                if span is None or len(span) == 0:
                    wide = doc.char_span(s0, e0, alignment_mode="expand")
                    if wide is not None and len(wide):
                        missing.append(wide)
                    continue
            if len(span) == 0:
                continue
            (missing if label == MISSING else ents).append(span)
        ents = [sp for sp in strip_titles(filter_spans(ents)) if len(sp)]
        taken = {i for sp in ents for i in range(sp.start, sp.end)}
        missing = [Span(doc, i, i + 1) for sp in missing for i in range(sp.start, sp.end) if i not in taken]
        missing = list({sp.start: sp for sp in missing}.values())
        doc.set_ents(ents, missing=missing, default="outside")
        docs.append(doc)
    return docs


def smartdata_docs(paths: Iterable[str | Path], nlp: Language, exclude_ids: set[str] | None = None,
                   limit: int | None = None) -> Iterator[Doc]:
    """Docs from SmartData JSONL files, each document id used once (v1 has duplicates)."""
    seen = set(exclude_ids or ())
    n = 0
    for path in paths:
        for rec in smartdata_records(path):
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])
            for doc in smartdata_doc_to_docs(rec, nlp):
                if limit is not None and n >= limit:
                    return
                n += 1
                yield doc


def smartdata_ids(path: str | Path) -> set[str]:
    return {rec["id"] for rec in smartdata_records(path)}


# --------------------------------------------------------------------------- MobIE
def map_smartdata_bio(tag: str) -> str:
    if tag in ("O", ""):
        return "O"
    prefix, _, typ = tag.partition("-")
    typ = _norm_type(typ)
    if typ in SMARTDATA_MAP:
        return f"{prefix}-{SMARTDATA_MAP[typ]}"
    if typ in SMARTDATA_MISSING:
        return MISSING
    return "O"


def read_conll_sentences(lines: Iterable[str], tag_col: int = -1) -> Iterator[list[tuple[str, str]]]:
    """CoNLL-2003 style (MobIE): token ... tag, blank line between sentences, -DOCSTART- lines."""
    sent: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("-DOCSTART-") or not line.strip():
            if sent:
                yield sent
                sent = []
            continue
        cols = line.split("\t") if "\t" in line else line.split(" ")
        sent.append((fix_token(cols[0]), cols[tag_col].strip()))
    if sent:
        yield sent


def mobie_docs(path: str | Path, vocab: Vocab, limit: int | None = None) -> Iterator[Doc]:
    with open(path, encoding="utf-8") as fh:
        for n, sent in enumerate(read_conll_sentences(fh)):
            if limit is not None and n >= limit:
                break
            yield bio_to_doc(vocab, [w for w, _ in sent], [map_smartdata_bio(t) for _, t in sent])


# --------------------------------------------------------------------------- Europeana
_EUROPEANA_TAG = re.compile(r"^([BI])[-_.]?(PER|LOC|ORG)$", re.IGNORECASE)


def map_europeana_tag(tag: str) -> str:
    m = _EUROPEANA_TAG.match(tag.strip())
    if not m:
        return "O"
    return f"{m.group(1).upper()}-{m.group(2).upper()}"


def read_europeana_sentences(lines: Iterable[str], max_len: int = 60) -> Iterator[list[tuple[str, str]]]:
    """Segment the continuous BIO token stream into pseudo-sentences.

    Splits after ``.``, ``!`` or ``?`` when the next token is capitalised and not
    inside an entity, at ``# file:`` page headers, and after ``max_len`` tokens
    outside entities.  Tokens that contain spaces are split, keeping the tag's type.
    """
    sent: list[tuple[str, str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("# "):
            if sent:
                yield sent
                sent = []
            continue
        if not line.strip():
            continue
        parts = line.rsplit(" ", 1)
        if len(parts) == 1:
            token, tag = parts[0], "O"
        else:
            token, tag = parts
        tag = map_europeana_tag(tag)
        pieces = token.split() or ["-"]
        for k, piece in enumerate(pieces):
            t = tag if k == 0 or tag == "O" else "I-" + tag[2:]
            if sent and t[0] in "BO" and (
                (sent[-1][0] in (".", "!", "?") and piece[:1].isupper()) or len(sent) >= max_len
            ):
                yield sent
                sent = []
            sent.append((fix_token(piece), t))
    if sent:
        yield sent


def europeana_docs(paths: Iterable[str | Path], vocab: Vocab, limit: int | None = None) -> Iterator[Doc]:
    n = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for sent in read_europeana_sentences(fh):
                if limit is not None and n >= limit:
                    return
                n += 1
                yield bio_to_doc(vocab, [w for w, _ in sent], [t for _, t in sent])


# --------------------------------------------------------------------------- output
def write_docbin(docs: Iterable[Doc], path: str | Path) -> int:
    db = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE"], store_user_data=False)
    n = 0
    for doc in docs:
        db.add(doc)
        n += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n


def blank_de() -> Language:
    return spacy.blank("de")
