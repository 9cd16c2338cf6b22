"""Text classification and sequence tagging in one call each: what ``seqfast classify`` and ``seqfast tag`` run.

    train_classifier(data)  tokens -> vocabulary -> RNNClassifier -> Trainer.fit_sequences (held-out split,
                            validation accuracy / macro-F1, early stopping)
    train_tagger(data)      tokens -> vocabulary (+ character features) -> RNNTagger -> Trainer.fit_sequences
    evaluate_classifier / evaluate_tagger: accuracy, macro-F1, confusion matrix, per-tag accuracy, and for a
                            tagger the accuracy on words seen and not seen in training
    predict_classifier / predict_tagger: labels of new texts / tags of new sentences

Data comes from the readers in :mod:`seqfast.data` (:class:`ClassificationData`, :class:`TaggedData`). A trained
model keeps what it needs to read new text in ``model.meta`` (its vocabulary, labels and tokenization), so
:meth:`save` / ``load`` give a model that predicts from raw text.

Unknown words in a tagger with character features keep their spelling: they are embedded as ``<unk>`` but their
characters still reach the character CNN (ids from V up, see :meth:`seqfast.nn.chars.CharCNN.add_words`).
Training words rarer than ``min_freq`` (default 2 for tagging: the singletons) are encoded the same way, which
is how the ``<unk>`` embedding and the character features learn to tag words never seen.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..data import ClassificationData, TaggedData, pad_sequences
from ..metrics import accuracy, confusion_matrix, macro_f1, per_class_accuracy
from ..text import Tokenizer, Vocab
from .optim import DEFAULT_OPTIMIZER
from .recipe import TokenizationFields, tokenizer_of, vocab_of
from .seqmodels import RNNClassifier, RNNTagger
from .trainer import History, Trainer

__all__ = ["TaskConfig", "TaskResult", "train_classifier", "train_tagger", "evaluate_classifier", "evaluate_tagger",
           "predict_classifier", "predict_tagger", "labels_of", "encode_tagged"]

#: the specials of a task model's vocabulary: padding is id 0, unknown words id 1
SPECIALS = ("<pad>", "<unk>")
#: the label evaluate_tagger gives tags of the data that the model never saw in training (always wrong)
UNSEEN_TAG = "<unseen tag>"


@dataclass
class TaskConfig(TokenizationFields):
    """Settings of :func:`train_classifier` and :func:`train_tagger` (the flags of ``seqfast classify train`` and
    ``seqfast tag train`` have the same names).

    Tokens: ``level``/``lower``/``pattern`` (the :class:`seqfast.Tokenizer` of classification texts; a tagger's
    tokens are given by its data, and ``lower`` lower-cases them), ``min_freq`` (rarer training words are
    unknown words; None: 1 for classification, 2 for tagging). Model: ``cell``, ``layers``, ``bidirectional``
    (None: False for classification, True for tagging), ``hidden`` H, ``embedding`` E, ``dropout``,
    ``pooling`` (classification: "last", "mean" or "max"), ``char_features`` (tagging: a character CNN of
    ``char_filters`` features over ``char_dim``-sized character embeddings, width ``char_width``), ``dtype``.
    Training: ``batch``, ``optimizer``/``lr`` (None: the shared default), ``clip`` (global norm; 0: off),
    ``epochs`` and/or ``max_seconds`` (neither: 5 epochs; ``clock``, what max_seconds counts: "wall" or "cpu",
    see :class:`Trainer`), ``patience`` (early stopping on the held-out metric), ``valid_frac`` (held out of
    the training data when no validation data is given; 0: none), ``class_weights`` (None or "balanced"),
    ``threads``, ``seed`` (initialisation, batches and the split)."""

    level: str = "word"
    lower: bool = True
    pattern: str | None = None
    min_freq: int | None = None
    cell: str = "lstm"
    layers: int = 1
    bidirectional: bool | None = None
    hidden: int = 128
    embedding: int = 100
    dropout: float = 0.0
    pooling: str = "max"
    char_features: bool = True
    char_dim: int = 25
    char_filters: int = 50
    char_width: int = 3
    dtype: str = "float32"
    batch: int = 32
    optimizer: str = DEFAULT_OPTIMIZER
    lr: float | None = None
    clip: float = 1.0
    epochs: int | None = None
    max_seconds: float | None = None
    clock: str = "wall"
    patience: int | None = None
    valid_frac: float = 0.1
    class_weights: str | None = None
    threads: int | None = None
    seed: int = 0


@dataclass
class TaskResult:
    """What the train functions return: the trained ``model`` (``model.meta`` holds its vocabulary, labels and
    tokenization), its ``vocab``, the label names (``labels``: classes or tags, id order), the :class:`History`,
    the data it was trained on and the held-out data (None without)."""

    model: object
    vocab: Vocab
    labels: list
    history: History
    train: object
    valid: object
    config: TaskConfig


def _prepare(data, kind, config, settings, valid):
    """(config with ``settings`` applied, training data, held-out data): ``valid_frac`` of ``data`` held out
    (drawn with ``seed``) when no ``valid`` is given."""
    cfg = dataclasses.replace(config or TaskConfig(), **settings)
    if not 0 <= cfg.valid_frac < 1:
        raise ValueError(f"valid_frac must be in [0, 1), got {cfg.valid_frac}")
    if not isinstance(data, kind):
        raise TypeError(f"data must be a seqfast.data.{kind.__name__}, got {type(data).__name__}")
    if valid is None and cfg.valid_frac > 0:
        data, valid = data.split(cfg.valid_frac, cfg.seed)
    return cfg, data, valid


def _fit(model, cfg: TaskConfig, seqs, labels, valid, progress: bool) -> History:
    trainer = Trainer(model, optimizer=cfg.optimizer, lr=cfg.lr, clip_norm=cfg.clip or None, clock=cfg.clock)
    epochs = 5 if cfg.epochs is None and cfg.max_seconds is None else cfg.epochs
    return trainer.fit_sequences(seqs, labels, valid=valid, epochs=epochs, batch_size=cfg.batch,
                                 max_seconds=cfg.max_seconds, patience=cfg.patience,
                                 class_weights=cfg.class_weights, seed=cfg.seed, progress=progress)


# ---------------------------------------------------------------------------------------------- classification
def train_classifier(data: ClassificationData, config: TaskConfig | None = None, valid: ClassificationData | None = None,
                     progress: bool = True, **settings) -> TaskResult:
    """Train an :class:`RNNClassifier` on ``data`` (a :class:`seqfast.data.ClassificationData`, tokenized by
    ``config.tokenizer``: read it with ``ClassificationData.read(source, config.tokenizer)``).

    ``valid``: held-out data scored after every epoch; None holds out ``valid_frac`` of ``data`` (stratified,
    drawn with ``seed``). Keyword ``settings`` override fields of ``config`` (a :class:`TaskConfig`)."""
    cfg, data, valid = _prepare(data, ClassificationData, config, settings, valid)
    classes = data.classes
    vocab = Vocab(data.tokens, min_freq=cfg.min_freq or 1, specials=SPECIALS)
    model = RNNClassifier(len(vocab), len(classes), cfg.hidden, embedding_dim=cfg.embedding, cell=cfg.cell,
                          num_layers=cfg.layers, bidirectional=bool(cfg.bidirectional), dropout=cfg.dropout,
                          pooling=cfg.pooling, dtype=cfg.dtype, seed=cfg.seed, n_threads=cfg.threads)
    model.meta = {"task": "classify", "itos": vocab.itos, "specials": list(SPECIALS), "labels": list(classes),
                  "tokenization": cfg.tokenizer.to_dict()}
    seqs = [vocab.encode(t) for t in data.tokens]
    vdata = None
    if valid is not None:
        vdata = ([vocab.encode(t) for t in valid.tokens], valid.label_ids(classes))
    hist = _fit(model, cfg, seqs, data.label_ids(), vdata, progress)
    return TaskResult(model, vocab, list(classes), hist, data, valid, cfg)


def labels_of(model) -> list[str]:
    """The label names (classes or tags, in id order) stored in ``model.meta`` by the train functions."""
    labels = getattr(model, "meta", {}).get("labels")
    if not isinstance(labels, list):
        raise ValueError("the model has no label names in its meta (was it trained by seqfast.nn.tasks or "
                         "'seqfast classify/tag train'?)")
    return labels


def _check_task(model, task: str, cls) -> None:
    if not isinstance(model, cls) or getattr(model, "meta", {}).get("task") != task:
        raise ValueError(f"expected an {cls.__name__} trained by 'seqfast {task} train' (seqfast.nn.tasks), got "
                         f"{type(model).__name__}" + (f" for {model.meta.get('task')!r}" if getattr(model, "meta", {}).get("task") else ""))


def _predict(model, seqs: list, batch_size: int):
    """model.predict over ``seqs`` in batches of similar length; results in the order of ``seqs``: an array (n,)
    for a classifier, a list of (T_i,) arrays for a tagger."""
    order = np.argsort([len(s) for s in seqs], kind="stable")
    out: list = [None] * len(seqs)
    for i in range(0, len(order), batch_size):
        idx = order[i:i + batch_size]
        X, lengths = pad_sequences([seqs[j] for j in idx])
        pred = model.predict(X, lengths)
        for k, j in enumerate(idx):
            out[j] = pred[k] if pred.ndim == 1 else pred[k, :lengths[k]]
    return out


def _token_lists(texts, tok: Tokenizer) -> list[list[str]]:
    """Token lists: each str is tokenized with ``tok``; lists of tokens pass as they are."""
    return [tok(t) if isinstance(t, str) else list(t) for t in texts]


def predict_classifier(model, texts, batch_size: int = 256) -> list[str]:
    """The predicted label of each text (a str, tokenized as the model was trained, or a list of tokens). A
    text without any token raises ValueError naming its position."""
    _check_task(model, "classify", RNNClassifier)
    vocab, tok, labels = vocab_of(model), tokenizer_of(model), labels_of(model)
    tokens = _token_lists(texts, tok)
    for i, t in enumerate(tokens):
        if not t:
            raise ValueError(f"text {i + 1} has no token to classify")
    if not tokens:
        return []
    pred = _predict(model, [vocab.encode(t) for t in tokens], batch_size)
    return [labels[int(p)] for p in pred]


def evaluate_classifier(model, data: ClassificationData, batch_size: int = 256) -> dict:
    """Scores of a trained classifier on labeled data: ``accuracy``, ``macro_f1``, ``confusion`` (K, K) (rows:
    true label), ``labels`` (the model's, in id order), ``n``. ``data``'s labels must be among the model's."""
    _check_task(model, "classify", RNNClassifier)
    labels = labels_of(model)
    vocab = vocab_of(model)
    y = data.label_ids(labels)
    pred = np.asarray(_predict(model, [vocab.encode(t) for t in data.tokens], batch_size))
    unknown = sum(int((vocab.encode(t) == vocab.unk_id).sum()) for t in data.tokens)
    return {"accuracy": accuracy(y, pred), "macro_f1": macro_f1(y, pred, len(labels)),
            "confusion": confusion_matrix(y, pred, len(labels)), "labels": labels, "n": len(y),
            "tokens": sum(len(t) for t in data.tokens), "unknown_tokens": unknown}


# ---------------------------------------------------------------------------------------------- tagging
def encode_tagged(model, vocab: Vocab, token_lists, lower: bool) -> tuple[list, list]:
    """(ids per sentence, known-word mask per sentence) for a tagger. Words in ``vocab`` get their id; the
    others ``<unk>``, or with character features an id from V up that keeps their spelling
    (:meth:`CharCNN.add_words`)."""
    chars = getattr(model, "chars", None)
    seqs, known, unknown_words = [], [], []
    for toks in token_lists:
        words = [w.lower() for w in toks] if lower else list(toks)
        ids = vocab.encode(words)
        unk = ids == vocab.unk_id
        if chars is not None and unk.any():
            ids = ids.copy()
            unknown_words.extend(w for w, u in zip(words, unk) if u)
        seqs.append(ids)
        known.append(~unk)
    if unknown_words:  # one call for the whole data: each call copies the spelling table
        added = chars.add_words(unknown_words)
        start = 0
        for ids, k in zip(seqs, known):
            n = int((~k).sum())
            if n:
                ids[~k] = added[start:start + n]
                start += n
    return seqs, known


def train_tagger(data: TaggedData, config: TaskConfig | None = None, valid: TaggedData | None = None,
                 progress: bool = True, **settings) -> TaskResult:
    """Train an :class:`RNNTagger` on ``data`` (a :class:`seqfast.data.TaggedData`).

    The vocabulary holds the training words seen at least ``min_freq`` times (default 2), lower-cased when
    ``lower``; rarer ones and unseen ones are unknown words (with character features they keep their spelling).
    ``valid``: held-out sentences scored after every epoch (token accuracy); None holds out ``valid_frac`` of
    the sentences (drawn with ``seed``). Keyword ``settings`` override fields of ``config``."""
    cfg, data, valid = _prepare(data, TaggedData, config, settings, valid)
    tagset = data.tagset
    words = [[w.lower() for w in s] for s in data.tokens] if cfg.lower else data.tokens
    vocab = Vocab(words, min_freq=2 if cfg.min_freq is None else cfg.min_freq, specials=SPECIALS)
    char_options = {"char_dim": cfg.char_dim, "filters": cfg.char_filters, "width": cfg.char_width}
    model = RNNTagger(len(vocab), len(tagset), cfg.hidden, embedding_dim=cfg.embedding, cell=cfg.cell,
                      num_layers=cfg.layers, bidirectional=True if cfg.bidirectional is None else cfg.bidirectional,
                      dropout=cfg.dropout, dtype=cfg.dtype, seed=cfg.seed, n_threads=cfg.threads,
                      char_features=cfg.char_features or None,
                      char_options=char_options if cfg.char_features else None, vocab=vocab.itos)
    model.meta = {"task": "tag", "itos": vocab.itos, "specials": list(SPECIALS), "labels": list(tagset),
                  "lower": cfg.lower}
    seqs, _ = encode_tagged(model, vocab, data.tokens, cfg.lower)
    vdata = None
    if valid is not None:  # early stopping watches the held-out sentences whose tags were all seen in training
        vseqs, _ = encode_tagged(model, vocab, valid.tokens, cfg.lower)
        vtags = valid.tag_ids(tagset, unseen=-1)
        keep = [i for i, t in enumerate(vtags) if t.size and t.min() >= 0]
        vdata = ([vseqs[i] for i in keep], [vtags[i] for i in keep]) if keep else None
    try:
        hist = _fit(model, cfg, seqs, data.tag_ids(), vdata, progress)
    finally:
        if getattr(model, "chars", None) is not None:
            model.chars.forget_added_words()
    return TaskResult(model, vocab, list(tagset), hist, data, valid, cfg)


def _tagger_parts(model):
    _check_task(model, "tag", RNNTagger)
    return vocab_of(model), labels_of(model), bool(model.meta.get("lower", False))


def predict_tagger(model, sentences, batch_size: int = 256) -> list[list[str]]:
    """The tags of each sentence (a list of tokens; a str is split at whitespace, KenLM's rule)."""
    vocab, tags, lower = _tagger_parts(model)
    tokens = _token_lists(sentences, Tokenizer("whitespace"))
    keep = [i for i, t in enumerate(tokens) if t]
    seqs, _ = encode_tagged(model, vocab, [tokens[i] for i in keep], lower)
    try:
        pred = _predict(model, seqs, batch_size) if seqs else []
    finally:
        if getattr(model, "chars", None) is not None:
            model.chars.forget_added_words()
    out: list = [[] for _ in tokens]
    for i, p in zip(keep, pred):
        out[i] = [tags[int(k)] for k in p]
    return out


def evaluate_tagger(model, data: TaggedData, batch_size: int = 256) -> dict:
    """Scores of a trained tagger on tagged sentences: ``token_accuracy``, ``known_accuracy`` /
    ``unknown_accuracy`` (tokens whose word is / is not in the model's vocabulary; None when there are none),
    ``macro_f1`` over tags, ``per_tag`` ({tag: (accuracy, support)} for tags in the data), ``confusion`` (K, K),
    ``labels`` (the model's tags, and :data:`UNSEEN_TAG` last when the data holds tags the model never saw:
    those tokens count as errors, ``unseen_tag_tokens`` of them), ``tokens``, ``unknown_tokens``,
    ``sentences``."""
    vocab, tags, lower = _tagger_parts(model)
    K = len(tags)
    y = data.tag_ids(tags, unseen=K)  # tags the model never saw: one more class, never predicted
    seqs, known = encode_tagged(model, vocab, data.tokens, lower)
    try:
        pred = _predict(model, seqs, batch_size)
    finally:
        if getattr(model, "chars", None) is not None:
            model.chars.forget_added_words()
    t, p, k = np.concatenate(y), np.concatenate(pred), np.concatenate(known)
    unseen = int((t == K).sum())
    labels = tags + [UNSEEN_TAG] if unseen else tags
    acc, support = per_class_accuracy(t, p, len(labels))
    return {"token_accuracy": accuracy(t, p),
            "known_accuracy": accuracy(t, p, k) if k.any() else None,
            "unknown_accuracy": accuracy(t, p, ~k) if (~k).any() else None,
            "macro_f1": macro_f1(t, p, len(labels)), "confusion": confusion_matrix(t, p, len(labels)),
            "labels": labels, "per_tag": {labels[i]: (float(acc[i]), int(support[i])) for i in np.flatnonzero(support)},
            "tokens": int(t.size), "unknown_tokens": int((~k).sum()), "unseen_tag_tokens": unseen,
            "sentences": len(data)}
