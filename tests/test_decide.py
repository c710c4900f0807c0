"""Learned decisions: the linear models' arithmetic and files, and that the shipped pipeline uses
the shipped models (with the rules-only pipeline left to the rules)."""

from __future__ import annotations

import math

import pytest

from extractor import decide
from extractor.decide.linear import LabelSet, LinearModel, load


def test_linear_model_scores_explains_and_round_trips(tmp_path):
    m = LinearModel("partner", {"cue": 2.0, "src=list": -1.0}, bias=-0.5, threshold=0.6)
    f = {"cue": 1.0, "src=list": 1.0, "unknown": 3.0}
    assert m.score(f) == pytest.approx(0.5)
    assert m.proba(f) == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert m.decide(f) is True and m.decide({"src=list": 1.0}) is False
    assert m.explain(f) == [("cue", 2.0), ("src=list", -1.0)]  # unknown features carry nothing
    path = tmp_path / "m.json"
    path.write_text(__import__("json").dumps(m.to_json()), encoding="utf-8")
    assert load(path) == m


def test_label_set_chooses_several_or_the_best():
    s = LabelSet("types", {"research": LinearModel("r", {"forschung": 3.0}, -1.0, 0.5),
                           "education": LinearModel("e", {"ausbildung": 3.0}, -1.0, 0.5)})
    assert s.chosen({"forschung": 1.0, "ausbildung": 1.0}) == ["research", "education"]
    assert s.chosen({"ausbildung": 0.5}) == ["education"]  # none says yes: the most likely one
    assert s.best({"ausbildung": 0.5}) == "education"
    assert s.scores({"forschung": 1.0}) == pytest.approx({"research": 2.0, "education": -1.0})
    assert LabelSet.from_json(s.to_json()) == s


def test_a_second_threshold_round_trips_and_is_left_out_when_unset():
    m = LinearModel("date", {"a": 1.0}, 0.0, 0.3, second_threshold=0.45)
    assert LinearModel.from_json(m.to_json()) == m
    assert "second_threshold" not in LinearModel("x", {}, 0.0).to_json()
    assert LinearModel.from_json(LinearModel("x", {}, 0.0).to_json()).second_threshold is None


def test_decisions_folder_round_trips(tmp_path):
    zero = LinearModel("x", {"a": 1.0}, 0.0)
    labels = LabelSet("l", {"other": zero})
    d = decide.Decisions(zero, zero, zero, zero, labels, labels, zero, version="t")
    d.to_dir(tmp_path)
    assert not decide.available(tmp_path)  # not without the organisation tagger they were trained on
    (tmp_path / "org_tagger.crfsuite").write_bytes(b"crf")
    assert decide.available(tmp_path)
    back = decide.Decisions.from_dir(tmp_path)
    assert back.partner == zero and back.types == labels
    assert sorted(f.stem for f in tmp_path.glob("*.json")) == sorted(decide.NAMES)  # the second stage too
    assert not decide.available(tmp_path / "missing")


@pytest.mark.skipif(not decide.available(), reason="no decision models shipped")
def test_shipped_pipeline_decides_and_says_so():
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    learned = Pipeline(Settings(model="shipped"))
    assert learned.decisions is not None
    assert any(c.startswith("coopx_decisions:") for c in learned.info.components)
    assert {"coopx_org_tagger", "coopx_structure"} <= set(learned.nlp.pipe_names)
    rules = Pipeline(Settings(model="blank"))
    assert rules.decisions is None and "coopx_org_tagger" not in rules.nlp.pipe_names
    off = Pipeline(Settings(model="shipped", decisions=False))
    assert off.decisions is None and "coopx_structure" not in off.nlp.pipe_names


@pytest.mark.skipif(not decide.available(), reason="no decision models shipped")
def test_shipped_decisions_find_the_parties_of_an_invented_release():
    from extractor.pipeline import extract_text

    text = ("Kreisklinik Talberg und Hochschule Nordhain kooperieren\n"
            "Die Kreisklinik Talberg und die Hochschule Nordhain haben am 3. Mai 2024 einen Kooperationsvertrag "
            "unterzeichnet. Künftig bilden beide Partner gemeinsam Pflegekräfte aus und forschen zur Versorgung "
            "älterer Menschen. „Wir freuen uns auf die Zusammenarbeit“, sagte Geschäftsführerin Anna Berger.")
    rec = extract_text(text, published="2024-05-06")
    assert rec.is_cooperation
    names = {i.id: i.name for i in rec.institutions}
    assert {names[p] for p in rec.cooperations[0].partners} == {"Kreisklinik Talberg", "Hochschule Nordhain"}
    assert [c.date.value for c in rec.cooperations if c.date] == ["2024-05-03"]
    # an earlier start beside an extension: a background cooperation of the same parties
    rec = extract_text(text.replace("unterzeichnet.", "unterzeichnet und bauen ihre Zusammenarbeit aus. Bereits seit 2015 "
                                    "arbeiten die Kreisklinik Talberg und die Hochschule Nordhain zusammen."), published="2024-05-06")
    assert [c.date.value for c in rec.cooperations] == ["2024-05-03", "2015"]
    background = rec.cooperations[1]
    assert background.status == "ongoing" and background.date.kind == "start"
    assert background.partners == rec.cooperations[0].partners and "seit 2015" in background.evidence[0].text


