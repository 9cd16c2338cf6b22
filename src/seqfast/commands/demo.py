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

    from ..nn.recipe import train
    from ..text import Tokenizer, encode_text, join_tokens

    print("== 5. A character-level RNN language model (C kernels, truncated BPTT, clipping) ==")
    print("Truncated backpropagation through time: the text is cut into 32 parallel streams read 35 characters "
          "at a time. Each step runs the RNN over a 35-step window, carrying the hidden state over from the "
          "previous window (so the model still sees the whole stream), but the gradient is computed only back "
          "to the window's start: the cost of a step is 35 steps, not the whole text, at the price of never "
          "learning a dependency longer than the window through the gradient.")
    print("Gradient clipping: before each update the gradient of all parameters together is rescaled to norm 1 "
          "when it is larger. A product of 35 Jacobians can explode; clipping keeps one steep step from throwing "
          "the weights far away, without changing the direction of the update.")
    if ctx.get("quick"):
        print("(skipped with --quick)")
        print()
        return
    seconds = ctx.get("rnn_seconds", 30.0)
    t0 = time.perf_counter()
    r = train(ctx["text"], level="char", hidden=256, embedding=None, steps=35, batch=32, optimizer="adam",
              clip=1.0, max_seconds=seconds, seed=ctx.get("seed", 0), progress=False)
    model, vocab, hist, valid, train_ids = r.model, r.vocab, r.history, r.valid_ids, r.train_ids
    dt = time.perf_counter() - t0
    counts = np.bincount(train_ids, minlength=len(vocab)) + 1.0  # add-one unigram, for scale
    eval_ids = valid if valid is not None else train_ids
    uni = math.exp(-float(np.mean(np.log(counts / counts.sum())[eval_ids])))
    ppl = model.perplexity(eval_ids)
    print(f"{model!r}")
    print(f"trained {sum(hist['steps'])} steps of batch 32 x 35 chars in {dt:.0f} s "
          f"({np.mean(hist['tokens_per_s']):,.0f} chars/s)")
    print(f"held-out perplexity: RNN {ppl:.2f}  vs  unigram {uni:.2f}  ({len(vocab)} symbols)")
    prefix = "the time traveller"
    chars = Tokenizer("char", True)
    _, pids = encode_text(prefix, chars, vocab)
    out = model.generate(pids, 160, temperature=0.8, seed=ctx.get("seed", 0))
    print("sample (temperature 0.8):")
    print("  " + (prefix + join_tokens(vocab.decode(out), chars)).replace("\n", "\n  "))
    print()


def step_vanishing_gradient(ctx) -> None:
    """Vanishing gradients and the LSTM / GRU remedy: |dL/dh_t| of the last step's loss through 100 steps, for
    each cell on the same text after a short training run. Skipped with --quick."""
    from ..nn.diagnostics import decades_per_10_steps, vanishing_gradient_curves
    from ..text import Tokenizer, encode_text

    print("== 6. Vanishing gradients: how far back does dL/dh_t reach? (rnn vs lstm vs gru) ==")
    if ctx.get("quick"):
        print("(skipped with --quick; run 'seqfast rnn diagnose --plot grad.png' for the full picture)")
        print()
        return
    t0 = time.perf_counter()
    vocab, ids = encode_text(ctx["text"], Tokenizer("char", True))
    T = 100
    steps = ctx.get("diagnose_steps", 300)
    curves = vanishing_gradient_curves(ids, len(vocab), ("rnn_tanh", "lstm", "gru"), hidden_size=64, window=T,
                                       batch_size=16, train_steps=steps, seed=ctx.get("seed", 0),
                                       n_threads=1)  # H=64: too small a model to gain from threads
    print(f"H=64, one-hot chars, {steps} Adam steps per cell on 35-step windows, then |dL/dh_t| of the "
          f"loss at step {T} [{time.perf_counter() - t0:.0f} s]")
    print(f"{'steps back':>40} " + " ".join(f"{c:>10}" for c in curves))
    for b in (0, 10, 25, 50, 99):
        print(f"{b:>40} " + " ".join(f"{curves[c]['trained'][T - 1 - b]:>10.1e}" for c in curves))
    rates = {k: {c: decades_per_10_steps(curves[c][k]) for c in curves} for k in ("initial", "trained")}
    for k, what in (("initial", "untrained"), ("trained", "trained")):
        print(f"{'orders of magnitude lost per 10 steps, ' + what:>40} "
              + " ".join(f"{r:>10.2f}" for r in rates[k].values()))
    print(explain_decay(rates["initial"], rates["trained"], {c: curves[c]["train_loss"] for c in curves}))
    print()


def explain_decay(initial: dict, trained: dict, loss: dict | None = None) -> str:
    """What the measured decay rates (orders of magnitude of |dL/dh_t| lost per 10 steps, per cell, before and
    after training) say about the course's claim that gated cells carry gradients further back."""
    best_i = min(initial, key=initial.get)
    best_t = min(trained, key=trained.get)
    lines = [f"Untrained, the gradient reaches furthest back with {best_i} ({initial[best_i]:.2f} orders of "
             f"magnitude lost per 10 steps); after training, with {best_t} ({trained[best_t]:.2f})."]
    vanilla = trained.get("rnn_tanh", float("inf"))
    if all(initial[c] < initial.get("rnn_tanh", float("inf")) for c in ("lstm", "gru") if c in initial):
        lines.append("At initialisation the course's claim holds: the gated cells' state update is additive "
                     "(LSTM cell state, GRU interpolation between old state and candidate), so dh_t/dh_(t-1) is "
                     "multiplied by gate values near 1/2..1 rather than by a tanh derivative times a weight matrix.")
    gated_lose = [c for c in ("lstm", "gru") if c in trained and trained[c] > vanilla]
    if gated_lose:
        who = " and ".join(gated_lose)
        fits = ""
        if loss and min(loss, key=loss.get) in gated_lose:
            fits = (f" {min(loss, key=loss.get)} also has the lowest training loss ({min(loss.values()):.3f} "
                    f"nats): it fits the data best, and the data rewards short memory.")
        lines.append(
            f"After training the claim does not hold for {who}: its gradient decays faster than the vanilla "
            f"RNN's. Gates are learned, and nothing here asks them to stay open: training windows are 35 steps, "
            f"so no gradient ever rewarded carrying anything 100 steps, and the next character depends mostly on "
            f"the last few. The cell learns to overwrite its state quickly (a GRU's update gate, an LSTM's forget "
            f"gate move towards 'replace'), and small gate values multiply dh_t/dh_(t-1).{fits} Longer windows "
            f"help only a little: on this corpus (seed 0, 300 steps, H=64) 'seqfast rnn diagnose --train-window "
            f"100' measured the GRU at 2.34 instead of 2.65 orders of magnitude per 10 steps, still faster than "
            f"the vanilla RNN's 1.83. The gated cells' advantage is that they *can* keep a gradient when the task "
            f"needs it, not that they always do.")
    else:
        lines.append("After training too, the gated cells keep the gradient alive further back than the vanilla "
                     "RNN, as the course says.")
    return "\n".join(lines)


STEPS = [step_text, step_batches, step_counts, step_lm, step_rnn, step_vanishing_gradient]


def run(args) -> int:
    from ..datasets import time_machine
    from ..text import read_text

    text = read_text(args.file) if args.file else time_machine()
    ctx = {"text": text, "seed": args.seed, "quick": args.quick, "file": args.file}
    for step in STEPS:
        step(ctx)
    return 0
