"""bench/compare.py writes RESULTS.md as sections, each naming the run that made it; --merge keeps the others."""
import os
import sys

import pytest

BENCH = os.path.join(os.path.dirname(__file__), "..", "..", "bench")


@pytest.fixture()
def compare(monkeypatch):
    monkeypatch.syspath_prepend(BENCH)
    import compare as mod
    yield mod
    sys.modules.pop("compare", None)


def _report(compare, name, value):
    from _util import Report
    rep = Report(name, f"title {name}", ["--quick"])
    rep.table("", ["x"], [[value]])
    return rep


def test_merge_keeps_sections_not_rerun(compare):
    first = compare.document([("text", _report(compare, "text", 1), 1.0, ""),
                              ("lm", _report(compare, "lm", 2), 2.0, "")], "python bench/compare.py --write", "")
    second = compare.document([("lm", _report(compare, "lm", 3), 3.0, "")],
                              "python bench/compare.py --only lm --write --merge", "quiet", first)
    text, lm = compare._sections(second)["text"], compare._sections(second)["lm"]
    assert "| 1 |" in text and "compare.py --write`" in text
    assert "| 3 |" in lm and "| 2 |" not in lm and "--merge`" in lm and "conditions: quiet" in lm
    assert second.index("title text") < second.index("title lm")  # COMPARISONS order


def test_failed_comparison_is_a_section(compare):
    doc = compare.document([("count", None, 5.0, "RuntimeError: boom")], "python bench/compare.py --write", "")
    assert "Not run: RuntimeError: boom" in compare._sections(doc)["count"]


def test_runs_with_other_arguments_are_sections_of_their_own(compare):
    full = compare.document([("quality", _report(compare, "quality", 1), 1.0, "")], "c1", "")
    part = compare.document([(compare._key("quality", ["--only", "pos"]), _report(compare, "quality", 2), 1.0, "")],
                            "c2", "", full)
    assert set(compare._sections(part)) == {"quality", "quality --only pos"}


def test_drop_leaves_out_a_replaced_section(compare):
    first = compare.document([("embed --seeds 1", _report(compare, "embed", 1), 1.0, ""),
                              ("lm", _report(compare, "lm", 2), 2.0, "")], "python bench/compare.py --write", "")
    second = compare.document([("embed --seeds 3", _report(compare, "embed", 3), 3.0, "")],
                              "python bench/compare.py --write --merge", "", first, drop=("embed --seeds 1",))
    assert set(compare._sections(second)) == {"embed --seeds 3", "lm"}
