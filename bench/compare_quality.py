"""Quality of seqfast's sequence classifier, tagger and regressor on public data, beside a peer or baselines.

  sentiment  RNNClassifier on sentence_polarity (10,662 movie-review sentences): accuracy on a held-out 10%
             (stratified, numpy default_rng(seed)); the bar is 75% (recurrent models in the literature: 76-78%).
  pos        RNNTagger (BiLSTM + character CNN) on the Brown corpus (57,340 sentences, 1.16M tokens, its 472 tags
             as written): token accuracy on a held-out 10% of the sentences, beside NLTK's averaged perceptron
             (nltk.tag.perceptron, 5 iterations) trained on the same 90%; both also on words seen / not seen in
             those 90%.
  forecast   RNNRegressor k steps ahead (k = 1, 4, 16) on d2l's noisy sine (x_t = sin(0.01 t) + N(0, 0.2^2),
             t = 1..1000) and on daily / monthly stock prices from matplotlib's sample data (goog.npz, msft.csv,
             Stocks.csv), on the final 20% of each series: RMSE beside the last-value and moving-average
             baselines. Prices are close to a random walk: the table says plainly when last-value wins.

Each model trains on --threads threads (default 2) for at most --seconds seconds (default 540 for the
classifier and the tagger: the issue's 10 minutes with room to evaluate), with early stopping on a validation
part of the training data (never the held-out test part). By default those seconds are CPU seconds / threads
(--clock cpu): the time the run would take with the threads to itself, so a shared machine does not cut the
training short; --clock wall counts elapsed time.

    python bench/compare_quality.py                      # everything (~30-40 min: the perceptron is slow)
    python bench/compare_quality.py --only sentiment
    python bench/compare_quality.py --quick              # smoke run on small samples (~1 min)
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import SHARED, Report, version_of  # noqa: E402

SECTIONS = ("sentiment", "pos", "forecast")
TESTS_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def _data(*parts: str, quick: bool) -> str:
    """A corpus of the shared data folder; in --quick runs without it, the sample in tests/data."""
    p = os.path.join(SHARED, *parts)
    if os.path.exists(p):
        return p
    if quick:
        return os.path.join(TESTS_DATA, {"sentence_polarity": "polarity"}.get(parts[-1], parts[-1]))
    sys.exit(f"benchmark corpus {p} not found; set SEQFAST_SHARED_DATA to the folder holding nltk/")


# ---------------------------------------------------------------------------------------------- sentiment
def sentiment(rep: Report, a) -> None:
    import seqfast
    from seqfast.data import ClassificationData
    from seqfast.nn.tasks import TaskConfig, evaluate_classifier, train_classifier

    d = _data("nltk", "sentence_polarity", quick=a.quick)
    cfg = TaskConfig(level="word", lower=True, cell="lstm", bidirectional=True, hidden=a.hidden_sent,
                     embedding=a.embedding_sent, pooling="mean", min_freq=2, dropout=0.5, batch=32, valid_frac=0.1,
                     epochs=a.epochs, max_seconds=a.seconds, clock=a.clock, patience=3, threads=a.threads,
                     seed=a.seed)
    data = ClassificationData.read([Path(d, "rt-polarity.pos"), Path(d, "rt-polarity.neg")], cfg.tokenizer)
    if a.quick:
        data = data.subset(range(0, len(data), max(1, len(data) // 200)))
    train, test = data.split(0.1, seed=a.seed)
    t0 = time.perf_counter()
    r = train_classifier(train, cfg, progress=False)  # a further 10% of train (seed) for early stopping
    secs = time.perf_counter() - t0
    ev = evaluate_classifier(r.model, test)
    rep.table(f"Sentiment (sentence_polarity): {len(train)} training sentences ({len(r.train)} fitted, "
              f"{len(r.valid)} for early stopping), {len(test)} held out (stratified 10%, seed {a.seed})",
              ["model", "held-out accuracy", "macro-F1", "epochs", "train s", "threads", "bar"],
              [[f"BiLSTM {cfg.hidden}, E={cfg.embedding}, {cfg.pooling} pooling, dropout {cfg.dropout}",
                f"{ev['accuracy']:.4f}", f"{ev['macro_f1']:.4f}", len(r.history["epoch"]), f"{secs:.0f}",
                a.threads, "pass" if ev["accuracy"] >= 0.75 else "FAIL (>= 0.75)"]])
    rep.note(f"seqfast {seqfast.__version__}: tokens by Tokenizer('word', lower=True); vocabulary of the fitted "
             f"part's words seen at least twice (the others train the unknown-word vector); Adam, clip 1, batch 32, "
             f"early stopping (patience 3) on the validation accuracy.")


# ---------------------------------------------------------------------------------------------- POS
def _brown(quick: bool):
    from seqfast.data import TaggedData
    d = _data("nltk", "brown", quick=quick)
    files = sorted(glob.glob(os.path.join(d, "c[a-r][0-9][0-9]")))
    return TaggedData.read([Path(f) for f in files]), len(files)


def _known_split(train_words: set, tokens, gold, pred) -> tuple[float, float, float, int]:
    """(accuracy, accuracy on words in train_words, on the others, number of the others)."""
    t = np.array([g == p for gs, ps in zip(gold, pred) for g, p in zip(gs, ps)])
    k = np.array([w in train_words for ws in tokens for w in ws])
    return float(t.mean()), float(t[k].mean()), float(t[~k].mean()) if (~k).any() else float("nan"), int((~k).sum())


def pos(rep: Report, a) -> None:
    data, nfiles = _brown(a.quick)
    if a.quick:
        data = data.subset(range(min(len(data), 400)))
    train, test = data.split(0.1, seed=a.seed)
    train_words = {w for s in train.tokens for w in s}
    rows = []
    if not a.no_model:
        from seqfast.nn.tasks import TaskConfig, predict_tagger, train_tagger
        cfg = TaskConfig(lower=False, cell="lstm", bidirectional=True, hidden=a.hidden_pos,
                         embedding=a.embedding_pos, char_features=True, char_filters=a.char_filters, char_dim=25,
                         dropout=a.dropout_pos, batch=32, valid_frac=0.05, epochs=a.epochs, max_seconds=a.seconds,
                         clock=a.clock, patience=2, threads=a.threads, seed=a.seed)
        t0 = time.perf_counter()
        r = train_tagger(train, cfg, progress=False)
        secs = time.perf_counter() - t0
        t1 = time.perf_counter()
        pred = predict_tagger(r.model, test.tokens)
        tag_s = time.perf_counter() - t1
        acc, kacc, uacc, nu = _known_split(train_words, test.tokens, test.tags, pred)
        rows.append([f"seqfast BiLSTM {cfg.hidden} + char CNN {cfg.char_filters}, E={cfg.embedding}", f"{acc:.4f}",
                     f"{kacc:.4f}", f"{uacc:.4f}", f"{secs:.0f} ({len(r.history['epoch'])} epochs)", f"{tag_s:.1f}",
                     a.threads])
    if not a.no_perceptron:
        from nltk.tag.perceptron import PerceptronTagger
        rep.peer("nltk", version_of("nltk") or "?")
        tagger = PerceptronTagger(load=False)
        t0 = time.perf_counter()
        tagger.train([list(zip(w, t)) for w, t in train], nr_iter=a.perceptron_iters)
        secs = time.perf_counter() - t0
        t1 = time.perf_counter()
        pred = [[t for _, t in tagger.tag(ws)] for ws in test.tokens]
        tag_s = time.perf_counter() - t1
        acc, kacc, uacc, nu = _known_split(train_words, test.tokens, test.tags, pred)
        rows.append([f"NLTK averaged perceptron, {a.perceptron_iters} iterations", f"{acc:.4f}", f"{kacc:.4f}",
                     f"{uacc:.4f}", f"{secs:.0f}", f"{tag_s:.1f}", 1])
    rep.table(f"Part of speech (Brown, {nfiles} files, {len(data.tagset)} tags as written): {len(train)} training "
              f"sentences ({train.num_tokens:,} tokens), {len(test)} held out ({test.num_tokens:,} tokens; "
              f"10% of the sentences, seed {a.seed}); unknown = not in the training sentences "
              f"({sum(w not in train_words for s in test.tokens for w in s):,} held-out tokens)",
              ["tagger", "token accuracy", "known words", "unknown words", "train s", "tag s", "threads"], rows)
    rep.note("The seqfast tagger fits 95% of the training sentences and stops early on the other 5%; words seen "
             "once are unknown words to its embedding (their spelling still reaches the character CNN).")


# ---------------------------------------------------------------------------------------------- forecasting
HORIZONS = (1, 4, 16)
#: window lengths the moving-average baseline chooses from (on the training pairs)
MA_SPANS = (2, 4, 8, 16, 32, 64)


def _sine(seed: int = 0, T: int = 1000) -> np.ndarray:
    """d2l's series: x_t = sin(0.01 t) + N(0, 0.2^2), t = 1..T."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1, dtype=np.float64)
    return np.sin(0.01 * t) + rng.normal(0, 0.2, T)


