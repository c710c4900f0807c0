"""Span keys, labels and the few closed word classes the rules share."""

from __future__ import annotations

# doc.spans keys written by the rule components
INSTITUTION = "institution"
PERSON = "person"
ROLE = "role"
DATE = "date"
CUE = "coop_cue"
BOILERPLATE = "boilerplate"

# doc.user_data keys
META = "coopx"  # doc.user_data[META] is a dict of per-span facts, keyed by (key, start, end)

ARTICLES = frozenset(
    "der die das den dem des ein eine einer eines einem einen beide beiden beider diese dieser dieses diesem diesen "
    "unsere unserer unserem unseren ihre ihrer ihrem ihren seine seiner seinem seinen".split()
)
PREPOSITIONS = frozenset("an am auf aus bei beim in im mit nach von vom zu zum zur für über unter zwischen gegenüber".split())
PLACE_LINKS = (("ob", "der"), ("am",), ("an", "der"), ("im",), ("in", "der"), ("bei",), ("vor", "der"))
# small words inside a name, between its capitalised words ("Zentrum für Lehrerbildung", "Bank of China")
NAME_LINKS = frozenset("für und der des am im an von vom in zu zur zum de di du la le of and for".split())
QUOTES_CLOSE = frozenset({"“", '"', "«", "»", "”", "‘", "'"})
DASHES = frozenset({"-", "–", "—"})
# participles after a date that make it attributive: "das seit 2024 bestehende Netzwerk" dates the network
ATTRIBUTIVE_AFTER = ("bestehend", "laufend", "existierend", "währende", "begonnen")
