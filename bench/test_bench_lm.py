"""pytest-benchmark suite for n-gram LMs on the KenLM fixture corpus (tests/data/kenlm, ~34K tokens).

    python -m pytest bench/test_bench_lm.py --benchmark-only

Each benchmark first checks the fast path against the reference or KenLM's numbers, then times it.
"""
import os

import numpy as np
import pytest

from seqfast.lm import NGramLM, read_arpa
from seqfast.reference import lm as ref

DATA = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "kenlm")
TRAIN = os.path.join(DATA, "timemachine.train.txt")
TEST = os.path.join(DATA, "timemachine.test.txt")
KENLM_PPL5 = 192.8395497265028


@pytest.fixture(scope="module")
def lm5():
    return NGramLM.fit(TRAIN, 5, level="whitespace")


def test_fit_mkn5(benchmark, lm5):
    assert round(lm5.perplexity(TEST), 2) == round(KENLM_PPL5, 2)
    benchmark(NGramLM.fit, TRAIN, 5, level="whitespace")


def test_fit_reference_mkn3(benchmark, lm5):
    lines = [[lm5.vocab[w] for w in l.split()] for l in open(TRAIN, encoding="utf-8")]
    bos, eos, unk = lm5.bos, lm5.eos, lm5.unk
    raw = ref.raw_counts_from_lines(lines, 3, bos, eos)
    benchmark.pedantic(ref.mkn_estimate, (raw, bos, eos, unk), rounds=1, iterations=1)


def test_perplexity_mkn5(benchmark, lm5):
    lines = open(TEST, encoding="utf-8").read().split("\n") * 20
    lm5.scorer
    r = benchmark(lm5.evaluate, lines)
    assert r["tokens"] == 4062 * 20


def test_write_arpa_mkn5(benchmark, lm5, tmp_path):
    benchmark(lm5.to_arpa, tmp_path / "m.arpa")


def test_read_arpa_mkn5(benchmark, lm5, tmp_path):
    lm5.to_arpa(tmp_path / "m.arpa")
    a = benchmark(read_arpa, tmp_path / "m.arpa")
    np.testing.assert_allclose(a.logp[4], lm5.ngrams(5)[1], atol=1e-6)
