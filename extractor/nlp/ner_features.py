"""Token features for coopx's CRF named-entity tagger (shared by training and run time).

A linear-chain CRF over hand-made features beats a from-scratch CNN on GermEval when no
pretrained vectors exist: spelling, affixes and shape generalise to unseen names, and
lexical statistics from larger German text (word frequencies, capitalisation counts,
distributional clusters, entity lexicons) tell names from capitalised common nouns.

Features of a word type are computed once and cached, so a sentence costs only the
sentence-level look-ups (lexicon spans, neighbours, bigrams).  Every resource lives in
one folder (`NerResources.to_disk`), next to the CRF weights.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from extractor.nlp import hashed, lexicons
from extractor.nlp.frequencies import Frequencies, load_frequencies
from extractor.nlp.hashed import HashTable, Lookup
from extractor.nlp.linear_chain import LinearChain

MAX_SPAN = 6  # longest lexicon entry matched (tokens)
MAX_CACHED_TYPES = 200_000  # the type cache is emptied beyond this, so a long batch run cannot grow without bound
SENT_END = frozenset({".", "!", "?", ":", '"', "„", "“", "«", "»", "(", "-"})

_UPPER = re.compile(r"[A-ZÄÖÜ]")
_LOWER = re.compile(r"[a-zäöüß]")
_DIGIT = re.compile(r"[0-9]")
_REPEAT = re.compile(r"(.)\1+")


def shape(word: str) -> str:
    return _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", word)))


@dataclass
class Gazetteers:
    """coopx's own word lists (extractor/nlp/data, through `lexicons`), seen as token sequences."""

    first_names: frozenset[str]
    titles: frozenset[str]
    heads: frozenset[str]
    compound_heads: tuple[str, ...]
    legal: frozenset[tuple[str, ...]]

    @classmethod
    @lru_cache(maxsize=4)
    def from_package(cls, saved_heads: bytes | None = None) -> Gazetteers:
        """`saved_heads`: the head nouns a model was trained with (`head_snapshot`); without
        them, the package's heads.csv. A model keeps its own, so that a head added for the rules
        does not change the features its weights were fitted to."""
        if saved_heads is None:
            heads, compound = head_words()
        else:
            rows = [line.split("\t") for line in saved_heads.decode("utf-8").splitlines()]
            heads = {w for kind, w in rows if kind == "head"}
            compound = {w for kind, w in rows if kind == "compound"}
        legal = [" ".join(form) for form in lexicons.legal_forms()]
        return cls(
            first_names=lexicons.first_names(),
            titles=frozenset(t.rstrip(".") for t in lexicons.titles()),
            heads=frozenset(heads),
            compound_heads=tuple(sorted(compound, key=len, reverse=True)),
            legal=frozenset({tuple(x.replace(".", " .").split()) for x in legal} | {tuple(x.split()) for x in legal}),
        )


def head_words() -> tuple[set[str], set[str]]:
    """(last words of every head form, lower-case compound heads) of the package's heads.csv."""
    heads, compound = set(), set()
    for row in lexicons.head_rows():
        for form in [row["form"], *(f for f in (row["inflected"] or "").split("|") if f)]:
            last = form.split()[-1]
            heads.add(last)
            if row.get("compound") == "1":
                compound.add(last.lower())
    return heads, compound


def head_snapshot() -> bytes:
    """The package's head words as a model saves them (one "head|compound TAB word" per line)."""
    heads, compound = head_words()
    lines = [f"head\t{w}" for w in sorted(heads)] + [f"compound\t{w}" for w in sorted(compound)]
    return ("\n".join(lines) + "\n").encode("utf-8")


