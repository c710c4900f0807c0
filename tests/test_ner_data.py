"""Corpus converters of scripts/ner_data.py, on a few lines of each format (fixtures inline)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import spacy

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import ner_data as nd  # noqa: E402

SHARED_CORPORA = REPO.parent / "shared" / "corpora"

GERMEVAL_4COL = (
    "#\thttp://de.wikipedia.org/wiki/Beispiel\t[2009-10-17]\t\n"
    "1\tDer\tO\tO\n"
    "2\tFC\tB-ORG\tO\n"
    "3\tRotweiß\tI-ORG\tO\n"
    "4\tTalheim\tI-ORG\tB-LOC\n"
    "5\tund\tO\tO\n"
    "6\tdie\tO\tO\n"
    "7\tdeutschen\tB-LOCderiv\tO\n"
    "8\tFans\tO\tO\n"
    "\n"
    "#\thttp://www.example.de/artikel\t[2010-01-01]\t\n"
    "1\tHelga\tB-PER\tO\n"
    "2\tBrandner\tI-PER\tO\n"
    "3\tlas\tO\tO\n"
    "4\t\u0084Faust\u0093\tB-OTH\tO\n"
    "5\tim\tO\tO\n"
    "6\tEU-Parlament\tB-ORGpart\tO\n"
)

GERMEVAL_2COL = (
    "Schartau\tB-PER\n"
    "sagte\tO\n"
    "dem\tO\n"
    "\"\tO\n"
    "Tagesspiegel\tB-ORG\n"
    "\u0096\tO\n"
    "Redaktions\u00adleiterin\tO\n"
    "\u00ad\tO\n"
    "\n"
    "Berlin\tI-LOC\n"
    "100\tO\n"
    "\u0080\tO\n"
)


def test_fix_token_c1_and_soft_hyphen():
    assert nd.fix_token("\u0096") == "\u2013"
    assert nd.fix_token("\u0080") == "\u20ac"
    assert nd.fix_token("Peter\u0092s") == "Peter\u2019s"
    assert nd.fix_token("Redaktions\u00adleiterin") == "Redaktionsleiterin"
    assert nd.fix_token("\u00ad") == "-"
    assert nd.fix_token("Stra\u009ae") == "Stra\u0161e"


def test_germeval_four_columns_with_comments():
    sents = list(nd.read_germeval_sentences(GERMEVAL_4COL.splitlines(True)))
    assert len(sents) == 2
    assert [t for t, _, _ in sents[0]] == ["Der", "FC", "Rotweiß", "Talheim", "und", "die", "deutschen", "Fans"]
    assert sents[0][3] == ("Talheim", "I-ORG", "B-LOC")
    assert sents[1][3][0] == "\u201eFaust\u201c"  # U+0084/U+0093 repaired
    # official outer chunks of the four base classes; deriv/part left out
    assert nd.germeval_gold_spans(sents[0]) == {(1, 4, "ORG")}
    assert nd.germeval_gold_spans(sents[1]) == {(0, 2, "PER"), (3, 4, "OTH")}


def test_germeval_two_columns_to_docs(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text(GERMEVAL_2COL, encoding="utf-8")
    vocab = spacy.blank("de").vocab
    docs = list(nd.germeval_docs(path, vocab))
    assert len(docs) == 2
    assert [t.text for t in docs[0]] == ["Schartau", "sagte", "dem", "\"", "Tagesspiegel", "\u2013",
                                         "Redaktionsleiterin", "-"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Schartau", "PER"), ("Tagesspiegel", "ORG")]
    # an I- tag without a preceding B- starts a span
    assert [(e.text, e.label_) for e in docs[1].ents] == [("Berlin", "LOC")]
    assert docs[1][2].text == "\u20ac"


def test_germeval_tag_mapping_modes():
    assert nd.map_germeval_tag("B-OTH") == "B-MISC"
    assert nd.map_germeval_tag("I-LOCderiv") == "O"
    assert nd.map_germeval_tag("B-ORGpart", "missing") == nd.MISSING
    assert nd.map_germeval_tag("B-PERpart", "base") == "B-PER"
    with pytest.raises(ValueError):
        nd.map_germeval_tag("B-XYZ")


def test_deriv_part_become_outside_or_missing(tmp_path):
    path = tmp_path / "dev.tsv"
    path.write_text(GERMEVAL_4COL, encoding="utf-8")
    vocab = spacy.blank("de").vocab
    doc = list(nd.germeval_docs(path, vocab))[0]
    assert doc[6].text == "deutschen" and doc[6].ent_iob_ == "O"
    doc = list(nd.germeval_docs(path, vocab, deriv_part="missing"))[0]
    assert doc[6].ent_iob == 0  # missing
    assert [(e.text, e.label_) for e in doc.ents] == [("FC Rotweiß Talheim", "ORG")]


def _mention(start, end, typ):
    return {"id": f"m{start}", "span": {"start": start, "end": end}, "type": typ, "normalizedValue": None}


def test_smartdata_v1_and_v3_records(tmp_path):
    text = "Voltaro-Chef Jens Albrecht besucht Kassel.\n\nStau auf der A 9 bei Göttingen."

    def at(form, typ):
        start = text.index(form)
        return start, start + len(form), typ

    ents = [at("Voltaro", "organization-company"), at("Jens Albrecht", "person"), at("Kassel", "location-city"),
            at("A 9", "location-route"), at("Göttingen", "location-city"), at("Voltaro-Chef", "org-position")]
    v1 = {"id": "doc1", "text": text, "conceptMentions": [_mention(*e) for e in ents]}
    v3 = {"id": "doc2", "text": "Die Talbahn Nordhain streikt.",
          "conceptMentions": [_mention(4, 20, "ORGANIZATION_COMPANY"), _mention(21, 28, "TRIGGER")]}
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (v1, v3, v1)) + "\n", encoding="utf-8")
    nlp = spacy.blank("de")
    docs = list(nd.smartdata_docs([path], nlp))
    assert len(docs) == 3  # two paragraphs of doc1 (once: duplicate id skipped) + doc2
    d0, d1, d2 = docs
    # org-position (0-12) overlaps the ORG mention but is ignored; "Voltaro-Chef" does not
    # align with spaCy's tokens "Voltaro-Chef", so the ORG mention is marked missing there
    assert ("Jens Albrecht", "PER") in [(e.text, e.label_) for e in d0.ents]
    assert ("Kassel", "LOC") in [(e.text, e.label_) for e in d0.ents]
    assert [(e.text, e.label_) for e in d1.ents] == [("Göttingen", "LOC")]
    route = [t for t in d1 if t.text in ("A", "9")]
    assert route and all(t.ent_iob == 0 for t in route)  # location-route -> missing
    assert [(e.text, e.label_) for e in d2.ents] == [("Talbahn Nordhain", "ORG")]
    # dedupe against held-out ids
    assert len(list(nd.smartdata_docs([path], nlp, exclude_ids={"doc1"}))) == 1


MOBIE = (
    "-DOCSTART- -672197903662907392- O O\n"
    "\n"
    "RT\tNN\tI-NN\tO\n"
    "@PolizeiMuenchen\tNN\tI-NN\tB-organization\n"
    ":\t$.\tI-$.\tO\n"
    "Unfall\tNN\tI-NN\tB-trigger\n"
    "auf\tAPPR\tI-AP\tO\n"
    "der\tART\tI-AR\tO\n"
    "S8\tNE\tI-NE\tB-location-route\n"
    "in\tAPPR\tI-AP\tO\n"
    "Bad\tNE\tI-NE\tB-location-city\n"
    "Tölz\tNE\tI-NE\tI-location-city\n"
    "\n"
)


def test_mobie(tmp_path):
    path = tmp_path / "train.conll2003"
    path.write_text(MOBIE, encoding="utf-8")
    docs = list(nd.mobie_docs(path, spacy.blank("de").vocab))
    assert len(docs) == 1
    doc = docs[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("@PolizeiMuenchen", "ORG"), ("Bad Tölz", "LOC")]
    assert doc[6].text == "S8" and doc[6].ent_iob == 0
    assert doc[3].ent_iob_ == "O"  # trigger -> O


EUROPEANA = (
    "# file:\t\tF_SBB_00001\n"
    "# sbb url:\thttp://example.org/\n"
    "# tel url:\thttp://example.org/tel\n"
    "Der O\n"
    "Kaiser O\n"
    "Wilhelm B-PEr\n"
    "reiste I_ORG\n"
    "nach O\n"
    "Wien B-LOC\n"
    ". O\n"
    "Die O\n"
    "„ . . O\n"
    "neue O\n"
    "Zeitung B.ORG\n"
    "meldet\n"
    "es O\n"
)


def test_europeana(tmp_path):
    path = tmp_path / "enp_DE.sbb.bio"
    path.write_text(EUROPEANA, encoding="utf-8")
    docs = list(nd.europeana_docs([path], spacy.blank("de").vocab))
    assert len(docs) == 2
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Wilhelm", "PER"), ("reiste", "ORG"), ("Wien", "LOC")]
    assert [t.text for t in docs[1]] == ["Die", "„", ".", ".", "neue", "Zeitung", "meldet", "es"]
    assert [(e.text, e.label_) for e in docs[1].ents] == [("Zeitung", "ORG")]


def test_docbin_roundtrip_keeps_missing(tmp_path):
    vocab = spacy.blank("de").vocab
    doc = nd.bio_to_doc(vocab, ["Die", "A", "9", "bei", "Ulm"], ["O", nd.MISSING, nd.MISSING, "O", "B-LOC"])
    nd.write_docbin([doc], tmp_path / "x.spacy")
    from spacy.tokens import DocBin
    back = list(DocBin().from_disk(tmp_path / "x.spacy").get_docs(vocab))[0]
    assert [t.ent_iob for t in back] == [2, 0, 0, 2, 3]
    assert [(e.text, e.label_) for e in back.ents] == [("Ulm", "LOC")]


@pytest.mark.skipif(not SHARED_CORPORA.is_dir(), reason="../shared/corpora not available")
def test_real_germeval_dev_counts():
    vocab = spacy.blank("de").vocab
    path = SHARED_CORPORA / "germeval2014" / "NER-de-dev.tsv"
    with open(path, encoding="utf-8") as fh:
        sents = list(nd.read_germeval_sentences(fh))
    assert len(sents) == 2200
    assert sum(len(s) for s in sents) == 41653
    n_base = sum(len(nd.germeval_gold_spans(s)) for s in sents)
    assert n_base == 763 + 711 + 496 + 269
    doc = next(nd.germeval_docs(path, vocab))
    assert len(doc) == len(sents[0])


def test_titles_are_cut_off_person_spans():
    vocab = spacy.blank("de").vocab
    doc = nd.bio_to_doc(vocab, ["Prof.", "Dr.", "Anna", "Berger", "und", "Frau", "Brandner"],
                        ["B-PER", "I-PER", "I-PER", "I-PER", "O", "B-PER", "I-PER"])
    assert [(e.text, e.label_) for e in doc.ents] == [("Anna Berger", "PER"), ("Brandner", "PER")]
    assert doc[0].ent_iob_ == "O" and doc[5].ent_iob_ == "O"


def test_abbreviations_merged_like_spacy_tokenizer():
    import random

    words = ["Prof", ".", "Dr", ".", "Anna", "Berger", "aus", "St", ".", "Gallen", "."]
    tags = ["O", "O", "O", "O", "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "I-LOC", "O"]
    w, t = nd.merge_abbreviations(words, tags, 1.0, random.Random(0))
    assert w == ["Prof.", "Dr.", "Anna", "Berger", "aus", "St.", "Gallen", "."]
    assert t == ["O", "O", "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O"]
    text = "Prof. Dr. Anna Berger aus St. Gallen ."
    assert [x.text for x in spacy.blank("de").make_doc(text)] == w
    assert nd.merge_abbreviations(words, tags, 0.0, random.Random(0)) == (words, tags)
