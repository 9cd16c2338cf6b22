"""Gradient diagnostics: how far back through time the gradient of the loss reaches.

The course's vanishing-gradient picture: for a loss at the end of a window, the norm of dL/dh_t shrinks
(vanilla RNN, tanh) or explodes as t moves back from the end; LSTM and GRU keep it alive longer through
their additive cell / interpolated state paths.

dL/dh_t here is the *total* gradient at h_t: what arrives from above at step t (decoder or next layer) plus
what flows back through the recurrence from step t+1. The cell backward kernels return dL/d(pre-activation)
(dxproj) per step; the recurrent part follows from it:

    rnn, lstm:  dL/dh_t = dh_above_t + dxproj_{t+1} W_hh         (h_t reaches step t+1 only through W_hh h_t)
    gru:        dL/dh_t = dh_above_t + z_{t+1} * dL/dh_{t+1} + du_{t+1} W_hh
                with du = dxproj, its n block times r (the reset gate multiplies W_hn h + b_hn)
"""
from __future__ import annotations

import numpy as np

from .._atomic import atomic_savefig

__all__ = ["grad_h_through_time", "vanishing_gradient_curves", "plot_curves"]


def grad_h_through_time(cell: str, dh_above: np.ndarray, dxproj: np.ndarray, gates, W_hh: np.ndarray,
                        dhT: np.ndarray | None = None) -> np.ndarray:
    """Total dL/dh_t (B, T, H) of one layer from its backward's inputs and outputs.

    cell: the registry name ("rnn_tanh", "rnn_relu", "lstm", "gru"); dh_above (B, T, H) = dL/dh_t from above;
    dxproj (B, T, G*H) = what the cell's backward returned; gates (B, T, G*H) = the activated gates its forward
    cached (the gru formula reads r and z from them; unused for the other cells); dhT = the gradient given for
    the final h (None: zero).
    """
    B, T, H = dh_above.shape
    g = np.array(dh_above, dtype=np.float64)
    if dhT is not None:
        g[:, -1] += dhT
    if cell != "gru":
        if T > 1:
            g[:, :-1] += (dxproj[:, 1:].reshape(-1, dxproj.shape[2]) @ W_hh).reshape(B, T - 1, H)
        return g
    r, z = gates[:, :, :H], gates[:, :, H:2 * H]
    du = np.array(dxproj, dtype=np.float64)
    du[:, :, 2 * H:] *= r
    for t in range(T - 2, -1, -1):
        g[:, t] += z[:, t + 1] * g[:, t + 1] + du[:, t + 1] @ W_hh
    return g


def vanishing_gradient_curves(ids, vocab_size: int, cells=("rnn_tanh", "lstm", "gru"), hidden_size: int = 64,
                              num_layers: int = 1, window: int = 100, batch_size: int = 16,
                              train_steps: int = 300, train_window: int = 35, lr: float = 0.005,
                              seed: int = 0, n_threads: int | None = None, dtype: str = "float32") -> dict:
    """The course's vanishing-gradient picture from real runs, one curve per cell on the same data.

    For each cell: a one-hot-input RNNLM (same seed and sizes) is measured untrained, then trained for
    ``train_steps`` truncated-BPTT steps (Adam, clip 1, windows of ``train_window``) on ``ids`` and measured
    again. A measurement is :meth:`RNNLM.gradient_norms_through_time` (``at="last"``, the top layer) on the
    same ``(batch_size, window)`` block of the text's last tokens (held out from training when the text is
    long enough), so every cell sees the same text.

    Returns ``{cell: {"initial": ndarray (window,), "trained": ndarray (window,), "train_loss": float}}``;
    entry ``t`` of a curve is the mean over the batch of |dL_last / dh_t|.
    """
    from ..data import as_ids, batches
    from .model import RNNLM
    from .trainer import Trainer

    ids = as_ids(ids)
    need = batch_size * (window + 1)
    if len(ids) < need:
        raise ValueError(f"the text has {len(ids):,} tokens; a ({batch_size} x {window}) window needs {need:,}: "
                         f"use a longer text or a smaller --window / --batch")
    # measured on the text's last tokens, trained on the rest (or on everything when the text is short)
    X = ids[-need:].reshape(batch_size, window + 1)
    X, Y = X[:, :-1], X[:, 1:]
    train_ids = ids[:-need] if len(ids) - need >= batch_size * (train_window + 1) else ids
    out = {}
    for cell in cells:
        m = RNNLM(vocab_size, hidden_size, cell=cell, num_layers=num_layers, seed=seed, n_threads=n_threads,
                  dtype=dtype)
        res = {"initial": m.gradient_norms_through_time(X, Y)}
        tr = Trainer(m, optimizer="adam", lr=lr, clip_norm=1.0)
        losses, steps = [], 0
        while steps < train_steps:
            tr.reset_state()
            for Xb, Yb in batches(train_ids, batch_size, train_window, mode="sequential", seed=seed):
                losses.append(tr.step(Xb, Yb))
                steps += 1
                if steps >= train_steps:
                    break
        res["trained"] = m.gradient_norms_through_time(X, Y)
        res["train_loss"] = float(np.mean(losses[-10:])) if losses else float("nan")
        out[cell] = res
    return out


def plot_curves(curves: dict, path, title: str = "") -> None:
    """Save the curves of :func:`vanishing_gradient_curves` as a log-scale PNG (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'seqfast[plot]'") from None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (cell, res) in enumerate(curves.items()):
        color = f"C{i}"
        for key, style in (("trained", "-"), ("initial", ":")):
            g = res[key]
            back = np.arange(len(g))[::-1]  # steps between h_t and the loss at the window's last step
            ax.semilogy(back, np.maximum(g, 1e-30), style, color=color, label=f"{cell} ({key})")
    ax.set_xlabel("steps back from the loss (T-1-t)")
    ax.set_ylabel("mean |dL/dh_t|")
    ax.set_title(title or "Gradient of the last step's loss through time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_savefig(fig, path, dpi=100)
    plt.close(fig)


def decades_per_10_steps(g) -> float:
    """How fast a gradient curve decays: minus the slope of a least-squares line through log10 |dL/dh_t|
    against steps back, times 10, i.e. the orders of magnitude lost per 10 steps (nan with < 2 positive
    points). ``g``: (T,) norms, the last entry at the loss's own step."""
    back = np.arange(len(g))[::-1].astype(float)
    g = np.asarray(g, dtype=float)
    ok = g > 0
    if ok.sum() < 2:
        return float("nan")
    return float(-10 * np.polyfit(back[ok], np.log10(g[ok]), 1)[0])
