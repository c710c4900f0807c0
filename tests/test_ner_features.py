"""Features of the CRF tagger: BIO chunking, entity lexicons, capitalisation counts, caching."""

from __future__ import annotations

from collections import Counter

from extractor.nlp.frequencies import Frequencies, load_frequencies
from extractor.nlp.hashed import HashTable
from extractor.nlp.ner_features import Featurizer, NerResources, PhraseTable, SpanLexicon, bio_spans, count_capitalisation


def test_bio_spans_follow_the_official_chunking():
    assert bio_spans(["B-PER", "I-PER", "O", "I-ORG", "I-ORG", "B-LOC", "I-PER"]) == [
        (0, 2, "PER"), (3, 5, "ORG"), (5, 6, "LOC"), (6, 7, "PER")]
    assert bio_spans([]) == []


def test_span_lexicon_longest_match_and_round_trip():
    lex = SpanLexicon.from_tagged([
        (["Das", "Klinikum", "Rheinfurt", "wächst"], ["O", "B-ORG", "I-ORG", "O"]),
        (["Rheinfurt", "liegt", "am", "Fluss"], ["B-LOC", "O", "O", "O"]),
    ])
    assert lex.match(["im", "Klinikum", "Rheinfurt", "und", "in", "Rheinfurt"]) == [
        None, "B-ORG", "I-ORG", None, None, "B-LOC"]
    assert lex.token_features("Rheinfurt", "lx=") == ["lx=ORG", "lx=ORG:mid", "lx=LOC", "lx=LOC:mid"]
    assert lex.token_features("Fluss", "lx=") == ["lx=O1"]
    assert lex.token_features("Unbekannt", "lx=") == ["lx=unk"]
    words = ["Klinikum", "Rheinfurt", "und", "Rheinfurt", "Fluss", "Unbekannt"]
    for again in (SpanLexicon.from_json(lex.to_json()), SpanLexicon.from_arrays(lex.arrays("x_"), "x_")):
        assert again.match(words) == lex.match(words)
        assert [again.token_features(w, "lx=") for w in words] == [lex.token_features(w, "lx=") for w in words]


def test_capitalisation_counts_ignore_sentence_initial_words():
    low, cap = count_capitalisation([["Neue", "Wege", "gehen", "neue", "Firmen", "."], ["Firmen", "wachsen"]])
    assert low == Counter({"gehen": 1, "neue": 1, "wachsen": 1})
    assert cap == Counter({"wege": 1, "firmen": 1})


def _featurizer():
    return Featurizer(NerResources(lowercase={"neue": 5}, capital={"neue": 1, "berger": 9},
                                   clusters={"Berger": ("3", "17", "201")},
                                   train=SpanLexicon.from_tagged([(["Anna", "Berger"], ["B-PER", "I-PER"])]),
                                   frequency=Frequencies(HashTable.build([("neue", 5)]))))


def test_features_describe_word_neighbours_and_lexicons():
    feats = _featurizer().sentence(["Prof.", "Anna", "Berger", "sagte"])
    berger = feats[2]
    assert {"w=berger", "c0=3", "c2=201", "cs=cap", "zf=none", "Tzf=none", "lx=PER", "gs=I-PER"} <= set(berger)
    assert {"-1w=anna", "1w=sagte", "-2w=prof.", "bg-=anna|berger"} <= set(berger)
    assert "gz:after_title" in feats[1] and "gz:first" in feats[1]
    assert "BOS" in feats[0] and "EOS" in feats[3] and "2PAD" in feats[3]
    assert "zf=5" in _featurizer().sentence(["neue"])[0]


def test_type_features_are_cached_but_sentence_features_are_not():
    fz = _featurizer()
    a = fz.sentence(["Anna", "Berger"])
    b = fz.sentence(["Berger", "Anna"])
    assert "BOS" in a[0] and "BOS" in b[0]
    assert "w=anna" in a[0] and "w=anna" in b[1]
    assert fz._types["Anna"] is fz._type("Anna")


def test_resources_round_trip(tmp_path):
    res = NerResources(lowercase={"neue": 5}, capital={"berger": 9}, clusters={"Berger": ("3", "17")},
                       train=SpanLexicon.from_tagged([(["Anna", "Berger"], ["B-PER", "I-PER"])]),
                       places=PhraseTable({("Bad", "Rheinfurt"): "p1", ("Lindenau",): "p0"}))
    res.to_disk(tmp_path)
    again = NerResources.from_disk(tmp_path)
    assert again.lowercase.get("neue") == 5 and again.lowercase.get("berger", 0) == 0 and again.capital.get("berger") == 9
    assert again.clusters.get("Berger") == ("3", "17") and again.clusters.get("berger") is None
    assert again.train.match(["Anna", "Berger"]) == ["B-PER", "I-PER"]
    assert again.places.match(["in", "Bad", "Rheinfurt", "und", "Lindenau"]) == [None, "B-p1", "I-p1", None, "B-p0"]
    assert again.frequency.get("und") == "7" and again.frequency.get("kooperation") is not None  # wordfreq's German list
    again.to_disk(tmp_path / "copy")  # a loaded resource set saves exactly the bytes it read
    assert all((tmp_path / "copy" / f.name).read_bytes() == f.read_bytes() for f in tmp_path.iterdir() if f.is_file())