@pytest.mark.skipif(not decide.available(), reason="no decision models shipped")
def test_word_features_are_shared_once_and_never_left_in_the_doc():
    """The organisation tagger reads the NER's word features for the same sentences, and takes
    them out of the Doc: it stays serialisable, and the spans equal those of a fresh computation
    and those crfsuite tags from the feature strings it was trained on."""
    from extractor.nlp.ner_crf import SHARED_FEATURES
    from extractor.nlp.org_tagger import sentence_items
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    nlp = Pipeline(Settings(model="shipped")).nlp
    text = "Die Kreisklinik Talberg und die Aurelia Pflege GmbH kooperieren. Anna Berger freut sich."
    doc = nlp(text)
    assert SHARED_FEATURES not in doc.user_data
    doc.to_bytes()
    tagger = nlp.get_pipe("coopx_org_tagger")
    with_shared = nlp(text, disable=["coopx_org_tagger"])
    assert SHARED_FEATURES in with_shared.user_data
    without = nlp(text, disable=["coopx_org_tagger"])
    without.user_data.pop(SHARED_FEATURES)
    strings = nlp(text, disable=["coopx_org_tagger"])
    spans = tagger.spans(with_shared)
    assert SHARED_FEATURES not in with_shared.user_data
    assert spans and spans == tagger.spans(without) == tagger.spans(strings, sentence_items(strings, tagger.featurizer()))


def test_coordinated_organisations_see_each_others_first_stage_scores(nlp):
    from extractor.features.neighbours import coordinated, with_neighbours
    from extractor.features.view import build_view

    view = build_view(nlp("Die Kreisklinik Talberg, die Universität Nordhain und das Klinikum Lindenau kooperieren. "
                          "Das Land Hessen fördert es."))
    names = [e.name for e in view.entities]
    k = {n: names.index(n) for n in ("Kreisklinik Talberg", "Universität Nordhain", "Klinikum Lindenau", "Land Hessen")}
    nb = coordinated(view)
    assert nb[k["Universität Nordhain"]] == {k["Kreisklinik Talberg"], k["Klinikum Lindenau"]}
    assert nb[k["Land Hessen"]] == set()
    first = [0.1] * len(names)
    first[k["Kreisklinik Talberg"]] = 0.9
    f = with_neighbours({"own": 1.0}, k["Klinikum Lindenau"], first, nb, threshold=0.5)
    # its direct neighbour is unsure, but the enumeration it stands in holds a likely party
    assert f["nb_max"] == pytest.approx(0.1) and "nb_party" not in f
    assert f["list_max"] == pytest.approx(0.9) and f["list_n=2"] == 1.0 and f["own"] == 1.0
    assert with_neighbours({"own": 1.0}, k["Land Hessen"], first, nb, threshold=0.5) == {"own": 1.0}


def test_the_second_stage_reads_its_own_score_and_how_many_pass_the_first():
    from extractor.features.neighbours import partner_list_features

    nb = [frozenset({1}), frozenset({0}), frozenset()]
    f = partner_list_features({"own": 1.0}, 2, [0.9, 0.6, 0.3], nb, threshold=0.5, coop=0.8)
    assert f == {"own": 1.0, "article_coop": 0.8, "self_p": 0.3, "n_over=2": 1.0}  # no neighbours of its own
    many = partner_list_features({}, 0, [0.9] * 7, [frozenset()] * 7, threshold=0.5, coop=0.8)
    assert many["n_over=4"] == 1.0 and many["self_p"] == 0.9


def test_the_lines_of_a_bulleted_list_are_neighbours(rules_pipeline):
    from extractor.features.entities import context, entity_features
    from extractor.features.neighbours import coordinated
    from extractor.features.view import build_view
    from extractor.nlp.coordination import StructureCandidates

    doc = rules_pipeline.nlp("Die Kreisklinik Talberg gründet ein Netzwerk. Die Mitglieder:\n• Klinikum Nordhain\n• Aurelia GmbH\n"
              "• Universität Lindenau\nDas Land Hessen fördert es.")
    StructureCandidates()(doc)
    view = build_view(doc)
    names = [e.name for e in view.entities]
    k = {n: names.index(n) for n in ("Klinikum Nordhain", "Aurelia GmbH", "Universität Lindenau", "Kreisklinik Talberg")}
    nb = coordinated(view)
    assert nb[k["Aurelia GmbH"]] == {k["Klinikum Nordhain"], k["Universität Lindenau"]}
    assert nb[k["Kreisklinik Talberg"]] == set()
    ctx = context(view, [])
    assert entity_features(view, view.entities[k["Aurelia GmbH"]], ctx).get("bulleted") == 1.0
    assert "bulleted" not in entity_features(view, view.entities[k["Kreisklinik Talberg"]], ctx)


