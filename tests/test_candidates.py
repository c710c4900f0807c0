"""Candidate generators the decisions read: names from structure (lists, shared heads, places
acting as parties), head rules for compound and genitive names, variants of one organisation in
one text, the organisation tagger's name folding, and date forms. All texts are the team's own."""

from __future__ import annotations

import pytest

from extractor.assemble.dates import resolve
from extractor.features.view import build_view
from extractor.nlp.components import facts
from extractor.nlp.coordination import StructureCandidates
from extractor.nlp.org_tagger import OrgTagger, add_spans, canonical


def names(nlp, text: str) -> list[str]:
    return [m["canonical"] for m in facts(nlp(text))["inst"]]


def entity_names(nlp, text: str) -> list[str]:
    return [e.name for e in build_view(nlp(text)).entities]


@pytest.mark.parametrize(
    "text, expected",
    [
        # a truncated compound joined by "und" is one name, on a head and on a legal form
        ("Die Industrie- und Handelskammer Talberg berät.", ["Industrie- und Handelskammer Talberg"]),
        ("Die Nordhainer Hafen- und Lagerhaus AG baut.", ["Nordhainer Hafen- und Lagerhaus AG"]),
        # a bare head takes the name in its genitive complement
        ("Das Klinikum der Lindenau-Universität wächst.", ["Klinikum der Lindenau-Universität"]),
        # ... but not a genitive without a name
        ("Das Klinikum der Stadt wächst.", []),
        # plural town heads and plural-only heads coordinate their places
        ("Die Städte Rheinfurt und Nordhain planen.", ["Stadt Rheinfurt", "Stadt Nordhain"]),
        ("Die Stadtwerke Rheinfurt, Nordhain und Lindenau fusionieren nicht.",
         ["Stadtwerke Rheinfurt", "Stadtwerke Nordhain", "Stadtwerke Lindenau"]),
        # an aside in parentheses inside the list
        ("Die Kliniken in Rheinfurt (Kreis Talberg), Nordhain und Lindenau planen.",
         ["Klinik Rheinfurt", "Kreis Talberg", "Klinik Nordhain", "Klinik Lindenau"]),
        # a state acting as a party
        ("Das Land Hessen fördert das Projekt.", ["Land Hessen"]),
        # the fullest form: a named parent in the genitive belongs to the name
        ("Die Medizinische Fakultät der Lindenau-Universität Talberg forscht.",
         ["Medizinische Fakultät der Lindenau-Universität Talberg"]),
        ("Das Ministerium für Verkehr des Landes Nordhain plant.", ["Ministerium für Verkehr des Landes Nordhain"]),
        # a country in parentheses locates the name, a river's does not
        ("Die Universität Rheinfurt (Schweden) und die Universität Halle (Saale) forschen.",
         ["Universität Rheinfurt", "Universität Halle (Saale)"]),
        # a saint's first name after "St." continues the name
        ("Das Krankenhaus St. Josef Talberg wächst.", ["Krankenhaus St. Josef Talberg"]),
        # a descriptor head is part of a name that has no head of its own, not of one that has
        ("Der Verein Waldzeit und der Verein Palliativnetz Altmark helfen.", ["Verein Waldzeit", "Palliativnetz Altmark"]),
        # a denomination written small belongs to the name; a plain adjective does not
        ("Die evangelische Kirchengemeinde Talberg und die neue Klinik Nordhain helfen.",
         ["Evangelische Kirchengemeinde Talberg", "Klinik Nordhain"]),
        # a genitive after a linked word makes it a noun, not a place ("im Bereich der ...")
        ("Die Kreisverwaltung arbeitet mit dem Ortsverband Talberg im Bereich der Pflege.", ["Ortsverband Talberg"]),
        # a brand written small before a legal form, not a rare adjective
        ("Die hafenova AG baut.", ["hafenova AG"]),
        ("Die neugegründete Talberg Service GmbH baut.", ["Talberg Service GmbH"]),
        # a compound head stays a unit of the house in its genitive
        ("Das Leberzentrum des Universitätsklinikums Nordhain wächst.", ["Universitätsklinikum Nordhain"]),
        # a caption's position in parentheses is no part of the name
        ("Die Universität Rheinfurt (links) wächst.", ["Universität Rheinfurt"]),
        # a name never ends in a truncated compound
        ("Gemeinsam wollen die Unternehmen Innenraum- und Sicherheitstechnik entwickeln.", []),
        # a compound descriptor describes the name after it; a compound club names itself
        ("Der Wiener Baukonzern Talag und der Förderverein Nordhain helfen.", ["Talag", "Förderverein Nordhain"]),
        ("Die Aktie des Wiener Baukonzerns Talag steigt.", ["Talag"]),
        # plural houses of the areas named after them
        ("Die Sportbünde der Kreise Rheinfurt und Nordhain planen.", ["Sportbund Rheinfurt", "Sportbund Nordhain"]),
        ("Die Sportbünde der Kreise planen.", []),
        # ... but the towns of a district are not named for it: the districts are named
        ("Die Gemeinden der Kreise Rheinfurt und Nordhain planen.", ["Kreis Rheinfurt", "Kreis Nordhain"]),
        ("In den Kreisen Rheinfurt und Nordhain wird gebaut.", []),
        # a foundation named after a person keeps the first name
        ("Die Dietmar Talmann Stiftung fördert.", ["Dietmar Talmann Stiftung"]),
    ],
)
def test_head_rules(nlp, text, expected):
    assert names(nlp, text) == expected


