"""Character-level word features for taggers: a small character CNN over each word's spelling (Ma & Hovy
2016; dos Santos & Zadrozny 2014), so that words the tagger never saw are tagged from their form (suffixes,
capitals, digits, hyphens).

    word "Jury" -> <bow> J u r y <eow> -> char embedding (C, E) -> Conv1d(E -> F, width K, zero padding
    P = (K - 1) // 2) -> max over the word's positions -> tanh -> F features

The C kernels are csrc/charcnn.c (OpenMP over words; NumPy twin: seqfast.reference.charcnn). Parameters are
torch's ``nn.Embedding`` + ``nn.Conv1d`` (``embedding.weight`` (C, E), ``conv.weight`` (F, E, K),
``conv.bias`` (F,)); a tagger stores them as ``char.<name>``.

:class:`CharCNN` follows the tagger's character-features protocol (``seqfast.nn.register_char_features``): it is
built from the tagger's vocabulary (the spellings of ids 0..V-1) and maps word ids to features. Words outside the
vocabulary keep their spelling through :meth:`CharCNN.add_words`, which gives them ids from V up.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _charcnn, _rnn
from .._checks import is_int
from .._threads import resolve_threads

__all__ = ["CharCNN", "char_inventory", "SPECIAL_CHARS"]

#: the character ids every CharCNN reserves: an unknown character, the begin-of-word and end-of-word marks
SPECIAL_CHARS = ("<unk>", "<bow>", "<eow>")
_UNK, _BOW, _EOW = 0, 1, 2

_ACTIVATIONS = ("tanh", "relu", "identity")


def char_inventory(words) -> str:
    """The distinct characters of ``words`` (an iterable of str), sorted: the default character vocabulary."""
    return "".join(sorted(set().union(*map(set, words)))) if words else ""


def _count(name: str, v, lo: int = 1) -> int:
    if not is_int(v) or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


class CharCNN:
    """Character CNN features of words, by word id.

    Parameters
    ----------
    words : the spellings of word ids 0..V-1 (a tagger's vocabulary in id order; specials such as ``<unk>``
        and ``<pad>`` are spelled like any word).
    dtype : float32 or float64 (the tagger's).
    seed : seed of :meth:`reset_parameters`.
    n_threads : OpenMP threads of the kernels (None: all cores).
    char_dim : E, size of a character's embedding (default 25).
    filters : F, number of convolution filters = features per word (default 50).
    width : K, characters each filter spans (default 3; padding (K - 1) // 2 on each side of the word).
    activation : "tanh" (default), "relu" or "identity", applied to each filter's max.
    max_word_len : longer words keep their first ``max_word_len // 2`` and last ``max_word_len - max_word_len // 2``
        characters (prefix and suffix carry the form), default 24.
    chars : the character vocabulary (a str of distinct characters; default :func:`char_inventory` of
        ``words``); characters outside it map to ``<unk>``. Saved in :meth:`config`.

    The module owns its parameter buffers until :meth:`bind` points it at views into a model's flat buffers.

    Example
    -------
    >>> import numpy as np
    >>> cnn = CharCNN(["<unk>", "the", "jury"], np.float64, filters=4)
    >>> cnn.forward(np.array([[1, 2]], np.int32), np.array([2], np.int32), False).shape
    (1, 2, 4)
    """

    def __init__(self, words, dtype=np.float32, seed: int | None = 0, n_threads: int | None = None,
                 char_dim: int = 25, filters: int = 50, width: int = 3, activation: str = "tanh",
                 max_word_len: int = 24, chars: str | None = None):
        words = list(words)
        if not all(isinstance(w, str) for w in words):
            raise TypeError("words must be the vocabulary's spellings (str), in id order")
        self.char_dim = _count("char_dim", char_dim)
        self.filters = _count("filters", filters)
        self.width = _count("width", width)
        self.max_word_len = _count("max_word_len", max_word_len)
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}, got {activation!r}")
        self.activation = activation
        self.padding = (self.width - 1) // 2
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.n_threads = n_threads
        resolve_threads(n_threads)
        if chars is None:
            chars = char_inventory(words)
        if not isinstance(chars, str) or len(set(chars)) != len(chars):
            raise ValueError("chars must be a str of distinct characters")
        self.chars = chars
        self._char_id = {c: i + len(SPECIAL_CHARS) for i, c in enumerate(chars)}
        self.num_chars = len(SPECIAL_CHARS) + len(chars)
        self.vocab_size = len(words)
        L = self.max_word_len + 2
        self._table = np.zeros((0, L), dtype=np.int32)     # character ids of every known word, by word id
        self._lengths = np.zeros(0, dtype=np.int32)
        self._words: list[str] = []
        self._append(words)
        self.params: dict[str, np.ndarray] = {n: np.zeros(s, self.dtype) for n, s in self.param_specs()}
        self.grads: dict[str, np.ndarray] = {n: np.zeros(s, self.dtype) for n, s in self.param_specs()}
        self.reset_parameters(seed)
        self._saved = None

    # ---- the protocol ---------------------------------------------------------------------------
    @property
    def output_size(self) -> int:
        """F: features per word."""
        return self.filters

    def param_specs(self) -> list[tuple[str, tuple]]:
        """(name, shape) of every parameter, torch's nn.Embedding + nn.Conv1d names."""
        C, E, F, K = self.num_chars, self.char_dim, self.filters, self.width
        return [("embedding.weight", (C, E)), ("conv.weight", (F, E, K)), ("conv.bias", (F,))]

    def bind(self, params: dict, grads: dict) -> None:
        """Use ``params`` / ``grads`` (name -> array views of the shapes of :meth:`param_specs`, e.g. into a
        model's flat buffers) from now on; the current parameter values are copied into them."""
        for d, what in ((params, "params"), (grads, "grads")):
            for name, shape in self.param_specs():
                a = d.get(name)
                if not isinstance(a, np.ndarray) or a.shape != shape or a.dtype != self.dtype or \
                        not a.flags.c_contiguous:
                    raise ValueError(f"{what}[{name!r}] must be a C-contiguous {self.dtype} array of shape {shape}")
        for name, _ in self.param_specs():
            params[name][...] = self.params[name]
            grads[name][...] = self.grads[name]
        self.params, self.grads = {k: params[k] for k, _ in self.param_specs()}, \
            {k: grads[k] for k, _ in self.param_specs()}

    def reset_parameters(self, seed: int | None = 0) -> None:
        """torch's defaults, from numpy's default_rng(seed): embedding N(0, 1); convolution weight and bias
        U(-1/sqrt(E*K), 1/sqrt(E*K))."""
        rng = np.random.default_rng(seed)
        P = self.params
        P["embedding.weight"][...] = rng.standard_normal(P["embedding.weight"].shape)
        k = 1.0 / math.sqrt(self.char_dim * self.width)
        P["conv.weight"][...] = rng.uniform(-k, k, P["conv.weight"].shape)
        P["conv.bias"][...] = rng.uniform(-k, k, P["conv.bias"].shape)

    def config(self) -> dict:
        """The options that rebuild this module from the same vocabulary (JSON-able)."""
        return {"char_dim": self.char_dim, "filters": self.filters, "width": self.width,
                "activation": self.activation, "max_word_len": self.max_word_len, "chars": self.chars}

    def forward(self, X, lengths=None, train: bool = False) -> np.ndarray:
        """Features (B, T, F) of word ids X (B, T) (ids from 0 to ``num_words - 1``), zero at padded positions
        (t >= lengths[b]; ``lengths=None``: every position is a word). Each distinct word of the batch is
        computed once. Keeps what :meth:`backward` needs."""
        X = np.asarray(X)
        if X.ndim != 2 or not np.issubdtype(X.dtype, np.integer):
            raise ValueError(f"X must be an int array (B, T) of word ids, got {X.dtype} {X.shape}")
        B, T = X.shape
        if lengths is None:
            mask = np.ones((B, T), dtype=bool)
        else:
            lengths = np.asarray(lengths)
            if lengths.shape != (B,):
                raise ValueError(f"lengths must have shape ({B},), got {lengths.shape}")
            mask = np.arange(T)[None, :] < lengths[:, None]
        ids = X[mask]
        if ids.size and (ids.min() < 0 or ids.max() >= self.num_words):
            bad = int(ids.min()) if ids.min() < 0 else int(ids.max())
            raise IndexError(f"word id {bad} is outside the character features' {self.num_words} words "
                             f"(add spellings outside the vocabulary with add_words)")
        uniq, inv = np.unique(ids, return_inverse=True)
        feats = self.features(self._table[uniq], self._lengths[uniq])
        nt = resolve_threads(self.n_threads)
        out = np.zeros((B, T, self.filters), dtype=self.dtype)
        if ids.size:
            out[mask] = _rnn.gather(feats, inv.astype(np.int32), False, None, nt)
        self._saved = (mask, inv.astype(np.int32), len(uniq), self._saved_kernel)
        return out

    def backward(self, dF) -> None:
        """Accumulate (+=) the parameter gradients from dL/d(features) (B, T, F) of the last :meth:`forward`."""
        if self._saved is None:
            raise RuntimeError("backward needs a forward first")
        mask, inv, U, kernel_saved = self._saved
        dF = np.asarray(dF, dtype=self.dtype)
        if dF.shape != mask.shape + (self.filters,):
            raise ValueError(f"dF has shape {dF.shape}, expected {mask.shape + (self.filters,)}")
        dU = np.zeros((U, self.filters), dtype=self.dtype)
        if inv.size:
            _rnn.scatter_add(dU, inv, np.ascontiguousarray(dF[mask]), False, resolve_threads(self.n_threads))
        self._saved_kernel = kernel_saved
        self.features_backward(dU)

    # ---- words ----------------------------------------------------------------------------------
    @property
    def num_words(self) -> int:
        """Words with a spelling: the vocabulary's V, plus those added by :meth:`add_words`."""
        return len(self._words)

    def add_words(self, words) -> np.ndarray:
        """Ids (int32) for spellings outside the vocabulary: a new id (from V up) for each new spelling, the
        existing id for a known one. The tagger embeds ids >= V as its unknown word, and this module still
        sees their characters."""
        words = list(words)
        index = self._index()
        new = [w for w in dict.fromkeys(words) if w not in index]
        if new:
            if not all(isinstance(w, str) for w in new):
                raise TypeError("words must be str")
            self._append(new)
            index = self._index()
        return np.array([index[w] for w in words], dtype=np.int32)

    def forget_added_words(self) -> None:
        """Drop the spellings added by :meth:`add_words` (ids >= V)."""
        V = self.vocab_size
        self._words, self._table, self._lengths = self._words[:V], self._table[:V], self._lengths[:V]
        self._word_index = None

    def _index(self) -> dict:
        idx = getattr(self, "_word_index", None)
        if idx is None or len(idx) != len(self._words):
            idx = {}
            for i, w in enumerate(self._words):
                idx.setdefault(w, i)
            self._word_index = idx
        return idx

    def encode_word(self, word: str) -> list[int]:
        """Character ids of one word, with its <bow>/<eow> marks (long words keep prefix and suffix)."""
        m = self.max_word_len
        if len(word) > m:
            word = word[:m // 2] + word[len(word) - (m - m // 2):]
        get = self._char_id.get
        return [_BOW] + [get(c, _UNK) for c in word] + [_EOW]

    def _append(self, words: list) -> None:
        L = self._table.shape[1]
        rows = np.zeros((len(words), L), dtype=np.int32)
        lens = np.zeros(len(words), dtype=np.int32)
        for i, w in enumerate(words):
            c = self.encode_word(w)
            rows[i, :len(c)] = c
            lens[i] = len(c)
        self._table = np.concatenate([self._table, rows])
        self._lengths = np.concatenate([self._lengths, lens])
        index = self._index()
        for i, w in enumerate(words, len(self._words)):
            index.setdefault(w, i)
        self._words = self._words + list(words)

    # ---- the kernels on explicit character ids --------------------------------------------------------
    def features(self, chars, lengths) -> np.ndarray:
        """Features (W, F) of W words given as character ids ``chars`` (W, L) int32 and ``lengths`` (W,)
        (a length-0 word gives zeros). Keeps what :meth:`features_backward` needs."""
        chars = np.ascontiguousarray(chars, dtype=np.int32)
        lengths = np.ascontiguousarray(lengths, dtype=np.int32)
        P = self.params
        out, argmax = _charcnn.forward(chars, lengths, P["embedding.weight"], P["conv.weight"], P["conv.bias"],
                                       self.padding, self.activation, resolve_threads(self.n_threads))
        self._saved_kernel = (chars, lengths, out, argmax)
        return out

    def features_backward(self, dout) -> None:
        """Accumulate (+=) the gradients from dL/d(features) (W, F) of the last :meth:`features` call."""
        chars, lengths, out, argmax = self._saved_kernel
        P, D = self.params, self.grads
        _charcnn.backward(np.ascontiguousarray(dout, dtype=self.dtype), out, argmax, chars, lengths,
                          P["embedding.weight"], P["conv.weight"], D["embedding.weight"], D["conv.weight"],
                          D["conv.bias"], self.padding, self.activation, resolve_threads(self.n_threads))

    def __repr__(self) -> str:
        return (f"CharCNN({self.num_chars} chars, char_dim={self.char_dim}, filters={self.filters}, "
                f"width={self.width}, activation={self.activation!r}; {self.num_words} words)")
