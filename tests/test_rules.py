"""Rule components on small sentences the team wrote: positive AND negative cases for each rule."""

from __future__ import annotations

import pytest

from extractor.assemble.dates import resolve
from extractor.nlp.components import facts


def inst_names(nlp, text: str) -> list[str]:
    return [m["canonical"] for m in facts(nlp(text))["inst"]]


@pytest.mark.parametrize(
    "text, expected",
    [
        # genitive folds to nominative
        ("Der Chefarzt des Herzzentrums Talberg sprach.", ["Herzzentrum Talberg"]),
        # brand + head + place
        ("Die Sanovia Klinik Wernau wächst.", ["Sanovia Klinik Wernau"]),
        # inflected adjective folds to the nominative form used without article
        ("Sie sprach mit der Technischen Hochschule Kaltenbach.", ["Technische Hochschule Kaltenbach"]),
        # coordinated plural makes two houses
        ("Die Universitätskliniken Talberg und Nordhain planen.", ["Universitätsklinikum Talberg", "Universitätsklinikum Nordhain"]),
        # "für" complement belongs to the name
        ("Das Talberger Institut für Werkstofftechnik forscht.", ["Talberger Institut für Werkstofftechnik"]),
        # legal form closes a company name
        ("Die Voltaro Getriebe Kaltenbach GmbH investiert.", ["Voltaro Getriebe Kaltenbach GmbH"]),
        # compound authority names itself
        ("Das Landesgesundheitsamt prüft den Fall.", ["Landesgesundheitsamt"]),
        # place adjective with the place named elsewhere -> "Klinikum Talberg"
        ("Talberg wächst. Das Talberger Klinikum baut.", ["Klinikum Talberg"]),
        # a describing noun before a name without head noun or legal form
        ("Der Medizintechnikhersteller Dräger liefert.", ["Dräger"]),
        # abbreviated university heads with their place
        ("Die TU Talberg und die Uni Nordhain forschen.", ["TU Talberg", "Uni Nordhain"]),
        # "zu" before the place, and a known name joined by a dash
        ("Die Universität zu Talberg und das Dräger – Forschungszentrum Lübeck forschen.",
         ["Universität zu Talberg", "Dräger – Forschungszentrum Lübeck"]),
        # a foreign name's complement belongs to it
        ("Sie forscht an der Talberg University of Applied Sciences und am Institute of Technology Wernau.",
         ["Talberg University of Applied Sciences", "Institute of Technology Wernau"]),
    ],
)
def test_institution_names(nlp, text, expected):
    assert inst_names(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Die Klinik hat einen neuen Chefarzt.",  # bare head: generic, no name
        "Beide Kliniken arbeiten eng zusammen.",  # plural without places
        "Er wohnt im Landkreis Ansbach.",  # a region, not an authority acting
        "Medizinische Versorgungszentren sind wichtig.",  # plural with an adjective only
        "Die TU hat viele Studierende.",  # an abbreviated head without its place
    ],
)
def test_no_institution_in_generic_phrases(nlp, text):
    assert inst_names(nlp, text) == []


def test_name_ends_where_a_person_begins(nlp):
    from extractor.nlp.institutions import InstitutionFinder

    text = "Es unterschrieb die Direktorin des Jobcenters Talberg Wernau Jorvana Mekenstedt."
    doc = nlp(text)
    start = text.index("Jorvana")
    doc.ents = [doc.char_span(start, start + len("Jorvana Mekenstedt"), label="PER")]
    assert [m.canonical for m in InstitutionFinder()(doc)] == ["Jobcenter Talberg Wernau"]


def test_abbreviation_defined_and_reused(nlp):
    doc = nlp("Die Universitätsmedizin Talberg (UMTB) wächst. Die UMTB baut ein Zentrum.")
    ms = facts(doc)["inst"]
    assert [m["canonical"] for m in ms] == ["Universitätsmedizin Talberg", "Universitätsmedizin Talberg"]
    assert ms[0]["abbr"] == "UMTB"


