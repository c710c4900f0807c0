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
import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import msgpack
import numpy as np

from extractor.nlp import lexicons
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

    Looked up by the hash of the joined phrase, so half a million place names cost tens of
    megabytes rather than hundreds; `labels` (the phrases themselves) is only kept by tables
    built in memory, for saving.
    """

    def __init__(self, labels: dict[tuple[str, ...], str] | None = None):
        self.labels = labels or {}
        self._index: dict[int, str] = {}
        self._longest: dict[int, int] = {}  # hash(first word) -> longest phrase starting with it
        self._raw: bytes | None = None
        for phrase, label in self.labels.items():
            self._add(" ".join(phrase), phrase[0], len(phrase), label)

    def _add(self, key: str, first: str, length: int, label: str) -> None:
        self._index[hash(key)] = sys.intern(label)
        h = hash(first)
        if self._longest.get(h, 0) < length:
            self._longest[h] = length

    def __len__(self) -> int:
        return len(self._index)

    def match(self, words: Sequence[str]) -> list[str | None]:
        """BIO tags (B-label/I-label) of the longest known phrase at each position."""
        tags: list[str | None] = [None] * len(words)
        i, n = 0, len(words)
        index = self._index
        while i < n:
            longest = self._longest.get(hash(words[i]))
            if longest:
                for length in range(min(longest, MAX_SPAN, n - i), 0, -1):
                    label = index.get(hash(" ".join(words[i:i + length]) if length > 1 else words[i]))
                    if label:
                        tags[i] = "B-" + label
                        for j in range(i + 1, i + length):
                            tags[j] = "I-" + label
                        i += length
                        break
                else:
                    i += 1
            else:
                i += 1
        return tags

    def to_disk(self, path: Path) -> None:
        """Gzipped text: per label a line "<TAB>label", then its phrases (tokens joined by spaces)."""
        if self._raw is not None:
            path.write_bytes(self._raw)
            return
        by_label: dict[str, list[str]] = {}
        for phrase, label in self.labels.items():
            by_label.setdefault(label, []).append(" ".join(phrase))
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for label, phrases in sorted(by_label.items()):
                fh.write("\t" + label + "\n" + "".join(p + "\n" for p in sorted(phrases)))

    @classmethod
    def from_disk(cls, path: Path) -> PhraseTable:
        table = cls()
        table._raw = path.read_bytes()
        multi = []
        for section in gzip.decompress(table._raw).decode("utf-8").split("\t")[1:]:
            label, _, body = section.partition("\n")
            phrases = body.split("\n")[:-1]
            table._index.update(dict.fromkeys(map(hash, phrases), sys.intern(label)))
            table._longest.update(dict.fromkeys(map(hash, (p for p in phrases if " " not in p)), 1))
            multi += (p for p in phrases if " " in p)
        for phrase in multi:
            h, length = hash(phrase.split(" ", 1)[0]), phrase.count(" ") + 1
            if table._longest.get(h, 0) < length:
                table._longest[h] = length
        return table


class SpanLexicon:
    """Entity strings with label counts, plus how often each token was inside an entity."""

    def __init__(self, spans: dict[tuple[str, ...], Counter] | None = None, tokens: dict[str, Counter] | None = None):
        self.spans: dict[tuple[str, ...], Counter] = spans or {}
        self.tokens: dict[str, dict[str, int]] = tokens or {}
        self._table = PhraseTable({s: max(c, key=c.get) for s, c in self.spans.items()})

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

    def token_features(self, word: str, prefix: str) -> list[str]:
        counts = self.tokens.get(word)
        if not counts:
            return [prefix + "unk"]
        n = sum(counts.values())
        out = []
        for label, k in counts.items():
            if label != "O":
                r = k / n
                out.append(f"{prefix}{label}")
                out.append(f"{prefix}{label}:{'hi' if r > 0.66 else 'mid' if r > 0.33 else 'lo'}")
        if not out:
            out.append(prefix + ("O" if n >= 2 else "O1"))
        return out

    def match(self, words: Sequence[str]) -> list[str | None]:
        """Longest-match BIO tags of known entity strings (majority label)."""
        return self._table.match(words)

    def to_json(self) -> dict:
        return {"spans": [[list(s), dict(c)] for s, c in self.spans.items()],
                "tokens": {w: dict(c) for w, c in self.tokens.items()}}

    @classmethod
    def from_json(cls, data: dict) -> SpanLexicon:
        """Run-time form: the span strings are not kept, only their majority-label table."""
        lex = cls()
        lex.tokens = data["tokens"]
        lex._table = PhraseTable({tuple(s): max(c, key=c.get) for s, c in data["spans"]})
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

    Loaded from disk, the run-time structures drop what only saving needs; the files' bytes
    are kept instead, so a loaded pipeline saves exactly what it read.
    """

    lowercase: dict[str, int] = field(default_factory=dict)   # word.lower() -> lowercase occurrences
    capital: dict[str, int] = field(default_factory=dict)     # word.lower() -> capitalised non-initial occurrences
    clusters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word -> cluster ids (coarse..fine)
    external: SpanLexicon = field(default_factory=SpanLexicon)  # entity strings of other corpora
    train: SpanLexicon = field(default_factory=SpanLexicon)     # entity strings of the training data
    places: PhraseTable = field(default_factory=PhraseTable)  # place names -> population class
    frequency: dict[int, str] | None = None                    # hash(word.lower()) -> Zipf class (wordfreq)
    files: dict[str, bytes] | None = None                      # the bytes read by from_disk

    FILES = ("capitalisation.tsv", "clusters.tsv", "external_lexicon.json", "train_lexicon.json")
    HEADS = "gazetteer_heads.tsv"  # the head nouns the weights were trained with (older models: none)

    def to_disk(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.places.to_disk(folder / "places.tsv.gz")
        if self.files is not None:
            for name, data in self.files.items():
                (folder / name).write_bytes(data)
            return
        (folder / self.HEADS).write_bytes(head_snapshot())
        with open(folder / "capitalisation.tsv", "w", encoding="utf-8") as fh:
            for w in sorted(set(self.lowercase) | set(self.capital)):
                fh.write(f"{w}\t{self.lowercase.get(w, 0)}\t{self.capital.get(w, 0)}\n")
        with open(folder / "clusters.tsv", "w", encoding="utf-8") as fh:
            for w, ids in sorted(self.clusters.items()):
                fh.write(w + "\t" + "\t".join(ids) + "\n")
        for name, lex in (("external_lexicon.json", self.external), ("train_lexicon.json", self.train)):
            (folder / name).write_text(json.dumps(lex.to_json(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")

    @classmethod
    def from_disk(cls, folder: Path) -> NerResources:
        files = {name: (folder / name).read_bytes() for name in cls.FILES}
        if (folder / cls.HEADS).exists():
            files[cls.HEADS] = (folder / cls.HEADS).read_bytes()
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
        return cls(low, cap, clusters, ext, train, PhraseTable.from_disk(folder / "places.tsv.gz"),
                   load_frequencies(), files)


@lru_cache(maxsize=1)
def load_frequencies() -> dict[int, str]:
    """hash(word) -> Zipf class "1".."7" from the `wordfreq` package's German 'large' list.

    Its data file (msgpack: a header, then one word list per centibel of frequency) is read
    directly: importing wordfreq itself costs 0.3 s, and its cached `get_frequency_dict` would
    hold ~80 MB of strings.
    """
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("coopx's NER model needs the 'wordfreq' package (pip install wordfreq)")
    path = Path(spec.submodule_search_locations[0]) / "data" / "large_de.msgpack.gz"
    with gzip.open(path, "rb") as fh:
        header, *lists = msgpack.unpackb(fh.read(), raw=False)
    if not isinstance(header, dict) or header.get("format") != "cB":
        raise ValueError(f"unexpected wordfreq data format in {path}")
    out: dict[int, str] = {}
    for i in range(len(lists) - 1, -1, -1):  # rarest first, so a word listed twice keeps its higher class
        out.update(dict.fromkeys(map(hash, lists[i]), sys.intern(str(max(1, min(7, int(9 - i / 100)))))))
    return out


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
        zipf = "zf=" + ((self.res.frequency or {}).get(hash(lw)) or "none")
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