def _stocks() -> dict[str, tuple[np.ndarray, str]]:
    """{name: (closing prices in time order, frequency)} from matplotlib's sample data (empty without it)."""
    try:
        from matplotlib import cbook
    except ImportError:
        return {}
    out = {}
    try:
        goog = cbook.get_sample_data("goog.npz")["price_data"]
        out["GOOG (goog.npz)"] = (np.asarray(goog["adj_close"], dtype=np.float64), "daily")
    except (OSError, KeyError, ValueError):
        pass
    try:
        import csv
        with cbook.get_sample_data("msft.csv", asfileobj=True) as f:
            rows = list(csv.DictReader(line.decode() if isinstance(line, bytes) else line for line in f))
        out["MSFT (msft.csv)"] = (np.array([float(r["Close"]) for r in rows][::-1]), "daily")  # newest first
    except (OSError, KeyError, ValueError):
        pass
    try:
        import csv
        with cbook.get_sample_data("Stocks.csv", asfileobj=True) as f:
            lines = [line.decode() if isinstance(line, bytes) else line for line in f]
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
        for col in ("IBM", "^GSPC"):
            v = np.array([float(r[col]) for r in rows if r.get(col)])
            out[f"{col} (Stocks.csv)"] = (v, "monthly")
    except (OSError, KeyError, ValueError):
        pass
    return out