def test_undefined_abbreviation_matches_initials(nlp):
    doc = nlp("Das Universitätsklinikum Nordhain berät. Das Team des UKN operiert.")
    assert [m["canonical"] for m in facts(doc)["inst"]] == ["Universitätsklinikum Nordhain"] * 2


def people(nlp, text):
    return [(p["name"], p["title"]) for p in facts(nlp(text))["person"]]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sagt Prof. Dr. med. Anna Berger heute.", [("Anna Berger", "Prof. Dr. med.")]),
        ("erklärt Florian Weidemann, Geschäftsführer.", [("Florian Weidemann", None)]),
        ("Professor Hans-Jochen Weller lobt.", [("Hans-Jochen Weller", "Professor")]),
        ("Prof. Dr. Markus von der Heyde leitet.", [("Markus von der Heyde", "Prof. Dr.")]),
        ("Univ.-Prof. Dr. Lena K. Hofstetter spricht.", [("Lena K. Hofstetter", "Univ.-Prof. Dr.")]),
        ("Dafür dankte Herr Lamprecht allen.", [("Lamprecht", None)]),
        # double first names, initials, particles right after the first name
        ("Das bestätigte Klaus-Dieter Wendland gestern.", [("Klaus-Dieter Wendland", None)]),
        ("Es sprach Verwaltungsratspräsident Kaspar E.A. Tollmann.", [("Kaspar E.A. Tollmann", None)]),
        ("Landrat Peter von der Aue und Karl van den Hoek kamen.", [("Peter von der Aue", None), ("Karl van den Hoek", None)]),
        # the name ends after its surname: no particle without "von"/"van", no word after "von X"
        ("Der Dekan Hans-Peter Lindner nennt den Nutzen.", [("Hans-Peter Lindner", None)]),
        ("Dazu äußerte sich Sabine von Arnstedt Ende April.", [("Sabine von Arnstedt", None)]),
        # a foreign particle after a surname continues it; "von" there says where from
        ("Es sprach Martin Hrabé de Angelis gestern.", [("Martin Hrabé de Angelis", None)]),
        ("Es sprach Anna Berger von Talberg gestern.", [("Anna Berger", None)]),
        ("Es lud Margit Fenner Kommunikation ein.", [("Margit Fenner", None)]),
        # a month or weekday is a surname right after a first name, not after a surname
        ("Es sprach Anna Mai im Rathaus.", [("Anna Mai", None)]),
        ("Das sagte Thomas Ludwig Montag in Talberg.", [("Thomas Ludwig", None)]),
        # "Text" in prose is no credit; a plural head before a name is no organisation's name
        ("Laut dem Text der von Präsident Reinhard Kessler unterzeichneten Urkunde gilt das.", [("Reinhard Kessler", None)]),
        ("erklärt der Oberarzt der Krankenhäuser Axel Brenner.", [("Axel Brenner", None)]),
        # a person of a house named in the genitive, a name after a dash in prose, a colon in prose
        ("Die Leiterin der Klinik Anna Berger freut sich.", [("Anna Berger", None)]),
        ("So der Vorsitzende des Vereins Hans Weber.", [("Hans Weber", None)]),
        ("Der Vertrag gilt ab Mai – Peter Müller zeigte sich erfreut.", [("Peter Müller", None)]),
        ("Ein Bild, zwei Meinungen: Anna Berger findet das gut.", [("Anna Berger", None)]),
        ("Die Fotografin Katrin Lehmann zeigt Bilder.", [("Katrin Lehmann", None)]),
        ("Die Idee hatten Anna Berger/Peter Müller.", [("Anna Berger", None), ("Peter Müller", None)]),
        ("Der Vertrag gilt.\nVon Peter Müller stammt die Idee.", [("Peter Müller", None)]),
    ],
)
def test_people(nlp, text, expected):
    assert people(nlp, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Das Konrad Weidemann-Institut warnt.",  # first name opening an organisation
        "Die Heinrich Ostermann GmbH investiert.",
        "Im März beginnt der Bau.",  # months are no names
        # bylines, photo credits and press contacts are no people of the article
        "Die Häuser kooperieren.\n\nVon Katrin Vossberg\n\nDer Vertrag gilt ab Mai.",
        "Die Häuser kooperieren. © Foto: Andreas Thielen\n\nDer Vertrag gilt ab Mai.",
        "Der Vertrag gilt ab Mai (Foto: Tina Albers).",
        "Der Vertrag gilt ab Mai. Fotos (3): Tina Albers",
        "Der Vertrag gilt ab Mai. Bild: dpa/Tina Albers",
        "Der Vertrag gilt ab Mai.\n\nKontakt\nSabrina Hollmann\nTel.: 04441 - 15",
        # a person's name inside an organisation's name
        "Er forscht am Universitätsklinikum Konrad Weidemann in Talberg.",
    ],
)
def test_no_people(nlp, text):
    assert people(nlp, text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("Auch Bürgermeister Talhuber zeigte sich mit dem Bau zufrieden.", "Talhuber"),  # a role before it
        ("Das sei ein Anfang, sagte Jorvan Mekenstedt, der Präsident des Verbands.", "Jorvan Mekenstedt"),  # a role after it
    ],
)
def test_statistical_person_beside_a_role(nlp, text, name):
    from extractor.nlp.components import PeopleComponent

    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(text.index(name), text.index(name) + len(name), label="PER")]
    assert [p["name"] for p in facts(PeopleComponent(use_ner=True)(doc))["person"]] == [name]