def test_list_members_of_a_known_organisation_become_candidates(nlp):
    doc = nlp("Die Kreisklinik Talberg, Aurelia und das Zentrum Nordhain kooperieren.")
    StructureCandidates()(doc)
    found = {m["canonical"]: m["source"] for m in facts(doc)["inst"]}
    assert found.get("Aurelia") == "list"


def test_a_list_without_cue_and_known_member_is_no_candidate(nlp):
    doc = nlp("Anna Berger, Jonas Keller und Maria Schulte wandern.")
    StructureCandidates()(doc)
    assert not [m for m in facts(doc)["inst"] if m["source"] == "list"]


def test_list_members_share_the_first_members_head(nlp):
    doc = nlp("Die KH Rheinfurt, Nordhain und Lindenau haben ein Kooperationsabkommen geschlossen.")
    facts(doc)["inst"] = [{"start": 1, "end": 3, "canonical": "KH Rheinfurt", "kind": "hospital", "head": "KH",
                           "place": "Rheinfurt", "place_adj": None, "abbr": None, "modifiers": [], "source": "ner"}]
    facts(doc)["cue"] = [{"start": 9, "end": 10, "group": "cue", "label": "strong"}]
    StructureCandidates(is_town=lambda w: w in ("Nordhain", "Lindenau"))(doc)
    assert [m["canonical"] for m in facts(doc)["inst"]] == ["KH Rheinfurt", "KH Nordhain", "KH Lindenau"]


def test_list_members_share_the_words_before_the_first_members_town(nlp):
    doc = nlp("Die KH Rheinfurt, Nordhain und Lindenau haben ein Kooperationsabkommen geschlossen.")
    facts(doc)["inst"] = [{"start": 1, "end": 3, "canonical": "KH Rheinfurt", "kind": "hospital", "head": None,
                           "place": None, "place_adj": None, "abbr": None, "modifiers": [], "source": "ner"}]
    facts(doc)["cue"] = [{"start": 9, "end": 10, "group": "cue", "label": "strong"}]
    StructureCandidates(is_town=lambda w: w in ("Rheinfurt", "Nordhain", "Lindenau"))(doc)
    assert [m["canonical"] for m in facts(doc)["inst"]] == ["KH Rheinfurt", "KH Nordhain", "KH Lindenau"]


def test_the_lines_of_a_bulleted_list_are_whole_names(nlp):
    from extractor.nlp.bullets import bullet_lists

    doc = nlp("Die Gründungsmitglieder:\n- Klinikum Talberg am See KU (AöR)\n- Nordhain GmbH\n"
              "- Kliniken Wernau gGmbH, Lindenau\n- Aurelia\n- Der Baukonzern Talag.\nDanach folgt der Text.\n"
              "• Ein Satz mit einem Verb steht hier\n• Zweiter Punkt\n")
    lists = bullet_lists(doc)
    assert [[doc[s:e].text for s, e in items] for items in lists] == [  # two lines make no list
        ["Klinikum Talberg am See KU", "Nordhain GmbH", "Kliniken Wernau gGmbH", "Aurelia", "Baukonzern Talag"]]
    StructureCandidates()(doc)
    found = {m["canonical"]: m["source"] for m in facts(doc)["inst"]}
    assert {"Klinikum Talberg am See KU", "Nordhain GmbH", "Kliniken Wernau gGmbH", "Talag"} <= set(found)
    assert found["Aurelia"] == "list"
    assert facts(doc)["bullets"] == [[list(span) for span in lists[0]]]


