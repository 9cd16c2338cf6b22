"""Train an RNN language model on a text in one call, and evaluate one on a file of any size.

:func:`train` is what ``seqfast rnn train`` and the demo run: tokenize (a :class:`seqfast.Tokenizer`), build a
vocabulary, hold out the last ``valid_frac`` of the tokens, build an :class:`RNNLM` and fit it with a
:class:`Trainer`. :class:`TrainConfig` holds every setting with its default. :func:`evaluate_file` streams a
file through a saved model in chunks, so its memory does not grow with the file.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..text import Tokenizer, Vocab, encode_text, read_text_pieces
from .model import RNNLM
from .optim import DEFAULT_OPTIMIZER
from .trainer import History, Trainer

__all__ = ["TrainConfig", "TrainResult", "train", "tokenizer_of", "vocab_of", "evaluate_file"]


class TokenizationFields:
    """The ``tokenizer`` of a config dataclass with ``level``, ``lower`` and ``pattern`` fields."""

    @property
    def tokenizer(self) -> Tokenizer:
        return Tokenizer(self.level, self.lower, self.pattern)


@dataclass
class TrainConfig(TokenizationFields):
    """Settings of :func:`train` (the flags of ``seqfast rnn train`` have the same names and defaults).

    Tokens: ``level`` ("char" by default: the course's character model), ``lower``, ``pattern`` (a regex
    level), ``min_freq`` (rarer tokens become ``<unk>``). Model: ``hidden`` H, ``embedding`` E (None: one-hot
    input, as in the course), ``layers``, ``cell`` ("rnn_tanh", "rnn_relu", "lstm", "gru"), ``dropout``
    between stacked layers, ``dtype``. Training: truncated BPTT over windows of ``steps`` tokens, batches of
    ``batch`` rows, ``optimizer``/``lr`` (None: the shared default learning rate), ``momentum`` (SGD),
    gradient clipping to global norm ``clip`` (0: off), batching ``mode``, ``epochs`` and/or ``max_seconds``
    (neither: 30 seconds), ``valid_frac`` of the tokens held out at the end, ``threads``, ``seed``."""

    level: str = "char"
    lower: bool = True
    pattern: str | None = None
    min_freq: int = 1
    hidden: int = 256
    embedding: int | None = None
    layers: int = 1
    cell: str = "rnn_tanh"
    dropout: float = 0.0
    dtype: str = "float32"
    steps: int = 35
    batch: int = 32
    optimizer: str = DEFAULT_OPTIMIZER
    lr: float | None = None
    momentum: float = 0.0
    clip: float = 1.0
    mode: str = "sequential"
    epochs: int | None = None
    max_seconds: float | None = None
    valid_frac: float = 0.1
    threads: int | None = None
    seed: int = 0


@dataclass
class TrainResult:
    """What :func:`train` returns: the trained ``model`` (its ``meta`` holds the vocabulary and the
    tokenization, so :meth:`RNNLM.save` keeps them), the ``vocab``, the :class:`History`, and the training and
    held-out id arrays (``valid_ids`` is None when nothing was held out)."""

    model: RNNLM
    vocab: Vocab
    history: History
    train_ids: np.ndarray
    valid_ids: np.ndarray | None
    config: TrainConfig


def train(text: str, config: TrainConfig | None = None, progress: bool = True, **settings) -> TrainResult:
    """Train a language model on ``text`` with ``config`` (a :class:`TrainConfig`; keyword ``settings``
    override its fields, e.g. ``train(text, hidden=64, epochs=1)``). ``progress``: a progress bar on stderr
    when it is a terminal, and one line per epoch.

    >>> import seqfast
    >>> r = seqfast.nn.train(seqfast.datasets.time_machine()[:3000], hidden=16, epochs=1, progress=False)
    >>> r.model.vocab_size == len(r.vocab)
    True
    """
    cfg = dataclasses.replace(config or TrainConfig(), **settings)
    if not isinstance(text, str):
        raise TypeError(f"train() takes the text as a str, got {type(text).__name__}; read files with "
                        f"seqfast.read_text")
    if not 0 <= cfg.valid_frac < 1:
        raise ValueError(f"valid_frac must be in [0, 1), got {cfg.valid_frac}")
    tok = cfg.tokenizer
    vocab, ids = encode_text(text, tok, min_freq=cfg.min_freq)
    n_valid = int(len(ids) * cfg.valid_frac)
    train_ids, valid_ids = (ids[:-n_valid], ids[-n_valid:]) if n_valid >= 2 else (ids, None)
    cell = "rnn_tanh" if cfg.cell == "rnn" else cfg.cell
    model = RNNLM(len(vocab), cfg.hidden, embedding_dim=cfg.embedding, dtype=cfg.dtype, seed=cfg.seed,
                  num_layers=cfg.layers, cell=cell, n_threads=cfg.threads, dropout=cfg.dropout)
    model.meta = {"tokenization": tok.to_dict(), "level": tok.level, "lower": tok.lower, "itos": vocab.itos,
                  "specials": list(vocab.specials)}
    trainer = Trainer(model, optimizer=cfg.optimizer, lr=cfg.lr, clip_norm=cfg.clip or None,
                      momentum=cfg.momentum)
    max_seconds = 30.0 if cfg.epochs is None and cfg.max_seconds is None else cfg.max_seconds
    hist = trainer.fit(train_ids, batch_size=cfg.batch, num_steps=cfg.steps, epochs=cfg.epochs, mode=cfg.mode,
                       valid_ids=valid_ids, max_seconds=max_seconds, progress=progress, seed=cfg.seed)
    return TrainResult(model, vocab, hist, train_ids, valid_ids, cfg)


def tokenizer_of(model: RNNLM) -> Tokenizer:
    """The tokenization a model was trained with (stored in ``model.meta`` by :func:`train`)."""
    meta = model.meta
    if "tokenization" in meta:
        return Tokenizer.from_dict(meta["tokenization"])
    return Tokenizer(meta.get("level", "char"), bool(meta.get("lower", True)))


def vocab_of(model: RNNLM) -> Vocab:
    """The vocabulary stored in ``model.meta`` (ValueError when the model has none)."""
    meta = model.meta
    if "itos" not in meta:
        raise ValueError("the model has no vocabulary in its meta (was it trained by seqfast.nn.train or "
                         "'seqfast rnn train'?)")
    return Vocab.from_tokens(meta["itos"], specials=meta.get("specials", ["<unk>"]))


def evaluate_file(model: RNNLM, path, batch_size: int = 32, num_steps: int = 35, errors: str = "strict",
                  chunk_tokens: int = 1 << 20) -> dict:
    """Perplexity of a model on a file (``"-"``: standard input), read and scored in chunks of about
    ``chunk_tokens`` tokens so that memory stays bounded whatever the file size. Each chunk is scored as
    :meth:`RNNLM.perplexity` scores a sequence (``batch_size`` streams, state carried across windows of
    ``num_steps``); a file of up to ``chunk_tokens`` tokens gives exactly ``model.perplexity(ids)``.

    Returns ``{"perplexity", "nll" (nats, summed), "tokens" (scored), "unknown" (tokens not in the
    vocabulary)}``."""
    tok, vocab = tokenizer_of(model), vocab_of(model)
    total, count, unk, pending = 0.0, 0, 0, []
    n_pending = 0

    def flush(ids):
        nonlocal total, count
        t, n = model.nll(ids, batch_size, num_steps)
        total += t
        count += n

    for piece in read_text_pieces(path, errors):
        ids = vocab.encode(tok(piece))
        if vocab.unk_id >= 0:
            unk += int((ids == vocab.unk_id).sum())
        pending.append(ids)
        n_pending += len(ids)
        if n_pending >= chunk_tokens:
            flush(np.concatenate(pending))
            pending, n_pending = [], 0
    if pending:
        rest = np.concatenate(pending)
        if len(rest) >= 2 or count == 0:
            flush(rest)
    if count == 0:
        raise ValueError("perplexity needs at least 2 tokens")
    return {"perplexity": math.exp(total / count), "nll": total, "tokens": count, "unknown": unk}
