"""What every decision reads about one article, computed once per Doc.

The rule components have written candidates into the Doc (organisation mentions, cues, dates,
people, roles); the rule assembly has read cooperation events from them. This view keeps all of
that side by side, with the sentence of every token, so that each feature function is a cheap
look-up rather than another pass over the text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from spacy.tokens import Doc

from extractor.assemble import institutions as inst_rules
from extractor.assemble import people as people_rules
from extractor.assemble.events import Article, read_article
from extractor.nlp.docdata import facts as doc_facts


# cue groups that make a sentence one about a cooperation
CUE_GROUPS = ("cue:strong", "cue:weak", "join:join")


@dataclass
class ArticleView:
    doc: Doc
    published: str | None
    facts: dict
    mentions: list[dict]
    entities: list[inst_rules.Entity]
    people: list[people_rules.PersonEntity]
    affiliations: list  # the entities people are affiliated with (repeats allowed)
    article: Article
    cue_counts: list[Counter]  # per sentence: "group:label" -> count
    entities_in: list[set]  # per sentence: the entities mentioned in it (boilerplate left out)
    cue_sents: set[int]  # sentences with a cooperation cue
    content: list[int]  # sentences with at least six words
    dates_in: Counter  # per sentence: how many dates it names
    content_rank: dict[int, int]  # sentence -> its position among the content sentences

    @property
    def sents(self) -> list:
        return self.article.sents

    def sentence(self, token: int) -> int | None:
        return self.article.sent_of.get(token)


def build_view(doc: Doc, published: str | None = None) -> ArticleView:
    f = doc_facts(doc)
    mentions = f.get("inst", [])
    entities, of_mention = inst_rules.resolve(doc, mentions)
    inst_starts = {m["start"]: (m["end"], of_mention[i]) for i, m in enumerate(mentions)}
    places = {e.place: e for e in entities if e.place and " " not in e.place}
    people = people_rules.build(doc, f.get("person", []), f.get("role", []), inst_starts, places, entities)
    article = read_article(doc, f, of_mention)
    cue_counts = article.cue_counts
    entities_in = [{e for e, _ in article.per_sent_ents.get(si, ())} for si in range(len(article.sents))]
    cue_sents = {si for si, cc in enumerate(cue_counts) if any(cc[g] for g in CUE_GROUPS)}
    content = article.content
    affiliations = [p.affiliation for p in people if p.affiliation is not None]
    dates_in = Counter(article.sent_of.get(d["start"]) for d in f.get("date", []))
    return ArticleView(doc, published, f, mentions, entities, people, affiliations, article, cue_counts,
                       entities_in, cue_sents, content, dates_in,
                       {si: r for r, si in enumerate(content)})