def test_the_article_decisions_read_the_kinds_beside_a_cue(nlp):
    from extractor.assemble import cooperations as coop_rules
    from extractor.features.article import article_features
    from extractor.features.view import build_view

    view = build_view(nlp("Die Kreisklinik Talberg und die Universität Nordhain kooperieren künftig in der Forschung. "
                          "Das Wetter in Lindenau war am Montag schön und die Sonne schien den ganzen Tag."))
    is_coop, coops = coop_rules.build(view.doc, view.article, None)
    f = article_features(view, is_coop, coops)
    assert f["cue_kind=hospital"] == f["cue_kind=university"] == 1.0
    assert not any(k.startswith("cue_kind=") and k not in ("cue_kind=hospital", "cue_kind=university") for k in f)


def test_the_article_decisions_read_the_head_nouns_of_the_organisations_named_in_lead_and_cues(nlp):
    from extractor.assemble import cooperations as coop_rules
    from extractor.features.article import article_features
    from extractor.features.view import build_view
    from extractor.nlp import lexicons

    assert lexicons.heads().noun("Krebszentrums") == "Zentrum" and lexicons.heads().noun("Wetter") is None
    view = build_view(nlp("Talberg und Nordhain gründen ein Gemeinsames Krebszentrum Talberg-Nordhain. "
                          "Die Kreisklinik Talberg und die Universität Nordhain kooperieren künftig in der Forschung. "
                          "Das Wetter in Lindenau war am Montag schön und die Sonne schien den ganzen Tag."))
    f = article_features(view, *coop_rules.build(view.doc, view.article, None))
    heads = {k for k in f if k.startswith("org_head@")}
    assert {"org_head@lead=zentrum", "org_head@lead=klinik", "org_head@lead=universität"} <= heads, heads
    assert not any("lindenau" in k or "talberg" in k for k in heads)


def test_only_the_types_model_reads_the_kinds_of_the_rules_main_partners():
    from types import SimpleNamespace

    from extractor.features.article import type_features

    hospital, university = SimpleNamespace(kind="hospital"), SimpleNamespace(kind="university")
    coops = [{"partners": [hospital, university]}, {"partners": [SimpleNamespace(kind="company")]}]
    assert type_features(coops) == {"rule_party_kind=hospital": 1.0, "rule_party_kind=university": 1.0}
    assert type_features([]) == {}


def test_the_likely_parties_feed_the_article_and_date_decisions():
    from extractor.features.article import with_parties
    from extractor.features.dates import with_sentence_parties

    f = with_parties({"own": 1.0}, [0.2, 0.9, 0.6], 0.5, ["company", "hospital", "university"])
    assert f["party_p1"] == 0.9 and f["party_p2"] == 0.6 and f["parties=2"] == 1.0
    assert f["party_kind=hospital"] == f["party_kind=university"] == 1.0 and "party_kind=company" not in f
    assert with_parties({}, [], 0.5, [])["parties=0"] == 1.0
    d = with_sentence_parties({"prep=am": 1.0}, [0.4, 0.7], 0.5)
    assert d == {"prep=am": 1.0, "sent_party_max": 0.7, "sent_parties=1": 1.0}


def test_a_further_cooperation_keeps_the_rules_types_the_model_confirms():
    from extractor.decide.article import confirmed_types

    assert confirmed_types(["research", "education"], ["education", "network"]) == ["education"]
    assert confirmed_types(["telemedicine"], ["education", "network"]) == ["education", "network"]
    assert confirmed_types([], ["other"]) == ["other"]


def test_a_cooperation_takes_its_two_most_likely_parties():
    from extractor.decide.article import _partners

    a, b, c = object(), object(), object()
    p = {id(a): 0.9, id(b): 0.05, id(c): 0.2}
    assert _partners([a, b, c], p, 0.5) == [a, c]  # the second one joins however unsure, in text order
    assert _partners([a, b, c], {id(a): 0.9, id(b): 0.8, id(c): 0.7}, 0.5) == [a, b, c]


def test_parties_no_sentence_joins_are_separate_cooperations():
    from types import SimpleNamespace

    from extractor.decide.article import _sentence_groups

    a, b, c, d, e = (object() for _ in range(5))
    view = SimpleNamespace(entities_in=[{a, b}, {c, d}, {b, a}, set(), {d, e}])
    assert _sentence_groups(view, [a, b, c, d, e]) == [[a, b], [c, d, e]]
    view.entities_in.append({b, d})  # one sentence joins them
    assert _sentence_groups(view, [a, b, c, d, e]) == [[a, b, c, d, e]]
    f = object()
    # f shares no sentence (who with is not said there): it joins the largest group
    lone = SimpleNamespace(entities_in=[{a, b}, {c, d}, {c, e, d}, {a}, {f}])
    assert _sentence_groups(lone, [a, b, c, d, e, f]) == [[a, b], [c, d, e, f]]
    nobody = SimpleNamespace(entities_in=[{a}, {b}])
    assert _sentence_groups(nobody, [a, b]) == [[a, b]]