def _pairs(x: np.ndarray, window: int, horizon: int, rel: bool):
    """Windows of ``window`` values and the next ``horizon`` values, from every start. ``rel``: both as log
    ratios to the window's last value (prices), else the values themselves."""
    import seqfast
    W = seqfast.windows(x, window + horizon, stride=1)
    inp, tgt = W[:, :window], W[:, window:]
    if rel:
        last = inp[:, -1:]
        inp, tgt = np.log(inp / last), np.log(tgt / last)
    return np.ascontiguousarray(inp[:, :, None]), np.ascontiguousarray(tgt)


def _forecast_one(x: np.ndarray, rel: bool, a, window: int) -> dict:
    """RMSE per horizon (in the series' units) of the regressor and the baselines on the final 20% (None when
    the series is too short for both training pairs and a held-out window)."""
    import seqfast
    from seqfast.nn import Trainer
    K = max(HORIZONS)
    n_test = int(round(len(x) * 0.2))
    split = len(x) - n_test                     # targets from x[split:] are held out
    X, Y = _pairs(x, window, K, rel)
    first_target = np.arange(len(X)) + window   # index in x of each pair's first target
    test = first_target >= split
    fit = first_target + K <= split              # training pairs see no held-out value
    if not test.any() or fit.sum() < 10:
        return None                              # too short for a held-out window after training pairs
    nval = max(1, int(fit.sum() * 0.1))
    idx = np.flatnonzero(fit)
    tr, va = idx[:-nval], idx[-nval:]
    mu, sd = (0.0, 1.0) if rel else (float(x[:split].mean()), float(x[:split].std()))
    scale = (lambda v: (v - mu) / sd)
    preds = []
    for seed in range(a.seed, a.seed + a.seeds_fc):  # an ensemble: the mean of models from different seeds
        model = seqfast.RNNRegressor(1, K, a.hidden_fc, cell="gru", dtype="float32", seed=seed, n_threads=a.threads)
        trainer = Trainer(model, lr=3e-3, clock=a.clock)
        trainer.fit_sequences(scale(X[tr]).astype(np.float32), scale(Y[tr]).astype(np.float32),
                              valid=(scale(X[va]).astype(np.float32), scale(Y[va]).astype(np.float32)),
                              epochs=a.epochs_fc, max_seconds=a.seconds_fc, batch_size=32, patience=30, seed=seed,
                              progress=False)
        preds.append(model.predict(scale(X[test]).astype(np.float32)).astype(np.float64))
    pred = np.mean(preds, axis=0) * sd + mu
    rmse = seqfast.metrics.rmse
    # the moving-average baseline averages the last m values, m chosen per horizon on the training pairs
    spans = [m for m in MA_SPANS if m <= window]
    out = {}
    for k in HORIZONS:
        m = min(spans, key=lambda m: rmse(Y[tr][:, k - 1], X[tr][:, -m:, 0].mean(axis=1)))
        ma, last, truth, p = X[test][:, -m:, 0].mean(axis=1), X[test][:, -1, 0], Y[test][:, k - 1], pred[:, k - 1]
        if rel:  # back to prices: ratios to the last observed price
            p0 = x[first_target[test] - 1]
            ma, last, truth, p = p0 * np.exp(ma), p0, p0 * np.exp(truth), p0 * np.exp(p)
        out[k] = (rmse(truth, p), rmse(truth, last), rmse(truth, ma), m)
    out["n_test"] = int(test.sum())
    return out


