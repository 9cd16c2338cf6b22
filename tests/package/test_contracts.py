"""The user-facing contract: explicit inputs, typed arguments, pickling, stdin/stdout on the command line,
models that carry their tokenization through every file format."""
import copy
import gzip
import multiprocessing
import pickle
import subprocess
import sys

import numpy as np
import pytest

import seqfast
from seqfast import NGramLM, RNNLM, Tokenizer, Vocab, count_ngrams
from seqfast.cli import main

TM = seqfast.datasets.time_machine_path()
LINES = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 4


@pytest.fixture(scope="module")
def lm():
    return NGramLM.fit(LINES, 3, discount_fallback=True)


# --------------------------------------------------------------------------------------- explicit inputs
def test_a_str_that_names_no_file_is_an_error(lm):
    for call in (lambda: lm.perplexity("tset.tok"), lambda: lm.evaluate("tset.tok"),
                 lambda: NGramLM.fit("tset.tok", 2), lambda: count_ngrams("tset.tok", 2),
                 lambda: NGramLM.from_arpa("tset.arpa")):
        with pytest.raises(FileNotFoundError, match="tset"):
            call()
    with pytest.raises(FileNotFoundError, match="the path is empty"):
        count_ngrams("", 3)


def test_text_goes_in_text_or_lines(lm):
    text = "\n".join(LINES[:3]) + "\n"
    assert lm.perplexity(text=text) == lm.perplexity(LINES[:3])
    assert lm.evaluate(text=text)["lines"] == 3
    m = NGramLM.fit(text=text, order=2, discount_fallback=True)
    assert m.counts == NGramLM.fit(LINES[:3], 2, discount_fallback=True).counts
    with pytest.raises(TypeError, match="not both"):
        lm.perplexity(LINES, text=text)


def test_bos_must_be_a_bool(lm):
    with pytest.raises(TypeError, match="bos must be True or False, got list"):
        lm.score("machine", ["the", "time"])
    with pytest.raises(TypeError, match="eos must be True or False"):
        lm.full_scores("the cat", True, "yes")
    with pytest.raises(TypeError, match="bos must be"):
        lm.predict("the", bos=1)
    assert lm.score("the cat", np.bool_(True)) == lm.score("the cat")


# --------------------------------------------------------------------------------------- pickling
def _rnn():
    m = RNNLM(7, 5, embedding_dim=3, cell="lstm")
    m.meta = {"itos": list("abcdefg")}
    return m


@pytest.mark.parametrize("make", [
    lambda: Vocab("a b a c".split()), lambda: count_ngrams(LINES, 3, pad=True),
    lambda: NGramLM.fit(LINES, 3, discount_fallback=True), lambda: NGramLM.fit(LINES, 2, smoothing="add_k"),
    lambda: Tokenizer("regex", True, r"\w+"), _rnn])
def test_pickle_and_deepcopy(make):
    obj = make()
    for copy_ in (lambda o: pickle.loads(pickle.dumps(o)), copy.deepcopy, copy.copy):
        c = copy_(obj)
        if isinstance(obj, NGramLM):
            assert c.perplexity(LINES) == obj.perplexity(LINES) and c.tokenization == obj.tokenization
        elif isinstance(obj, RNNLM):
            X = np.array([[1, 2, 3]])
            assert np.array_equal(c.forward(X)[0], obj.forward(X)[0]) and c.meta == obj.meta
        else:
            assert c == obj


def test_scorer_pickles(lm):
    s = pickle.loads(pickle.dumps(lm.scorer))
    ids = lm.vocab.encode("the cat sat".split())
    offs = np.array([0, 3], dtype=np.int64)
    assert np.array_equal(s.score(ids, offs), lm.scorer.score(ids, offs))


def _ppl(args):
    model, lines = args
    return model.perplexity(lines)


def test_multiprocessing_pool_uses_a_fitted_model(lm):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        got = pool.map(_ppl, [(lm, LINES[:3]), (lm, LINES[3:6])])
    assert got == [lm.perplexity(LINES[:3]), lm.perplexity(LINES[3:6])]


