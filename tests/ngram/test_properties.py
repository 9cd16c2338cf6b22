"""Property tests: the C engine equals the Counter reference on random small corpora (hypothesis), and on
the Gutenberg corpus for every order (skipped cleanly when ../shared/data is absent)."""
import glob
import pathlib
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

from seqfast import count_ngrams  # noqa: E402
from seqfast.ngram import count_ids  # noqa: E402
from seqfast.reference import ngram as R  # noqa: E402

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/

# small alphabets so n-grams repeat; "é" and "ß" exercise multi-byte UTF-8, "'" and "," the word regex
words = st.sampled_from(["a", "b", "c", "the", "cat", "é", "ßx", "don't", ",", ".", "a1"])
seps = st.sampled_from([" ", "  ", "\t", " , "])
line = st.lists(st.tuples(words, seps), max_size=12).map(lambda ws: "".join(w + s for w, s in ws).strip(" "))
corpus = st.lists(line, max_size=12)


def _dicts(c):
    return [c.to_dict(n) for n in range(1, c.order + 1)]


def _ref(text, order, **kw):
    return [dict(x) for x in R.count_ngrams(text, order, **kw)[1:]]


@settings(max_examples=60, deadline=None)
@given(lines=corpus, order=st.integers(1, 7), level=st.sampled_from(["word", "whitespace", "char"]),
       pad=st.booleans(), boundaries=st.sampled_from(["line", "none"]), nt=st.integers(1, 3))
def test_lines_source_matches_reference(lines, order, level, pad, boundaries, nt):
    c = count_ngrams(iter(lines), order, level=level, pad=pad, boundaries=boundaries, n_threads=nt)
    assert _dicts(c) == _ref("\n".join(lines) + ("\n" if lines else ""), order, level=level, pad=pad,
                             boundaries=boundaries)


@settings(max_examples=40, deadline=None)
@given(lines=corpus, order=st.integers(1, 5), level=st.sampled_from(["word", "whitespace", "char"]),
       pad=st.booleans(), final_newline=st.booleans())
def test_file_source_matches_reference(tmp_path_factory, lines, order, level, pad, final_newline):
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    p = tmp_path_factory.mktemp("h") / "t.txt"
    p.write_bytes(text.encode("utf-8"))
    c = count_ngrams(str(p), order, level=level, pad=pad)
    assert _dicts(c) == _ref(text, order, level=level, pad=pad)


@settings(max_examples=40, deadline=None)
@given(ids=st.lists(st.integers(-1, 40), max_size=300), V=st.sampled_from([41, 300, 70000]),
       order=st.integers(1, 8), nt=st.integers(1, 4))
def test_engines_match_on_random_id_streams(ids, V, order, nt):
    from seqfast import Vocab
    v = Vocab.from_tokens([f"t{i}" for i in range(V)], specials=())
    a = np.asarray(ids, dtype=np.int32)
    s = count_ids(a, v, order, nt, "sort", min_per_thread=1)
    h = count_ids(a, v, order, nt, "hash", min_per_thread=1)
    assert s == h
    # and the definition: runs of n ids between -1 markers
    from collections import Counter
    segs, cur = [], []
    for x in ids + [-1]:
        if x < 0:
            if cur:
                segs.append(cur)
            cur = []
        else:
            cur.append(x)
    for n in range(1, order + 1):
        ref = Counter(tuple(sg[i:i + n]) for sg in segs for i in range(len(sg) - n + 1))
        g, c = s.arrays(n)
        assert dict(zip(map(tuple, g.tolist()), c.tolist())) == dict(ref)


GUTENBERG = sorted(glob.glob(os.path.join(HERE, "..", "..", "shared", "data", "gutenberg", "*.txt")))


@pytest.mark.skipif(not GUTENBERG, reason="../shared/data/gutenberg not available")
def test_gutenberg_every_order_matches_reference():
    """All 13 books (shakespeare-caesar.txt is Latin-1: read with errors='replace'), orders 1..5, padded."""
    files = GUTENBERG
    texts = []
    for f in files:
        with open(f, "rb") as fh:
            texts.append(fh.read().decode("utf-8", errors="replace"))
    c = count_ngrams([pathlib.Path(f) for f in files], 5, pad=True, errors="replace")
    ref = R.count_ngrams("\n".join(t if t.endswith("\n") else t + "\n" for t in texts), 5, pad=True)
    for n in range(1, 6):
        assert c.to_dict(n) == dict(ref[n]), n
    assert c.total(1) > 1_000_000