def test_a_bulleted_list_of_topics_or_days_gives_no_names(nlp):
    doc = nlp("Die Schwerpunkte:\n- Digitalisierung der Pflege\n- Ausbau der Betreuung\n- Mehr Personal\n"
              "Termine:\n• Montag: Auftakt\n• Dienstag: Workshop\n• Mittwoch: Abschluss\n")
    StructureCandidates()(doc)
    assert [m for m in facts(doc)["inst"] if m["source"] == "list"] == []


def test_places_are_named_for_their_kind():
    s = StructureCandidates(is_town=lambda w: w == "Rheinfurt")
    assert s.place_name("Hessen") == "Land Hessen"
    assert s.place_name("Uri") == "Kanton Uri"
    assert s.place_name("Rheinfurt") == "Stadt Rheinfurt"
    assert s.place_name("Griechenland") == "Griechenland"
    assert StructureCandidates(is_town=lambda w: True).place_name("Schweden") == "Schweden"  # a country, though a town has its name


def _mention(start: int, canonical: str, source: str = "ner", head: str | None = None) -> dict:
    return {"start": start, "end": start + 1, "canonical": canonical, "kind": "other", "head": head, "place": None,
            "place_adj": None, "abbr": None, "modifiers": [], "source": source}


@pytest.mark.parametrize(
    "names_, groups",
    [
        # a short form of the same words, and the same words in another order
        (["Uni Talberg", "Universität Talberg"], [[0, 1]]),
        (["Beteiligungsgesellschaft Aurelia", "Aurelia Beteiligungsgesellschaft"], [[0, 1]]),
        # a distinctive short name inside exactly one longer name
        (["Johann-Kepler-Universität", "Kepler-Universität"], [[0, 1]]),
        # ... not inside two of them
        (["Aurelia Pflege GmbH", "Aurelia Bau GmbH", "Aurelia"], [[0], [1], [2]]),
        # initials of exactly one name
        (["Lindenauer Klinik Nordhain", "LKN"], [[0, 1]]),
        # a joint name of two named organisations is a variant of neither
        (["Aurelia Borealis GmbH", "Aurelia", "Borealis"], [[0], [1], [2]]),
        # a town beside its school stays a party of its own
        (["Volkshochschule Rheinfurt", "Rheinfurt"], [[0], [1]]),
        # inflected forms and place adjectives of the same words
        (["Freien Akademie", "Freie Akademie Talberg"], [[0, 1]]),
        (["Talberger Stadtwerke", "Stadtwerke Talberg"], [[0, 1]]),
        (["Rheinfurter Universität", "Universität Rheinfurt", "Universität Nordhain"], [[0, 1], [2]]),
        # ... but two names of one word are no forms of each other ("Bayer" is no "Bayern")
        (["Aurel", "Aurels"], [[0], [1]]),
        # short forms spelt from inside compounds, with linking words, or before a shared place
        (["Landessportverband", "LSV"], [[0, 1]]),
        (["Zentrum für Lehrerbildung", "ZfL"], [[0, 1]]),
        (["Medizinisches Versorgungszentrum Rheinfurt", "MVZ Rheinfurt"], [[0, 1]]),
        (["Gesellschaft für internationale Zusammenarbeit", "GIZ"], [[0, 1]]),
        # a short form beginning exactly one longer name is that name's ("ETH" -> "ETH Talberg"), also
        # when another name would spell it
        (["ETH Talberg", "ETH"], [[0, 1]]),
        (["SWN Stadtwerke Nordhain GmbH", "SWN", "Stadtwerke Neuhain GmbH"], [[0, 1], [2]]),
        # ... never from one word, nor when two names fit
        (["Zukäufe", "ZF"], [[0], [1]]),
        (["Stadtwerke Talberg", "Stadtwerke Rheinfurt", "SW"], [[0], [1], [2]]),
    ],
)
def test_variants_of_one_organisation(nlp, names_, groups):
    from extractor.assemble.institutions import resolve

    doc = nlp("Überschrift\n" + " ".join(["x"] * len(names_)))  # the mentions stand below the headline
    mentions = [_mention(2 + k, n, "place" if n == "Rheinfurt" else "ner") for k, n in enumerate(names_)]
    _, of = resolve(doc, mentions)
    for group in groups:
        assert len({id(of[k]) for k in group}) == 1, (names_, group)
    assert len({id(of[g[0]]) for g in groups}) == len(groups), names_


def test_an_entity_is_named_in_the_nominative(nlp):
    """Of "Talberger Stadtwerke" and "Stadtwerke Talberg", or of "Freien Akademie Talberg" and
    "Freie Akademie Talberg", the form without the adjective or the inflection names the entity."""
    from extractor.assemble.institutions import resolve

    for names_, expected in ((["Talberger Stadtwerke", "Stadtwerke Talberg"], "Stadtwerke Talberg"),
                             (["Freien Akademie Talberg", "Freie Akademie Talberg"], "Freie Akademie Talberg")):
        doc = nlp("Überschrift\n x x")
        entities, _ = resolve(doc, [_mention(2 + k, n, "ner") for k, n in enumerate(names_)])
        assert [e.name for e in entities] == [expected], names_


