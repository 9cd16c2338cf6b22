"""Trainer: truncated backpropagation through time with gradient clipping and a C optimizer.

One step on a (B, T) window: forward + BPTT (model.loss_and_grad) -> clip by global norm (and/or value)
-> optimizer update, all C loops over the model's flat buffers. In ``sequential`` mode the hidden state is
carried from one window to the next (row b of a batch continues row b of the previous one) and detached:
gradients stop at the window's start. In ``random`` mode every window starts from a zero state.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from .._atomic import atomic_savefig
from ..data import as_ids, batches
from .._progress import Progress
from ..metrics import exp_nll
from .optim import DEFAULT_LR, DEFAULT_OPTIMIZER, clip_grad_norm, clip_grad_value, grad_norm, make_optimizer

__all__ = ["Trainer", "History"]


class History(dict):
    """Per-epoch curves: ``epoch``, ``steps``, ``train_loss`` (nats), ``train_ppl``, ``valid_ppl`` (None
    without validation data), ``tokens_per_s``, ``grad_norm`` (mean pre-clipping norm) and ``seconds``
    (elapsed since fit started), each a list with one entry per epoch (the last may be partial when
    max_seconds stopped training)."""

    KEYS = ("epoch", "steps", "train_loss", "train_ppl", "valid_ppl", "tokens_per_s", "grad_norm", "seconds")

    def __init__(self):
        super().__init__({k: [] for k in self.KEYS})

    def plot(self, path) -> None:
        """Save the perplexity curves (train and valid vs epoch) to a PNG (needs matplotlib: the 'plot' extra)."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("plotting needs matplotlib: pip install 'seqfast[plot]'") from None
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self["epoch"], self["train_ppl"], marker="o", label="train")
        if any(v is not None for v in self["valid_ppl"]):
            ax.plot(self["epoch"], [v if v is not None else float("nan") for v in self["valid_ppl"]],
                    marker="o", label="valid")
        ax.set_xlabel("epoch")
        ax.set_ylabel("perplexity")
        ax.set_yscale("log")
        ax.legend()
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        atomic_savefig(fig, path, dpi=100)
        plt.close(fig)