def forecast(rep: Report, a) -> None:
    series = {"noisy sine (d2l)": (_sine(a.seed), "synthetic", False)}
    if not a.quick and not a.no_stocks:
        for name, (v, freq) in _stocks().items():
            series[name] = (v, freq, True)
        rep.peer("matplotlib", version_of("matplotlib") or "not installed")
    rows = []
    for name, (x, freq, rel) in series.items():
        window = 64 if len(x) > 400 else 12
        r = _forecast_one(x, rel, a, window)
        if r is None:
            rep.note(f"{name}: {len(x)} points are too few for a held-out window of {window} + {max(HORIZONS)} "
                     f"values after 10 training pairs; left out.")
            continue
        for k in HORIZONS:
            ours, last, ma, m = r[k]
            best = min(ours, last, ma)
            verdict = "regressor best" if best == ours else ("last value best" if best == last else
                                                            "moving average best")
            rows.append([name, f"{len(x)} {freq}", r["n_test"], k, f"{ours:.4g}", f"{last:.4g}", f"{ma:.4g} ({m})",
                         verdict])
    rep.table("Forecasting: RMSE of the value k steps ahead on the final 20% of each series (held out: the "
              "model never trains on a pair that sees it), in the series' units",
              ["series", "points", "test windows", "k", "GRU regressor", "last value",
               "moving average (span)", "verdict"], rows)
    rep.note(f"The regressor: the mean of {a.seeds_fc} GRU {a.hidden_fc} models (seeds {a.seed}.."
             f"{a.seed + a.seeds_fc - 1}; each predicts k = 1..{max(HORIZONS)} at once, trains for at most {a.seconds_fc:g} s ({a.clock} "
             f"clock) with early stopping (patience 30) on the last 10% of the training pairs) reading windows of "
             f"64 values (12 for series under 400 points); prices enter as log ratios to the window's last price. "
             f"The moving average averages the last m values, m among {MA_SPANS} (at most the window) chosen per "
             f"horizon on the training pairs.")


def report(argv: list[str] | None = None) -> Report:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {', '.join(SECTIONS)}")
    ap.add_argument("--quick", action="store_true", help="smoke run: small samples, seconds of training")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0, help="seed of the held-out splits and the models")
    ap.add_argument("--seconds", type=float, default=540.0, help="training budget of the classifier and the tagger")
    ap.add_argument("--epochs", type=int, default=None, help="epoch cap of the classifier and the tagger")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="what --seconds counts: cpu (default: the process's CPU time / --threads, the time the run "
                         "would take on that many cores of its own, whatever else the machine runs) or wall")
    ap.add_argument("--hidden-sent", type=int, default=128)
    ap.add_argument("--embedding-sent", type=int, default=100)
    ap.add_argument("--hidden-pos", type=int, default=128)
    ap.add_argument("--embedding-pos", type=int, default=100)
    ap.add_argument("--char-filters", type=int, default=50, help="the tagger's character CNN features")
    ap.add_argument("--dropout-pos", type=float, default=0.25, help="the tagger's dropout")
    ap.add_argument("--perceptron-iters", type=int, default=5)
    ap.add_argument("--no-perceptron", action="store_true", help="pos: the seqfast tagger only")
    ap.add_argument("--no-model", action="store_true", help="pos: the perceptron only")
    ap.add_argument("--hidden-fc", type=int, default=32)
    ap.add_argument("--seconds-fc", type=float, default=60.0, help="training budget per series")
    ap.add_argument("--epochs-fc", type=int, default=200)
    ap.add_argument("--seeds-fc", type=int, default=5, help="forecasting: models (seeds) averaged per series")
    ap.add_argument("--no-stocks", action="store_true", help="forecasting: the noisy sine only")
    a = ap.parse_args(argv)
    if a.quick:
        a.seconds, a.epochs, a.seconds_fc, a.epochs_fc, a.perceptron_iters, a.seeds_fc = 20.0, 1, 10.0, 2, 1, 1
        a.hidden_sent = a.hidden_pos = 16
        a.embedding_sent = a.embedding_pos = 16
    rep = Report("quality", "Quality: sentiment, part of speech and forecasting (seqfast.nn.tasks, RNNRegressor)",
                 argv)
    wanted = [s for s in a.only.split(",") if s]
    bad = [s for s in wanted if s not in SECTIONS]
    if bad:
        ap.error(f"unknown section(s) {bad}; known: {', '.join(SECTIONS)}")
    for name in SECTIONS:
        if name in wanted:
            t0 = time.perf_counter()
            globals()[name](rep, a)
            rep.note(f"{name}: {time.perf_counter() - t0:.0f} s in all.")
    rep.note(f"{a.threads} threads for seqfast; the machine was shared with other jobs while this ran.")
    return rep


def main(argv: list[str] | None = None) -> int:
    print(report(argv).markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