@pytest.mark.parametrize(
    "abbr, name, place, expected",
    [
        ("UKN", "Universitätsklinikum Nordhain", None, True),
        ("TUR", "Technische Universität Rheinfurt", None, True),
        ("HHLT", "Hafen- und Lagerhaus Talberg AG", None, False),  # the place gives its initial only at the end
        ("HLTA", "Hafen- und Lagerhaus Talberg AG", None, True),
        ("THW", "Bundesanstalt Technisches Hilfswerk", None, True),  # one describing piece before
        ("SFB", "Stadt Freiburg", "Freiburg", False),  # no letter from inside a place
        ("EU", "Einrichtungen", None, False),
    ],
)
def test_short_forms_spell_their_names(abbr, name, place, expected):
    from extractor.nlp.abbreviations import spells

    assert spells(abbr, name, place) is expected


def test_two_houses_in_one_place_stay_apart(nlp):
    for text in ("Die Universität Talberg und die Fachhochschule Talberg kooperieren.",
                 "Das Ambrosiushospital Talberg und die Severinsklinik Talberg kooperieren."):
        assert len(build_view(nlp(text)).entities) == 2, text


def test_tagged_spans_fold_to_the_nominative(nlp):
    doc = nlp("Der Vorstand des Katholischen Klinikums Talberg tagte.")
    assert canonical(doc, 2, 6)[0] == "Katholisches Klinikum Talberg"
    doc = nlp("Der Vorstand der Industrie- und Handelskammer Talberg tagte.")
    assert canonical(doc, 3, 7)[0] == "Industrie- und Handelskammer Talberg"  # a truncated compound stays open


def test_tagged_spans_never_overwrite_rule_mentions_of_their_extent(nlp):
    doc = nlp("Die Kreisklinik Talberg und Aurelia Pflege kooperieren.")
    before = [m["canonical"] for m in facts(doc)["inst"]]
    add_spans(doc, [(1, 3, "PART"), (4, 6, "ORG")])
    after = facts(doc)["inst"]
    assert [m["canonical"] for m in after if m["source"] != "crf"] == before
    assert [m["canonical"] for m in after if m["source"] == "crf"] == ["Aurelia Pflege"]
    assert facts(doc)["tagged"] == [[1, 3, "PART"], [4, 6, "ORG"]]  # the labels of rule mentions too


def test_a_tagged_span_widens_the_rule_mention_it_holds(nlp):
    doc = nlp("Das Universitätsklinikum Knappschaftskrankenhaus Talberg kooperiert.")
    rule = [(m["start"], m["end"]) for m in facts(doc)["inst"]]
    assert rule == [(2, 4)]  # the head rule takes "Knappschaftskrankenhaus Talberg" only
    add_spans(doc, [(1, 4, "PART")])
    assert [(m["canonical"], m["source"]) for m in facts(doc)["inst"]] == [
        ("Universitätsklinikum Knappschaftskrankenhaus Talberg", "crf")]


def test_a_tagged_span_over_two_names_replaces_neither(nlp):
    doc = nlp("Die Kreisklinik Talberg und Aurelia Pflege kooperieren.")
    before = [m["canonical"] for m in facts(doc)["inst"]]
    add_spans(doc, [(1, 6, "PART")])
    assert [m["canonical"] for m in facts(doc)["inst"]] == before


def test_a_tagged_span_closes_the_parenthesis_it_opened(nlp):
    doc = nlp("Wir arbeiten mit Aurelia (Schweiz) zusammen.")
    add_spans(doc, [(3, 6, "PART")])  # "Aurelia ( Schweiz", without ")"
    crf = [m for m in facts(doc)["inst"] if m["source"] == "crf"]
    assert [(m["canonical"], m["end"]) for m in crf] == [("Aurelia (Schweiz)", 7)]


@pytest.mark.parametrize(
    "text, published, value",
    [
        ("Ab dem Schuljahr 2022/2023 lernen alle gemeinsam.", None, "2022"),
        ("Der Vertrag gilt seit 01/2020.", None, "2020-01"),
        ("Im kommenden Jahr beginnt die Kooperation.", "2024-05-06", "2025"),
        ("Im kommenden Jahr beginnt die Kooperation.", None, None),
    ],
)
def test_date_forms_for_the_date_decision(nlp, text, published, value):
    dates = facts(nlp(text))["date"]
    assert len(dates) == 1 and dates[0]["weak"]
    assert resolve(dates[0], published, None) == value


