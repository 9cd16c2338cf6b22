"""Trainer: one training loop for every seqfast.nn model, with gradient clipping and a C optimizer.

One step: forward + backward (the model's ``_loss_and_grad``) -> clip by global norm (and/or value) ->
optimizer update, all C loops over the model's flat buffers.

- Language models (:class:`RNNLM`, :meth:`Trainer.step` / :meth:`Trainer.fit`): truncated BPTT on (B, T)
  windows. In ``sequential`` mode the hidden state is carried from one window to the next (row b of a batch
  continues row b of the previous one) and detached: gradients stop at the window's start. In ``random``
  mode every window starts from a zero state.
- Sequence models (:class:`RNNClassifier`, :class:`RNNTagger`, :class:`RNNRegressor`,
  :meth:`Trainer.step_batch` / :meth:`Trainer.fit_sequences`): padded batches with lengths from
  :class:`seqfast.bucket_batches`, validation metrics after every epoch (the model's ``evaluate``), early
  stopping on the monitored one, class weights.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from .._atomic import atomic_savefig
from ..data import EmptyClassError, as_ids, batches, bucket_batches
from .._progress import Progress
from .._threads import resolve_threads
from ..metrics import exp_nll
from .optim import DEFAULT_LR, DEFAULT_OPTIMIZER, clip_grad_norm, clip_grad_value, grad_norm, make_optimizer

__all__ = ["Trainer", "History"]


class History(dict):
    """Per-epoch curves, each a list with one entry per epoch (the last may be partial when max_seconds
    stopped training): ``epoch``, ``steps``, ``train_loss`` (nats; MSE for a regressor), ``grad_norm`` (mean
    pre-clipping norm), ``seconds`` (elapsed since fit started), and

    - language models: ``train_ppl``, ``valid_ppl`` (None without validation data), ``tokens_per_s``;
    - sequence models: ``valid_metrics`` (the model's ``evaluate`` dict, or None), ``valid`` (the monitored
      metric), ``seqs_per_s``; ``best_epoch`` is the epoch whose parameters the model ends with.
    """

    KEYS = ("epoch", "steps", "train_loss", "train_ppl", "valid_ppl", "tokens_per_s", "grad_norm", "seconds")
    SEQ_KEYS = ("epoch", "steps", "train_loss", "valid", "valid_metrics", "seqs_per_s", "grad_norm", "seconds")

    def __init__(self, keys=KEYS):
        super().__init__({k: [] for k in keys})
        self.best_epoch = None

    def plot(self, path) -> None:
        """Save the perplexity curves (train and valid vs epoch) to a PNG (needs matplotlib: the 'plot' extra)."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("plotting needs matplotlib: pip install 'seqfast[plot]'") from None
        fig, ax = plt.subplots(figsize=(6, 4))
        lm = "train_ppl" in self
        train, valid = ("train_ppl", "valid_ppl") if lm else ("train_loss", "valid")
        ax.plot(self["epoch"], self[train], marker="o", label="train")
        if any(v is not None for v in self[valid]):
            ax.plot(self["epoch"], [v if v is not None else float("nan") for v in self[valid]],
                    marker="o", label="valid")
        ax.set_xlabel("epoch")
        ax.set_ylabel("perplexity" if lm else "loss / validation metric")
        if lm:
            ax.set_yscale("log")
        ax.legend()
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        atomic_savefig(fig, path, dpi=100)
        plt.close(fig)