class PhraseTable:
    """Phrases (token tuples) with one label each, matched longest-first over a token list.

    Held as two `HashTable`s, so that half a million place names load in milliseconds and take
    about 6 MB (saved as one .npz file): every word that starts a phrase -> its longest phrase
    and its own label (one look-up for most words of a text), and the phrases of two or more
    words -> their label.
    """

    def __init__(self, labels: dict[tuple[str, ...], str] | None = None):
        labels = labels or {}
        names = tuple(sorted(set(labels.values())))
        if len(names) > 254:
            raise ValueError(f"a phrase table holds at most 254 labels, not {len(names)}")
        code = {name: k for k, name in enumerate(names)}
        words: dict[str, int] = {}  # longest << 8 | (own label + 1)
        for phrase, label in labels.items():
            packed = words.get(phrase[0], 0)
            if len(phrase) == 1:
                packed = packed & ~0xFF | code[label] + 1
            else:
                packed = max(packed >> 8, min(len(phrase), 255)) << 8 | packed & 0xFF
            words[phrase[0]] = packed
        self._set(HashTable.build(words.items(), np.uint16),
                  HashTable.build((" ".join(p), code[label]) for p, label in labels.items() if len(p) > 1), names)

    def _set(self, words: HashTable, phrases: HashTable, names: Sequence[str]) -> None:
        self._words, self._phrases, self.names = words, phrases, tuple(sys.intern(n) for n in names)
        self._raw: bytes | None = None
        self._size = len(phrases) + int(np.count_nonzero(words.values & 0xFF))
        self._word = hashed.cached(words.get, 1 << 17)
        self._phrase = hashed.cached(phrases.get, 1 << 15)

    def __len__(self) -> int:
        return self._size

    def match(self, words: Sequence[str]) -> list[str | None]:
        """BIO tags (B-label/I-label) of the longest known phrase at each position."""
        tags: list[str | None] = [None] * len(words)
        i, n = 0, len(words)
        word_of, phrase_of, names = self._word, self._phrase, self.names
        while i < n:
            packed = word_of(words[i])
            if not packed:
                i += 1
                continue
            length, code = 1, (packed & 0xFF) - 1
            for longer in range(min(packed >> 8, MAX_SPAN, n - i), 1, -1):
                found = phrase_of(" ".join(words[i:i + longer]))
                if found is not None:
                    length, code = longer, found
                    break
            if code >= 0:
                label = names[code]
                tags[i] = "B-" + label
                for j in range(i + 1, i + length):
                    tags[j] = "I-" + label
                i += length
            else:
                i += 1
        return tags

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {f"{prefix}names": np.array(self.names, dtype=str), **self._words.arrays(f"{prefix}word_"),
                **self._phrases.arrays(f"{prefix}phrase_")}

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "") -> PhraseTable:
        table = cls.__new__(cls)
        table._set(HashTable.from_arrays(arrays, f"{prefix}word_"), HashTable.from_arrays(arrays, f"{prefix}phrase_"),
                   [str(n) for n in arrays[f"{prefix}names"]])
        return table

    def to_disk(self, path: Path) -> None:
        """One .npz: both tables and the label names."""
        if self._raw is not None:
            path.write_bytes(self._raw)
            return
        hashed.save(path, **self.arrays())

    @classmethod
    def from_disk(cls, path: Path) -> PhraseTable:
        """The .npz that `to_disk` writes, or the gzipped text of older models (per label a line
        "<TAB>label", then its phrases, tokens joined by spaces), which is hashed on loading."""
        raw = path.read_bytes()
        if path.suffix != ".npz":
            labels: dict[tuple[str, ...], str] = {}
            for section in gzip.decompress(raw).decode("utf-8").split("\t")[1:]:
                label, _, body = section.partition("\n")
                labels.update(dict.fromkeys((tuple(p.split(" ")) for p in body.split("\n")[:-1]), label))
            return cls(labels)
        with np.load(io.BytesIO(raw), allow_pickle=False) as arrays:
            table = cls.from_arrays(arrays)
        table._raw = raw
        return table


