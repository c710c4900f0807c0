"""The one entry point from raw input to a validated Record:
clean -> nlp (one spaCy Language) -> assemble -> Record (validated by pydantic).

A `Pipeline` loads the spaCy model once; `run_many` streams documents through `nlp.pipe`.
Once the vocabulary holds `Settings.warm_vocabulary` strings, every call runs inside
`nlp.memory_zone()`, so the strings and lexemes of one batch of texts are freed after it: a
server or batch worker stays flat however many distinct texts it sees. Until then, the words
stay, and the tokenizer, which caches nothing inside a zone, gets to cache the frequent ones.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache

from extractor import clean as cleaning
from extractor import decide
from extractor.assemble.facts import build_facts
from extractor.documents import CleanDocument, RawDocument, Skip
from extractor.errors import CoopxError
from extractor.nlp import loader
from extractor.records import Record, Source
from extractor.settings import DEFAULT, Settings


class Pipeline:
    """Loaded once per process (or worker); cheap to call for every document."""

    def __init__(self, settings: Settings = DEFAULT) -> None:
        self.settings = settings
        self.nlp, self.info, self._notes = loader.resolve(settings.model)
        # decisions were trained on the statistical pipeline's candidates; rules-only keeps the rules
        self.decisions = decide.shipped() if settings.decisions and self.info.kind != "rules_only" else None
        if self.decisions is not None:
            loader.add_candidate_components(self.nlp)
            self.info = self.info.model_copy(
                update={"components": [*self.nlp.pipe_names, f"coopx_decisions:{self.decisions.version}"]})

    # -- single documents ---------------------------------------------------------------
    def extract(self, raw: RawDocument) -> Record:
        """Record for one input; raises CoopxError when the input cannot be used."""
        doc = cleaning.clean(raw, self.settings)
        return self.extract_clean(doc)

    def extract_clean(self, doc: CleanDocument) -> Record:
        with self._zone():
            try:
                return self._record(doc, self.nlp(doc.text))
            except CoopxError:
                raise
            except Exception as exc:  # a bug or an input the NLP cannot take: still the project's error
                raise CoopxError(f"cannot analyse this text: {type(exc).__name__}: {exc}", stage="extract") from exc

    def run(self, raw: RawDocument) -> Record | Skip:
        """Like `extract`, but a bad input becomes a Skip instead of an exception."""
        return next(self.run_many([raw]))

    def _zone(self) -> AbstractContextManager:
        if len(self.nlp.vocab.strings) < self.settings.warm_vocabulary:
            return nullcontext()
        return self.nlp.memory_zone()

    # -- streams -----------------------------------------------------------------------
    def run_many(self, raws: Iterable[RawDocument], batch_size: int | None = None) -> Iterator[Record | Skip]:
        """Records (or Skips) in input order; the NLP runs batched through `nlp.pipe`."""
        batch_size = batch_size or self.settings.batch_size
        pending: list[tuple[RawDocument, CleanDocument | Skip]] = []
        for raw in raws:
            pending.append((raw, self._clean_or_skip(raw)))
            if len(pending) >= batch_size:
                yield from self._flush(pending)
                pending = []
        if pending:
            yield from self._flush(pending)

    def _clean_or_skip(self, raw: RawDocument) -> CleanDocument | Skip:
        try:
            return cleaning.clean(raw, self.settings)
        except CoopxError as exc:
            kind = "skipped" if exc.stage == "language" else "failed"
            return Skip(raw.origin, exc.stage, exc.message, raw.id, kind)
        except Exception as exc:  # one broken input must never stop a batch
            return Skip(raw.origin, "clean", f"{type(exc).__name__}: {exc}", raw.id)

    def _flush(self, pending: list[tuple[RawDocument, CleanDocument | Skip]]) -> Iterator[Record | Skip]:
        cleaned = [c for _, c in pending if isinstance(c, CleanDocument)]
        out: list[Record | Skip] = []
        with self._zone():  # records are plain data: built inside, used after
            docs = self._parse([c.text for c in cleaned])
            for raw, c in pending:
                if isinstance(c, Skip):
                    out.append(c)
                    continue
                try:
                    doc = next(docs)
                    if isinstance(doc, Exception):
                        raise doc
                    out.append(self._record(c, doc))
                except Exception as exc:
                    out.append(Skip(raw.origin, "extract", f"{type(exc).__name__}: {exc}", raw.id))
        yield from out

    def _parse(self, texts: list[str]) -> Iterator:
        """A Doc (or the exception it raised) per text: `nlp.pipe` for speed, and when that
        raises, the remaining texts one at a time, so one bad text costs only itself."""
        done = 0
        try:
            for doc in self.nlp.pipe(texts):
                done += 1
                yield doc
        except Exception:
            for text in texts[done:]:
                try:
                    yield self.nlp(text)
                except Exception as exc:
                    yield exc

    # -- assembly ----------------------------------------------------------------------
    def _record(self, clean: CleanDocument, doc) -> Record:
        facts = build_facts(doc, published=clean.published, decisions=self.decisions)
        sha = hashlib.sha256(clean.text.encode("utf-8")).hexdigest()
        return Record(
            id=sha[:16],
            source=Source(
                id=clean.id,
                path=clean.path,
                url=clean.url,
                title=clean.title,
                published=clean.published,
                published_origin=clean.published_origin,
                sitename=clean.sitename,
                language=clean.language,
                text_sha256=sha,
            ),
            pipeline=self.info,
            is_cooperation=facts.is_cooperation,
            institutions=facts.institutions,
            people=facts.people,
            cooperations=facts.cooperations,
            warnings=[*self._notes, *clean.warnings],
        )


@lru_cache(maxsize=4)
def shared(settings: Settings) -> Pipeline:
    """This process's Pipeline for these settings, loaded on first use only. What is loaded
    lives as long as the process: frozen, the garbage collector stops walking the model's
    millions of objects at each full collection (a sixth of a batch's run time before)."""
    pipeline = Pipeline(settings)
    gc.freeze()
    return pipeline


def extract_text(text: str, *, published: str | None = None, id: str | None = None, settings: Settings = DEFAULT) -> Record:
    """Record for a plain German text (the pipeline is loaded once and reused)."""
    raw = RawDocument(origin=id or "text", content=text, id=id, content_type="text", published=published)
    return shared(settings).extract(raw)


def extract_html(html: str | bytes, *, url: str | None = None, id: str | None = None, published: str | None = None,
                 settings: Settings = DEFAULT) -> Record:
    """Record for an HTML page: trafilatura finds the article text and its metadata."""
    raw = RawDocument(origin=url or id or "html", content=html, id=id, content_type="html", url=url, published=published)
    return shared(settings).extract(raw)
