"""Bad input to RNNLM, Trainer, the metrics and `seqfast rnn`: a clear exception naming the problem, never a
silently wrong number, and the valid cases next to them unchanged."""
import json
import math
import warnings

import numpy as np
import pytest

import seqfast
from seqfast.cli import main

IDS = np.arange(50) % 10


@pytest.fixture
def model():
    return seqfast.RNNLM(10, 8, n_threads=1)


# ---- RNNLM.perplexity: batch_size / num_steps ---------------------------------------------------------

@pytest.mark.parametrize("num_steps", [-5, 0, 5.5, "5", True, None])
def test_perplexity_bad_num_steps(model, num_steps):
    with pytest.raises((ValueError, TypeError), match=r"num_steps must be an int >= 1"):
        model.perplexity(IDS, num_steps=num_steps)


@pytest.mark.parametrize("batch_size", [-1, 0, 2.5])
def test_perplexity_bad_batch_size(model, batch_size):
    with pytest.raises((ValueError, TypeError), match=r"batch_size must be an int >= 1"):
        model.perplexity(IDS, batch_size=batch_size)


def test_perplexity_valid_args_unchanged(model):
    a = model.perplexity(IDS, batch_size=4, num_steps=5)
    assert a == model.perplexity(IDS, batch_size=np.int64(4), num_steps=np.int32(5))
    assert model.perplexity(IDS, batch_size=1000, num_steps=5) == model.perplexity(IDS, batch_size=49, num_steps=5)
    assert 1 < a < 100


def test_perplexity_overflowed_model_raises(model):
    model.params["decoder.weight"][...] = 3e38
    model.params["rnn.bias_ih_l0"][...] = 100
    with pytest.raises(FloatingPointError, match="overflowed"):
        model.perplexity(IDS)


# ---- parameters that overflow the model's dtype ---------------------------------------------------------

def test_load_state_dict_overflowing_float64_rejected(model):
    before = model.state_dict()
    sd = model.state_dict()
    sd["decoder.bias"] = sd["decoder.bias"].astype(np.float64)
    sd["decoder.bias"][0] = 1e300
    sd["decoder.weight"] = sd["decoder.weight"] + 1  # a valid change that must not be applied either
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy cast warning
        with pytest.raises(ValueError, match=r"decoder\.bias contains 1e\+300, too large for .*float32"):
            model.load_state_dict(sd)
    for k, v in before.items():  # nothing was copied in
        assert np.array_equal(model.params[k], v)


def test_load_state_dict_float64_in_range_still_loads(model):
    sd = {k: v.astype(np.float64) * 2 for k, v in model.state_dict().items()}
    model.load_state_dict(sd)
    for k, v in sd.items():
        assert np.array_equal(model.params[k], v.astype(np.float32))


def _save_raw(path, header, arrays):
    with open(path, "wb") as f:
        np.savez(f, __header__=np.array(json.dumps(header)), **arrays)


def test_load_rejects_file_with_overflowing_float64(model, tmp_path):
    sd = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    sd["decoder.bias"][0] = 1e300
    p = tmp_path / "big.npz"
    _save_raw(p, {"format": "seqfast.RNNLM/1", "config": model.config(), "meta": {}}, sd)
    with pytest.raises(ValueError, match=r"big\.npz: corrupt model file: decoder\.bias contains 1e\+300"):
        seqfast.RNNLM.load(p)


# ---- RNNLM.load: header not an object ------------------------------------------------------------------

@pytest.mark.parametrize("header", [["seqfast.RNNLM/1"], "x", 3])
def test_load_header_not_an_object(model, tmp_path, header):
    p = tmp_path / "h.npz"
    _save_raw(p, header, model.state_dict())
    with pytest.raises(ValueError, match=r"h\.npz: not a seqfast RNNLM file \(its header is a JSON"):
        seqfast.RNNLM.load(p)


def test_load_meta_not_an_object(model, tmp_path):
    p = tmp_path / "meta.npz"
    _save_raw(p, {"format": "seqfast.RNNLM/1", "config": model.config(), "meta": ["a"]}, model.state_dict())
    with pytest.raises(ValueError, match=r"meta\.npz: corrupt model file: its meta is a JSON list"):
        seqfast.RNNLM.load(p)


def test_cli_generate_header_list(model, tmp_path, capsys):
    p = tmp_path / "h.npz"
    _save_raw(p, ["x"], model.state_dict())
    assert main(["rnn", "generate", str(p), "--prefix", "ab", "-n", "5"]) == 1
    err = capsys.readouterr().err
    assert "h.npz: not a seqfast RNNLM file" in err and "Traceback" not in err