class SpanLexicon:
    """Entity strings with label counts, plus how often each token was inside an entity.

    Built from tagged text it keeps the counts; loaded (`from_arrays`) only what the features
    read: the majority label of each string, and each token's `token_kinds`."""

    UNKNOWN = ("unk",)

    def __init__(self, spans: dict[tuple[str, ...], Counter] | None = None, tokens: dict[str, Counter] | None = None):
        self.spans: dict[tuple[str, ...], Counter] = spans or {}
        self.tokens: dict[str, dict[str, int]] = tokens or {}
        self._table = PhraseTable({s: max(c, key=c.get) for s, c in self.spans.items()})
        self._kinds: Lookup | None = None

    @classmethod
    def from_tagged(cls, sentences: Iterable[tuple[Sequence[str], Sequence[str]]]) -> SpanLexicon:
        """From (words, BIO tags) pairs; tokens outside entities count as "O"."""
        spans: dict[tuple[str, ...], Counter] = {}
        tokens: dict[str, Counter] = {}
        for words, tags in sentences:
            inside = {}
            for a, b, label in bio_spans(tags):
                spans.setdefault(tuple(words[a:b]), Counter())[label] += 1
                inside.update((i, label) for i in range(a, b))
            for i, w in enumerate(words):
                tokens.setdefault(w, Counter())[inside.get(i, "O")] += 1
        return cls(spans, tokens)

    @staticmethod
    def kinds_of(counts: dict[str, int] | None) -> tuple[str, ...]:
        """Each entity label the token had, with its share (hi/mid/lo); else O (O1: seen once)."""
        if not counts:
            return SpanLexicon.UNKNOWN
        n = sum(counts.values())
        out = []
        for label, k in counts.items():
            if label != "O":
                r = k / n
                out += [label, f"{label}:{'hi' if r > 0.66 else 'mid' if r > 0.33 else 'lo'}"]
        return tuple(out) if out else ("O" if n >= 2 else "O1",)

    def token_kinds(self, word: str) -> tuple[str, ...]:
        if self._kinds is not None:
            return self._kinds.get(word, self.UNKNOWN)
        return self.kinds_of(self.tokens.get(word))

    def token_features(self, word: str, prefix: str) -> list[str]:
        return [prefix + kind for kind in self.token_kinds(word)]

    def match(self, words: Sequence[str]) -> list[str | None]:
        """Longest-match BIO tags of known entity strings (majority label)."""
        return self._table.match(words)

    def to_json(self) -> dict:
        return {"spans": [[list(s), dict(c)] for s, c in self.spans.items()],
                "tokens": {w: dict(c) for w, c in self.tokens.items()}}

    @classmethod
    def from_json(cls, data: dict) -> SpanLexicon:
        """Run-time form of the JSON that models before `lookups.npz` shipped."""
        lex = cls()
        lex._table = PhraseTable({tuple(s): max(c, key=c.get) for s, c in data["spans"]})
        lex._kinds = Lookup.build((w, cls.kinds_of(c)) for w, c in data["tokens"].items())
        return lex

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        kinds = self._kinds if self._kinds is not None else \
            Lookup.build((w, self.kinds_of(c)) for w, c in self.tokens.items())
        return {**self._table.arrays(prefix), **kinds.arrays(f"{prefix}token_")}

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> SpanLexicon:
        lex = cls()
        lex._table = PhraseTable.from_arrays(arrays, prefix)
        lex._kinds = Lookup.from_arrays(arrays, f"{prefix}token_")
        return lex