def test_statistical_person_needs_a_first_name_or_a_role(nlp):
    from extractor.nlp.components import PeopleComponent

    text = "Das Gemeinsame Labor arbeitet mit Kersting Antriebstechnik."
    doc = nlp.make_doc(text)
    doc.ents = [doc.char_span(text.index("Kersting"), len(text) - 1, label="PER")]
    assert facts(PeopleComponent(use_ner=True)(doc))["person"] == []


@pytest.mark.parametrize(
    "text, name, role, affiliation",
    [
        # role after the name, organisation after the role is the affiliation
        ("„Gut“, erklärt Florian Weidemann, Klinikgeschäftsführer der Sanovia Klinik Wernau.", "Florian Weidemann",
         "Klinikgeschäftsführer", "Sanovia Klinik Wernau"),
        # role before the name with the organisation in between (genitive folded)
        ("Der Präsident des Landesgesundheitsamts, Ulrich Brenner, sagte dies.", "Ulrich Brenner", "Präsident",
         "Landesgesundheitsamt"),
        # modifier and sub-unit stay in the role
        ("sagt Dr. Maria Kern, Leitende Oberärztin für Nephrologie an der Sanovia Klinik Borna.", "Maria Kern",
         "Leitende Oberärztin für Nephrologie", "Sanovia Klinik Borna"),
        # genitive role folds to nominative
        ("zur Freude des Vorstandsvorsitzenden der Universitätsmedizin Talberg, Prof. Dr. Eva Lind.", "Eva Lind",
         "Vorstandsvorsitzender", "Universitätsmedizin Talberg"),
        # the organisation closes a longer apposition: a project named first
        ("sagt Dr. Nora Brandt, Leiterin des Pilotprojekts Tele-Visite am Universitätsklinikum Nordhain.", "Nora Brandt",
         "Leiterin des Pilotprojekts", "Universitätsklinikum Nordhain"),
        # role, adjective, organisation, then the name
        ("Der Präsident der staatlichen Hochschule Lindenau, Prof. Dr. Jonas Keller, unterschrieb.", "Jonas Keller",
         "Präsident", "Hochschule Lindenau"),
        # an article between the comma and the role
        ("„Gut“, sagt Dr. Anna Berger, die Leiterin der Sanovia Klinik Wernau.", "Anna Berger", "Leiterin",
         "Sanovia Klinik Wernau"),
    ],
)
def test_roles_and_affiliations(extract, text, name, role, affiliation):
    rec = extract("Das Universitätsklinikum Nordhain und die Sanovia Klinik Borna kooperieren. " + text)
    person = next(p for p in rec.people if p.name == name)
    assert person.role == role
    names = {i.id: i.name for i in rec.institutions}
    assert names.get(person.affiliation) == affiliation