def test_a_town_in_the_headline_names_its_house(nlp):
    """"Rheinfurt und Nordhain kooperieren" above a text about their clinics: the house, named fully."""
    from extractor.assemble.institutions import resolve

    doc = nlp("Rheinfurt kooperiert\nDie Klinik Rheinfurt wächst.")
    mentions = [_mention(0, "Rheinfurt", "place"), {**_mention(4, "Klinik Rheinfurt", "head", "Klinik"), "end": 6}]
    entities, of = resolve(doc, mentions)
    assert len(entities) == 1 and entities[0].name == "Klinik Rheinfurt"


def test_a_list_member_is_never_empty(nlp):
    """"und die neue Gesellschaft": an article with no name after it starts no member."""
    doc = nlp("Die Stadtwerke Rheinfurt, die Stadtwerke Nordhain und die neue Netzgesellschaft unterzeichnen "
              "einen Kooperationsvertrag.")
    StructureCandidates()(doc)
    assert all(m["end"] > m["start"] and m["canonical"] for m in facts(doc)["inst"])


def test_towns_of_two_words_share_the_head(nlp):
    from extractor.nlp.coordination import make_structure
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    shipped = Pipeline(Settings(model="shipped", decisions=False)).nlp
    s = make_structure(shipped, "coopx_structure")
    assert s.is_town("Bad Oldesloe") and s.is_town("Lübeck") and not s.is_town("Kooperationsvertrag")


def test_the_town_after_in_names_a_house_without_a_name_of_its_own():
    """The NER marks the town; a house with a name of its own or none at all does not take it."""
    from extractor.pipeline import Pipeline
    from extractor.settings import Settings

    shipped = Pipeline(Settings(model="shipped", decisions=False)).nlp
    assert names(shipped, "Die Akademie für Pflege in Rostock und die Lindenau-Universität in Kassel forschen.") == [
        "Akademie für Pflege in Rostock", "Lindenau-Universität"]
    assert names(shipped, "Ein Institut in Rostock forscht.") == []


def test_entity_features_say_how_common_a_name_is(nlp):
    """An everyday noun taken as a list member ("Kardiologie") reads as common, an invented brand as rare."""
    from extractor.assemble import cooperations as coop_rules
    from extractor.features.entities import context, entity_features

    doc = nlp("Die Aurelia Pflege GmbH und die Zorvexa kooperieren in der Kardiologie, Onkologie und Orthopädie.")
    StructureCandidates()(doc)
    view = build_view(doc)
    _, rule_coops = coop_rules.build(doc, view.article, None)
    ctx = context(view, rule_coops)
    feats = {e.name: entity_features(view, e, ctx) for e in view.entities}
    zipf = {name: next(k for k in f if k.startswith("zipf_last=")) for name, f in feats.items()}
    assert zipf["Zorvexa"] == "zipf_last=0" and "zipf_single=0" in feats["Zorvexa"]
    assert zipf["Aurelia Pflege GmbH"] != "zipf_last=0"  # "GmbH" is a common word
    common = [n for n in zipf if n in ("Kardiologie", "Onkologie", "Orthopädie")]
    assert common and all(int(zipf[n].split("=")[1]) >= 2 for n in common)


def test_compounds_of_open_heads_coordinate(nlp):
    """"Gemeinde" and "Bund" head compounds too: "den Kirchengemeinden A und B" are two parishes."""
    doc = nlp("Die Vereinbarung wurde mit den Kirchengemeinden Talberg und Wernau unterschrieben.")
    StructureCandidates(is_town=lambda w: w in ("Talberg", "Wernau"))(doc)
    names = {m["canonical"] for m in facts(doc)["inst"]}
    assert {"Kirchengemeinde Talberg", "Kirchengemeinde Wernau"} <= names


def test_the_tagger_reads_sentences_with_cooperation_verbs_beyond_the_lead(nlp):
    text = ("Titel. Erster Satz. Zweiter Satz. Dritter Satz. "
            "Talberg Solar und Nordhain Wind kooperieren künftig. Das Wetter war gut.")
    doc = nlp(text)
    lows = [t.lower_ for t in doc]
    sents = [[t.i for t in s] for s in doc.sents]
    assert len(sents) == 6
    tagged = [OrgTagger._tagged(n, idx, lows, set()) for n, idx in enumerate(sents)]
    assert tagged == [True, True, True, True, True, False]  # the lead, then the sentence with "kooperieren"