def bio_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, label) of BIO chunks; an I- that does not continue its label opens a chunk."""
    out, start, label = [], None, None
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("I-") and label == tag[2:]:
            continue
        if label is not None:
            out.append((start, i, label))
            start, label = None, None
        if tag[:2] in ("B-", "I-"):
            start, label = i, tag[2:]
    return out


@dataclass
class NerResources:
    """Everything the featurizer reads besides the word itself.

    Built in memory by training, as dicts; saved (`to_disk`) and loaded as hashed tables
    (`lookups.npz`, `places.npz`: ready in milliseconds, where parsing the same text took most
    of a second). A loaded set keeps the files' bytes, so it saves exactly what it read.
    """

    lowercase: Mapping[str, int] = field(default_factory=dict)   # word.lower() -> lowercase occurrences
    capital: Mapping[str, int] = field(default_factory=dict)     # word.lower() -> capitalised non-initial occurrences
    clusters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # word -> cluster ids (coarse..fine)
    external: SpanLexicon = field(default_factory=SpanLexicon)  # entity strings of other corpora
    train: SpanLexicon = field(default_factory=SpanLexicon)     # entity strings of the training data
    places: PhraseTable = field(default_factory=PhraseTable)  # place names -> population class
    frequency: Frequencies | None = None                       # word.lower() -> Zipf class (wordfreq)
    files: dict[str, bytes] | None = None                      # the bytes read by from_disk

    LOOKUPS = "lookups.npz"
    LEGACY = ("capitalisation.tsv", "clusters.tsv", "external_lexicon.json", "train_lexicon.json")  # before lookups.npz
    HEADS = "gazetteer_heads.tsv"  # the head nouns the weights were trained with (older models: none)
    PLACES = "places.npz"  # older models: places.tsv.gz

    def to_disk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.places.to_disk(folder / self.PLACES)
        if self.files is not None:
            for name, data in self.files.items():
                (folder / name).write_bytes(data)
            return
        (folder / self.HEADS).write_bytes(head_snapshot())
        hashed.save(folder / self.LOOKUPS, **self.arrays())

    def arrays(self) -> dict[str, np.ndarray]:
        clusters = self.clusters if isinstance(self.clusters, Lookup) else Lookup.build(self.clusters.items())
        counts = {}
        for name, table in (("lower_", self.lowercase), ("capital_", self.capital)):
            if not isinstance(table, HashTable):
                table = HashTable.build(((w, n) for w, n in table.items() if n), np.uint32)
            counts.update(table.arrays(name))
        return {**counts, **clusters.arrays("cluster_"), **self.external.arrays("external_"), **self.train.arrays("train_")}

    @classmethod
    def from_disk(cls, folder: Path) -> NerResources:
        names = [cls.LOOKUPS] if (folder / cls.LOOKUPS).exists() else list(cls.LEGACY)
        files = {name: (folder / name).read_bytes() for name in names + [cls.HEADS] if (folder / name).exists()}
        places = folder / cls.PLACES
        places = PhraseTable.from_disk(places if places.exists() else folder / "places.tsv.gz")
        if cls.LOOKUPS not in files:
            return cls(*cls._legacy(files), places, load_frequencies(), files)
        with np.load(io.BytesIO(files[cls.LOOKUPS]), allow_pickle=False) as a:
            return cls(HashTable.from_arrays(a, "lower_"), HashTable.from_arrays(a, "capital_"), Lookup.from_arrays(a, "cluster_"),
                       SpanLexicon.from_arrays(a, "external_"), SpanLexicon.from_arrays(a, "train_"), places,
                       load_frequencies(), files)

    @staticmethod
    def _legacy(files: dict[str, bytes]) -> tuple:
        """The text files of models before `lookups.npz`."""
        low, cap, clusters = {}, {}, {}
        for line in files["capitalisation.tsv"].decode("utf-8").splitlines():
            w, lo, ca = line.split("\t")
            if lo != "0":
                low[w] = int(lo)
            if ca != "0":
                cap[w] = int(ca)
        for line in files["clusters.tsv"].decode("utf-8").splitlines():
            w, *ids = line.split("\t")
            clusters[w] = tuple(sys.intern(i) for i in ids)
        ext, train = (SpanLexicon.from_json(json.loads(files[n])) for n in ("external_lexicon.json", "train_lexicon.json"))
        return low, cap, clusters, ext, train


def count_capitalisation(sentences: Iterable[Sequence[str]]) -> tuple[Counter, Counter]:
    """Lowercase vs capitalised-inside-a-sentence counts per lowercased word, from raw text."""
    low, cap = Counter(), Counter()
    for words in sentences:
        prev = "."
        for w in words:
            if w[:1].isalpha():
                if w[0].islower():
                    low[w.lower()] += 1
                elif prev not in SENT_END:
                    cap[w.lower()] += 1
            prev = w
    return low, cap


class Featurizer:
    """Sentence (list of words) -> list of feature lists, one per word."""

    def __init__(self, resources: NerResources, attributes: frozenset[str] | None = None):
        """`attributes`: the ones a trained CRF has weights for; the rest is never emitted,
        which changes no prediction and saves most of the tagging time."""
        self.res = resources
        self.gz = Gazetteers.from_package((resources.files or {}).get(NerResources.HEADS))
        self.attributes = attributes
        self._types: dict[str, tuple] = {}
        self._briefs: dict[str, tuple] = {}
        self._legal_firsts = {t[0] for t in self.gz.legal}

    # ----------------------------------------------------------------- word types
    def _cap_class(self, w: str) -> str | None:
        if not w[:1].isupper():
            return None
        k = w.lower()
        lo, ca = self.res.lowercase.get(k, 0), self.res.capital.get(k, 0)
        if lo + ca == 0:
            return "cs=unseen"
        r = lo / (lo + ca)
        return "cs=" + ("low" if r > 0.5 else "some" if r > 0.05 else "cap") + ("" if lo + ca > 3 else "_rare")

    def _type(self, w: str) -> tuple:
        """`features` of a word type, cached (training and `sentence`)."""
        hit = self._types.get(w)
        if hit is None:
            if len(self._types) >= MAX_CACHED_TYPES:
                self._types.clear()
            hit = self._types[w] = self.features(w)
        return hit

    def _brief(self, w: str) -> tuple:
        """At run time only the first four of `features` are kept per type (the rest is scored
        once by each `LinearChain` and dropped); a type seen for the first time gives all of them."""
        hit = self._briefs.get(w)
        if hit is None:
            if len(self._briefs) >= MAX_CACHED_TYPES:
                self._briefs.clear()
            hit = self.features(w)
            self._briefs[w] = hit[:4]
        return hit

    def features(self, w: str) -> tuple:
        """(lower case, coarse type, is a title, capitalisation class, own features, features
        seen from a neighbour at -2, -1, +1, +2)."""
        lw = w.lower()
        sh = shape(w)
        ss = _REPEAT.sub(r"\1", sh)[:6]
        t = "T" if w[:1].isupper() else "d" if w[:1].isdigit() else "p" if not w[:1].isalnum() else "l"
        if w.isupper() and len(w) > 1:
            t = "U"
        gz = self.gz
        own = ["w=" + lw, "W=" + w if w[:1].isupper() else "Wl", "sh=" + sh[:8], "ss=" + ss, "t=" + t,
               "len=" + str(min(len(w), 12))]
        for k in range(1, 5):
            if len(w) >= k:
                own.append(f"p{k}={lw[:k]}")
                own.append(f"s{k}={lw[-k:]}")
        if len(w) > 6:
            own.append("s5=" + lw[-5:])
        if any(c.isdigit() for c in w):
            own.append("dig")
            if w.isdigit():
                own.append(f"alldig{len(w)}")
        if "-" in w and len(w) > 1:
            parts = w.split("-")
            own += ["hyph", "hlast=" + parts[-1].lower(), "hfirst=" + parts[0].lower()]
            if parts[0][:1].isupper() and parts[-1][:1].isupper():
                own.append("hTT")
        if w.isupper() and len(w) > 1:
            own.append("allcap")
        if any(c.isupper() for c in w[1:]) and not w.isupper():
            own.append("innercap")
        if "." in w and len(w) > 1:
            own.append("dot")
        cap = self._cap_class(w)
        if cap:
            own.append(cap)
        zipf = "zf=" + ((self.res.frequency.get(lw) if self.res.frequency is not None else None) or "none")
        own.append(zipf)
        if t in ("T", "U"):
            own.append("T" + zipf)
        clusters = self.res.clusters.get(w) or self.res.clusters.get(lw) or ()
        for n, cid in enumerate(clusters):
            own.append(f"c{n}={cid}")
        first = w in gz.first_names
        if first:
            own.append("gz:first")
        if w in gz.heads:
            own.append("gz:head")
        if w[:1].isupper() and lw.endswith(gz.compound_heads):
            for h in gz.compound_heads:
                if lw.endswith(h) and len(lw) > len(h) + 2:
                    own.append("gz:comphead")
                    break
        title = w.rstrip(".") in gz.titles
        if title:
            own.append("gz:title")
        lex = self.res.train.token_features(w, "lx=")
        ext = self.res.external.token_features(w, "xt=")
        own += lex
        own += ext
        near = ["w=" + lw, "ss=" + ss, "t=" + t]
        near1 = near + ["s3=" + lw[-3:]] + ([cap] if cap else []) + lex + ([f"c0={clusters[0]}"] if clusters else [])
        if first:
            near1.append("gz:first")
        views = tuple([f"{d}{x}" for x in (near1 if abs(d) == 1 else near)] for d in (-2, -1, 1, 2))
        if self.attributes is not None:
            own = [x for x in own if x in self.attributes]
            views = tuple([x for x in v if x in self.attributes] for v in views)
        return (lw, t, title, cap, own, *views)

    # ----------------------------------------------------------------- sentences
    def _legal_marks(self, words: Sequence[str]) -> set[int]:
        legal = set()
        for i, w in enumerate(words):
            if w in self._legal_firsts:
                for length in range(1, 5):
                    if tuple(words[i:i + length]) in self.gz.legal:
                        legal.add(i)
        return legal

    def parts(self, words: Sequence[str], brief: bool = False) -> tuple[list[tuple], list[list[str]]]:
        """Per word: its type's `features` (`brief`: as `_brief` keeps them), and the features
        only this sentence gives (position, lexicon spans, neighbours' tags, bigrams)."""
        n = len(words)
        types = [self._brief(w) for w in words] if brief else [self._type(w) for w in words]
        train_tags = self.res.train.match(words)
        ext_tags = self.res.external.match(words)
        geo_tags = self.res.places.match(words)
        legal = self._legal_marks(words)
        keep = self.attributes
        local = []
        for i in range(n):
            lw, t, cap = types[i][0], types[i][1], types[i][3]
            f = ["bias", "pos=" + ("0" if i == 0 else "1" if i == 1 else "m" if i < n - 1 else "e")]
            if i == 0:
                f.append("BOS")
                if cap:
                    f.append("0" + cap)
            if i == n - 1:
                f.append("EOS")
            if i in legal:
                f.append("gz:legal")
            if legal and any(j in legal for j in range(i + 1, min(n, i + 6))):
                f.append("gz:legal_right")
            if i > 0 and types[i - 1][2]:
                f.append("gz:after_title")
            for tags, key in ((train_tags, "gs="), (ext_tags, "xs="), (geo_tags, "geo=")):
                tag = tags[i]
                if tag:
                    f.append(key + tag)
                    f.append(key + tag[2:])
            if i < 2:
                f.append("-2PAD")
            for d in (-1, 1):
                j = i + d
                if not 0 <= j < n:
                    f.append(f"{d}PAD")
                    continue
                for tags, key in ((train_tags, "gs="), (geo_tags, "geo="), (ext_tags, "xs=")):
                    if tags[j]:
                        f.append(f"{d}{key}{tags[j][:1] if key == 'geo=' else tags[j]}")
                bigram = f"bg-={types[j][0]}|{lw}" if d < 0 else f"bg+={lw}|{types[j][0]}"
                if keep is None or bigram in keep:
                    f.append(bigram)
            if i + 2 >= n:
                f.append("2PAD")
            f.append(f"tt={types[i - 1][1] if i else '^'}{t}{types[i + 1][1] if i < n - 1 else '$'}")
            local.append(f)
        return types, local

    def sentence(self, words: Sequence[str]) -> list[list[str]]:
        """Every feature of every word, as strings (what crfsuite trains on)."""
        return self.joined(*self.parts(words))

    @staticmethod
    def joined(types: list[tuple], local: list[list[str]]) -> list[list[str]]:
        """The strings of `parts` (not brief), word by word."""
        n = len(types)
        return [[*types[i][4], *(types[i - 2][5] if i >= 2 else ()), *(types[i - 1][6] if i else ()),
                 *(types[i + 1][7] if i < n - 1 else ()), *(types[i + 2][8] if i + 2 < n else ()), *local[i]]
                for i in range(n)]

    def emissions(self, chain: LinearChain, words: Sequence[str], types: list[tuple],
                  local: Sequence[Iterable[str]]) -> np.ndarray:
        """The label scores `chain` gives each word of a sentence (`parts`, brief or not): its
        type's rows, its neighbours' (as seen from it), and the weights of the sentence's own features."""
        rows = chain.type_rows(words, lambda k: types[k][4:] if len(types[k]) > 4 else self.features(words[k])[4:])
        out = rows[:, 0].copy()
        out[2:] += rows[:-2, 1]
        out[1:] += rows[:-1, 2]
        out[:-1] += rows[1:, 3]
        out[:-2] += rows[2:, 4]
        return chain.add_local(out, local)