@pytest.mark.parametrize(
    "phrase, published, expected",
    [
        ("am 3. Juni 2025", None, "2025-06-03"),
        ("Ab 14.09.2023", None, "2023-09-14"),
        ("seit Mai 2021", None, "2021-05"),
        ("Seit März", "2025-03-18", "2025-03"),  # month without year: publication year
        ("Seit März", None, None),  # ... and null without one
        ("gestern", "2008-11-20", "2008-11-19"),
        ("am Freitag", "2020-07", "2020-07"),  # relative day, month-precise publication
        ("im Jahr 2000", None, "2000"),
    ],
)
def test_dates(nlp, phrase, published, expected):
    doc = nlp(f"Die Kooperation begann {phrase} offiziell.")
    dates = facts(doc)["date"]
    assert len(dates) == 1
    assert doc[dates[0]["start"] : dates[0]["end"]].text == phrase
    assert resolve(dates[0], published, None) == expected


def test_cooperation_between_two_named_partners(extract):
    rec = extract("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg haben am 3. Juni 2025 einen "
                  "Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung und Telekonsile.")
    assert rec.is_cooperation
    names = {i.id: i.name for i in rec.institutions}
    coop = rec.cooperations[0]
    assert sorted(names[p] for p in coop.partners) == ["Klinikum Hardenbrück", "Universitätsklinikum Mühlberg"]
    assert coop.status == "started"
    assert coop.date.value == "2025-06-03" and coop.date.kind == "signed"
    assert {"education", "telemedicine"} <= set(coop.types)


def test_network_members_joining_in_sequence(extract):
    rec = extract("Das Netzwerk Lungengesundheit wurde im Januar 2023 vom Klinikum Chemnitz gegründet. "
                  "Als erster Partner trat die Sanovia Klinik Zwickau dem Netzwerk bei. "
                  "Im Februar folgte das Erzgebirgsklinikum Annaberg und im März das Kreiskrankenhaus Freiberg.")
    names = {i.id: i.name for i in rec.institutions}
    pairs = {frozenset(names[p] for p in c.partners): c for c in rec.cooperations}
    joined = pairs[frozenset({"Klinikum Chemnitz", "Erzgebirgsklinikum Annaberg"})]
    assert joined.date.value == "2023-02" and joined.status == "ongoing"
    assert pairs[frozenset({"Klinikum Chemnitz", "Kreiskrankenhaus Freiberg"})].date.value == "2023-03"
    assert all(c.name == "Netzwerk Lungengesundheit" for c in rec.cooperations)


@pytest.mark.parametrize(
    "text",
    [
        # plain acquisition blocked by the authority
        "Die Landeskartellbehörde hat der Kreisklinik Talheim untersagt, das Marienstift-Krankenhaus Talheim zu erwerben. "
        "Mit der Fusion hätte die Kreisklinik in der Region eine beherrschende Stellung erreicht.",
        # one organisation alone
        "Das Klinikum Rheinhagen hat einen neuen Chefarzt. Dr. Paul Meier übernimmt die Leitung der Chirurgie.",
        # a cooperation stopped by the competition authority
        "Wettbewerbshüter stoppen Klinikpartnerschaft\nDie Landeskartellbehörde hat die geplante Zusammenarbeit der Ruhrtal-Klinik "
        "Brilon und des Diemel-Krankenhauses Marsberg untersagt.",
        # a cooperation mentioned only in passing, late in a text about something else
        "Stadtwerke Talheim mit Rekordgewinn\nDie Stadtwerke Talheim haben 2024 mehr Strom verkauft. Der Umsatz stieg um "
        "zwölf Prozent. Die Zahl der Kunden wuchs. Neue Windräder gingen ans Netz. Die Preise blieben stabil. "
        "Das Personal wurde aufgestockt. Die Investitionen stiegen. Außerdem kooperiert die Stadtwerke Talheim GmbH "
        "mit der Hochschule Talheim bei Praktika.",
    ],
)
def test_no_cooperation(extract, text):
    rec = extract(text)
    assert not rec.is_cooperation and rec.cooperations == []


