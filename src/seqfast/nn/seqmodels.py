"""Sequence models beyond language modeling, on the same C cells, parameter buffer and Trainer as RNNLM:

- :class:`RNNClassifier`: one label per sequence (sentiment, topic): embedding -> (bi)RNN -> pooling -> Linear.
- :class:`RNNTagger`: one label per token (part of speech, named entities): embedding [+ character features]
  -> (bi)RNN -> Linear at every token.
- :class:`RNNRegressor`: real-valued series (B, T, input_size) -> (bi)RNN -> pooling -> Linear, mean squared
  error (forecasting k steps ahead).

Batches are padded (:func:`seqfast.pad_sequences`, :class:`seqfast.bucket_batches`) and every method takes
``lengths``: padded steps are skipped by the C cells, the reverse direction starts at each row's own last
token (torch's packed sequences), and losses and pooling ignore padding, so a row's results do not depend on
the padding around it. Inside a call the rows run sorted by length (seqfast.nn.encoder.length_order); results
come back in the caller's order. Parameter names and shapes are torch's: ``nn.Embedding`` (``embedding.*``)
+ ``nn.RNN/LSTM/GRU(batch_first=True, bidirectional=...)`` (``rnn.*``) + ``nn.Linear`` (``decoder.*``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _rnn
from .._checks import check_count, check_id_batch, check_labels, check_lengths, check_real_batch, is_int
from .._threads import resolve_threads
from ..data import IGNORE_LABEL, bucket_batches
from ..metrics import accuracy, confusion_matrix, macro_f1, rmse
from .cells import get_cell
from .chars import CharCNN
from .encoder import Encoder, encoder_specs, length_order
from .params import DTYPES, ParamModel
from .pretrained import as_vectors, init_embedding

__all__ = ["RNNClassifier", "RNNTagger", "RNNRegressor", "register_char_features", "CHAR_FEATURES"]

POOLINGS = ("last", "mean", "max")

#: name -> factory of character-level word features for :class:`RNNTagger` (see register_char_features)
CHAR_FEATURES: dict = {}


def register_char_features(name: str, factory) -> None:
    """Make ``RNNTagger(char_features=name)`` build its character features with ``factory(words, dtype, seed,
    n_threads, **char_options)`` (``words``: the tagger's vocabulary in id order). The object returned provides
    ``output_size`` (F), ``param_specs() -> [(name, shape)]``, ``bind(params, grads)`` (views into the tagger's
    flat buffers, stored as ``char.<name>``), ``reset_parameters(seed)``, ``forward(X (B, T) int32, lengths
    (B,) int32, train) -> (B, T, F)``, ``backward(dF (B, T, F))`` (accumulates into the bound gradients) and
    ``config() -> dict`` (the char_options that rebuild it); optionally ``num_words``, the ids it can spell (more
    than the vocabulary's V when it keeps the spelling of unknown words). ``char_features=True`` means the
    name "default"."""
    CHAR_FEATURES[str(name)] = factory


def _check_dropout(p) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or not 0 <= p < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {p!r}")
    return float(p)


class _SeqModel(ParamModel):
    """What the three models share: the encoder, row ordering, pooling, the head, dropout, metrics."""

    #: the validation metric early stopping watches, and whether larger is better
    MONITOR = ("accuracy", True)

    def _setup(self, cell, hidden_size, num_layers, bidirectional, dropout, pooling, dtype, seed, n_threads):
        self.hidden_size = check_count(hidden_size, "hidden_size", 1)
        self.num_layers = check_count(num_layers, "num_layers", 1)
        self.bidirectional = bool(bidirectional)
        self.dropout = _check_dropout(dropout)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling = pooling
        if str(dtype) not in DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        self.dtype = np.dtype(DTYPES[str(dtype)])
        self.cell = get_cell(cell)
        self.seed = seed
        self.n_threads = n_threads
        resolve_threads(n_threads)
        self._dropout_rng = np.random.default_rng(seed)
        self.meta: dict = {}

    def _encoder(self, input_kind: str) -> Encoder:
        return Encoder(self, self.cell.name, self.hidden_size, self.num_layers, self.bidirectional, self.dropout,
                       input_kind)

    def reset_parameters(self, seed: int | None = 0) -> None:
        """PyTorch's default initialisation drawn from numpy's default_rng(seed): recurrent weights and biases
        U(-1/sqrt(H), 1/sqrt(H)), ``decoder`` (nn.Linear) U(-1/sqrt(fan_in), 1/sqrt(fan_in)), embedding N(0, 1)."""
        rng = np.random.default_rng(seed)
        kh = 1.0 / math.sqrt(self.hidden_size)
        kd = 1.0 / math.sqrt(self.params["decoder.weight"].shape[1])
        for name, p in self.params.items():
            if name == "embedding.weight":
                p[...] = rng.standard_normal(p.shape)
            elif name.startswith("decoder."):
                p[...] = rng.uniform(-kd, kd, p.shape)
            elif name.startswith("rnn."):
                p[...] = rng.uniform(-kh, kh, p.shape)

    # ---- pieces of forward / backward ----------------------------------------------------------------
    @staticmethod
    def _order(lengths: np.ndarray, nt: int):
        order = length_order(lengths, nt)
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        return order, inv

    def _state(self, finals: list, inv: np.ndarray):
        """The final states as torch's h_n (num_layers * D, B, H) in the caller's row order ((h_n, c_n) lstm)."""
        hs = [np.stack([f[j] for f in finals])[:, inv] for j in range(self.cell.n_states)]
        return hs[0] if len(hs) == 1 else tuple(hs)

    def _pool(self, out: np.ndarray, finals: list, lengths: np.ndarray):
        """(B, D*H) features of each row from the top layer: "last" = [h_fwd after the row's last token |
        h_bwd after its first], "mean" / "max" over its valid steps. Returns (features, what backward needs)."""
        D, B, T = self.encoder.D, out.shape[0], out.shape[1]
        if self.pooling == "last":
            return np.concatenate([f[0] for f in finals[-D:]], axis=1), None
        valid = np.arange(T)[None, :] < lengths[:, None]
        if self.pooling == "mean":  # out is 0 at padding
            return (out.sum(axis=1) / lengths[:, None]).astype(self.dtype), valid
        arg = np.where(valid[:, :, None], out, -np.inf).argmax(axis=1)
        return np.take_along_axis(out, arg[:, None, :], axis=1)[:, 0], arg

    def _pool_backward(self, dfeat: np.ndarray, out_shape: tuple, lengths: np.ndarray, aux):
        """(dout (B, T, D*H) or None, dfinals or None) from dL/dfeatures (B, D*H)."""
        enc = self.encoder
        B, T, DH = out_shape
        if self.pooling == "last":
            dfinals = [None] * (enc.L * enc.D)
            for d in range(enc.D):
                df = np.zeros((self.cell.n_states, B, enc.H), self.dtype)
                df[0] = dfeat[:, d * enc.H:(d + 1) * enc.H]
                dfinals[(enc.L - 1) * enc.D + d] = df
            return None, dfinals
        if self.pooling == "mean":
            dout = aux[:, :, None] * (dfeat / lengths[:, None])[:, None, :]
            return np.ascontiguousarray(dout, dtype=self.dtype), None
        dout = np.zeros(out_shape, self.dtype)
        np.put_along_axis(dout, aux[:, None, :], dfeat[:, None, :], axis=1)
        return dout, None

    def _drop(self, x: np.ndarray, train: bool):
        """Inverted dropout on the features the head reads (training only); returns (x, mask or None)."""
        if not (train and self.dropout > 0):
            return x, None
        mask = (self._dropout_rng.random(x.shape) >= self.dropout).astype(self.dtype)
        mask /= self.dtype.type(1 - self.dropout)
        return x * mask, mask

    def _head(self, feats: np.ndarray, nt: int) -> np.ndarray:
        W = self.params["decoder.weight"]
        return _rnn.linear_forward(np.ascontiguousarray(feats), W, self.params["decoder.bias"], nt,
                                   self._buf("logits", (feats.shape[0], W.shape[0])))

    def _head_backward(self, dlogits: np.ndarray, feats: np.ndarray, nt: int) -> np.ndarray:
        P, G = self.params, self.grads
        return _rnn.linear_backward(dlogits, np.ascontiguousarray(feats), P["decoder.weight"], G["decoder.weight"],
                                    G["decoder.bias"], True, nt)

    def _forward(self, X, lengths, nt, train):
        """One output per row (classifier, regressor): rows in length order -> encoder -> pooling -> dropout ->
        head. Returns (outputs (B, out) in that order, finals, what _backward needs)."""
        order, inv = self._order(lengths, nt)
        Xs, Ls = np.ascontiguousarray(X[order]), lengths[order]
        out, finals, saved = self.encoder.forward(Xs, Ls, nt, train, self._dropout_rng)
        feats, aux = self._pool(out, finals, Ls)
        feats, mask = self._drop(feats, train)
        logits = self._head(feats, nt)
        return logits, finals, (order, inv, Ls, out.shape, saved, feats, mask, aux)

    def _backward(self, dlogits, ctx, nt):
        """Accumulate every gradient from dL/d(outputs) of :meth:`_forward`."""
        order, inv, Ls, out_shape, saved, feats, mask, aux = ctx
        dfeat = self._head_backward(dlogits, feats, nt)
        if mask is not None:
            dfeat *= mask
        dout, dfinals = self._pool_backward(dfeat, out_shape, Ls, aux)
        self.encoder.backward(dout, dfinals, saved, nt)
        self._after_backward()

    def _after_backward(self):
        """Hook run after every backward (a frozen embedding's gradient is zeroed there)."""

    def _ce(self, logits: np.ndarray, y: np.ndarray, grad: bool, nt: int) -> float:
        """Mean softmax cross-entropy (nats) of rows of logits (n, C) against y (n,), weighted by
        ``class_weights`` as torch's CrossEntropyLoss(weight=w) (sum w[y] nll / sum w[y]). With ``grad`` the
        logits are overwritten by dL/dlogits."""
        n = logits.shape[0]
        w = self.class_weights
        if w is None:
            loss_sum, _ = _rnn.softmax_ce(logits, y, 1.0 / n, int(grad), nt)
            return loss_sum / n
        z = logits.astype(np.float64)
        m = z.max(axis=1, keepdims=True)
        e = np.exp(z - m)  # every exponent <= 0: no overflow
        s = e.sum(axis=1, keepdims=True)
        nll = (np.log(s) + m)[:, 0] - z[np.arange(n), y]
        wy = w[y]
        tot = wy.sum()
        if grad:
            d = e / s
            d[np.arange(n), y] -= 1
            logits[...] = d * (wy / tot)[:, None]
        return float((wy * nll).sum() / tot)

    def _set_class_weights(self, class_weights, C: int) -> None:
        if class_weights is None:
            self.class_weights = None
            return
        w = np.asarray(class_weights, dtype=np.float64)
        if w.shape != (C,) or not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
            raise ValueError(f"class_weights must be {C} finite non-negative numbers (not all 0), one per class; "
                             f"got {class_weights!r}")
        self.class_weights = w

    def _finish(self, loss: float) -> float:
        if not math.isfinite(loss):
            raise FloatingPointError(f"the loss is {loss}: the model's outputs overflowed (parameters too large "
                                     f"or a too high learning rate?)")
        return loss

    # ---- public API shared by the three models ---------------------------------------------------------
    def loss_and_grad(self, X, Y, lengths=None):
        """The training loss of the batch (dropout on) and its gradients: ``(loss, grads)``, grads mapping
        every parameter name to its gradient, a view into ``flat_grads`` (overwritten by the next call)."""
        loss = self._loss_and_grad(X, Y, lengths)
        return self._finish(loss), self.grads

    def loss(self, X, Y, lengths=None) -> float:
        """The loss of the batch without gradients and without dropout."""
        return self._finish(self._loss(X, Y, lengths))

    def evaluate(self, seqs, labels, batch_size: int = 256) -> dict:
        """The validation metrics of sequences ``seqs`` (a list, as :class:`seqfast.bucket_batches` takes) and
        their labels, batch by batch (no dropout); see each model's ``_metrics``."""
        batch_size = check_count(batch_size, "batch_size", 1)
        true, pred = [], []
        for X, lengths, Y in bucket_batches(seqs, labels, batch_size, shuffle=False):
            true.append(self._eval_true(Y, lengths))
            pred.append(self._eval_pred(X, lengths))
        return self._metrics(np.concatenate(true), np.concatenate(pred))

    def config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def _check_file(cls, config, arrays: dict) -> None:
        """ValueError when a file's config disagrees with its arrays' shapes (checked before the model is
        allocated: a corrupt size of 10**12 must not try to allocate terabytes)."""
        if not isinstance(config, dict):
            return
        for key, name, axis in cls._SHAPE_KEYS:
            v = config.get(key)
            a = arrays.get(name)
            if a is None:
                raise ValueError(f"the file has no {name} array")
            if not is_int(v) or a.ndim <= axis or v != a.shape[axis]:
                raise ValueError(f"the config has {key}={v!r} but {name} has shape {a.shape}")

    def __repr__(self) -> str:
        c = self.config()
        c.pop("vocab", None)
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in c.items()) + \
            f"; {self.num_parameters:,} parameters)"


class _TokenModel(_SeqModel):
    """Classifier and tagger: token ids in, an embedding table, class labels out."""

    def _token_setup(self, vocab_size, n_out, out_name: str, embedding_dim, embedding, class_weights) -> int:
        """vocab_size, embedding_dim (pretrained vectors' size when they are given and it is left at its
        default) and class_weights checked and set; returns n_out (classes or tags) checked."""
        if embedding is not None and embedding_dim in (None, 100):
            embedding_dim = as_vectors(embedding).vector_size
        self.vocab_size = check_count(vocab_size, "vocab_size", 1)
        n_out = check_count(n_out, out_name, 1)
        self.embedding_dim = check_count(embedding_dim, "embedding_dim", 1)
        self._set_class_weights(class_weights, n_out)
        return n_out

    def _embedding_init(self, embedding, vocab, freeze_embedding, seed):
        self.freeze_embedding = bool(freeze_embedding)
        self.embedding_report = None
        if embedding is not None:
            embedding = as_vectors(embedding)
            self.embedding_report = init_embedding(self.params["embedding.weight"], embedding,
                                                   vocab if vocab is not None else embedding.index_to_key, seed)

    def _ids(self, X, lengths):
        chars = getattr(self, "chars", None)
        V = self.vocab_size if chars is None else getattr(chars, "num_words", self.vocab_size)
        X = check_id_batch(X, V, "X")
        return X, check_lengths(lengths, X.shape[0], X.shape[1])

    def _after_backward(self):
        if self.freeze_embedding:  # a zero gradient: SGD, momentum and Adam leave the table as it is
            self.grads["embedding.weight"][...] = 0

    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """Softmax probabilities of :meth:`forward`'s logits (float64)."""
        z = self.forward(X, lengths)[0].astype(np.float64)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


class RNNClassifier(_TokenModel):
    """One label per sequence: embedding (V, E) -> recurrent layers -> pooling -> Linear (C, D*H) -> softmax.

    Parameters
    ----------
    vocab_size, num_classes : V token ids, C classes.
    hidden_size : H per direction; ``embedding_dim`` E (default 100).
    cell : "lstm" (default), "gru", "rnn_tanh", "rnn_relu"; ``num_layers``; ``bidirectional`` (D = 2).
    dropout : p of zeroing outputs between recurrent layers (torch.nn.LSTM(dropout=p)) and the pooled
        features the head reads; training only.
    pooling : "last" (the final hidden state of each direction: the forward one after each row's own last
        token, the reverse one after its first), "mean" or "max" over the row's valid steps.
    class_weights : None, or C weights of the cross-entropy (torch's CrossEntropyLoss(weight=...)).
    embedding, vocab, freeze_embedding : pretrained vectors for ``embedding.weight`` (as :class:`RNNLM`; also a
        pair ``(array (n, E), words)``): row i gets the vector of ``vocab``'s token i; frozen, it is not trained.
    dtype, seed, n_threads : as :class:`RNNLM`.

    Example
    -------
    >>> import numpy as np, seqfast
    >>> m = seqfast.RNNClassifier(vocab_size=20, num_classes=2, hidden_size=8, embedding_dim=4, bidirectional=True)
    >>> X, lengths = seqfast.pad_sequences([[1, 2, 3], [4, 5]])
    >>> logits, (h_n, c_n) = m.forward(X, lengths)
    >>> logits.shape, h_n.shape
    ((2, 2), (2, 2, 8))
    """

    _KIND, _FORMAT = "rnnclassifier", "seqfast.RNNClassifier/1"
    _SHAPE_KEYS = (("vocab_size", "embedding.weight", 0), ("embedding_dim", "embedding.weight", 1),
                   ("num_classes", "decoder.bias", 0), ("hidden_size", "rnn.weight_hh_l0", 1))

    def __init__(self, vocab_size: int, num_classes: int, hidden_size: int, embedding_dim: int | None = 100,
                 cell: str = "lstm", num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 pooling: str = "last", dtype: str = "float32", seed: int | None = 0, n_threads: int | None = None,
                 class_weights=None, embedding=None, vocab=None, freeze_embedding: bool = False):
        self._setup(cell, hidden_size, num_layers, bidirectional, dropout, pooling, dtype, seed, n_threads)
        self.num_classes = self._token_setup(vocab_size, num_classes, "num_classes", embedding_dim, embedding,
                                             class_weights)
        self.encoder = self._encoder("ids")
        specs = [("embedding.weight", (self.vocab_size, self.embedding_dim))]
        specs += encoder_specs(self.cell.name, self.embedding_dim, self.hidden_size, self.num_layers,
                               self.bidirectional)
        specs += [("decoder.weight", (self.num_classes, self.encoder.output_size)),
                  ("decoder.bias", (self.num_classes,))]
        self._allocate(specs)
        self.reset_parameters(seed)
        self._embedding_init(embedding, vocab, freeze_embedding, seed)

    def forward(self, X, lengths=None):
        """Logits (B, C) of token ids X (B, T) (rows padded after their lengths[b] tokens; None: all T), and
        the final state (torch's h_n (num_layers * D, B, H); (h_n, c_n) for lstm)."""
        X, lengths = self._ids(X, lengths)
        nt = resolve_threads(self.n_threads)
        logits, finals, ctx = self._forward(X, lengths, nt, False)
        return logits[ctx[1]].copy(), self._state(finals, ctx[1])

    def _labels(self, y, B):
        return check_labels(y, self.num_classes, (B,), "y")

    def _loss(self, X, y, lengths):
        X, lengths = self._ids(X, lengths)
        y = self._labels(y, X.shape[0])
        nt = resolve_threads(self.n_threads)
        logits, _, ctx = self._forward(X, lengths, nt, False)
        return self._ce(logits, y[ctx[0]], False, nt)

    def _loss_and_grad(self, X, y, lengths):
        X, lengths = self._ids(X, lengths)
        y = self._labels(y, X.shape[0])
        nt = resolve_threads(self.n_threads)
        logits, _, ctx = self._forward(X, lengths, nt, True)
        loss = self._ce(logits, y[ctx[0]], True, nt)
        self.flat_grads[...] = 0
        if math.isfinite(loss):
            self._backward(logits, ctx, nt)
        return loss

    def predict(self, X, lengths=None) -> np.ndarray:
        """The most likely class of each row: int64 (B,)."""
        return self.forward(X, lengths)[0].argmax(axis=1)

    def _eval_true(self, Y, lengths):
        return np.asarray(Y)

    def _eval_pred(self, X, lengths):
        return self.predict(X, lengths)

    def _metrics(self, true, pred) -> dict:
        """accuracy, macro_f1 (sklearn's average="macro") and the confusion matrix (rows: true class)."""
        return {"accuracy": accuracy(true, pred), "macro_f1": macro_f1(true, pred, self.num_classes),
                "confusion": confusion_matrix(true, pred, self.num_classes).tolist(), "n": int(len(true))}

    def config(self) -> dict:
        return {"vocab_size": self.vocab_size, "num_classes": self.num_classes, "hidden_size": self.hidden_size,
                "embedding_dim": self.embedding_dim, "cell": self.cell.name, "num_layers": self.num_layers,
                "bidirectional": self.bidirectional, "dropout": self.dropout, "pooling": self.pooling,
                "dtype": str(self.dtype), "seed": self.seed, "freeze_embedding": self.freeze_embedding,
                "class_weights": None if self.class_weights is None else self.class_weights.tolist()}


class RNNTagger(_TokenModel):
    """One label per token: embedding (V, E) [+ character features (F per token)] -> recurrent layers ->
    Linear (K, D*H) at every token -> softmax. Bidirectional by default (a tag depends on both sides).

    Parameters are :class:`RNNClassifier`'s (without pooling), plus ``char_features``: None, True (the
    registered "default": :class:`seqfast.nn.chars.CharCNN`) or a name registered with
    :func:`register_char_features`; it needs ``vocab`` (the words of the ids, in id order) and takes
    ``char_options``. With character features X may also hold ids from V up, spellings added to the character
    module (``model.chars.add_words(words)``): unknown words keep their form for the character features and
    are embedded as ``unk_id`` (default: the id of "<unk>" in ``vocab``). The loss is the mean cross-entropy over the
    valid tokens (padding ignored). :meth:`predict` gives -1 at padding.

    Example
    -------
    >>> import numpy as np, seqfast
    >>> m = seqfast.RNNTagger(vocab_size=20, num_tags=5, hidden_size=8, embedding_dim=4)
    >>> X, lengths = seqfast.pad_sequences([[1, 2, 3], [4, 5]])
    >>> m.predict(X, lengths)[1, 2]
    -1
    """

    _KIND, _FORMAT = "rnntagger", "seqfast.RNNTagger/1"
    _SHAPE_KEYS = (("vocab_size", "embedding.weight", 0), ("embedding_dim", "embedding.weight", 1),
                   ("num_tags", "decoder.bias", 0), ("hidden_size", "rnn.weight_hh_l0", 1))
    MONITOR = ("token_accuracy", True)

    def __init__(self, vocab_size: int, num_tags: int, hidden_size: int, embedding_dim: int | None = 100,
                 cell: str = "lstm", num_layers: int = 1, bidirectional: bool = True, dropout: float = 0.0,
                 dtype: str = "float32", seed: int | None = 0, n_threads: int | None = None, class_weights=None,
                 char_features=None, char_options: dict | None = None, embedding=None, vocab=None,
                 freeze_embedding: bool = False, unk_id: int | None = None):
        self._setup(cell, hidden_size, num_layers, bidirectional, dropout, "last", dtype, seed, n_threads)
        self.num_tags = self._token_setup(vocab_size, num_tags, "num_tags", embedding_dim, embedding, class_weights)
        self.vocab = None if vocab is None else list(vocab.itos if hasattr(vocab, "itos") else vocab)
        self.char_features, self.char_options, self.chars = None, dict(char_options or {}), None
        if char_features:
            name = "default" if char_features is True else str(char_features)
            if name not in CHAR_FEATURES:
                raise ValueError(f"no character features named {name!r} are registered (have: "
                                 f"{sorted(CHAR_FEATURES) or 'none'}); see seqfast.nn.register_char_features")
            if self.vocab is None or len(self.vocab) != self.vocab_size:
                raise ValueError("char_features need vocab= (the model's vocab_size words in id order: their "
                                 "spellings)")
            self.char_features = name
            self.chars = CHAR_FEATURES[name](self.vocab, self.dtype, seed, n_threads, **self.char_options)
        if unk_id is None and self.vocab is not None and "<unk>" in self.vocab:
            unk_id = self.vocab.index("<unk>")
        self.unk_id = None if unk_id is None else check_count(unk_id, "unk_id", 0, self.vocab_size - 1)
        F = 0 if self.chars is None else int(self.chars.output_size)
        self.encoder = self._encoder("ids" if self.chars is None else "dense")
        specs = [("embedding.weight", (self.vocab_size, self.embedding_dim))]
        if self.chars is not None:
            specs += [(f"char.{n}", s) for n, s in self.chars.param_specs()]
        specs += encoder_specs(self.cell.name, self.embedding_dim + F, self.hidden_size, self.num_layers,
                               self.bidirectional)
        specs += [("decoder.weight", (self.num_tags, self.encoder.output_size)), ("decoder.bias", (self.num_tags,))]
        self._allocate(specs)
        self._rebind()
        self.reset_parameters(seed)
        self._embedding_init(embedding, vocab, freeze_embedding, seed)

    def _rebind(self) -> None:
        if self.chars is not None:
            self.chars.bind({n[5:]: v for n, v in self.params.items() if n.startswith("char.")},
                            {n[5:]: v for n, v in self.grads.items() if n.startswith("char.")})

    def reset_parameters(self, seed: int | None = 0) -> None:
        super().reset_parameters(seed)
        if self.chars is not None:
            self.chars.reset_parameters(seed)

    def _forward(self, X, lengths, nt, train):
        B, T = X.shape
        order, inv = self._order(lengths, nt)
        Xs, Ls = np.ascontiguousarray(X[order]), lengths[order]
        Xe = Xs
        if self.chars is None:
            inp = Xs
        else:  # [embedding | character features] per token, the first layer's dense input
            E, F, V = self.embedding_dim, self.chars.output_size, self.vocab_size
            if Xs.max() >= V:  # spellings outside the vocabulary: embedded as the unknown word
                if self.unk_id is None:
                    raise ValueError(f"X holds ids >= vocab_size={V} (added spellings) but the tagger has no "
                                     f"unk_id (no '<unk>' in vocab): pass unk_id=")
                Xe = np.where(Xs >= V, np.int32(self.unk_id), Xs)
            inp = self._buf("xin", (B * T, E + F))
            inp[:, :E] = _rnn.gather(self.params["embedding.weight"], Xe.reshape(-1), False, None, nt)
            inp[:, E:] = np.asarray(self.chars.forward(Xs, Ls, train)).reshape(B * T, F)
            inp = inp.reshape(B, T, E + F)
        out, finals, saved = self.encoder.forward(inp, Ls, nt, train, self._dropout_rng)
        valid = np.flatnonzero((np.arange(T)[None, :] < Ls[:, None]).reshape(-1)).astype(np.int32)
        DH = out.shape[2]
        feats = _rnn.gather(out.reshape(B * T, DH), valid, False, None, nt)  # only the real tokens
        feats, mask = self._drop(feats, train)
        logits = self._head(feats, nt)
        return logits, finals, (order, inv, Xe, Ls, valid, out.shape, saved, feats, mask)

    def _backward(self, dlogits, ctx, nt):
        order, inv, Xe, Ls, valid, out_shape, saved, feats, mask = ctx
        B, T, DH = out_shape
        dfeat = self._head_backward(dlogits, feats, nt)
        if mask is not None:
            dfeat *= mask
        dout = np.zeros((B * T, DH), self.dtype)
        dout[valid] = dfeat
        dx = self.encoder.backward(dout.reshape(out_shape), None, saved, nt, need_dx=self.chars is not None)
        if self.chars is not None:
            E = self.embedding_dim
            dx = dx.reshape(B * T, -1)
            _rnn.scatter_add(self.grads["embedding.weight"], Xe.reshape(-1), np.ascontiguousarray(dx[:, :E]), False,
                             nt)
            self.chars.backward(np.ascontiguousarray(dx[:, E:]).reshape(B, T, -1))
        self._after_backward()

    def forward(self, X, lengths=None):
        """Logits (B, T, K) of token ids X (B, T) (0 at padding), and the final state (torch's h_n)."""
        X, lengths = self._ids(X, lengths)
        B, T = X.shape
        nt = resolve_threads(self.n_threads)
        logits, finals, ctx = self._forward(X, lengths, nt, False)
        full = np.zeros((B * T, self.num_tags), self.dtype)
        full[ctx[4]] = logits
        return full.reshape(B, T, -1)[ctx[1]], self._state(finals, ctx[1])

    def _targets(self, X, Y, lengths, ctx):
        """The labels of the valid tokens, in the order of the logits' rows."""
        return np.ascontiguousarray(Y[ctx[0]].reshape(-1)[ctx[4]])

    def _labels(self, Y, X, lengths):
        valid = np.arange(X.shape[1])[None, :] < lengths[:, None]
        return check_labels(Y, self.num_tags, X.shape, "Y", valid)

    def _loss(self, X, Y, lengths):
        X, lengths = self._ids(X, lengths)
        Y = self._labels(Y, X, lengths)
        nt = resolve_threads(self.n_threads)
        logits, _, ctx = self._forward(X, lengths, nt, False)
        return self._ce(logits, self._targets(X, Y, lengths, ctx), False, nt)

    def _loss_and_grad(self, X, Y, lengths):
        X, lengths = self._ids(X, lengths)
        Y = self._labels(Y, X, lengths)
        nt = resolve_threads(self.n_threads)
        logits, _, ctx = self._forward(X, lengths, nt, True)
        loss = self._ce(logits, self._targets(X, Y, lengths, ctx), True, nt)
        self.flat_grads[...] = 0
        if math.isfinite(loss):
            self._backward(logits, ctx, nt)
        return loss

    def predict(self, X, lengths=None) -> np.ndarray:
        """The most likely tag of every token: int32 (B, T), -1 at padding."""
        X, lengths = self._ids(X, lengths)
        tags = self.forward(X, lengths)[0].argmax(axis=2).astype(np.int32)
        tags[np.arange(X.shape[1])[None, :] >= lengths[:, None]] = -1
        return tags

    def _eval_true(self, Y, lengths):
        return Y[Y != IGNORE_LABEL]

    def _eval_pred(self, X, lengths):
        p = self.predict(X, lengths)
        return p[p >= 0]

    def _metrics(self, true, pred) -> dict:
        """token_accuracy over every valid token, and macro_f1 over the tags."""
        return {"token_accuracy": accuracy(true, pred), "macro_f1": macro_f1(true, pred, self.num_tags),
                "n": int(len(true))}

    def config(self) -> dict:
        c = {"vocab_size": self.vocab_size, "num_tags": self.num_tags, "hidden_size": self.hidden_size,
             "embedding_dim": self.embedding_dim, "cell": self.cell.name, "num_layers": self.num_layers,
             "bidirectional": self.bidirectional, "dropout": self.dropout, "dtype": str(self.dtype),
             "seed": self.seed, "freeze_embedding": self.freeze_embedding,
             "class_weights": None if self.class_weights is None else self.class_weights.tolist()}
        if self.chars is not None:
            c.update(char_features=self.char_features, char_options=self.chars.config(), vocab=self.vocab,
                     unk_id=self.unk_id)
        return c


class RNNRegressor(_SeqModel):
    """Real-valued sequences (B, T, input_size) -> recurrent layers -> pooling -> Linear (output_size, D*H),
    trained by mean squared error (torch's MSELoss: the mean over B * output_size). Forecasting: the windows of
    a series (:func:`seqfast.windows`) as X and the values k steps after each window as Y.

    Options are :class:`RNNClassifier`'s (no embedding); ``pooling`` defaults to "last". NaN or inf in X
    raises ValueError naming the position.

    Example
    -------
    >>> import numpy as np, seqfast
    >>> m = seqfast.RNNRegressor(input_size=1, output_size=1, hidden_size=8, cell="gru")
    >>> m.predict(np.zeros((3, 5, 1))).shape
    (3, 1)
    """

    _KIND, _FORMAT = "rnnregressor", "seqfast.RNNRegressor/1"
    _SHAPE_KEYS = (("input_size", "rnn.weight_ih_l0", 1), ("output_size", "decoder.bias", 0),
                   ("hidden_size", "rnn.weight_hh_l0", 1))
    MONITOR = ("rmse", False)
    class_weights = None

    def __init__(self, input_size: int, output_size: int, hidden_size: int, cell: str = "lstm",
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0, pooling: str = "last",
                 dtype: str = "float32", seed: int | None = 0, n_threads: int | None = None):
        self._setup(cell, hidden_size, num_layers, bidirectional, dropout, pooling, dtype, seed, n_threads)
        self.input_size = check_count(input_size, "input_size", 1)
        self.output_size = check_count(output_size, "output_size", 1)
        self.encoder = self._encoder("dense")
        specs = encoder_specs(self.cell.name, self.input_size, self.hidden_size, self.num_layers, self.bidirectional)
        specs += [("decoder.weight", (self.output_size, self.encoder.output_size)),
                  ("decoder.bias", (self.output_size,))]
        self._allocate(specs)
        self.reset_parameters(seed)

    def _inputs(self, X, lengths):
        X = check_real_batch(X, self.input_size, self.dtype, "X")
        return X, check_lengths(lengths, X.shape[0], X.shape[1])

    def _targets(self, Y, B):
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1 and self.output_size == 1:
            Y = Y[:, None]
        if Y.shape != (B, self.output_size):
            raise ValueError(f"Y has shape {Y.shape}, expected ({B}, {self.output_size})")
        if not np.isfinite(Y).all():
            raise ValueError("Y contains NaN or inf; regression targets must be finite")
        return Y

    def forward(self, X, lengths=None):
        """Predictions (B, output_size) for X (B, T, input_size) (rows padded after lengths[b] steps), and the
        final state (torch's h_n; (h_n, c_n) for lstm)."""
        X, lengths = self._inputs(X, lengths)
        nt = resolve_threads(self.n_threads)
        pred, finals, ctx = self._forward(X, lengths, nt, False)
        return pred[ctx[1]].copy(), self._state(finals, ctx[1])

    def _mse(self, pred, Y, grad):
        diff = pred.astype(np.float64) - Y
        if grad:
            pred[...] = 2 * diff / diff.size
        return float(np.mean(diff * diff))

    def _loss(self, X, Y, lengths):
        X, lengths = self._inputs(X, lengths)
        Y = self._targets(Y, X.shape[0])
        nt = resolve_threads(self.n_threads)
        pred, _, ctx = self._forward(X, lengths, nt, False)
        return self._mse(pred, Y[ctx[0]], False)

    def _loss_and_grad(self, X, Y, lengths):
        X, lengths = self._inputs(X, lengths)
        Y = self._targets(Y, X.shape[0])
        nt = resolve_threads(self.n_threads)
        pred, _, ctx = self._forward(X, lengths, nt, True)
        loss = self._mse(pred, Y[ctx[0]], True)
        self.flat_grads[...] = 0
        if math.isfinite(loss):
            self._backward(pred, ctx, nt)
        return loss

    def predict(self, X, lengths=None) -> np.ndarray:
        """Predictions (B, output_size) in the model's dtype."""
        return self.forward(X, lengths)[0]

    def _eval_true(self, Y, lengths):
        return np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)

    def _eval_pred(self, X, lengths):
        return self.predict(X, lengths)

    def _metrics(self, true, pred) -> dict:
        """rmse over every output (lower is better)."""
        return {"rmse": rmse(true, pred), "n": int(len(true))}

    def config(self) -> dict:
        return {"input_size": self.input_size, "output_size": self.output_size, "hidden_size": self.hidden_size,
                "cell": self.cell.name, "num_layers": self.num_layers, "bidirectional": self.bidirectional,
                "dropout": self.dropout, "pooling": self.pooling, "dtype": str(self.dtype), "seed": self.seed}


register_char_features("default", CharCNN)
register_char_features("cnn", CharCNN)
