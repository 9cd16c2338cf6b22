"""Optimizers and gradient clipping over a model's flat parameter and gradient buffers (C loops in
csrc/rnn_optim.c). Update rules are PyTorch's (torch.optim.SGD, Adagrad, Adam; clip_grad_norm_,
clip_grad_value_), so the same hyperparameters mean the same thing.

Every function takes the flat buffers (``model.flat_params``, ``model.flat_grads``: 1-D, C-contiguous,
float32 or float64, same dtype and size) and updates them in place.
"""
from __future__ import annotations

import numpy as np

from .. import _rnn
from .._threads import resolve_threads

__all__ = ["SGD", "Adagrad", "Adam", "make_optimizer", "clip_grad_norm", "clip_grad_value", "grad_norm"]


def _flat(a, name):
    if not isinstance(a, np.ndarray) or a.ndim != 1 or not a.flags.c_contiguous or \
            a.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name} must be a 1-D C-contiguous float32/float64 ndarray (e.g. model.flat_grads)")
    return a


def grad_norm(grads: np.ndarray, n_threads: int | None = None) -> float:
    """Global L2 norm of a flat gradient buffer (accumulated in double, in an order that does not depend on
    n_threads; None = all cores, honouring OMP_NUM_THREADS)."""
    return _rnn.grad_norm(_flat(grads, "grads"), resolve_threads(n_threads))


def clip_grad_norm(grads: np.ndarray, max_norm: float, n_threads: int | None = None) -> float:
    """Rescale grads in place so that their global L2 norm is at most max_norm (the course's remedy for
    exploding gradients; torch.nn.utils.clip_grad_norm_). Returns the norm before clipping."""
    if not max_norm > 0:
        raise ValueError(f"max_norm must be > 0, got {max_norm}")
    return _rnn.clip_norm(_flat(grads, "grads"), float(max_norm), resolve_threads(n_threads))


def clip_grad_value(grads: np.ndarray, clip: float) -> None:
    """Clamp every gradient element to [-clip, clip] in place (torch.nn.utils.clip_grad_value_)."""
    if not clip > 0:
        raise ValueError(f"clip must be > 0, got {clip}")
    _rnn.clip_value(_flat(grads, "grads"), float(clip))


#: The optimizer the Trainer, ``seqfast.nn.train`` and ``seqfast rnn train`` use unless told otherwise:
#: Adam reaches a good character-level perplexity in seconds without tuning.
DEFAULT_OPTIMIZER = "adam"
#: Default learning rate per optimizer, for every entry point: SGD 1.0 is the course's choice with
#: clipping by norm 1; Adam 0.003 trains the default character model fastest in the bundled demo.
DEFAULT_LR = {"sgd": 1.0, "adagrad": 0.01, "adam": 0.003}


class _Optimizer:
    #: threads of the update loops (None = all cores, honouring OMP_NUM_THREADS); the Trainer sets the model's
    n_threads: int | None = None

    def __init__(self, params: np.ndarray, grads: np.ndarray, lr: float):
        self.params, self.grads = _flat(params, "params"), _flat(grads, "grads")
        if params.dtype != grads.dtype or params.size != grads.size:
            raise ValueError("params and grads must have the same dtype and size")
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        self.lr = float(lr)
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        self._step()


class SGD(_Optimizer):
    """p -= lr * (g + weight_decay * p), with optional momentum (buf = momentum * buf + g; p -= lr * buf)."""

    def __init__(self, params, grads, lr: float = DEFAULT_LR["sgd"], momentum: float = 0.0, weight_decay: float = 0.0):
        super().__init__(params, grads, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
        self.buf = np.zeros_like(params) if momentum else None

    def _step(self):
        _rnn.sgd_step(self.params, self.grads, self.buf, self.lr, self.momentum, self.weight_decay,
                      resolve_threads(self.n_threads))


class Adagrad(_Optimizer):
    """sum += g^2; p -= lr * g / (sqrt(sum) + eps)."""

    def __init__(self, params, grads, lr: float = DEFAULT_LR["adagrad"], eps: float = 1e-10):
        super().__init__(params, grads, lr)
        self.eps = float(eps)
        self.sum_sq = np.zeros_like(params)

    def _step(self):
        _rnn.adagrad_step(self.params, self.grads, self.sum_sq, self.lr, self.eps, resolve_threads(self.n_threads))


class Adam(_Optimizer):
    """Adam with bias correction (Kingma & Ba; torch.optim.Adam, L2 weight decay added to g)."""

    def __init__(self, params, grads, lr: float = DEFAULT_LR["adam"], betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, grads, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.eps, self.weight_decay = float(eps), float(weight_decay)
        self.m, self.v = np.zeros_like(params), np.zeros_like(params)

    def _step(self):
        _rnn.adam_step(self.params, self.grads, self.m, self.v, self.lr, self.beta1, self.beta2, self.eps,
                       self.weight_decay, self.steps, resolve_threads(self.n_threads))


_OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "adam": Adam}


def make_optimizer(name: str, params, grads, lr: float | None = None, **kwargs) -> _Optimizer:
    """An optimizer by name: "sgd", "adagrad" or "adam"; ``lr=None`` is its :data:`DEFAULT_LR`."""
    try:
        cls = _OPTIMIZERS[name.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"optimizer must be one of {sorted(_OPTIMIZERS)}, got {name!r}") from None
    return cls(params, grads, lr=DEFAULT_LR[name.lower()] if lr is None else lr, **kwargs)
