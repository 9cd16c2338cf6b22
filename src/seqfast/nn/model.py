"""RNNLM: a recurrent language model whose every hot loop is a C kernel (csrc/rnn_*.c).

    input (embedding lookup, or the course's one-hot input) -> num_layers recurrent layers (a cell from
    seqfast.nn.cells.CELLS) -> decoder Linear (V, H) -> softmax cross-entropy (mean over B*T tokens, nats)

Parameters are named and shaped as PyTorch names them for ``nn.Embedding`` + ``nn.RNN/LSTM/GRU(batch_first=
True)`` + ``nn.Linear``, so ``state_dict()`` round-trips with torch. All parameters are views into one flat
buffer (``model.flat_params``) and all gradients views into another of the same layout (``model.flat_grads``),
so optimizers and gradient clipping are single C loops over them.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _cells, _rnn
from .._checks import check_count, check_id_batch as _check_ids
from .._threads import resolve_threads
from ..data import as_ids
from ..metrics import exp_nll
from .cells import get_cell
from .params import DTYPES as _DTYPES, ParamModel
from .pretrained import as_vectors, init_embedding

__all__ = ["RNNLM"]


def _check_config_fits(cfg, arrays: dict) -> None:
    """ValueError when a file's config disagrees with its arrays' shapes, before the model it describes is
    allocated (a corrupt vocab_size of 10**12 must not try to allocate terabytes)."""
    if not isinstance(cfg, dict):
        return  # cls(**cfg) says so
    for key, name, axis in (("vocab_size", "decoder.bias", 0), ("hidden_size", "decoder.weight", 1),
                            ("embedding_dim", "embedding.weight", 1)):
        v = cfg.get(key)
        if key == "embedding_dim" and v is None:
            continue
        a = arrays.get(name)
        if a is None:
            raise ValueError(f"the config has {key}={v!r} but there is no {name} array")
        if a.ndim <= axis or not isinstance(v, int) or isinstance(v, bool) or v != a.shape[axis]:
            raise ValueError(f"the config has {key}={v!r} but {name} has shape {a.shape}")
    layers = cfg.get("num_layers", 1)
    have = sum(k.startswith("rnn.weight_hh_l") for k in arrays)
    if layers != have:
        raise ValueError(f"the config has num_layers={layers!r} but the file holds {have} recurrent layer(s)")


class RNNLM(ParamModel):
    """A recurrent language model over token ids.

    Parameters
    ----------
    vocab_size : V, number of token types.
    hidden_size : H, size of the hidden state.
    embedding_dim : E for an embedding table ``embedding.weight`` (V, E); None (default) feeds the
        course's one-hot vectors, so ``rnn.weight_ih_l0`` is (H, V).
    nonlinearity : "tanh" or "relu" (vanilla RNN cell; ignored when ``cell`` is given).
    dtype : "float32" (default) or "float64", for every parameter and computation.
    seed : seed of the initialisation (PyTorch's defaults: recurrent and decoder weights and biases
        U(-1/sqrt(H), 1/sqrt(H)), embedding N(0, 1)).
    num_layers : recurrent layers stacked (layer k >= 1 reads layer k-1's hidden states).
    cell : a key of ``seqfast.nn.cells.CELLS`` ("rnn_tanh", "rnn_relu", and "lstm"/"gru" when built);
        default ``"rnn_" + nonlinearity``.
    n_threads : OpenMP threads of the kernels (None: all cores, honouring OMP_NUM_THREADS).
    embedding : pretrained word vectors (:class:`seqfast.KeyedVectors`, e.g. ``Word2Vec(...).wv``, gensim's, or a
        pair ``(array (n, E), words)``)
        that initialise ``embedding.weight`` (``embedding_dim`` defaults to their size): row i gets the vector
        of ``vocab``'s token i (as written, else lower-cased); rows without one are drawn at the vectors'
        scale. ``embedding_report`` then says how many words had no vector (see
        :func:`seqfast.nn.pretrained.init_embedding`).
    vocab : the model's tokens in id order (a :class:`seqfast.Vocab` or a list), needed with ``embedding``
        unless the model's ids are the vectors' rows.
    freeze_embedding : keep ``embedding.weight`` fixed during training: its gradient is zeroed (an optimizer's
        ``weight_decay`` would still shrink it; train without decay to keep it exactly).
    dropout : probability p of zeroing each output of every recurrent layer but the last, as
        ``torch.nn.LSTM(dropout=p)`` does; kept units are scaled by 1 / (1 - p). Applied during training
        only (:meth:`loss_and_grad`); :meth:`forward`, :meth:`loss`, :meth:`perplexity` and :meth:`generate`
        never drop.

    State: the hidden state passed as ``h0`` and returned as ``hT`` is an ndarray (num_layers, B, H)
    (PyTorch's layout; (B, H) is also accepted for h0 when num_layers == 1), or for lstm a tuple (h, c).

    Example
    -------
    >>> import numpy as np, seqfast
    >>> m = seqfast.RNNLM(vocab_size=10, hidden_size=8, embedding_dim=4)
    >>> logits, hT = m.forward(np.zeros((2, 3), dtype=np.int32))
    >>> logits.shape, hT.shape
    ((2, 3, 10), (1, 2, 8))
    """

    def __init__(self, vocab_size: int, hidden_size: int, embedding_dim: int | None = None,
                 nonlinearity: str = "tanh", dtype: str = "float32", seed: int | None = 0,
                 num_layers: int = 1, cell: str | None = None, n_threads: int | None = None,
                 dropout: float = 0.0, embedding=None, vocab=None, freeze_embedding: bool = False):
        if embedding is not None:
            embedding = as_vectors(embedding)
            embedding_dim = embedding.vector_size if embedding_dim is None else embedding_dim
            if vocab is None and len(embedding) != vocab_size:
                raise ValueError(f"embedding= needs vocab= (the model's {vocab_size} tokens in id order) unless the "
                                 f"model's ids are the vectors' {len(embedding)} rows")
        for name, v in (("vocab_size", vocab_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if embedding_dim is not None and (isinstance(embedding_dim, bool) or
                                          not isinstance(embedding_dim, (int, np.integer)) or embedding_dim < 1):
            raise ValueError(f"embedding_dim must be None (one-hot input) or a positive int, got {embedding_dim!r}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        if str(dtype) not in _DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        self.dropout = float(dropout)
        self._dropout_rng = np.random.default_rng(seed)
        self.vocab_size, self.hidden_size = int(vocab_size), int(hidden_size)
        self.embedding_dim = None if embedding_dim is None else int(embedding_dim)
        self.num_layers = int(num_layers)
        self.cell = get_cell(cell if cell is not None else f"rnn_{nonlinearity}")
        self.nonlinearity = nonlinearity if cell is None else self.cell.torch[1].get("nonlinearity", nonlinearity)
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        self.n_threads = n_threads
        resolve_threads(n_threads)
        self.meta: dict = {}

        V, H, G = self.vocab_size, self.hidden_size, self.cell.gates
        specs = []
        if self.embedding_dim is not None:
            specs.append(("embedding.weight", (V, self.embedding_dim)))
        for k in range(self.num_layers):
            I = (self.embedding_dim or V) if k == 0 else H
            specs += [(f"rnn.weight_ih_l{k}", (G * H, I)), (f"rnn.weight_hh_l{k}", (G * H, H)),
                      (f"rnn.bias_ih_l{k}", (G * H,)), (f"rnn.bias_hh_l{k}", (G * H,))]
        specs += [("decoder.weight", (V, H)), ("decoder.bias", (V,))]
        self._allocate(specs)
        self.reset_parameters(seed)
        self.freeze_embedding = bool(freeze_embedding) and self.embedding_dim is not None
        self.embedding_report = None
        if embedding is not None:
            self.embedding_report = init_embedding(self.params["embedding.weight"], embedding,
                                                   vocab if vocab is not None else embedding.index_to_key, seed)

    # ---- parameters ------------------------------------------------------------------------------
    def reset_parameters(self, seed: int | None = 0) -> None:
        """PyTorch's default initialisation, drawn from numpy's default_rng(seed)."""
        rng = np.random.default_rng(seed)
        k = 1.0 / math.sqrt(self.hidden_size)
        for name, p in self.params.items():
            if name == "embedding.weight":
                p[...] = rng.standard_normal(p.shape)
            else:  # rnn.* and decoder.* (nn.Linear(H, V): bound 1/sqrt(fan_in) = 1/sqrt(H))
                p[...] = rng.uniform(-k, k, p.shape)

    # ---- state -----------------------------------------------------------------------------------
    def _split_state(self, h0, B: int) -> list:
        """h0 (model layout) -> list of per-layer cell states, each a contiguous (S, B, H) array (model dtype)."""
        L, H, S, dt = self.num_layers, self.hidden_size, self.cell.n_states, self.dtype
        if h0 is None:
            return [np.zeros((S, B, H), dtype=dt) for _ in range(L)]
        parts = h0 if S > 1 else (h0,)
        if not isinstance(parts, (tuple, list)) or len(parts) != S:
            raise TypeError(f"h0 for a {self.cell.name} model must be a tuple of {S} arrays")
        per = []
        for p in parts:
            a = np.asarray(p)
            if a.ndim == 2 and L == 1:
                a = a[None]
            if a.shape != (L, B, H):
                raise ValueError(f"h0 has shape {np.shape(p)}, expected (num_layers, batch, hidden) = "
                                 f"{(L, B, H)}" + (" or (batch, hidden)" if L == 1 else ""))
            if not np.issubdtype(a.dtype, np.floating):
                raise TypeError(f"h0 must be floating point, got dtype {a.dtype}")
            if not np.isfinite(a).all():
                raise ValueError("h0 contains NaN or inf; a hidden state must be finite")
            per.append(np.asarray(a, dtype=dt))
        return [np.ascontiguousarray(np.stack([q[k] for q in per])) for k in range(L)]

    def _join_state(self, states: list):
        """Per-layer (S, B, H) states -> the model layout (num_layers, B, H), a tuple of S of them for lstm."""
        if self.cell.n_states == 1:
            return np.stack([s[0] for s in states])
        return tuple(np.stack([s[i] for s in states]) for i in range(self.cell.n_states))

    # ---- forward / backward ------------------------------------------------------------------------
    def _forward(self, X: np.ndarray, states0: list, nt: int, train: bool = False):
        """Returns logits (N, V) (a model buffer) and what backward needs. ``train``: dropout between layers."""
        B, T = X.shape
        N, H, G, name = B * T, self.hidden_size, self.cell.gates, self.cell.name
        P = self.params
        ids = X.reshape(-1)
        inputs, caches, statesT, masks = [], [], [], []
        x = None
        for k in range(self.num_layers):
            W_ih, b_ih = P[f"rnn.weight_ih_l{k}"], P[f"rnn.bias_ih_l{k}"]
            cache = self._buf(f"cache{k}", (_cells.cache_size(name, B, T, H),))
            if k == 0 and self.embedding_dim is None:  # one-hot input: W_ih x + b_ih is a column of W_ih, + b_ih
                x, xin, xids = None, np.ascontiguousarray(W_ih.T) + b_ih, X
            elif k == 0 and self._project_table(N):
                # embedding then W_ih is the same as gathering rows of the (V, G*H) table E W_ih^T: when the
                # vocabulary is smaller than the window, that product costs V instead of B*T rows
                x, xin, xids = None, _rnn.linear_forward(P["embedding.weight"], W_ih, None, nt), X
                xin += b_ih
            else:  # xproj is written at the start of the cache, where lstm and gru put their gates
                if k == 0:
                    x = _rnn.gather(P["embedding.weight"], ids, False, None, nt, self._buf("emb", (N, W_ih.shape[1])))
                xin = _rnn.linear_forward(x, W_ih, b_ih, nt, cache[:N * G * H].reshape(N, G * H))
                xin, xids = xin.reshape(B, T, G * H), None
            inputs.append(x)
            h_all, sT, cache = _cells.forward(name, xin, states0[k], P[f"rnn.weight_hh_l{k}"],
                                              P[f"rnn.bias_hh_l{k}"], nt, xids, self._buf(f"h{k}", (B, T, H)), cache)
            caches.append(cache)
            statesT.append(sT)
            x = h_all.reshape(N, H)
            mask = None
            if train and self.dropout > 0 and k < self.num_layers - 1:  # inverted dropout, as torch
                keep = self._dropout_rng.random((N, H)) >= self.dropout
                mask = keep.astype(self.dtype) / self.dtype.type(1 - self.dropout)
                x = x * mask
            masks.append(mask)
        logits = _rnn.linear_forward(x, P["decoder.weight"], P["decoder.bias"], nt,
                                     self._buf("logits", (N, self.vocab_size)))
        return logits, statesT, (ids, inputs, caches, x, masks)

    def _backward(self, dlogits: np.ndarray, saved, B: int, T: int, nt: int, record: list | None = None) -> list:
        """Accumulate every gradient into flat_grads from dL/dlogits (N, V); returns dL/d(initial states).

        ``record``: a list to which each layer's (k, dh_above (B,T,H), dxproj (B,T,G*H), cache) is appended
        (top layer first), for gradient diagnostics; the caches are then kept intact."""
        ids, inputs, caches, h_top, masks = saved
        P, D = self.params, self.grads
        N, H, G = B * T, self.hidden_size, self.cell.gates
        dh = _rnn.linear_backward(dlogits, h_top, P["decoder.weight"], D["decoder.weight"], D["decoder.bias"],
                                  True, nt, self._buf("dh", (N, H)))
        dstates0 = [None] * self.num_layers
        for k in reversed(range(self.num_layers)):
            if masks[k] is not None:  # dropout on this layer's output: dL/dh = dL/d(dropped h) * mask
                dh = dh * masks[k]
            dh_above = dh.reshape(B, T, H)
            # layer 0 read its input projections from a (V, G*H) table by id: S[v] = sum of dxproj over the
            # positions holding token v is that table's gradient, summed by the cell in its pass over dxproj
            gathered = caches[k].ids is not None
            S = None
            if gathered:
                S = self._buf("dtable", (self.vocab_size, G * H))
                S[...] = 0
            # db_ih = dxproj's column sums (the embedding-table path gets it from S below instead)
            db_ih = None if gathered and self.embedding_dim is not None else D[f"rnn.bias_ih_l{k}"]
            # dxproj overwrites the cache's gates, unless the diagnostics record the cache
            dx = None if record is not None else caches[k].buf[:N * G * H].reshape(B, T, G * H)
            dxproj, dstates0[k] = _cells.backward(caches[k], dh_above, None, P[f"rnn.weight_hh_l{k}"],
                                                  D[f"rnn.weight_hh_l{k}"], D[f"rnn.bias_hh_l{k}"], nt, db_ih, S, dx)
            if record is not None:
                record.append((k, dh_above, dxproj, caches[k]))
            dxproj = dxproj.reshape(N, G * H)
            if k == 0 and self.embedding_dim is None:  # one-hot input: the table was W_ih^T + b_ih
                D["rnn.weight_ih_l0"] += S.T
            elif k == 0 and gathered:  # the projected-table path of _forward: the table was E W_ih^T
                # then dW_ih += S^T E, db_ih += sum_v S[v], dE += S W_ih: (V, G*H) products instead of
                # (B*T, G*H) ones
                dE = _rnn.linear_backward(S, P["embedding.weight"], P["rnn.weight_ih_l0"], D["rnn.weight_ih_l0"],
                                          D["rnn.bias_ih_l0"], True, nt)
                D["embedding.weight"] += dE
            else:
                dh = _rnn.linear_backward(dxproj, inputs[k], P[f"rnn.weight_ih_l{k}"], D[f"rnn.weight_ih_l{k}"],
                                          None, True, nt, self._buf(f"dx{k}", inputs[k].shape))
                if k == 0:
                    _rnn.scatter_add(D["embedding.weight"], ids, dh, False, nt)
        return dstates0

    def _project_table(self, N: int) -> bool:
        """Whether layer 0 multiplies the embedding table (V rows) rather than the window's inputs (N rows)."""
        return self.embedding_dim is not None and self.vocab_size <= N

    def forward(self, X, h0=None):
        """Logits (B, T, V) for token ids X (B, T), and the final hidden state hT (see the class docstring)."""
        X = _check_ids(X, self.vocab_size, "X")
        nt = resolve_threads(self.n_threads)
        logits, statesT, _ = self._forward(X, self._split_state(h0, X.shape[0]), nt)
        return logits.reshape(X.shape + (self.vocab_size,)).copy(), self._join_state(statesT)

    def loss_and_grad(self, X, Y, h0=None):
        """Mean cross-entropy (nats) of predicting Y (B, T) from X (B, T), and its gradients.

        Returns ``(loss, grads, hT)``: ``grads`` maps every parameter name to its gradient, a view into
        ``flat_grads`` (overwritten by the next call: copy to keep). The window is truncated at its start:
        no gradient flows into h0. A non-finite loss raises FloatingPointError. This is the training
        computation: dropout between layers (``dropout > 0``) is applied here.
        """
        loss, hT = self._loss_and_grad(X, Y, h0)
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}: the model's outputs overflowed (parameters too "
                                     f"large or a too high learning rate?)")
        return loss, self.grads, hT

    def _loss_and_grad(self, X, Y, h0):
        X = _check_ids(X, self.vocab_size, "X")
        Y = _check_ids(Y, self.vocab_size, "Y")
        if X.shape != Y.shape:
            raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}; they must match")
        B, T = X.shape
        nt = resolve_threads(self.n_threads)
        logits, statesT, saved = self._forward(X, self._split_state(h0, B), nt, train=True)
        loss_sum, finite = _rnn.softmax_ce(logits, Y.reshape(-1), 1.0 / (B * T), 1, nt)
        self.flat_grads[...] = 0
        if finite:
            self._backward(logits, saved, B, T, nt)
            if self.freeze_embedding:  # a zero gradient: SGD, momentum and Adam leave the table as it is
                self.grads["embedding.weight"][...] = 0
        return loss_sum / (B * T), self._join_state(statesT)

    def gradient_norms_through_time(self, X, Y, h0=None, at: str = "last", layer: int = -1) -> np.ndarray:
        """How far back the gradient reaches: the norm of dL/dh_t for every step t of one window.

        X, Y (B, T) token ids; h0 as in :meth:`forward`. ``at="last"``: L is the cross-entropy of the last
        step only, so the curve shows how much of the final prediction's gradient reaches h_t (the course's
        vanishing / exploding gradient picture); ``at="all"``: L is the training loss (mean over the
        window). ``layer``: which recurrent layer's h_t (default -1, the top one). dL/dh_t is the total
        gradient at h_t (from above and through the recurrence). No dropout; ``flat_grads`` is left as it was.

        Returns a float64 array (T,): the mean over the batch of the L2 norm of dL/dh_t[b].

        Example
        -------
        >>> import numpy as np, seqfast
        >>> m = seqfast.RNNLM(vocab_size=10, hidden_size=8, cell="lstm")
        >>> X = np.zeros((2, 6), dtype=np.int32)
        >>> m.gradient_norms_through_time(X, X).shape
        (6,)
        """
        from .diagnostics import grad_h_through_time
        if at not in ("last", "all"):
            raise ValueError(f"at must be 'last' or 'all', got {at!r}")
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or \
                not -self.num_layers <= layer < self.num_layers:
            raise ValueError(f"layer must be an int in [{-self.num_layers}, {self.num_layers}), got {layer!r}")
        X = _check_ids(X, self.vocab_size, "X")
        Y = _check_ids(Y, self.vocab_size, "Y")
        if X.shape != Y.shape:
            raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}; they must match")
        B, T = X.shape
        V = self.vocab_size
        nt = resolve_threads(self.n_threads)
        logits, _, saved = self._forward(X, self._split_state(h0, B), nt)
        if at == "all":
            _rnn.softmax_ce(logits, Y.reshape(-1), 1.0 / (B * T), 1, nt)  # logits := dL/dlogits
        else:
            z = logits.reshape(B, T, V)
            last = z[:, -1].astype(np.float64)
            p = np.exp(last - last.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(B), Y[:, -1]] -= 1
            z[...] = 0
            z[:, -1] = p / B
        kept = self.flat_grads.copy()
        record: list = []
        try:
            self._backward(logits, saved, B, T, nt, record)
        finally:
            self.flat_grads[...] = kept
        k = layer % self.num_layers
        _, dh_above, dxproj, cache = next(r for r in record if r[0] == k)
        g = grad_h_through_time(self.cell.name, dh_above, dxproj, cache.gates, self.params[f"rnn.weight_hh_l{k}"])
        return np.sqrt((g * g).sum(axis=2)).mean(axis=0)

    def loss(self, X, Y, h0=None) -> tuple[float, object]:
        """Mean cross-entropy (nats) of Y given X, without gradients; returns (loss, hT)."""
        X = _check_ids(X, self.vocab_size, "X")
        Y = _check_ids(Y, self.vocab_size, "Y")
        if X.shape != Y.shape:
            raise ValueError(f"X has shape {X.shape} but Y has shape {Y.shape}; they must match")
        nt = resolve_threads(self.n_threads)
        logits, statesT, _ = self._forward(X, self._split_state(h0, X.shape[0]), nt)
        loss_sum, _ = _rnn.softmax_ce(logits, Y.reshape(-1), 1.0, 0, nt)
        return loss_sum / X.size, self._join_state(statesT)

    def perplexity(self, ids, batch_size: int = 32, num_steps: int = 35) -> float:
        """Perplexity exp(mean NLL) of a token-id sequence, read as batch_size parallel streams (the state is
        carried across windows of num_steps). Scores batch_size * ((len(ids) - 1) // batch_size) tokens.
        batch_size and num_steps must be ints >= 1 (ValueError otherwise); a batch_size larger than the
        sequence allows is reduced to len(ids) - 1."""
        total, n = self.nll(ids, batch_size, num_steps)
        return exp_nll(total / n)

    def nll(self, ids, batch_size: int = 32, num_steps: int = 35) -> tuple[float, int]:
        """(summed negative log-likelihood in nats, number of tokens scored) of a token-id sequence, read as
        :meth:`perplexity` reads it; sums of consecutive pieces give the perplexity of a stream."""
        batch_size = check_count(batch_size, "batch_size", 1)
        num_steps = check_count(num_steps, "num_steps", 1)
        a = as_ids(ids)
        if len(a) < 2:
            raise ValueError("perplexity needs at least 2 tokens")
        B = max(1, min(batch_size, len(a) - 1))
        L = (len(a) - 1) // B
        Xs = a[:B * L].reshape(B, L)
        Ys = a[1:B * L + 1].reshape(B, L)
        total, h = 0.0, None
        for s in range(0, L, num_steps):
            X, Y = Xs[:, s:s + num_steps], Ys[:, s:s + num_steps]
            loss, h = self.loss(X, Y, h)
            total += loss * X.size
        if not math.isfinite(total):
            raise FloatingPointError(f"the loss is {total / (B * L)}: the model's outputs overflowed (parameters "
                                     f"too large?)")
        return total, B * L

    def generate(self, prefix_ids, num_tokens: int, temperature: float = 1.0, top_k: int | None = None,
                 seed: int | None = None) -> np.ndarray:
        """Sample ``num_tokens`` (an int >= 0) ids following ``prefix_ids`` (at least one id). ``temperature``
        (a finite number >= 0) divides the logits; 0 is greedy, and a tiny positive one tends to it without
        overflowing. ``top_k`` (None or an int >= 1) keeps only the k most likely tokens. Returns the new ids
        only (int32 array). Invalid arguments raise ValueError naming them."""
        p = as_ids(prefix_ids, "prefix_ids")
        if len(p) == 0:
            raise ValueError("generate needs a non-empty prefix (at least one token id)")
        num_tokens = check_count(num_tokens, "num_tokens", 0)
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)) \
                or not temperature >= 0 or not math.isfinite(temperature):
            raise ValueError(f"temperature must be a finite number >= 0 (0: greedy), got {temperature!r}")
        if top_k is not None:
            top_k = check_count(top_k, "top_k", 1)
        rng = np.random.default_rng(seed)
        logits, h = self.forward(p[None, :])
        z = logits[0, -1].astype(np.float64)
        out = np.empty(num_tokens, dtype=np.int32)
        for i in range(num_tokens):
            if not np.isfinite(z).all():
                raise FloatingPointError("the model's logits are NaN or infinite (parameters too large?)")
            if temperature == 0:
                nxt = int(np.argmax(z))
            else:
                with np.errstate(over="ignore"):
                    zt = z / temperature
                    if not math.isfinite(zt.max()):  # so small a temperature that z / T overflows: the same
                        zt = (z - z.max()) / temperature  # distribution, scaled from the max (its limit: argmax)
                z = zt
                if top_k is not None and top_k < len(z):
                    kth = np.partition(z, -top_k)[-top_k]
                    z = np.where(z >= kth, z, -np.inf)
                pr = np.exp(z - z.max())
                pr /= pr.sum()
                nxt = int(rng.choice(len(pr), p=pr))
            out[i] = nxt
            logits, h = self.forward(np.array([[nxt]], dtype=np.int32), h)
            z = logits[0, -1].astype(np.float64)
        return out

    # ---- files (save / load: ParamModel) ------------------------------------------------------------
    _KIND, _FORMAT = "rnnlm", "seqfast.RNNLM/1"
    _check_file = staticmethod(_check_config_fits)

    def config(self) -> dict:
        return {"vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
                "embedding_dim": self.embedding_dim, "nonlinearity": self.nonlinearity,
                "dtype": str(self.dtype), "num_layers": self.num_layers, "cell": self.cell.name,
                "dropout": self.dropout}

    def __repr__(self) -> str:
        c = self.config()
        if c["cell"] in ("lstm", "gru"):  # gated cells have no nonlinearity option
            c.pop("nonlinearity")
        return ("RNNLM(" + ", ".join(f"{k}={v!r}" for k, v in c.items()) + f"; {self.num_parameters:,} parameters)")
