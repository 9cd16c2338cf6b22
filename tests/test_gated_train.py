"""Trainer with lstm / gru models: the (h, c) state is carried between windows, and they learn."""
import math

import numpy as np
import pytest

import seqfast
from seqfast.nn import Trainer
from test_rnn_train import _corpus


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_models_learn(cell):
    vocab, ids = _corpus()
    n = int(len(ids) * 0.9)
    train, valid = ids[:n], ids[n:]
    counts = np.bincount(train, minlength=len(vocab)) + 1.0
    unigram_ppl = math.exp(-np.mean(np.log(counts / counts.sum())[valid]))
    m = seqfast.RNNLM(len(vocab), 48, embedding_dim=16, cell=cell, num_layers=2, dropout=0.1, seed=0,
                      n_threads=1)
    t = Trainer(m, optimizer="adam", lr=0.01, clip_norm=1.0)
    hist = t.fit(train[:20000], batch_size=32, num_steps=35, epochs=3, valid_ids=valid[:4000], progress=False)
    assert hist["valid_ppl"][-1] < 0.8 * unigram_ppl, (hist["valid_ppl"], unigram_ppl)
    assert hist["train_ppl"][-1] < hist["train_ppl"][0]


def test_lstm_state_is_carried():
    m = seqfast.RNNLM(6, 5, cell="lstm", num_layers=2, seed=0)
    t = Trainer(m, lr=0.1)
    X = np.random.default_rng(0).integers(0, 6, (3, 4))
    t.step(X, X)
    h, c = t.state
    assert h.shape == c.shape == (2, 3, 5) and np.any(c != 0)
    # the next step starts from the carried (h, c): same loss as the model evaluated from that state
    want, _ = m.loss(X, X, (h, c))
    assert t.step(X, X) == pytest.approx(want, rel=1e-6)
    t.step(X[:2], X[:2])  # a batch of another size starts from zeros instead of failing


def test_cli_train_cell_and_diagnose(tmp_path, capsys):
    from seqfast.cli import main
    from test_rnn_cli import TEXT
    corpus = tmp_path / "small.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    model = tmp_path / "m.npz"
    for cell in ("lstm", "gru"):
        assert main(["rnn", "train", str(corpus), "--cell", cell, "--layers", "2", "--dropout", "0.2", "--hidden",
                     "12", "--steps", "10", "--batch", "4", "--epochs", "1", "--quiet", "--sample", "5",
                     "--threads", "1", "--save", str(model)]) == 0
        assert f"cell={cell!r}" in capsys.readouterr().out
        m = seqfast.RNNLM.load(model)
        assert m.cell.name == cell and m.num_layers == 2 and m.dropout == 0.2
        assert main(["rnn", "generate", str(model), "--prefix", "the", "-n", "5"]) == 0
        capsys.readouterr()
    png = tmp_path / "grad.png"
    args = ["rnn", "diagnose", str(corpus), "--hidden", "8", "--window", "20", "--batch", "4", "--train-steps", "3",
            "--threads", "1"]
    assert main(args + (["--plot", str(png)] if _has_matplotlib() else [])) == 0
    out = capsys.readouterr().out
    assert "rnn_tanh" in out and "lstm" in out and "gru" in out and "decades lost per 10 steps" in out
    assert png.exists() or not _has_matplotlib()
    assert main(["rnn", "diagnose", str(corpus), "--cells", "rnn,transformer"]) == 1
    assert "unknown cell" in capsys.readouterr().err
    assert main(["rnn", "diagnose", str(corpus), "--window", "5000"]) == 1
    assert "window" in capsys.readouterr().err


def _has_matplotlib():
    try:
        import matplotlib  # noqa: F401
        return True
    except ImportError:
        return False


def test_demo_vanishing_gradient_step(capsys):
    from seqfast.cli import main
    from seqfast.commands import demo
    assert main(["demo", "--quick"]) == 0
    assert "Vanishing gradients" in capsys.readouterr().out
    demo.step_vanishing_gradient({"text": seqfast.datasets.time_machine()[:3000], "seed": 0, "quick": False,
                                 "diagnose_steps": 5})
    out = capsys.readouterr().out
    assert "decades/10" in out and "reaches furthest back with" in out