class Trainer:
    """Train any seqfast.nn model: an :class:`RNNLM` by truncated BPTT (:meth:`fit`), an
    :class:`RNNClassifier`, :class:`RNNTagger` or :class:`RNNRegressor` on padded batches
    (:meth:`fit_sequences`).

    Parameters
    ----------
    model : the RNNLM to update in place.
    optimizer : "adam" (default: :data:`seqfast.nn.optim.DEFAULT_OPTIMIZER`), "sgd" or "adagrad".
    lr : learning rate (default :data:`seqfast.nn.optim.DEFAULT_LR`: 0.003 adam; 1.0 sgd, the course's
        choice with clipping; 0.01 adagrad).
    clip_norm : rescale the gradient to this global L2 norm when larger (None: no clipping by norm).
    clip_value : also clamp every gradient element to [-clip_value, clip_value] (None: off).
    momentum, weight_decay, betas, eps : optimizer settings (PyTorch's meanings).
    clock : what ``max_seconds`` counts: "wall" (default: elapsed time) or "cpu" (the process's CPU time divided
        by the model's threads: the elapsed time the run would take on that many cores of its own, so that a
        budget means the same on a machine shared with other jobs).

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
                 betas=(0.9, 0.999), eps: float | None = None, clock: str = "wall"):
        self.model = model
        if clock not in ("wall", "cpu"):
            raise ValueError(f"clock must be 'wall' or 'cpu', got {clock!r}")
        self.clock = clock
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
        self._update(loss)
        self.state = hT if carry else None
        return loss

    def step_batch(self, X, Y, lengths=None) -> float:
        """One update of a sequence model on a padded batch X (with ``lengths``; None: no padding) and its
        labels Y; returns the batch's loss before the update."""
        loss = self.model._loss_and_grad(X, Y, lengths)
        self._update(loss)
        return loss

    def _update(self, loss: float) -> None:
        """Clip the gradient in flat_grads and take one optimizer step (unless the loss or the gradient is not
        finite: then FloatingPointError, the parameters left as they were)."""
        m = self.model
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
        t_start, budget_start = time.perf_counter(), self._budget_seconds()
        epoch = 0
        out = sys.stderr
        bar = Progress(enabled=progress)
        while epochs is None or epoch < epochs:
            epoch += 1
            self.reset_state()
            tot, n_tok, n_steps, norms, dt, stop = self._epoch(
                data, lambda b: (self.step(b[0], b[1], carry=(mode == "sequential")), b[0].size),
                lambda avg: f"loss {avg:.3f} ppl {math.exp(min(avg, 700)):.2f}", "tok/s", epoch, bar,
                budget_start, max_seconds)
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

    def _budget_seconds(self) -> float:
        """The clock of ``max_seconds`` (see ``clock``), in seconds from an arbitrary origin."""
        if self.clock == "cpu":
            return time.process_time() / resolve_threads(self.model.n_threads)
        return time.perf_counter()

    def _epoch(self, data, step, show, unit: str, epoch: int, bar, t_start: float, max_seconds):
        """One pass over ``data``: ``step(batch) -> (loss, items)`` per batch, a progress bar (``show(mean loss)``
        and items/s), stopping early at ``max_seconds`` since ``t_start`` (both on :meth:`_budget_seconds`).
        Returns (loss * items summed, items, steps, summed pre-clipping gradient norms, seconds, whether
        max_seconds stopped it)."""
        t0, tot, n, n_steps, norms, stop = time.perf_counter(), 0.0, 0, 0, 0.0, False
        for i, batch in enumerate(data, 1):
            loss, items = step(batch)
            tot += loss * items
            n += items
            n_steps += 1
            norms += self.last_grad_norm
            now = time.perf_counter()
            if bar.enabled and (i % 10 == 0 or i == len(data)):
                bar.show(f"epoch {epoch} {bar.gauge(i, len(data))} {i}/{len(data)} {show(tot / n)} "
                         f"{n / max(now - t0, 1e-9):,.0f} {unit}")
            if max_seconds is not None and self._budget_seconds() - t_start >= max_seconds:
                stop = True
                break
        bar.clear()
        return tot, n, n_steps, norms, time.perf_counter() - t0, stop

    def fit_sequences(self, seqs, labels, valid=None, epochs: int | None = 10, batch_size: int = 32,
                      max_seconds: float | None = None, patience: int | None = None, monitor: str | None = None,
                      class_weights=None, shuffle: bool = True, seed: int | None = 0, progress: bool = True,
                      eval_batch_size: int = 256) -> History:
        """Train a sequence model (:class:`RNNClassifier`, :class:`RNNTagger`, :class:`RNNRegressor`).

        ``seqs``: the training sequences (a list of id sequences; float (T_i, I) arrays, or one (n, T, I)
        array, for a regressor) and ``labels``: one per sequence (classes (n,) or targets (n, O)), or for a
        tagger one tag sequence per sequence. Batches come from :class:`seqfast.bucket_batches` (sequences of
        similar length together, reshuffled every epoch from ``seed``). ``valid``: ``(seqs, labels)`` scored
        with ``model.evaluate`` after every epoch; ``monitor`` names the metric to watch (default: the model's
        ``MONITOR``: accuracy, token_accuracy or rmse). ``patience``: stop after that many epochs without
        improvement; with validation data the model ends with the best epoch's parameters.
        ``class_weights``: None, "balanced" (n / (C * count of the class), scikit-learn's rule) or C weights
        of the cross-entropy; a classifier's class with no training example is an error. ``epochs`` (None or
        >= 1) and/or ``max_seconds``. Returns a :class:`History`.
        """
        m = self.model
        if not hasattr(m, "_eval_true"):
            raise TypeError(f"fit_sequences trains RNNClassifier, RNNTagger and RNNRegressor; for an "
                            f"{type(m).__name__} use fit()")
        if epochs is None and max_seconds is None:
            raise ValueError("give epochs, max_seconds, or both")
        if epochs is not None and (not isinstance(epochs, (int, np.integer)) or isinstance(epochs, bool)
                                   or epochs < 1):
            raise ValueError(f"epochs must be None or an integer >= 1, got {epochs!r}")
        if patience is not None and (not isinstance(patience, (int, np.integer)) or isinstance(patience, bool)
                                     or patience < 1):
            raise ValueError(f"patience must be None or an integer >= 1, got {patience!r}")
        if max_seconds is not None and (isinstance(max_seconds, bool) or not max_seconds >= 0):
            raise ValueError(f"max_seconds must be None or a number >= 0, got {max_seconds!r}")
        data = bucket_batches(seqs, labels, batch_size, shuffle=shuffle, seed=seed)
        n_classes = getattr(m, "num_classes", None) or getattr(m, "num_tags", None)
        if n_classes is not None:
            flat = np.concatenate([np.asarray(y).ravel() for y in labels]) if data.per_token else \
                np.asarray(labels).ravel()
            if flat.size and (flat.min() < 0 or flat.max() >= n_classes):
                bad = int(flat.min()) if flat.min() < 0 else int(flat.max())
                raise IndexError(f"labels contain {bad}, out of range for {n_classes} classes")
            counts = np.bincount(flat.astype(np.int64), minlength=n_classes)
            empty = np.flatnonzero(counts == 0)
            if empty.size and (hasattr(m, "num_classes") or isinstance(class_weights, str)):
                raise EmptyClassError(str(int(empty[0])))
            if isinstance(class_weights, str):
                if class_weights != "balanced":
                    raise ValueError(f"class_weights must be None, 'balanced' or {n_classes} numbers, got "
                                     f"{class_weights!r}")
                class_weights = flat.size / (n_classes * counts)
            if class_weights is not None:
                m._set_class_weights(class_weights, n_classes)
        elif class_weights is not None:
            raise ValueError(f"class_weights apply to classifiers and taggers, not to an {type(m).__name__}")
        if valid is not None and (not isinstance(valid, (tuple, list)) or len(valid) != 2):
            raise ValueError("valid must be a pair (seqs, labels)")
        name, larger = (monitor, monitor != "rmse") if monitor is not None else m.MONITOR
        hist = History(History.SEQ_KEYS)
        best, best_params, bad_epochs = None, None, 0
        t_start, budget_start = time.perf_counter(), self._budget_seconds()
        bar = Progress(enabled=progress)
        epoch = 0
        while epochs is None or epoch < epochs:
            epoch += 1
            tot, n_seq, n_steps, norms, dt, stop = self._epoch(
                data, lambda b: (self.step_batch(b[0], b[2], b[1]), len(b[0])), lambda avg: f"loss {avg:.4f}",
                "seq/s", epoch, bar, budget_start, max_seconds)
            if n_seq == 0:
                break
            metrics = m.evaluate(valid[0], valid[1], eval_batch_size) if valid is not None else None
            value = None if metrics is None else metrics[name]
            for k, v in (("epoch", epoch), ("steps", n_steps), ("train_loss", tot / n_seq), ("valid", value),
                         ("valid_metrics", metrics), ("seqs_per_s", n_seq / max(dt, 1e-9)),
                         ("grad_norm", norms / n_steps), ("seconds", time.perf_counter() - t_start)):
                hist[k].append(v)
            improved = value is not None and (best is None or (value > best if larger else value < best))
            if improved:
                best, bad_epochs, hist.best_epoch = value, 0, epoch
                best_params = m.flat_params.copy()
            elif value is not None:
                bad_epochs += 1
            if progress:
                sys.stderr.write(f"epoch {epoch}: train loss {tot / n_seq:.4f}"
                                 + (f", valid {name} {value:.4f}" if value is not None else "")
                                 + f", {n_seq / max(dt, 1e-9):,.0f} seq/s, grad norm {norms / n_steps:.3f}\n")
            if stop or (patience is not None and bad_epochs >= patience):
                break
        if best_params is not None:
            m.flat_params[...] = best_params
        elif valid is None:
            hist.best_epoch = epoch
        return hist
