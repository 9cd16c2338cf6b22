"""ParamModel: what every seqfast.nn model shares: one flat parameter buffer and one flat gradient buffer of the
same layout (named views into them, keyed and shaped as PyTorch names them), state_dict / load_state_dict,
reusable work buffers, pickling, and the one model file codec (save / load).

A subclass lists its parameters as ``[(name, shape), ...]`` and calls :meth:`ParamModel._allocate`; it sets
``_KIND`` (its container kind, seqfast._container) and ``_FORMAT`` (the header's format string) and implements
``config()`` (the constructor's keyword arguments, JSON values) and ``reset_parameters(seed)``. Optimizers and
gradient clipping are single C loops over
``flat_params`` / ``flat_grads``, whatever the model.
"""
from __future__ import annotations

import os

import numpy as np

from .._container import load_params, save_params

__all__ = ["ParamModel"]

DTYPES = {"float32": np.float32, "float64": np.float64}


class ParamModel:
    """Base of the recurrent models: flat buffers, named views, state_dict, files, pickling."""

    #: the container kind of a saved model and the ``format`` its header carries (set by each subclass)
    _KIND = ""
    _FORMAT = ""

    def _allocate(self, specs: list) -> None:
        """Allocate ``flat_params`` / ``flat_grads`` for ``specs`` [(name, shape)] and the named views."""
        self._specs = [(name, tuple(int(n) for n in shape)) for name, shape in specs]
        total = sum(int(np.prod(s)) for _, s in self._specs)
        #: every parameter, back to back (views in ``params``); gradients likewise in ``flat_grads``
        self.flat_params = np.zeros(total, dtype=self.dtype)
        self.flat_grads = np.zeros(total, dtype=self.dtype)
        self._views()
        #: activation and gradient buffers reused from one batch to the next (see _buf)
        self._work: dict[str, np.ndarray] = {}

    def _views(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        off = 0
        for name, shape in self._specs:
            n = int(np.prod(shape))
            self.params[name] = self.flat_params[off:off + n].reshape(shape)
            self.grads[name] = self.flat_grads[off:off + n].reshape(shape)
            off += n

    # ---- pickling: the views are rebuilt over the unpickled flat buffers ----------------------------
    def __getstate__(self):
        state = self.__dict__.copy()
        for k in ("params", "grads", "_work"):
            state.pop(k, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._views()
        self._work = {}
        self._rebind()

    def _rebind(self) -> None:
        """Hook: re-attach views held elsewhere (a submodule's) after unpickling."""

    @property
    def num_parameters(self) -> int:
        return int(self.flat_params.size)

    def zero_grad(self) -> None:
        self.flat_grads[...] = 0

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter, keyed and shaped as PyTorch names them."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy parameters in (numpy arrays or torch tensors). ``strict``: the key sets must match exactly.

        A wrong shape, a non-float dtype, NaN / inf, or a value that overflows the model's dtype (e.g. 1e300
        into a float32 model) raises, naming the parameter, and leaves every parameter unchanged."""
        missing = [k for k in self.params if k not in state]
        unexpected = [k for k in state if k not in self.params]
        if strict and (missing or unexpected):
            raise KeyError(f"state_dict does not match this model: missing {missing}, unexpected {unexpected}")
        # check every array (after the cast to the model's dtype) before copying any: a rejected
        # state_dict leaves the model as it was
        cast = {}
        for k, v in state.items():
            if k not in self.params:
                continue
            if hasattr(v, "detach"):  # a torch tensor
                v = v.detach().cpu().numpy()
            a = np.asarray(v)
            if a.shape != self.params[k].shape:
                raise ValueError(f"{k}: shape {a.shape} does not match the model's {self.params[k].shape}")
            if not np.issubdtype(a.dtype, np.floating):
                raise TypeError(f"{k}: expected floating-point values, got dtype {a.dtype}")
            if not np.isfinite(a).all():
                raise ValueError(f"{k} contains NaN or inf")
            with np.errstate(over="ignore"):
                c = a.astype(self.dtype)
            if not np.isfinite(c).all():
                big = float(np.abs(a).max())
                raise ValueError(f"{k} contains {big:g}, too large for the model's dtype {self.dtype} (largest "
                                 f"{float(np.finfo(self.dtype).max):g}): it would become inf")
            cast[k] = c
        for k, c in cast.items():
            self.params[k][...] = c

    def _buf(self, name: str, shape: tuple) -> np.ndarray:
        """The model's buffer ``name`` with ``shape`` (uninitialised), allocated once and reused while the
        shape stays the same, so a training step writes into memory that is already mapped."""
        a = self._work.get(name)
        if a is None or a.shape != shape:
            a = self._work[name] = np.empty(shape, dtype=self.dtype)
        return a

    # ---- files -----------------------------------------------------------------------------------
    def config(self) -> dict:
        raise NotImplementedError

    def _header(self) -> dict:
        """What a file's JSON header holds besides the arrays."""
        return {"format": self._FORMAT, "config": self.config(), "meta": getattr(self, "meta", {})}

    def save(self, path, compress: bool = False) -> None:
        """Write the parameters, config and ``self.meta`` (JSON-able, e.g. a vocabulary) as a seqfast container
        (:mod:`seqfast._container`, the class's kind) to a path or a binary file object such as
        ``sys.stdout.buffer``, atomically. ``compress=True`` writes it gzip-compressed (read back by content)."""
        save_params(path, self._KIND, self._header(), self.params, compress=compress)

    @classmethod
    def _check_file(cls, config, arrays: dict) -> None:
        """Hook: ValueError when a file's config disagrees with its arrays, before the model is allocated."""

    @classmethod
    def _from_header(cls, header: dict, n_threads):
        return cls(**header["config"], n_threads=n_threads)

    @classmethod
    def load(cls, path, n_threads: int | None = None):
        """Read a model written by :meth:`save` (for RNNLM also the ``.npz`` form of seqfast 0.1). A missing file
        raises FileNotFoundError; a truncated or foreign one ValueError saying what the file is not."""
        path = os.fspath(path)
        what = f"seqfast {cls.__name__} file"
        header, arrays = load_params(path, cls._KIND, what)
        if header.get("format") != cls._FORMAT:
            raise ValueError(f"{path}: not a {what} (format {header.get('format')!r})")
        try:
            cls._check_file(header.get("config"), arrays)
            m = cls._from_header(header, n_threads)
            m.load_state_dict(arrays)
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}: corrupt model file: {e}") from None
        meta = header.get("meta", {}) or {}
        if not isinstance(meta, dict):
            raise ValueError(f"{path}: corrupt model file: its meta is a JSON {type(meta).__name__}, not an object")
        m.meta = meta
        return m