class Trainer:
    """Train an :class:`RNNLM` by truncated BPTT.

    Parameters
    ----------
    model : the RNNLM to update in place.
    optimizer : "adam" (default: :data:`seqfast.nn.optim.DEFAULT_OPTIMIZER`), "sgd" or "adagrad".
    lr : learning rate (default :data:`seqfast.nn.optim.DEFAULT_LR`: 0.003 adam; 1.0 sgd, the course's
        choice with clipping; 0.01 adagrad).
    clip_norm : rescale the gradient to this global L2 norm when larger (None: no clipping by norm).
    clip_value : also clamp every gradient element to [-clip_value, clip_value] (None: off).
    momentum, weight_decay, betas, eps : optimizer settings (PyTorch's meanings).

    A step whose loss or gradient is NaN or infinite raises FloatingPointError naming the step, and leaves
    the parameters as they were before that step.

    Example
    -------
    >>> import numpy as np, seqfast
    >>> m = seqfast.RNNLM(5, 8, embedding_dim=4)
    >>> t = seqfast.Trainer(m, optimizer="sgd", lr=0.5)
    >>> X = np.array([[0, 1, 2, 3]]); loss = t.step(X, (X + 1) % 5)
    """

    def __init__(self, model, optimizer: str = DEFAULT_OPTIMIZER, lr: float | None = None, clip_norm: float | None = 1.0,
                 clip_value: float | None = None, momentum: float = 0.0, weight_decay: float = 0.0,
                 betas=(0.9, 0.999), eps: float | None = None):
        self.model = model
        name = str(optimizer).lower()
        if lr is None:
            lr = DEFAULT_LR.get(name, 1.0)
        kw = {}
        if name == "sgd":
            kw = {"momentum": momentum, "weight_decay": weight_decay}
        elif name == "adam":
            kw = {"betas": betas, "weight_decay": weight_decay, **({"eps": eps} if eps is not None else {})}
        elif name == "adagrad" and eps is not None:
            kw = {"eps": eps}
        self.optimizer = make_optimizer(name, model.flat_params, model.flat_grads, lr, **kw)
        self.optimizer.n_threads = model.n_threads
        if clip_norm is not None and not clip_norm > 0:
            raise ValueError(f"clip_norm must be None or > 0, got {clip_norm}")
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"clip_value must be None or > 0, got {clip_value}")
        self.clip_norm, self.clip_value = clip_norm, clip_value
        self.steps = 0
        self.state = None          # hidden state carried between sequential steps
        self.last_grad_norm = float("nan")

    def reset_state(self) -> None:
        """Forget the carried hidden state (the next step starts from zeros)."""
        self.state = None

    def step(self, X, Y, carry: bool = True) -> float:
        """One truncated-BPTT update on the window X -> Y (both (B, T) int arrays); returns the mean loss
        (nats) before the update. ``carry=True`` starts from the state left by the previous step (when its
        batch size matches) and keeps the new one; ``carry=False`` starts from zeros."""
        m = self.model
        h0 = self.state if carry else None
        if h0 is not None:
            B = np.shape(X)[0]
            first = h0[0] if isinstance(h0, tuple) else h0
            if first.shape[1] != B:
                h0 = None
        loss, hT = m._loss_and_grad(X, Y, h0)
        step = self.steps + 1
        if not math.isfinite(loss):
            raise FloatingPointError(f"training step {step}: the loss is {loss}; stopped before updating, the "
                                     f"parameters are those after step {step - 1}. Lower the learning rate "
                                     f"or clip gradients (clip_norm).")
        if self.clip_norm is not None:
            norm = clip_grad_norm(m.flat_grads, self.clip_norm, m.n_threads)
        else:
            norm = grad_norm(m.flat_grads, m.n_threads)
        if not math.isfinite(norm):
            raise FloatingPointError(f"training step {step}: the gradient norm is {norm}; stopped before "
                                     f"updating, the parameters are those after step {step - 1}.")
        if self.clip_value is not None:
            clip_grad_value(m.flat_grads, self.clip_value)
        self.optimizer.step()
        self.steps = step
        self.last_grad_norm = norm
        self.state = hT if carry else None
        return loss

    def fit(self, ids, batch_size: int = 32, num_steps: int = 35, epochs: int | None = 1,
            mode: str = "sequential", valid_ids=None, max_seconds: float | None = None, progress: bool = True,
            seed: int | None = 0, eval_batch_size: int | None = None) -> History:
        """Train on a token-id sequence for ``epochs`` epochs and/or ``max_seconds`` seconds.

        mode "sequential" carries the hidden state between consecutive windows (reset each epoch);
        "random" draws shuffled windows, each from a zero state. ``valid_ids``: perplexity on them after
        every epoch. Returns a :class:`History`; ``progress`` draws a progress bar on stderr when it is a
        terminal and prints one summary line per epoch.
        ``epochs`` (None or an int >= 1), ``max_seconds`` (None or >= 0; 0 stops after one step) and
        ``valid_ids`` are checked before any training: bad values raise naming them.
        """
        if epochs is None and max_seconds is None:
            raise ValueError("give epochs, max_seconds, or both")
        if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer))
                                   or epochs < 1):
            raise ValueError(f"epochs must be None or an integer >= 1, got {epochs!r}")
        if max_seconds is not None and (isinstance(max_seconds, bool) or
                                        not isinstance(max_seconds, (int, float, np.integer, np.floating))
                                        or not max_seconds >= 0):
            raise ValueError(f"max_seconds must be None or a number >= 0, got {max_seconds!r}")
        if mode not in ("sequential", "random"):
            raise ValueError(f"mode must be 'sequential' or 'random', got {mode!r}")
        if eval_batch_size is not None and (isinstance(eval_batch_size, bool) or
                                            not isinstance(eval_batch_size, (int, np.integer)) or eval_batch_size < 1):
            raise ValueError(f"eval_batch_size must be None or an integer >= 1, got {eval_batch_size!r}")
        V = self.model.vocab_size
        ids = as_ids(ids)
        if len(ids) and int(ids.max()) >= V:
            raise IndexError(f"ids contain {int(ids.max())}, out of range for vocab_size={V}")
        if valid_ids is not None:  # checked now, not after the first epoch's training
            valid_ids = as_ids(valid_ids, "valid_ids")
            if len(valid_ids) < 2:
                raise ValueError(f"valid_ids has {len(valid_ids)} token(s); its perplexity needs at least 2")
            if int(valid_ids.max()) >= V:
                raise IndexError(f"valid_ids contain {int(valid_ids.max())}, out of range for vocab_size={V} "
                                 f"(ids must be in [0, {V}))")
        data = batches(ids, batch_size, num_steps, mode=mode, seed=seed)
        hist = History()
        t_start = time.perf_counter()
        epoch = 0
        out = sys.stderr
        bar = Progress(enabled=progress)
        while epochs is None or epoch < epochs:
            epoch += 1
            self.reset_state()
            t0, tot, n_tok, n_steps, norms = time.perf_counter(), 0.0, 0, 0, 0.0
            stop = False
            for i, (X, Y) in enumerate(data, 1):
                loss = self.step(X, Y, carry=(mode == "sequential"))
                tot += loss * X.size
                n_tok += X.size
                n_steps += 1
                norms += self.last_grad_norm
                now = time.perf_counter()
                if bar.enabled and (i % 10 == 0 or i == len(data)):
                    loss_avg = tot / n_tok
                    bar.show(f"epoch {epoch} {bar.gauge(i, len(data))} {i}/{len(data)} loss {loss_avg:.3f} "
                             f"ppl {math.exp(min(loss_avg, 700)):.2f} {n_tok / max(now - t0, 1e-9):,.0f} tok/s")
                if max_seconds is not None and now - t_start >= max_seconds:
                    stop = True
                    break
            dt = time.perf_counter() - t0
            bar.clear()
            if n_tok == 0:
                break
            train_loss = tot / n_tok
            valid = None
            if valid_ids is not None:
                valid = self.model.perplexity(valid_ids, batch_size=eval_batch_size or batch_size,
                                              num_steps=num_steps)
            hist["epoch"].append(epoch)
            hist["steps"].append(n_steps)
            hist["train_loss"].append(train_loss)
            hist["train_ppl"].append(exp_nll(train_loss))
            hist["valid_ppl"].append(valid)
            hist["tokens_per_s"].append(n_tok / max(dt, 1e-9))
            hist["grad_norm"].append(norms / n_steps)
            hist["seconds"].append(time.perf_counter() - t_start)
            if progress:
                out.write(f"epoch {epoch}: train ppl {exp_nll(train_loss):.3f}"
                          + (f", valid ppl {valid:.3f}" if valid is not None else "")
                          + f", {n_tok / max(dt, 1e-9):,.0f} tokens/s, grad norm {norms / n_steps:.3f}\n")
            if stop:
                break
        return hist