# ---- metrics ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("nll", [-1.0, float("-inf"), -1e-9])
def test_perplexity_negative_nll(nll):
    with pytest.raises(ValueError, match=r"nll must be >= 0"):
        seqfast.perplexity(nll=nll)


def test_perplexity_nll_valid_cases():
    assert seqfast.perplexity(nll=0.0) == 1.0
    assert seqfast.perplexity(nll=np.float32(1.0)) == math.exp(np.float32(1.0))
    assert seqfast.perplexity(nll=np.array(2.0)) == math.exp(2.0)
    with pytest.warns(RuntimeWarning, match="probability 0"):
        assert seqfast.perplexity(nll=float("inf")) == math.inf
    with pytest.raises(ValueError, match="NaN"):
        seqfast.perplexity(nll=float("nan"))
    with pytest.raises(TypeError, match="nll must be a number"):
        seqfast.perplexity(nll="2")


@pytest.mark.parametrize("row", [[np.nan, 0.0], [np.inf, 0.0], [0.0, np.inf]])
def test_cross_entropy_nan_or_posinf_logits(row):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"logits contain (nan|inf) at index \(0, \d\): .*finite or -inf"):
            seqfast.cross_entropy(np.array([row]), np.array([0]))


def test_cross_entropy_all_neg_inf_row():
    z = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    with pytest.raises(ValueError, match=r"every logit of row \(1,\) is -inf"):
        seqfast.cross_entropy(z, np.array([0, 1]))


