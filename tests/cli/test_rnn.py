"""The `seqfast rnn` command (train / generate / eval) and the demo's RNN step."""
import numpy as np
import pytest

import seqfast
from seqfast.cli import main

TEXT = "the time traveller (for so it will be convenient to speak of him) was expounding a recondite matter " * 30


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "small.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def test_train_generate_eval(corpus, tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["rnn", "train", str(corpus), "--hidden", "16", "--steps", "10", "--batch", "4", "--epochs", "2",
                 "--save", str(model), "--quiet", "--sample", "20", "--threads", "1"]) == 0
    out, err = capsys.readouterr()
    # the report goes to stderr; the sample (to stdout) continues the first 20 characters of the training text
    assert "valid perplexity" in err and out.startswith("sample: " + TEXT[:20]) and model.exists()
    assert main(["rnn", "generate", str(model), "--prefix", "the", "-n", "30", "--seed", "1"]) == 0
    gen = capsys.readouterr().out
    assert gen.startswith("the") and len(gen.rstrip("\n")) == 33
    assert main(["rnn", "eval", str(model), str(corpus)]) == 0
    assert "perplexity" in capsys.readouterr().out
    assert main(["rnn", "train", str(corpus), "--level", "word", "--hidden", "8", "--embedding", "4", "--steps", "5",
                 "--batch", "2", "--epochs", "1", "--quiet", "--sample", "5", "--optimizer", "sgd"]) == 0


def test_errors(corpus, tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"\x00garbage")
    assert main(["rnn", "generate", str(bad)]) == 1
    assert "not a seqfast RNNLM file, or a corrupt one" in capsys.readouterr().err
    assert main(["rnn", "eval", str(tmp_path / "missing.npz"), str(corpus)]) == 1
    assert main(["rnn", "train", str(corpus), "--batch", "1000", "--epochs", "1", "--quiet"]) == 1
    assert "too small" in capsys.readouterr().err


def test_demo_quick_lists_the_rnn_step(capsys):
    assert main(["demo", "--quick"]) == 0
    assert "character-level RNN" in capsys.readouterr().out


def test_demo_rnn_step_short(capsys):
    import seqfast
    from seqfast.commands import demo

    demo.step_rnn({"text": seqfast.datasets.time_machine()[:20000], "seed": 0, "quick": False, "rnn_seconds": 1})
    out = capsys.readouterr().out
    assert "held-out perplexity: RNN" in out and "sample" in out


def test_cli_train_cell_and_diagnose(tmp_path, capsys):
    from seqfast.cli import main
    corpus = tmp_path / "small.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    model = tmp_path / "m.npz"
    for cell in ("lstm", "gru"):
        assert main(["rnn", "train", str(corpus), "--cell", cell, "--layers", "2", "--dropout", "0.2", "--hidden",
                     "12", "--steps", "10", "--batch", "4", "--epochs", "1", "--quiet", "--sample", "5",
                     "--threads", "1", "--save", str(model)]) == 0
        assert f"cell={cell!r}" in capsys.readouterr().err
        m = seqfast.RNNLM.load(model)
        assert m.cell.name == cell and m.num_layers == 2 and m.dropout == 0.2
        assert main(["rnn", "generate", str(model), "--prefix", "the", "-n", "5"]) == 0
        capsys.readouterr()
    png = tmp_path / "grad.png"
    args = ["rnn", "diagnose", str(corpus), "--hidden", "8", "--window", "20", "--batch", "4", "--train-steps", "3",
            "--threads", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "rnn_tanh" in out and "lstm" in out and "gru" in out and "orders of magnitude lost per 10 steps" in out
    assert main(["rnn", "diagnose", str(corpus), "--cells", "rnn,transformer"]) == 2
    assert "unknown cell" in capsys.readouterr().err
    assert main(["rnn", "diagnose", str(corpus), "--window", "5000"]) == 1
    assert "window" in capsys.readouterr().err


def test_cli_diagnose_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from seqfast.cli import main
    corpus = tmp_path / "small.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    png = tmp_path / "grad.png"
    assert main(["rnn", "diagnose", str(corpus), "--hidden", "8", "--window", "20", "--batch", "4",
                 "--train-steps", "3", "--threads", "1", "--plot", str(png)]) == 0
    assert png.stat().st_size > 1000


def test_demo_vanishing_gradient_step(capsys):
    from seqfast.commands import demo
    demo.step_vanishing_gradient({"text": seqfast.datasets.time_machine()[:3000], "seed": 0, "quick": False,
                                 "diagnose_steps": 5})
    out = capsys.readouterr().out
    assert "orders of magnitude lost per 10 steps, trained" in out and "reaches furthest back with" in out