def test_type_cache_is_bounded(monkeypatch):
    from extractor.nlp import ner_features

    monkeypatch.setattr(ner_features, "MAX_CACHED_TYPES", 3)
    fz = _featurizer()
    fz.sentence(["eins", "zwei", "drei", "vier", "fünf"])
    assert len(fz._types) <= 3


def test_a_model_keeps_the_head_nouns_it_was_trained_with(tmp_path, monkeypatch):
    """A head added to heads.csv for the rules must not change the features of a saved model."""
    from extractor.nlp import lexicons, ner_features

    NerResources().to_disk(tmp_path)
    saved = NerResources.from_disk(tmp_path)
    assert saved.files[NerResources.HEADS] == ner_features.head_snapshot()
    row = {"form": "Zwergwerkstatt", "inflected": "", "kind": "other", "gender": "f", "compound": "1"}
    monkeypatch.setattr(lexicons, "head_rows", lambda: (*lexicons._csv("heads.csv"), row))
    cache = ner_features.Gazetteers.__dict__["from_package"].__func__
    cache.cache_clear()
    try:
        assert "gz:head" in Featurizer(NerResources()).features("Zwergwerkstatt")[4]  # the package's list
        own = Featurizer(saved).features("Zwergwerkstatt")[4]
        assert "gz:head" not in own and "gz:comphead" not in own
        assert "gz:head" in Featurizer(saved).features("Klinikum")[4]
    finally:
        cache.cache_clear()


def test_a_model_folder_of_the_text_format_gives_the_same_features(tmp_path):
    """Model folders saved before `lookups.npz` / `places.npz` hold text files; they still load,
    and their words get the features the hashed tables give."""
    import gzip
    import json

    train = SpanLexicon.from_tagged([(["Anna", "Berger", "vom", "Klinikum", "Talberg"], ["B-PER", "I-PER", "O", "B-ORG", "I-ORG"]),
                                     (["Talberg", "liegt", "im", "Norden"], ["B-LOC", "O", "O", "O"])])
    external = SpanLexicon.from_tagged([(["Stadtwerke", "Lindenau"], ["B-ORG", "I-ORG"])])
    res = NerResources(lowercase={"neue": 5, "norden": 1}, capital={"berger": 9, "neue": 2},
                       clusters={"Berger": ("3", "17"), "norden": ("1", "2")}, external=external, train=train,
                       places=PhraseTable({("Bad", "Rheinfurt"): "p1", ("Talberg",): "p0"}), frequency=load_frequencies())
    res.to_disk(tmp_path / "new")
    old = tmp_path / "old"
    old.mkdir()
    (old / "capitalisation.tsv").write_text("".join(f"{w}\t{res.lowercase.get(w, 0)}\t{res.capital.get(w, 0)}\n"
                                                    for w in sorted(set(res.lowercase) | set(res.capital))), encoding="utf-8")
    (old / "clusters.tsv").write_text("".join(w + "\t" + "\t".join(ids) + "\n" for w, ids in sorted(res.clusters.items())),
                                      encoding="utf-8")
    for name, lex in (("external_lexicon.json", external), ("train_lexicon.json", train)):
        (old / name).write_text(json.dumps(lex.to_json()), encoding="utf-8")
    (old / "places.tsv.gz").write_bytes(gzip.compress(b"\tp0\nTalberg\n\tp1\nBad Rheinfurt\n"))
    words = ["Prof.", "Anna", "Berger", "vom", "Klinikum", "Talberg", "in", "Bad", "Rheinfurt", "und", "Neue", "Stadtwerke",
             "Lindenau", "im", "Norden", "Unbekannt"]
    want = Featurizer(res).sentence(words)
    assert Featurizer(NerResources.from_disk(tmp_path / "new")).sentence(words) == want
    assert Featurizer(NerResources.from_disk(old)).sentence(words) == want
    assert "cs=low" in want[10] and {"cs=low_rare", "c0=1"} <= set(want[14]) and "geo=B-p1" in want[7]
