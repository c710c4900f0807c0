"""Organisation linking across articles: name forms, the rules with their guards, every link
explained, and the measured quality on corpus/linking (and ../shared when present)."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from extractor.archive.linking import Correction, NameStat, effective_corrections, link, qualifier
from extractor.archive.names import form, split_abbreviation
from tests.conftest import ROOT, SHARED

sys.path.insert(0, str(ROOT / "scripts"))
import eval_linking  # noqa: E402


@pytest.mark.parametrize("a, b", [
    ("Universitätsklinikum Talberg", "Universitätsklinikums Talberg"),
    ("Universitätsklinikum Talberg", "Uniklinik Talberg"),
    ("Universität Talberg", "Uni Talberg"),
    ("Stadtwerke Brackenheide", "Brackenheide Stadtwerke"),
    ("Deutsches Talinstitut Talberg", "Deutschen Talinstituts Talberg"),
    ("Stadtwerke Talberg GmbH & Co. KG", "Stadtwerke Talberg"),
    ("Klinikum Lindenau gGmbH", "Klinikum Lindenau"),
    ("Datavia AG", "Datavia GmbH"),
    ("AWO Kreisverband Bergtal e.V.", "AWO Kreisverband Bergtal"),
    ("Evangelisches Krankenhaus Bückeburg", "Ev. Krankenhaus Bückeburg"),
    ("St. Marien-Hospital Haldenstein", "Sankt Marien Hospital Haldenstein"),
    ("Technische Universität Wiesenfurt", "TU Wiesenfurt"),
    ("SANOVA Klinikum Erlenbach", "Sanova Klinikum Erlenbach"),
])
def test_equal_forms(a, b):
    assert form(a).key == form(b).key


@pytest.mark.parametrize("a, b", [
    ("Universität Talberg", "Universitätsklinikum Talberg"),
    ("Stadt Neustadt", "Stadtwerke Neustadt"),
    ("Sanova Klinikum Talberg", "Sanova Klinik Talberg-Nord"),
    ("Evangelisches Krankenhaus Bückeburg", "Katholisches Krankenhaus Bückeburg"),
    # places and brands are compared as written, repeated words count, a legal form only at the end
    ("Velber AG", "Velbern"),
    ("Stadt Kessel-Kessel", "Stadt Kessel"),
    ("Universitätsklinikum Talle", "Universitätsklinikum Tall"),
    ("Stadtwerke Erlen", "Stadtwerke Erle"),
    ("Klinikum Ost", "Klinikum Osten"),
    ("AG Talberg", "Talberg"),
])
def test_different_forms(a, b):
    assert form(a).key != form(b).key and form(a).squash != form(b).squash


def test_abbreviations_in_names():
    assert split_abbreviation("Universitätsmedizin Talberg (UMT)") == ("Universitätsmedizin Talberg", "UMT")
    assert split_abbreviation("KRT Klinikum Region Talberg") == ("Klinikum Region Talberg", "KRT")
    assert split_abbreviation("Klinikum Region Talberg") == ("Klinikum Region Talberg", None)
    assert form("UMT").abbreviation == "UMT" and form("Universitätsmedizin Talberg").abbreviation is None


def stat(name, kind="hospital", location=None, mentions=(), qualifier=None, count=1):
    return NameStat(name, qualifier, count, Counter({kind: count}), Counter({location: count}), Counter(mentions))


def entity_of(linking, name, qualifier=None):
    return linking.entity_of[linking.key_of[(name, qualifier)]]


def test_hard_negatives_from_the_issue_stay_apart():
    names = [stat("Universität Talberg", "university", "Talberg"), stat("Universitätsklinikum Talberg", "hospital", "Talberg"),
             stat("Uniklinik Talberg", "hospital", "Talberg"), stat("Stadt Neustadt", "public_authority", "Neustadt"),
             stat("Stadtwerke Neustadt", "company", "Neustadt"), stat("Sanova Klinikum Talberg", location="Talberg"),
             stat("Sanova Klinik Talberg-Nord", location="Talberg"), stat("Sanova Klinikums Talberg", location="Talberg")]
    lk = link(names)
    assert len(set(lk.entity_of.values())) == 6
    assert entity_of(lk, "Uniklinik Talberg") == entity_of(lk, "Universitätsklinikum Talberg")
    assert entity_of(lk, "Sanova Klinikums Talberg") == entity_of(lk, "Sanova Klinikum Talberg")


def located(name, place, kind="hospital", **kw):
    return stat(name, kind, place, qualifier=qualifier(name, place), **kw)


def test_one_name_in_two_places_is_two_organisations():
    north = [located("Klinikum Nord", "Talberg"), located("Klinikum Nord", "Rheinhagen")]
    lk = link(north + [stat("Klinikum Nord")])
    assert len(set(lk.entity_of.values())) == 3  # the one without location could be either
    lk = link(north[:1] + [stat("Klinikum Nord")])
    assert len(set(lk.entity_of.values())) == 1 and [x.rule for x in lk.links] == ["location"]
    # an abbreviation without location joins its only located use (and so its definer)
    lk = link([located("Datavia Talberg", "Talberg", "company", mentions=["DATV"]), located("DATV", "Talberg", "company"),
               stat("DATV", "company")])
    assert len(set(lk.entity_of.values())) == 1
    assert qualifier("Klinikum Talberg", "Talberg") is None and qualifier("Klinikum Nord", "Talberg") == "Talberg"


def test_place_adjectives_and_genitives_link_to_the_base_name():
    lk = link([stat("Universität Talberg", "university", "Talberg"), located("Talberger Universität", "Talberg", "university"),
               stat("Stadtwerke Brackenheide", "company"), stat("Brackenheides Stadtwerke", "company"),
               stat("Brackenheider Stadtwerke", "company"), stat("Kesseler Stadtwerke", "company")])
    assert len(set(lk.entity_of.values())) == 3
    assert {x.rule for x in lk.links} == {"place form"}
    assert entity_of(lk, "Talberger Universität", "Talberg") == entity_of(lk, "Universität Talberg")


def test_real_words_are_no_misspellings():
    lk = link([stat("Klinikverband Talberg", "association"), stat("Klinikverbund Talberg", "association"),
               stat("Landesverbund Talberg", "association"), stat("Landesverband Talberg", "association")])
    assert len(set(lk.entity_of.values())) == 4


def test_partners_of_one_report_are_never_linked_by_a_rule():
    names = [stat("AWO Kreisverband Bergtal", "association"), stat("AWO Bergtal", "association")]
    assert len(set(link(names).entity_of.values())) == 1
    apart = link(names, cannot_link=[(("AWO Kreisverband Bergtal", None), ("AWO Bergtal", None))])
    assert len(set(apart.entity_of.values())) == 2


def test_every_link_is_explained():
    names = [stat("Universitätsmedizin Talberg", mentions=["UMT"]), stat("UMT", qualifier=None),
             stat("Mosel-Klinikum Zeltingen"), stat("Moselklinikum Zeltingen"),
             stat("AWO Kreisverband Bergtal", "association"), stat("AWO Bergtal", "association"),
             stat("Universitätsklinkum Talberg"), stat("Universitätsklinikum Talberg"), stat("Klinikum Rheinhagen"),
             stat("Industrie- und Handelskammer Hohenwald", "association", mentions=["IHK Hohenwald"]),
             stat("IHK Hohenwald", "association")]
    lk = link(names)
    rules = {(lk.infos[x.key].names[0], x.rule) for x in lk.links}
    assert rules == {("UMT", "abbreviation"), ("Moselklinikum Zeltingen", "spelling"),
                     ("AWO Kreisverband Bergtal", "optional word"), ("Universitätsklinkum Talberg", "similar spelling"),
                     ("IHK Hohenwald", "alias")} or rules == {
                     ("UMT", "abbreviation"), ("Mosel-Klinikum Zeltingen", "spelling"),
                     ("AWO Kreisverband Bergtal", "optional word"), ("Universitätsklinkum Talberg", "similar spelling"),
                     ("IHK Hohenwald", "alias")}
    assert all(x.detail and 0 < x.score <= 100 for x in lk.links)
    assert len(set(lk.entity_of.values())) == 6


def test_ambiguous_short_forms_link_to_nothing():
    names = [stat("AWO Kreisverband Ostwalde", "association"), stat("AWO Ortsverein Ostwalde", "association"),
             stat("AWO Ostwalde", "association"),
             stat("Universitätsklinikum Mühlbach", location="Mühlbach", mentions=["UKM"]),
             stat("Unfallklinik Marienau", location="Marienau", mentions=["UKM"]), stat("UKM")]
    lk = link(names)
    assert len(set(lk.entity_of.values())) == len(names)
    located = link(names[3:] + [stat("UKM", location="Marienau", qualifier="Marienau")])
    assert entity_of(located, "UKM", "Marienau") == entity_of(located, "Unfallklinik Marienau")
    assert entity_of(located, "UKM") != entity_of(located, "Universitätsklinikum Mühlbach")


def test_corrections_win_over_rules():
    names = [stat("Universitätsklinikum Talberg"), stat("Uniklinik Talberg"), stat("Klinikum Talberg-Süd")]
    ukt, uni, south = ("Universitätsklinikum Talberg", None), ("Uniklinik Talberg", None), ("Klinikum Talberg-Süd", None)
    auto = link(names)
    assert entity_of(auto, *ukt) != entity_of(auto, *south) and entity_of(auto, *ukt) == entity_of(auto, *uni)
    merged = link(names, [Correction("merge", [[ukt, uni], [south]])])
    assert entity_of(merged, *ukt) == entity_of(merged, *south)
    assert [x.rule for x in merged.links] == ["analyst merge"]
    # a split parts even names of one key, which the rules would join
    split = link(names, [Correction("split", [[ukt], [uni, south]])])
    assert entity_of(split, *ukt) != entity_of(split, *uni) and entity_of(split, *uni) != entity_of(split, *south)


def test_a_split_restricts_an_earlier_merge_to_each_side():
    names = [stat("Klinikum Alpha"), stat("Klinikum Beta"), stat("Klinikum Gamma")]
    a, b, g = ("Klinikum Alpha", None), ("Klinikum Beta", None), ("Klinikum Gamma", None)
    fixes = [Correction("merge", [[a], [b], [g]]), Correction("split", [[g], [a, b]])]
    lk = link(names, fixes)
    assert len(set(lk.entity_of.values())) == 2
    assert entity_of(lk, *a) == entity_of(lk, *b) != entity_of(lk, *g)
    # and a later merge wins over the split where they disagree
    lk = link(names, [*fixes, Correction("merge", [[a, b], [g]])])
    assert len(set(lk.entity_of.values())) == 1
    assert effective_corrections([("merge", [{"a"}, {"b"}, {"g"}]), ("split", [{"g"}, {"a", "b"}])]) == (
        [{"a", "b"}], [[{"g"}, {"a", "b"}]])


def test_entity_ids_are_stable_and_older_keys_anchor_them():
    old = [NameStat("Klinikum Lindenau", first=1)]
    lk1 = link(old)
    lk2 = link(old + [NameStat("Klinikum Lindenau gGmbH", first=2), NameStat("Lindenauer Klinikum", first=3)])
    assert len(set(lk2.entity_of.values())) == 1
    assert set(lk2.entity_of.values()) == set(lk1.entity_of.values())


def test_corpus_targets():
    result, _, labelled = eval_linking.evaluate(eval_linking.corpus_occurrences())
    assert result["clusters"] >= 60
    assert result["precision"] >= 0.98 and result["recall"] >= 0.90, result
    assert result["b3_f1"] >= 0.95, result
    assert eval_linking.joined_negatives(labelled, eval_linking.hard_negatives()) == []


def test_corpus_is_invented_and_has_hard_negatives():
    import json

    corpus = json.loads((ROOT / "corpus" / "linking" / "clusters.json").read_text(encoding="utf-8"))
    ids = {c["id"] for c in corpus["clusters"]}
    assert len([c for c in corpus["clusters"] if len(c["occurrences"]) > 1]) >= 60
    assert len(corpus["hard_negatives"]) >= 45 and all(a in ids and b in ids for a, b, _ in corpus["hard_negatives"])
    if (SHARED / "train").is_dir():  # no organisation copied from the real articles
        real = {o.truth for o in eval_linking.gold_occurrences(SHARED)}
        ours = {o.name for o in eval_linking.corpus_occurrences()}
        assert not real & ours, real & ours


@pytest.mark.skipif(not (SHARED / "train").is_dir(), reason="../shared/train not present")
def test_shared_gold_institutions():
    result, _, _ = eval_linking.evaluate(eval_linking.gold_occurrences(SHARED))
    # the truth is built from names and full aliases (scripts/eval_linking.py), so some correct
    # merges of two spellings still count as errors; floors against regressions, not targets
    assert result["recall"] >= 0.98 and result["precision"] >= 0.94 and result["b3_f1"] >= 0.98, result


def test_gold_truth_joins_articles_by_names_and_full_aliases():
    truth = eval_linking.gold_truth([
        ("Universität Talberg", ("Uni Talberg",)), ("Uni Talberg", ()),  # a full alias joins
        ("Amt für Talwege Talberg", ("Amt für Talwege",)), ("Amt für Talwege Rheinhagen", ("Amt für Talwege",)),
        ("Industrie- und Handelskammer Talberg", ("IHK",)), ("Industrie- und Handelskammer Rheinhagen", ("IHK",)),
        ("Klinikum Talberg", ("Klinikum",)), ("Klinikum Rheinhagen", ("Klinikum",))])
    assert truth[0] == truth[1] and len(set(truth)) == 7
