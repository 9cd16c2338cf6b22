"""seqfast demo: the course, end to end, on the bundled corpus (or your file).

Each step is a function ``step(ctx) -> None`` printing one section; later features add steps to STEPS.
``ctx`` is a dict holding the text, tokens, vocabulary and ids computed by the first step.
"""
from __future__ import annotations

import time


def register(sub) -> None:
    p = sub.add_parser("demo", help="run the whole pipeline on the bundled corpus and show each stage",
                       description="Walk through the course on a corpus (default: the bundled Time Machine): "
                                   "tokens, vocabulary, Zipf table, partitioned batches, and the models "
                                   "that later stages add.")
    p.add_argument("file", nargs="?", metavar="FILE", help="a UTF-8 text file (default: the bundled corpus)")
    p.add_argument("--seed", type=int, default=0, help="random seed for batching and models (default: 0)")
    p.add_argument("--quick", action="store_true", help="skip the slow steps (model training)")
    p.set_defaults(func=run)


def step_text(ctx) -> None:
    from ..text import Vocab, tokenize

    t0 = time.perf_counter()
    text = ctx["text"]
    tokens = tokenize(text, lower=True)
    vocab = Vocab(tokens)
    ids = vocab.encode(tokens)
    dt = time.perf_counter() - t0
    ctx.update(tokens=tokens, vocab=vocab, ids=ids)
    print("== 1. Text to numbers ==")
    print(f"{len(text):,} characters -> {len(tokens):,} word tokens (lower-cased), "
          f"vocabulary of {len(vocab):,} types incl. <unk>  [{dt * 1e3:.0f} ms]")
    print("first tokens:", tokens[:12])
    print("their ids:   ", ids[:12].tolist())
    print()
    print("Zipf's law: frequency x rank is roughly constant")
    print(f"{'rank':>5} {'token':<10} {'freq':>7} {'freq*rank':>10}")
    for r, (tok, f) in enumerate(vocab.token_freqs[:10], 1):
        print(f"{r:>5} {tok:<10} {f:>7} {f * r:>10}")
    print()


def step_batches(ctx) -> None:
    from ..data import batches

    ids, vocab = ctx["ids"], ctx["vocab"]
    b = batches(ids, batch_size=2, num_steps=8, mode="sequential")
    it = iter(b)
    X0, Y0 = next(it)
    X1, _ = next(it)
    print("== 2. Partitioning into minibatches (sequential, batch_size=2, num_steps=8) ==")
    print(f"{len(b):,} batches per epoch")
    for r in range(2):
        print(f"X[{r}] batch 0: {' '.join(vocab.decode(X0[r]))!r}")
        print(f"Y[{r}] batch 0: {' '.join(vocab.decode(Y0[r]))!r}   (the next token of each X)")
        print(f"X[{r}] batch 1: {' '.join(vocab.decode(X1[r]))!r}   (continues row {r})")
    print()


def step_counts(ctx) -> None:
    from ..ngram import count_ngrams

    t0 = time.perf_counter()
    lines = ctx["text"].lower().split("\n")
    counts = count_ngrams(iter(lines), 3, pad=True)
    dt = time.perf_counter() - t0
    ctx["ngram_counts"] = counts
    print("== 3. Counting n-grams (lines padded with <s> ... </s>) ==")
    print(f"{counts.total(1):,} tokens; distinct: " + ", ".join(
        f"{counts.unique(n):,} {n}-grams" for n in range(1, 4)) + f"  [{dt * 1e3:.0f} ms]")
    for n in (2, 3):
        print(f"top {n}-grams:", ", ".join(f"{' '.join(g)!r} {c}" for g, c in counts.most_common(6, order=n)))
    coc = counts.counts_of_counts(3)
    print("trigrams seen once, twice, three times (Kneser-Ney's n1, n2, n3):",
          ", ".join(f"{coc.get(i, 0):,}" for i in (1, 2, 3)))
    print()


