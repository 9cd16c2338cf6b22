"""Classification / tagging / regression metrics (seqfast.metrics): hand-checked cases, scikit-learn agreement
when it is installed, and bad input."""
import numpy as np
import pytest

from seqfast.metrics import (accuracy, confusion_matrix, format_confusion, macro_f1, per_class_accuracy,
                             precision_recall_f1, rmse)


def test_hand_checked():
    t = [0, 0, 1, 1, 2]
    p = [0, 1, 1, 1, 0]
    cm = confusion_matrix(t, p)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    prec, rec, f1 = precision_recall_f1(cm)
    np.testing.assert_allclose(prec, [0.5, 2 / 3, 0.0])
    np.testing.assert_allclose(rec, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(f1, [0.5, 0.8, 0.0])
    assert macro_f1(t, p) == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert accuracy(t, p) == pytest.approx(0.6)
    acc, sup = per_class_accuracy(t, p)
    np.testing.assert_allclose(acc, [0.5, 1.0, 0.0])
    assert sup.tolist() == [2, 2, 1]


def test_mask_ignores_padding():
    t = np.array([[1, 2, 0], [3, 0, 0]])
    p = np.array([[1, 1, 3], [3, 2, 2]])
    m = np.array([[1, 1, 0], [1, 0, 0]], bool)
    assert accuracy(t, p, m) == pytest.approx(2 / 3)
    assert confusion_matrix(t, p, 4, mask=m).sum() == 3


def test_num_classes_and_unseen_class():
    cm = confusion_matrix([0, 1], [0, 1], num_classes=4)
    assert cm.shape == (4, 4)
    acc, sup = per_class_accuracy([0, 1], [0, 1], num_classes=3)
    assert np.isnan(acc[2]) and sup[2] == 0
    # a class that never occurs in truth or prediction does not dilute macro-F1
    assert macro_f1([0, 1], [0, 1], num_classes=5) == 1.0


def test_against_sklearn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    for K in (2, 3, 7):
        t = rng.integers(0, K, 200)
        p = np.where(rng.random(200) < 0.6, t, rng.integers(0, K, 200))
        assert confusion_matrix(t, p, K).tolist() == sk.confusion_matrix(t, p, labels=range(K)).tolist()
        assert macro_f1(t, p) == pytest.approx(sk.f1_score(t, p, average="macro"))
        assert accuracy(t, p) == pytest.approx(sk.accuracy_score(t, p))


def test_rmse():
    assert rmse([1.0, 2.0], [1.0, 4.0]) == pytest.approx(np.sqrt(2.0))
    with pytest.raises(ValueError, match="NaN"):
        rmse([1.0], [np.nan])
    with pytest.raises(ValueError, match="shape"):
        rmse([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="zero"):
        rmse([], [])


@pytest.mark.parametrize("t,p,exc,match", [
    ([0, 1], [0], ValueError, "shape"),
    ([0, -1], [0, 1], IndexError, "negative"),
    ([0.5, 1], [0, 1], TypeError, "integer"),
    ([], [], ValueError, "zero"),
])
def test_bad_input(t, p, exc, match):
    with pytest.raises(exc, match=match):
        accuracy(t, p)


def test_out_of_range_for_num_classes():
    with pytest.raises(IndexError, match="num_classes=2"):
        confusion_matrix([0, 2], [0, 1], num_classes=2)


def test_format_confusion():
    cm = confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2])
    text = format_confusion(cm, ["neg", "pos", "neutral"])
    assert "neg" in text and "recall" in text and "support" in text
    short = format_confusion(cm, ["a", "b", "c"], max_labels=2)
    assert "2 most frequent of 3" in short
    with pytest.raises(ValueError, match="labels"):
        format_confusion(cm, ["a"])