def test_announcer_is_not_a_partner(extract):
    rec = extract("Die Universitätsmedizin Talberg und die Universitätsmedizin Nordhain haben einen "
                  "Kooperationsvertrag unterzeichnet, wie das Gesundheitsministerium am Dienstag mitteilte.", published="2021-04-13")
    names = {i.id: i.name for i in rec.institutions}
    assert sorted(names[p] for p in rec.cooperations[0].partners) == ["Universitätsmedizin Nordhain", "Universitätsmedizin Talberg"]


def test_boilerplate_gives_no_facts(extract):
    rec = extract("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg kooperieren in der Weiterbildung.\n"
                  "Foto: Stadtwerke Hardenbrück GmbH\nMehr zum Thema\nKlinikum Wiesental und Universität Eschenau schließen Kooperation")
    names = sorted(i.name for i in rec.institutions)
    assert names == ["Klinikum Hardenbrück", "Universitätsklinikum Mühlberg"]


def test_implicit_host_of_zusammenarbeit_mit(extract):
    """"Zusammenarbeit mit X" in a text about Y: Y is the other party."""
    rec = extract("Das Klinikum Rinteln setzt auf Partner. Das Klinikum Rinteln wächst seit Jahren. "
                  "Bewährt hat sich die seit 2019 bestehende Zusammenarbeit mit dem Rehazentrum Bad Eilsen.")
    names = {i.id: i.name for i in rec.institutions}
    assert [sorted(names[p] for p in c.partners) for c in rec.cooperations] == [["Klinikum Rinteln", "Rehazentrum Bad Eilsen"]]


def test_descriptor_noun_is_not_part_of_the_name(extract):
    rec = extract("Die Hochschule Talheim und der Antriebshersteller Kersting Antriebstechnik GmbH haben einen "
                  "Kooperationsvertrag unterzeichnet.")
    assert sorted(i.name for i in rec.institutions) == ["Hochschule Talheim", "Kersting Antriebstechnik GmbH"]


def test_funder_is_not_a_partner(extract):
    rec = extract("Die Nachwuchsgruppe Enzymkatalyse der Universität Talheim wird vom Landesforschungsministerium mit "
                  "1,8 Mio. Euro gefördert und kooperiert eng mit der Technischen Hochschule Kaltenbach.")
    names = {i.id: i.name for i in rec.institutions}
    assert all("Landesforschungsministerium" not in names[p] for c in rec.cooperations for p in c.partners)


@pytest.mark.parametrize(
    "text, name, affiliation",
    [
        # a minister and the ministry of the same field
        ("Die Universitätsmedizin Talberg und die Universitätsmedizin Nordhain kooperieren, teilte das "
         "Gesundheitsministerium mit. Gesundheitsministerin Carla Wohlfahrt lobte den Vertrag.", "Carla Wohlfahrt",
         "Gesundheitsministerium"),
        # the house kind inside a compound role
        ("Die Universitätsmedizin Talberg und das Brenntal-Institut für Datenanalyse kooperieren. "
         "„Wir freuen uns“, erklärt Institutsleiter Dr. Tobias Wenzel.", "Tobias Wenzel", "Brenntal-Institut für Datenanalyse"),
        # a text about one organisation: its functions belong to it
        ("Das Klinikum Rheinhagen baut. Das Klinikum Rheinhagen wächst. Geschäftsführer Guido Hase ist zufrieden.",
         "Guido Hase", "Klinikum Rheinhagen"),
    ],
)
def test_affiliation_implied_by_the_role(extract, text, name, affiliation):
    rec = extract(text)
    person = next(p for p in rec.people if p.name == name)
    assert {i.id: i.name for i in rec.institutions}.get(person.affiliation) == affiliation


