"""seqfast.count_ngrams / NGramCounts against hand-checked counts and the Counter reference."""
import numpy as np
import pytest

import seqfast
from seqfast import NGramCounts, Vocab, count_ngrams
from seqfast.reference import ngram as R


def as_dicts(c: NGramCounts):
    return [None] + [c.to_dict(n) for n in range(1, c.order + 1)]


def ref_dicts(text, order, **kw):
    return [None] + [dict(x) for x in R.count_ngrams(text, order, **kw)[1:]]


def test_toy_corpus_by_hand():
    c = count_ngrams(["the cat sat", "the cat ran"], 3, pad=True)
    assert c.order == 3
    assert c.vocab.specials == ("<unk>", "<s>", "</s>")
    assert c[("<s>",)] == 2 and c[("</s>",)] == 2 and c[("the",)] == 2 and c[("sat",)] == 1
    assert c[("the", "cat")] == 2 and c[("<s>", "the")] == 2 and c[("cat", "sat")] == 1
    assert c[("<s>", "<s>")] == 0 and c[("sat", "the")] == 0  # lines never join
    assert c[("<s>", "the", "cat")] == 2 and c[("cat", "ran", "</s>")] == 1
    assert c.total(1) == 10 and c.unique(1) == 6 and c.unique(2) == 6 and c.unique(3) == 5
    assert c.counts_of_counts(2) == {1: 4, 2: 2}
    assert c.most_common(2, order=2) == [(("<s>", "the"), 2), (("the", "cat"), 2)]
    # by ids
    v = c.vocab
    assert c[(v["the"], v["cat"])] == 2


def test_arrays_contract():
    c = count_ngrams(["b a b a c", "a b"], 2)
    g, n = c.arrays(2)
    assert g.dtype == np.int32 and g.flags.c_contiguous and g.shape[1] == 2
    assert n.dtype == np.int64 and n.shape == (g.shape[0],)
    rows = [tuple(r) for r in g.tolist()]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert c.vocab.specials == ("<unk>",)
    assert c.vocab.itos[1:] == ["b", "a", "c"]  # by frequency, ties by first appearance (a, b both 3)


@pytest.mark.parametrize("level", ["word", "whitespace", "char"])
@pytest.mark.parametrize("pad", [False, True])
@pytest.mark.parametrize("boundaries", ["line", "none"])
def test_matches_reference_on_timemachine(level, pad, boundaries):
    path = seqfast.datasets.time_machine_path()
    text = seqfast.datasets.time_machine()
    c = count_ngrams(path, 4, level=level, pad=pad, boundaries=boundaries, n_threads=2)
    assert as_dicts(c) == ref_dicts(text, 4, level=level, pad=pad, boundaries=boundaries)
