"""What every decision reads about one article, computed once per Doc.

The rule components have written candidates into the Doc (organisation mentions, cues, dates,
people, roles); the rule assembly has read cooperation events from them. This view keeps all of
that side by side, with the sentence of every token, so that each feature function is a cheap
look-up rather than another pass over the text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc

from extractor.assemble import institutions as inst_rules
from extractor.assemble import people as people_rules
from extractor.assemble.events import Article, read_article
from extractor.nlp.components import facts as doc_facts


@dataclass
class ArticleView:
    doc: Doc
    published: str | None
    facts: dict
    mentions: list[dict]
    entities: list[inst_rules.Entity]
    of_mention: dict[int, inst_rules.Entity]
    people: list[people_rules.PersonEntity]
    article: Article
    sent_of: dict[int, int]  # token index -> index into article.sents (content sentences only)
    cue_counts: list[Counter]  # per content sentence: "group:label" -> count
    entities_in: list[set]  # per content sentence: the entities mentioned in it
    content: list[int] = field(default_factory=list)  # sentences with at least six words

    @property
    def sents(self) -> list:
        return self.article.sents

    def sentence(self, token: int) -> int | None:
        return self.sent_of.get(token)

    def mentions_of(self, entity) -> list[tuple[int, dict]]:
        return [(i, m) for i, m in enumerate(self.mentions) if self.of_mention.get(i) is entity]


def build_view(doc: Doc, published: str | None = None) -> ArticleView:
    f = doc_facts(doc)
    mentions = f.get("inst", [])
    entities, of_mention = inst_rules.resolve(doc, mentions)
    inst_starts = {m["start"]: (m["end"], of_mention[i]) for i, m in enumerate(mentions)}
    places = {e.place: e for e in entities if e.place and " " not in e.place}
    people = people_rules.build(doc, f.get("person", []), f.get("role", []), inst_starts, places, entities)
    article = read_article(doc, f, of_mention)
    sent_of: dict[int, int] = {}
    for si, s in enumerate(article.sents):
        for k in range(s.start, s.end):
            sent_of[k] = si
    cue_counts = [Counter() for _ in article.sents]
    for si, cues in article.per_sent_cues.items():
        cue_counts[si].update(c["group"] + ":" + c["label"] for c in cues)
    entities_in: list[set] = [set() for _ in article.sents]
    for i, m in enumerate(mentions):
        si = sent_of.get(m["start"])
        if si is not None:
            entities_in[si].add(of_mention[i])
    content = [si for si, s in enumerate(article.sents) if sum(t.is_alpha for t in s) >= 6]
    return ArticleView(doc, published, f, mentions, entities, of_mention, people, article, sent_of, cue_counts,
                       entities_in, content)
