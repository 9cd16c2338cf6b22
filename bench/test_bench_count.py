"""pytest-benchmark suite for n-gram counting (run: python -m pytest bench/test_bench_count.py).

The fast engine is checked against the Counter reference before it is timed. bench/data/base.txt comes from
`python bench/make_corpus.py`; without it the base-corpus benchmarks are skipped (the bundled corpus is used).
"""
import os

import pytest

pytest.importorskip("pytest_benchmark")

import seqfast  # noqa: E402
from seqfast import count_ngrams  # noqa: E402
from seqfast.ngram import _frequency_order, _stream_ids, count_ids  # noqa: E402
from seqfast.reference import ngram as R  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "data", "base.txt")
TM = seqfast.datasets.time_machine_path()


def _corpus(name):
    if name == "timemachine":
        return TM
    if not os.path.exists(BASE):
        pytest.skip("run `python bench/make_corpus.py` to make bench/data/base.txt")
    return BASE


@pytest.fixture(scope="module", params=["timemachine", "base"])
def corpus(request):
    path = _corpus(request.param)
    c = count_ngrams(path, 5, level="whitespace", pad=True)
    with open(path, encoding="utf-8") as f:
        ref = R.count_ngrams(f.read(), 5, level="whitespace", pad=True)
    assert all(c.to_dict(n) == dict(ref[n]) for n in range(1, 6)), "engine disagrees with the reference"
    return path


@pytest.mark.parametrize("threads", [1, 2])
def test_count_file_orders_1_5_pad(benchmark, corpus, threads):
    c = benchmark(count_ngrams, corpus, 5, level="whitespace", pad=True, n_threads=threads)
    benchmark.extra_info["tokens"] = c.total(1)


@pytest.mark.parametrize("method", ["sort", "hash"])
@pytest.mark.parametrize("threads", [1, 2])
def test_count_stage_only(benchmark, corpus, method, threads):
    ids, itos, sp = _stream_ids("paths", [corpus], "whitespace", True, "line", False, "strict", None)
    ids, itos, fr, _ = _frequency_order(ids, itos, len(sp))
    v = seqfast.Vocab.from_tokens(itos, specials=sp, freqs=fr)
    c = benchmark(count_ids, ids, v, 5, threads, method)
    benchmark.extra_info["tokens"] = c.total(1)


def test_word_level_read(benchmark, corpus):
    benchmark(count_ngrams, corpus, 1, level="word")


def test_counter_reference(benchmark):
    with open(TM, encoding="utf-8") as f:
        text = f.read()
    benchmark.pedantic(R.count_ngrams, args=(text, 5), kwargs={"level": "whitespace", "pad": True}, rounds=2)