def test_no_affiliation_guessed_between_two_houses(extract):
    rec = extract("Das Klinikum Hardenbrück und das Universitätsklinikum Mühlberg kooperieren. Geschäftsführer Guido Hase lobt.")
    assert next(p for p in rec.people if p.name == "Guido Hase").affiliation is None


def test_menu_lines_above_the_headline_do_not_hide_the_lead(extract):
    menu = "\n".join(["Startseite", "Aktuelles", "Presse", "Karriere", "Kontakt", "Facebook Instagram", "Suche", "Menü"])
    rec = extract(menu + "\nNeue Partnerschaft in der Region\nDas Klinikum Hardenbrück und das Universitätsklinikum "
                  "Mühlberg haben einen Kooperationsvertrag unterzeichnet. Die Zusammenarbeit umfasst die Weiterbildung.")
    assert rec.is_cooperation


def _with_statistical_orgs(nlp, text: str, orgs: list[str]):
    """Run the rule components on `text` as if a statistical NER had tagged `orgs` as ORG."""
    from spacy.tokens import Span

    doc = nlp.make_doc(text)
    for name in ("coopx_sentences", "coopx_boilerplate"):
        doc = nlp.get_pipe(name)(doc)
    ents = []
    for org in orgs:
        start = text.index(org)
        ents.append(doc.char_span(start, start + len(org), label="ORG"))
    doc.ents = [e for e in ents if isinstance(e, Span)]
    assert len(doc.ents) == len(orgs)
    return {m["name"] if "name" in m else m["canonical"] for m in facts(nlp.get_pipe("coopx_institutions")(doc))["inst"]}


def test_statistical_orgs_that_are_no_partners_are_dropped(nlp):
    text = ("Die Voltaro Systemtechnik und das Klinikum Nordhain schließen eine strategische Allianz. "
            "Die Allianz soll Verwaltung, Einkauf und IT bündeln. "
            "Das gemeinsame „Labor für Zellchemie“ zieht um, sagt der Direktor der Klinik für Psychiatrie. "
            "BU: Unterzeichnung in Nordhain.")
    found = _with_statistical_orgs(nlp, text, ["Voltaro Systemtechnik", "Allianz", "IT", "Labor für Zellchemie",
                                               "Klinik für Psychiatrie", "BU"])
    assert "Voltaro Systemtechnik" in found
    assert not found & {"Allianz", "IT", "Labor für Zellchemie", "Klinik für Psychiatrie", "BU"}


_KIND_OF_TIED_MENTIONS = """
import spacy
from extractor.assemble.institutions import resolve
nlp = spacy.blank("de")
nlp.add_pipe("sentencizer")
doc = nlp("Zentrum Talberg und Zentrum Talberg")
mentions = [dict(start=s, end=s + 2, canonical="Zentrum Talberg", kind=k, head="Zentrum", place="Talberg", abbr=None,
                 modifiers=[], source="head") for s, k in ((0, "other"), (3, "university"))]
print(resolve(doc, mentions)[0][0].kind)
"""


def test_an_organisations_kind_does_not_depend_on_the_hash_seed():
    """Two mentions of one organisation with different kinds: the record is the same in every
    process (string hashing is randomised per process); a kind says more than "other"."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    kinds = {subprocess.run([sys.executable, "-c", _KIND_OF_TIED_MENTIONS], capture_output=True, text=True, check=True,
                            cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert kinds == {"university"}


def test_a_list_bullet_never_starts_a_company_name(nlp):
    doc = nlp("Die Gründungsmitglieder:\n- Kliniken Talberg AG\n- Aurelia Pflege GmbH\n")
    names = [doc[m["start"] : m["end"]].text for m in facts(doc)["inst"]]
    assert "Kliniken Talberg AG" in names and not any(n.startswith("-") for n in names)