# --------------------------------------------------------------------------------------- vocab contract
def test_vocab_is_iterable_with_d2l_names():
    v = Vocab("b a b c".split())
    assert list(v) == v.itos == v.idx_to_token == ["<unk>", "b", "a", "c"]
    assert v.token_to_idx == {"<unk>": 0, "b": 1, "a": 2, "c": 3}


def test_load_errors_say_what_the_file_is_not(tmp_path):
    p = tmp_path / "x.sfl"
    p.write_text("hello\n")
    with pytest.raises(ValueError, match="x.sfl: not a seqfast n-gram model file") as e:
        NGramLM.load(p)
    assert "pickle" not in str(e.value)


# --------------------------------------------------------------------------------------- command line
def _cli(*args, input=None):
    return subprocess.run([sys.executable, "-m", "seqfast", *args], capture_output=True, input=input)


def test_lm_eval_reads_stdin_and_rejects_missing_files(tmp_path):
    m = tmp_path / "m.sfl"
    assert _cli("lm", "build", TM, "-o", "2", "--save", str(m)).returncode == 0
    head = b"".join(open(TM, "rb").readlines()[:3])
    ref = _cli("lm", "eval", str(m), str(tmp_path / "nonexistent.txt"))
    assert ref.returncode == 1 and b"nonexistent.txt: no such file" in ref.stderr
    (tmp_path / "h.txt").write_bytes(head)
    want = _cli("lm", "eval", str(m), str(tmp_path / "h.txt")).stdout.split(b"  [")[0]
    for args in (["-"], []):
        r = _cli("lm", "eval", str(m), *args, input=head)
        assert r.returncode == 0 and r.stdout.split(b"  [")[0] == want and b"Tokens:\t" in r.stdout
    r = _cli("lm", "eval", str(m), "-", input=gzip.compress(head))
    assert r.stdout.split(b"  [")[0] == want


def test_lm_build_writes_stdout_and_reports_to_stderr(tmp_path):
    r = _cli("lm", "build", "-o", "2", "--arpa", "-", "--level", "whitespace", "--discount-fallback",
             input=b"a b c\na b\n")
    assert r.returncode == 0 and r.stdout.startswith(b"# seqfast tokenization: ") and b"\\end\\" in r.stdout
    assert b"model of order 2" in r.stderr and b"model of order 2" not in r.stdout
    (tmp_path / "m.arpa").write_bytes(r.stdout)
    assert NGramLM.from_arpa(tmp_path / "m.arpa").tokenization["level"] == "whitespace"
    r = _cli("lm", "build", "-o", "2", "--save", "-", "--discount-fallback", input=b"a b c\na b\n")
    (tmp_path / "m.sfl").write_bytes(r.stdout)
    assert NGramLM.load(tmp_path / "m.sfl").counts == [6, 5]


def test_lm_eval_uses_the_models_tokenization(tmp_path, capsys):
    train = tmp_path / "train.txt"
    train.write_text("The Cat sat.\nthe cat, sat!\n")
    arpa = tmp_path / "m.arpa"
    assert main(["lm", "build", str(train), "-o", "2", "--lower", "--arpa", str(arpa), "--discount-fallback"]) == 0
    capsys.readouterr()
    assert main(["lm", "eval", str(arpa), str(train)]) == 0
    out, err = capsys.readouterr()
    assert "OOVs:\t0" in out and "warning" not in err
    assert main(["lm", "eval", str(arpa), str(train), "--level", "whitespace"]) == 0
    out, err = capsys.readouterr()
    assert "OOVs:\t0" not in out and "level 'word' -> 'whitespace'" in err


def test_did_you_mean_names_the_flag(tmp_path, capsys):
    p = tmp_path / "tiny.txt"
    p.write_text("a b\n")
    assert main(["lm", "build", str(p), "-o", "3", "--arpa", str(tmp_path / "x.arpa")]) == 1
    err = capsys.readouterr().err
    assert "--discount-fallback" in err and "discount_fallback=True" not in err


