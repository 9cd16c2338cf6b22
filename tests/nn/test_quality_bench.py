"""bench/compare_quality.py --quick runs end to end on the samples in tests/data (no shared corpora needed)."""
import importlib.util
import os

import pytest

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "compare_quality.py")


@pytest.fixture
def bench(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(os.path.dirname(BENCH))
    spec = importlib.util.spec_from_file_location("compare_quality", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "SHARED", str(tmp_path / "no-shared-data"))  # use tests/data's samples
    return mod


def test_quick_report(bench):
    argv = ["--quick", "--threads", "1"]
    try:
        import nltk  # noqa: F401
    except ImportError:
        argv.append("--no-perceptron")
    rep = bench.report(argv)
    text = rep.markdown()
    assert "Sentiment (sentence_polarity)" in text and "Part of speech (Brown" in text
    assert "noisy sine (d2l)" in text and "last value" in text
    captions = [c for c, _, _ in rep.tables]
    assert len(captions) == 3
