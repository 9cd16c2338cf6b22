"""Plain NumPy twin of word2vec's C kernels (csrc/w2v.c), written like the equations.

Negative sampling (SGNS): an input vector v (a context word's row of syn0 for skip-gram, the mean of the
context rows for CBOW) predicts the word w against K noise words n_1..n_K:

    L = -log s(u_w . v) - sum_k log s(-u_{n_k} . v),        s(x) = 1 / (1 + exp(-x)),  u = rows of syn1neg

    dL/du_w = -(1 - s(u_w . v)) v,   dL/du_n = s(u_n . v) v,   dL/dv = -(1 - s(u_w . v)) u_w + sum_k s(u_n . v) u_n

and one SGD step with learning rate alpha moves every row by -alpha * gradient, written as g = (label - s(f)) *
alpha:  u += g v,  v += sum g u  (with the u's from before the step). Hierarchical softmax adds the same terms
for the inner nodes on w's Huffman path, with label 1 - code. Noise words equal to w are skipped.

:func:`train` replays the C training loop in Python (same random streams, blocks, pieces, alpha schedule), so
one thread of C and this function give the same vectors up to float32 rounding.
"""
from __future__ import annotations

import numpy as np

__all__ = ["splitmix64", "draw_noise", "sgns_loss_and_grad", "sg_step", "sg_window_step", "cbow_step", "train"]

MASK64 = (1 << 64) - 1
ONE31 = 1 << 31


def splitmix64(state: int) -> tuple[int, int]:
    """(new state, 64-bit output) of the splitmix64 generator."""
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def draw_noise(state: int, V: int, alias_prob, alias) -> tuple[int, int]:
    """(new state, word) drawn by the alias method from one 64-bit number."""
    state, r = splitmix64(state)
    col = ((r >> 32) * V) >> 32
    return state, (col if ((r & 0xFFFFFFFF) >> 1) < int(alias_prob[col]) else int(alias[col]))


def _sigmoid(f):
    return 1.0 / (1.0 + np.exp(-f))


def _softplus(x):
    return np.logaddexp(0.0, x)


def _rows_labels(target, negs, hs_path=None):
    """[(table, row, label)]: the Huffman path's inner nodes (table 'syn1'), then target and negatives
    (table 'syn1neg'), negatives equal to target skipped."""
    out = []
    if hs_path is not None:
        points, codes = hs_path
        out += [("syn1", int(p), 1.0 - float(c)) for p, c in zip(points, codes)]
    if negs is not None:
        out.append(("syn1neg", int(target), 1.0))
        out += [("syn1neg", int(n), 0.0) for n in negs if n != target]
    return out


def sgns_loss_and_grad(v, syn1neg, target, negs):
    """L(v, syn1neg) of one example and its gradients (dv (E,), dsyn1neg (V, E)) in float64: the function the
    SGD step descends (check by finite differences)."""
    v = np.asarray(v, dtype=np.float64)
    U = np.asarray(syn1neg, dtype=np.float64)
    dv, dU, L = np.zeros_like(v), np.zeros_like(U), 0.0
    for _, row, label in _rows_labels(target, negs):
        f = U[row] @ v
        L += _softplus(-f) if label else _softplus(f)
        g = label - _sigmoid(f)          # -(dL/df)
        dv -= g * U[row]
        dU[row] -= g * v
    return L, dv, dU


def _example(l1, syn1neg, syn1, target, negs, alpha, hs_path):
    """Updates the output rows in place; returns (neu1e, loss)."""
    neu1e = np.zeros_like(l1)
    loss = 0.0
    tables = {"syn1": syn1, "syn1neg": syn1neg}
    for name, row, label in _rows_labels(target, negs if syn1neg is not None and syn1neg.size else None, hs_path):
        u = tables[name][row]
        f = float(np.dot(l1, u))
        g = np.float32((label - _sigmoid(np.float32(f))) * alpha)
        loss += _softplus(-f) if label else _softplus(f)
        neu1e += g * u
        tables[name][row] = u + g * l1
    return neu1e, loss


def sg_step(syn0, syn1neg, syn1, inp, target, negs, alpha, hs_path=None):
    """One skip-gram example, pair by pair (word2vec.c): syn0[inp] predicts target. In place; returns loss."""
    l1 = syn0[inp].copy()
    neu1e, loss = _example(l1, syn1neg, syn1, target, negs, alpha, hs_path)
    syn0[inp] = syn0[inp] + neu1e
    return loss