def test_rnn_repr_hides_nonlinearity_of_gated_cells():
    assert "nonlinearity" not in repr(RNNLM(5, 3, cell="gru"))
    assert "nonlinearity='tanh'" in repr(RNNLM(5, 3))


def test_trainer_and_cli_share_the_default_optimizer():
    from seqfast.commands.rnn import register  # noqa: F401
    from seqfast.nn.optim import DEFAULT_LR, DEFAULT_OPTIMIZER
    t = seqfast.Trainer(RNNLM(5, 3))
    assert type(t.optimizer).__name__.lower() == DEFAULT_OPTIMIZER
    assert t.optimizer.lr == DEFAULT_LR[DEFAULT_OPTIMIZER] == seqfast.nn.TrainConfig().lr or \
        seqfast.nn.TrainConfig().lr is None
    import argparse
    p = argparse.ArgumentParser()
    sub = p.add_subparsers()
    register(sub)
    a = p.parse_args(["rnn", "train"])
    assert a.optimizer == DEFAULT_OPTIMIZER and a.lr is None


def test_progress_only_on_a_terminal(capsys):
    m = RNNLM(5, 3)
    seqfast.Trainer(m).fit(np.arange(200) % 5, batch_size=2, num_steps=5, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err and "epoch 1: train ppl" in err


# --------------------------------------------------------------------------------------- streaming
def test_ngram_evaluation_streams_in_batches(lm, tmp_path, monkeypatch):
    import seqfast.lm.model as M
    p = tmp_path / "t.txt"
    p.write_text("\n".join(LINES * 50) + "\n")
    whole = lm.evaluate(p)
    monkeypatch.setattr(M, "_LINES_PER_BATCH", 7)
    small_chunks = lm.evaluate(iter(LINES * 50))
    assert small_chunks["tokens"] == whole["tokens"] and small_chunks["lines"] == whole["lines"]
    assert small_chunks["perplexity"] == pytest.approx(whole["perplexity"], rel=1e-12)
    from seqfast.text import read_line_batches
    batches = list(read_line_batches(p, chunk_bytes=100))
    assert len(batches) > 10 and sum(batches, []) == LINES * 50


def test_rnn_file_evaluation_streams(tmp_path):
    r = seqfast.nn.train(seqfast.datasets.time_machine()[:4000], hidden=8, epochs=1, progress=False)
    p = tmp_path / "t.txt"
    text = seqfast.datasets.time_machine()[4000:9000]
    p.write_text(text)
    ids = r.vocab.encode(seqfast.Tokenizer("char", True)(text))
    whole = seqfast.nn.evaluate_file(r.model, p)
    assert whole["perplexity"] == pytest.approx(r.model.perplexity(ids), rel=1e-12)
    assert whole["tokens"] == 32 * ((len(ids) - 1) // 32)
    chunked = seqfast.nn.evaluate_file(r.model, p, chunk_tokens=1000)
    assert chunked["perplexity"] == pytest.approx(whole["perplexity"], rel=0.05)


# --------------------------------------------------------------------------------------- the demo teaches
def test_demo_explains_bptt_and_clipping(capsys):
    assert main(["demo", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "Truncated backpropagation through time" in out and "Gradient clipping" in out


def test_gru_explanation_follows_the_measurement():
    from seqfast.commands.demo import explain_decay
    measured = explain_decay({"rnn_tanh": 2.49, "lstm": 1.90, "gru": 1.94}, {"rnn_tanh": 1.91, "lstm": 0.99, "gru": 2.65},
                             {"rnn_tanh": 2.147, "lstm": 2.158, "gru": 2.058})
    assert "At initialisation the course's claim holds" in measured
    assert "does not hold for gru" in measured and "lowest training loss" in measured
    holds = explain_decay({"rnn_tanh": 2.0, "lstm": 1.0, "gru": 1.0}, {"rnn_tanh": 2.0, "lstm": 1.0, "gru": 1.5})
    assert "does not hold" not in holds and "as the course says" in holds