def ladder(text: str, orders=(1, 2, 3, 5), smoothings=("mle", "add_k", "kn", "mkn"), k: float = 1.0):
    """Perplexity table {(smoothing, order): ppl} of n-gram models on ``text``: every 10th non-empty line is
    held out for testing (as the KenLM fixtures), the rest trains; words lower-cased."""
    import warnings

    from ..lm import NGramLM

    lines = [ln for ln in text.split("\n") if ln.strip()]
    test = lines[9::10]
    train = [ln for i, ln in enumerate(lines) if i % 10 != 9]
    out = {}
    for sm in smoothings:
        for n in orders:
            m = NGramLM.fit(train, n, smoothing=sm, k=k, lower=True, discount_fallback=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = m.evaluate(test)
            out[sm, n] = r["perplexity"]
            out[sm + "-no-oov", n] = r["perplexity_excluding_oovs"]
    return out, len(train), len(test)


def step_lm(ctx) -> None:
    t0 = time.perf_counter()
    orders = (1, 2, 3, 5)
    names = {"mle": "MLE (count ratios)", "mle-no-oov": "MLE, OOV words excluded", "add_k": "add-1 (Laplace)", "kn": "Kneser-Ney",
             "mkn": "modified Kneser-Ney (= KenLM)"}
    table, ntrain, ntest = ladder(ctx["text"], orders)
    dt = time.perf_counter() - t0
    print("== 4. N-gram language models: the perplexity ladder ==")
    print(f"train on {ntrain:,} lines, test on every 10th line ({ntest:,}); perplexity per word incl. </s>, "
          f"OOVs scored as <unk>  [{dt:.2f} s]")
    print(f"{'smoothing':<31}" + "".join(f"{f'{n}-gram':>10}" for n in orders))
    for sm, name in names.items():
        print(f"{name:<31}" + "".join(f"{table[sm, n]:>10.1f}" for n in orders))
    print("MLE gives every unseen word or n-gram probability 0, hence infinite perplexity; smoothing moves "
          "probability mass to them")
    print()


def step_rnn(ctx) -> None:
    """A char-level RNN language model trained for ~30 s: its perplexity against the unigram model's, and a
    sample. Skipped with --quick."""
    import math

    import numpy as np

    from .rnn import encode_text, join_tokens, train

    print("== 5. A character-level RNN language model (C kernels, truncated BPTT, clipping) ==")
    if ctx.get("quick"):
        print("(skipped with --quick)")
        print()
        return
    seconds = ctx.get("rnn_seconds", 30.0)
    t0 = time.perf_counter()
    model, vocab, hist, valid = train(ctx["text"], level="char", hidden=256, embedding=None, steps=35, batch=32,
                                      optimizer="adam", clip=1.0, max_seconds=seconds, seed=ctx.get("seed", 0),
                                      progress=False)
    dt = time.perf_counter() - t0
    _, ids = encode_text(ctx["text"], "char", True, vocab)
    train_ids = ids[: len(ids) - len(valid)] if valid is not None else ids
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0  # add-one unigram, for scale
    eval_ids = valid if valid is not None else ids
    uni = math.exp(-float(np.mean(np.log(counts / counts.sum())[eval_ids])))
    ppl = model.perplexity(eval_ids)
    print(f"{model!r}")
    print(f"trained {sum(hist['steps'])} steps of batch 32 x 35 chars in {dt:.0f} s "
          f"({np.mean(hist['tokens_per_s']):,.0f} chars/s)")
    print(f"held-out perplexity: RNN {ppl:.2f}  vs  unigram {uni:.2f}  ({len(vocab)} symbols)")
    prefix = "the time traveller"
    _, pids = encode_text(prefix, "char", True, vocab)
    out = model.generate(pids, 160, temperature=0.8, seed=ctx.get("seed", 0))
    print("sample (temperature 0.8):")
    print("  " + (prefix + join_tokens(vocab.decode(out), "char")).replace("\n", "\n  "))
    print()


def step_vanishing_gradient(ctx) -> None:
    """Vanishing gradients and the LSTM / GRU remedy: |dL/dh_t| of the last step's loss through 100 steps, for
    each cell on the same text after a short training run. Skipped with --quick."""
    from ..nn.diagnostics import vanishing_gradient_curves
    from .rnn import encode_text
    from .rnn_diagnose import _decades_per_10_steps

    print("== 6. Vanishing gradients: how far back does dL/dh_t reach? (rnn vs lstm vs gru) ==")
    if ctx.get("quick"):
        print("(skipped with --quick; run 'seqfast rnn diagnose --plot grad.png' for the full picture)")
        print()
        return
    t0 = time.perf_counter()
    vocab, ids = encode_text(ctx["text"], "char", True)
    T = 100
    curves = vanishing_gradient_curves(ids, len(vocab), ("rnn_tanh", "lstm", "gru"), hidden_size=64, window=T,
                                       batch_size=16, train_steps=ctx.get("diagnose_steps", 300), seed=ctx.get("seed", 0),
                                       n_threads=1)  # H=64: too small a model to gain from threads
    print(f"H=64, one-hot chars, {ctx.get('diagnose_steps', 300)} Adam steps per cell, then |dL/dh_t| of the "
          f"loss at step {T} [{time.perf_counter() - t0:.0f} s]")
    print(f"{'steps back':>12} " + " ".join(f"{c:>10}" for c in curves))
    for b in (0, 10, 25, 50, 99):
        print(f"{b:>12} " + " ".join(f"{curves[c]['trained'][T - 1 - b]:>10.1e}" for c in curves))
    rates = {c: _decades_per_10_steps(curves[c]["trained"]) for c in curves}
    print(f"{'decades/10':>12} " + " ".join(f"{r:>10.2f}" for r in rates.values()))
    best = min(rates, key=rates.get)
    print(f"the gradient reaches furthest back with {best} ({rates[best]:.2f} decades lost per 10 steps"
          + (", thanks to the LSTM's additive cell state)" if best == "lstm" else ")"))
    print()


STEPS = [step_text, step_batches, step_counts, step_lm, step_rnn, step_vanishing_gradient]


def run(args) -> int:
    from ..datasets import time_machine
    from ..text import read_text

    text = read_text(args.file) if args.file else time_machine()
    ctx = {"text": text, "seed": args.seed, "quick": args.quick, "file": args.file}
    for step in STEPS:
        step(ctx)
    return 0
