"""Text classification and tagging in one call (seqfast.nn.tasks): train, evaluate, predict, save/load, unknown
words keeping their spelling, and bad input."""
import pathlib

import numpy as np
import pytest

import seqfast
from seqfast.data import ClassificationData, EmptyClassError, TaggedData
from seqfast.nn.tasks import (TaskConfig, evaluate_classifier, evaluate_tagger, labels_of, predict_classifier,
                              predict_tagger, train_classifier, train_tagger)

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
SMALL = dict(hidden=16, embedding=12, epochs=2, threads=1, progress=False)


@pytest.fixture(scope="module")
def polarity():
    return ClassificationData.read([DATA / "polarity" / "rt-polarity.pos", DATA / "polarity" / "rt-polarity.neg"],
                                   seqfast.Tokenizer("word", lower=True))


def test_classifier_learns_an_easy_task(tmp_path):
    texts = [["good", "fun", "film"], ["great", "fun"], ["bad", "dull"], ["dull", "bad", "film"]] * 30
    labels = ["pos", "pos", "neg", "neg"] * 30
    r = train_classifier(ClassificationData(texts, labels), epochs=8, hidden=8, embedding=8, threads=1,
                         progress=False, lr=0.01)
    assert r.labels == ["neg", "pos"] and len(r.valid) == 12
    assert predict_classifier(r.model, ["great fun", ["dull"]]) == ["pos", "neg"]
    ev = evaluate_classifier(r.model, r.valid)
    assert ev["accuracy"] == 1.0 and ev["confusion"].sum() == 12
    p = tmp_path / "c.npz"
    r.model.save(p)
    m = seqfast.RNNClassifier.load(p)
    assert labels_of(m) == ["neg", "pos"] and predict_classifier(m, ["fun"]) == ["pos"]


def test_classifier_on_polarity_sample(polarity):
    r = train_classifier(polarity, TaskConfig(pooling="mean", cell="gru", bidirectional=True), **SMALL)
    assert len(r.history["epoch"]) == 2
    ev = evaluate_classifier(r.model, r.valid)
    assert 0 <= ev["accuracy"] <= 1 and ev["n"] == 30 and ev["labels"] == ["neg", "pos"]
    assert len(predict_classifier(r.model, ["a moving , funny film", "tedious"])) == 2


def test_classifier_bad_input(polarity):
    r = train_classifier(polarity, **SMALL)
    with pytest.raises(ValueError, match="no token"):
        predict_classifier(r.model, ["fine", ""])
    with pytest.raises(ValueError, match="not among"):
        evaluate_classifier(r.model, ClassificationData([["x"]], ["neutral"]))
    with pytest.raises(TypeError, match="ClassificationData"):
        train_classifier([["a"]], **SMALL)
    with pytest.raises(ValueError, match="RNNClassifier"):
        predict_tagger(r.model, ["a b"])


def test_empty_class_is_named():
    data = ClassificationData([["a"], ["b"]] * 5, ["x", "y"] * 5, classes=["x", "y", "z"])
    with pytest.raises(EmptyClassError):
        train_classifier(data, valid_frac=0, **SMALL)


@pytest.fixture(scope="module")
def brown():
    return TaggedData.read([DATA / "brown" / "ca01", DATA / "brown" / "cj01"])


def test_tagger_unknown_words_keep_their_spelling(brown, tmp_path):
    r = train_tagger(brown, **SMALL, char_filters=8)
    m = r.model
    assert m.chars is not None and m.chars.num_words == len(r.vocab)  # spellings added in training are dropped
    assert "<unk>" in r.vocab.itos and r.vocab.itos[0] == "<pad>"
    ev = evaluate_tagger(m, r.valid)
    assert ev["tokens"] == r.valid.num_tokens and ev["unknown_tokens"] > 0
    assert 0 <= ev["token_accuracy"] <= 1 and ev["unknown_accuracy"] is not None
    assert m.chars.num_words == len(r.vocab)
    # two unknown words with different spellings get different character features
    feats = m.chars.forward(m.chars.add_words(["Zyxwv", "runningly"])[None], None)
    assert not np.allclose(feats[0, 0], feats[0, 1])
    m.chars.forget_added_words()
    tags = predict_tagger(m, ["The jury said it .", [], "Qwertyuiop"])
    assert len(tags[0]) == 5 and tags[1] == [] and len(tags[2]) == 1 and all(t in r.labels for t in tags[0])
    p = tmp_path / "t.npz"
    m.save(p)
    again = seqfast.RNNTagger.load(p)
    assert predict_tagger(again, ["The jury said it ."]) == tags[:1]


def test_tags_unseen_in_training_count_as_errors(brown):
    r = train_tagger(brown, **SMALL, char_filters=4)
    test = TaggedData([["The", "jury"], ["said"]], [["at", "new-tag"], ["vbd"]])
    ev = evaluate_tagger(r.model, test)
    assert ev["unseen_tag_tokens"] == 1 and ev["labels"][-1] == "<unseen tag>" and ev["tokens"] == 3
    assert ev["per_tag"]["<unseen tag>"] == (0.0, 1)
    assert ev["confusion"].shape == (len(r.labels) + 1,) * 2


def test_tagger_without_char_features_and_lower(brown):
    r = train_tagger(brown, char_features=False, lower=True, **SMALL)
    assert r.model.chars is None and all(w == w.lower() for w in r.vocab.itos)
    ev = evaluate_tagger(r.model, r.valid)
    assert ev["unknown_tokens"] > 0 and set(ev["per_tag"]) <= set(r.labels)


def test_tagger_learns_from_spelling():
    # tags fixed by a suffix: unknown words ending in -ly are adverbs, in -ed verbs
    stems = ["quick", "slow", "glad", "sad", "bold", "calm", "kind", "warm", "cold", "soft", "loud", "neat"]
    sents = [[s + "ly", t + "ed"] for s in stems[:8] for t in ("walk", "jump", "talk")]
    tags = [["rb", "vbd"]] * len(sents)
    r = train_tagger(TaggedData(sents, tags), valid_frac=0, min_freq=100, epochs=40, hidden=8, embedding=4,
                     char_filters=12, threads=1, progress=False, lr=0.02)
    assert predict_tagger(r.model, [["neatly", "hopped"], ["loudly"]]) == [["rb", "vbd"], ["rb"]]