def sg_window_step(syn0, syn1neg, syn1, ctx, target, negs, alpha, hs_path=None):
    """One skip-gram window with shared negatives: every syn0[c], c in ctx, predicts target against the same
    negatives; all scores from the rows before the step. In place; returns the summed loss."""
    tables = {"syn1": syn1, "syn1neg": syn1neg}
    rows = _rows_labels(target, negs if syn1neg is not None and syn1neg.size else None, hs_path)
    old = {(n, r): tables[n][r].copy() for n, r, _ in rows}
    ins = [syn0[c].copy() for c in ctx]
    loss = 0.0
    G = np.zeros((len(ctx), len(rows)), dtype=np.float32)
    for i, l1 in enumerate(ins):
        for j, (n, r, label) in enumerate(rows):
            f = float(np.dot(l1, old[(n, r)]))
            G[i, j] = np.float32((label - _sigmoid(np.float32(f))) * alpha)
            loss += _softplus(-f) if label else _softplus(f)
    for j, (n, r, _) in enumerate(rows):
        for i, l1 in enumerate(ins):
            tables[n][r] = tables[n][r] + G[i, j] * l1
    for i, c in enumerate(ctx):
        syn0[c] = syn0[c] + sum((G[i, j] * old[(n, r)] for j, (n, r, _) in enumerate(rows)),
                                np.zeros_like(syn0[c]))
    return loss


def cbow_step(syn0, syn1neg, syn1, ctx, target, negs, alpha, cbow_mean=True, hs_path=None):
    """One CBOW example: the mean (or sum) of syn0[ctx] predicts target. In place; returns loss."""
    l1 = np.sum([syn0[c] for c in ctx], axis=0).astype(syn0.dtype)
    inv = np.float32(1.0) / np.float32(len(ctx))
    if cbow_mean:
        l1 = l1 * inv
    neu1e, loss = _example(l1, syn1neg, syn1, target, negs, alpha, hs_path)
    if not cbow_mean:
        neu1e = neu1e * inv
    for c in ctx:
        syn0[c] = syn0[c] + neu1e
    return loss


def train(syn0, syn1neg, syn1, ids, *, sg, negative, hs, window, cbow_mean, share_negatives, alpha, min_alpha,
          total_words, seed, keep, alias_prob, alias, huff=None, words_before=0, block_base=0,
          max_sentence=10000, block_words=10000):
    """Replay of w2v_train on one chunk of ids (-1 ends a sentence), in place. Returns the number of blocks.
    huff: (code_off, points, codes) for hs."""
    V = syn0.shape[0]
    pieces, i, n = [], 0, len(ids)
    while i < n:
        if ids[i] < 0:
            i += 1
            continue
        j = i
        while j < n and ids[j] >= 0 and j - i < max_sentence:
            j += 1
        pieces.append((i, j))
        i = j
    blocks, cur, inblock = [], [], 0
    for a, b in pieces:
        cur.append((a, b))
        inblock += b - a
        if inblock >= block_words:
            blocks.append(cur)
            cur, inblock = [], 0
    if cur:
        blocks.append(cur)
    a32, m32 = float(np.float32(alpha)), float(np.float32(min_alpha))  # the C keeps both as float
    pos = words_before
    for bi, block in enumerate(blocks):
        s = seed ^ (((block_base + bi) * 0xD1B54A32D192ED03) & MASK64)
        s, _ = splitmix64(s)
        for a, b in block:
            frac = pos / total_words if total_words > 0 else 0.0
            lr = max(np.float32(a32 - (a32 - m32) * frac), np.float32(m32))
            pos += b - a
            sen = []
            for w in ids[a:b]:
                if keep is not None and keep[w] < ONE31:
                    s, r = splitmix64(s)
                    if (r >> 33) >= int(keep[w]):
                        continue
                sen.append(int(w))
            L = len(sen)
            for i in range(L):
                s, r = splitmix64(s)
                red = (r >> 32) % window
                lo, hi = max(i - window + red, 0), min(i + window - red, L - 1)
                ctx = [sen[j] for j in range(lo, hi + 1) if j != i]
                path = None
                if hs:
                    off, pts, cds = huff
                    path = (pts[off[sen[i]]:off[sen[i] + 1]], cds[off[sen[i]]:off[sen[i] + 1]])

                def negatives(s):
                    negs = []
                    for _ in range(negative):
                        s, w = draw_noise(s, V, alias_prob, alias)
                        negs.append(w)
                    return s, negs

                if sg and not share_negatives:
                    for c in ctx:
                        s, negs = negatives(s)
                        sg_step(syn0, syn1neg, syn1, c, sen[i], negs, lr, path)
                    continue
                if not ctx:
                    continue
                s, negs = negatives(s)
                if sg:
                    sg_window_step(syn0, syn1neg, syn1, ctx, sen[i], negs, lr, path)
                else:
                    cbow_step(syn0, syn1neg, syn1, ctx, sen[i], negs, lr, cbow_mean, path)
    return len(blocks)