def test_cross_entropy_masked_logits_still_work():
    z = np.array([[0.0, -np.inf, 0.0]])
    assert seqfast.cross_entropy(z, np.array([0])) == pytest.approx(math.log(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert seqfast.cross_entropy(z, np.array([1])) == math.inf  # a masked target: probability 0


def test_cross_entropy_zero_tokens():
    with pytest.raises(ValueError, match="zero tokens"):
        seqfast.cross_entropy(np.zeros((0, 3)), np.zeros(0, int))
    assert seqfast.cross_entropy(np.zeros((0, 3)), np.zeros(0, int), reduction="sum") == 0.0
    assert seqfast.cross_entropy(np.zeros((0, 3)), np.zeros(0, int), reduction="none").shape == (0,)
    with pytest.raises(ValueError, match="no classes"):
        seqfast.cross_entropy(np.zeros((2, 0)), np.zeros(2, int))
    with pytest.raises(ValueError, match="reduction must be"):
        seqfast.cross_entropy(np.zeros((1, 3)), np.zeros(1, int), reduction="avg")


# ---- RNNLM.generate ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [-1, 2.5, "3"])
def test_generate_bad_num_tokens(model, n):
    with pytest.raises((ValueError, TypeError), match=r"num_tokens must be a non-negative int"):
        model.generate([1], n)


@pytest.mark.parametrize("k", [0, -2, 2.5])
def test_generate_bad_top_k(model, k):
    with pytest.raises((ValueError, TypeError), match=r"top_k must be an int >= 1"):
        model.generate([1], 3, top_k=k)


@pytest.mark.parametrize("t", [-1.0, float("nan"), float("inf"), "1", None])
def test_generate_bad_temperature(model, t):
    with pytest.raises(ValueError, match=r"temperature must be a finite number >= 0"):
        model.generate([1], 3, temperature=t)


def test_generate_tiny_temperature_is_greedy(model):
    greedy = model.generate([1, 2], 20, temperature=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for t in (1e-320, 1e-300, 5e-324):
            assert np.array_equal(model.generate([1, 2], 20, temperature=t, seed=0), greedy)
            assert np.array_equal(model.generate([1, 2], 20, temperature=t, top_k=3, seed=0), greedy)
    assert model.generate([1], 0).shape == (0,)


def test_generate_normal_temperature_unchanged(model):
    # the sampling path for ordinary temperatures is the same computation as before
    rng = np.random.default_rng(7)
    logits, h = model.forward(np.array([[1]]))
    z = logits[0, -1].astype(np.float64) / 0.8
    pr = np.exp(z - z.max())
    pr /= pr.sum()
    first = int(rng.choice(len(pr), p=pr))
    assert model.generate([1], 1, temperature=0.8, seed=7)[0] == first


# ---- Trainer.fit and `seqfast rnn train` -----------------------------------------------------------------

def test_fit_bad_valid_ids_before_training(model):
    t = seqfast.Trainer(model, lr=0.1)
    before = model.flat_params.copy()
    with pytest.raises(IndexError, match=r"valid_ids contain 49, out of range for vocab_size=10"):
        t.fit(IDS, batch_size=2, num_steps=5, valid_ids=np.arange(50), progress=False)
    with pytest.raises(ValueError, match=r"valid_ids has 1 token"):
        t.fit(IDS, batch_size=2, num_steps=5, valid_ids=[3], progress=False)
    with pytest.raises(TypeError, match=r"valid_ids must be integers"):
        t.fit(IDS, batch_size=2, num_steps=5, valid_ids=np.ones(5), progress=False)
    assert np.array_equal(model.flat_params, before) and t.steps == 0


@pytest.mark.parametrize("kw, msg", [({"epochs": 0}, "epochs must be None or an integer >= 1"),
                                     ({"epochs": -1}, "epochs must be None or an integer >= 1"),
                                     ({"epochs": 1.5}, "epochs must be None or an integer >= 1"),
                                     ({"epochs": None, "max_seconds": -1.0}, "max_seconds must be None or a number >= 0"),
                                     ({"eval_batch_size": 0}, "eval_batch_size must be None or an integer >= 1")])
def test_fit_bad_counts(model, kw, msg):
    t = seqfast.Trainer(model, lr=0.1)
    with pytest.raises(ValueError, match=msg):
        t.fit(IDS, batch_size=2, num_steps=5, progress=False, **kw)
    assert t.steps == 0


@pytest.fixture
def small(tmp_path):
    p = tmp_path / "small.txt"
    p.write_text("the time traveller was expounding a recondite matter to us " * 5, encoding="utf-8")
    return p


# bad option values are rejected while parsing (argparse type= validators): usage error, exit code 2
@pytest.mark.parametrize("opts, msg", [(["--epochs", "-1"], "--epochs: must be >= 1, got -1"),
                                       (["--epochs", "0"], "--epochs: must be >= 1, got 0"),
                                       (["--steps", "0"], "--steps: must be >= 1"),
                                       (["--batch", "-2"], "--batch: must be >= 1"),
                                       (["--hidden", "0"], "--hidden: must be >= 1"),
                                       (["--max-seconds", "-1"], "--max-seconds: must be a finite number >= 0"),
                                       (["--max-seconds", "nan"], "--max-seconds: must be a finite number >= 0"),
                                       (["--sample", "-1"], "--sample: must be >= 0")])
def test_cli_train_bad_counts(small, capsys, opts, msg):
    assert main(["rnn", "train", str(small), "--quiet", *opts]) == 2
    err = capsys.readouterr().err
    assert msg in err and err.strip().splitlines()[-1].startswith("seqfast rnn train: error: argument")


@pytest.mark.parametrize("opts, msg", [(["-n", "-5"], "--num-tokens: must be >= 0, got -5"),
                                       (["--top-k", "0"], "--top-k: must be >= 1"),
                                       (["--temperature", "-1"], "--temperature: must be a finite number >= 0")])
def test_cli_generate_bad_args(model, tmp_path, capsys, opts, msg):
    p = tmp_path / "r.npz"
    model.save(p)
    assert main(["rnn", "generate", str(p), "--prefix", "ab", *opts]) == 2
    err = capsys.readouterr().err
    assert msg in err


def test_cli_eval_bad_steps(model, small, tmp_path, capsys):
    p = tmp_path / "r.npz"
    model.save(p)
    assert main(["rnn", "eval", str(p), str(small), "--steps", "0"]) == 2
    assert "--steps: must be >= 1, got 0" in capsys.readouterr().err


@pytest.mark.parametrize("change, msg", [({"vocab_size": 10 ** 12}, r"config has vocab_size=1000000000000 but decoder\.bias"),
                                         ({"hidden_size": 10 ** 9}, r"config has hidden_size=1000000000 but decoder\.weight"),
                                         ({"num_layers": 10 ** 9}, r"config has num_layers=1000000000 but the file holds 1")])
def test_load_config_disagreeing_with_arrays(model, tmp_path, change, msg):
    # checked before the model is allocated: no MemoryError for a corrupt size
    p = tmp_path / "c.npz"
    _save_raw(p, {"format": "seqfast.RNNLM/1", "config": {**model.config(), **change}, "meta": {}},
              model.state_dict())
    with pytest.raises(ValueError, match=r"c\.npz: corrupt model file: the " + msg):
        seqfast.RNNLM.load(p)


@pytest.mark.parametrize("cell", ["rnn_tanh", "rnn_relu", "lstm", "gru"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_h0_is_rejected_before_the_kernels(cell, bad):
    m = seqfast.RNNLM(6, 4, cell=cell, num_layers=2, seed=0)
    X = np.zeros((2, 3), dtype=np.int32)
    h0 = np.zeros((2, 2, 4))
    h0[1, 0, 2] = bad
    state = (h0, np.zeros_like(h0)) if cell == "lstm" else h0
    for call in (lambda: m.forward(X, state), lambda: m.loss_and_grad(X, X, state), lambda: m.loss(X, X, state)):
        with pytest.raises(ValueError, match="h0 contains NaN or inf"):
            call()

