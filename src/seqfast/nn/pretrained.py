"""Pretrained word vectors (word2vec, GloVe, gensim) as the embedding table of a recurrent model."""
from __future__ import annotations

import numpy as np

from ..keyedvectors import KeyedVectors

__all__ = ["init_embedding", "as_vectors"]


def as_vectors(embedding):
    """Pretrained vectors as given to a model's ``embedding=``: a :class:`seqfast.KeyedVectors` (or gensim's, or
    anything with ``vector_size``, ``__contains__`` and ``get_vector``) as it is, or a pair ``(array (n, E),
    words)`` (the vectors and the n words they belong to, in row order) as a KeyedVectors."""
    if isinstance(embedding, tuple) and len(embedding) == 2:
        a, words = embedding
        return KeyedVectors(list(words), np.asarray(a))
    return embedding


def init_embedding(weight: np.ndarray, vectors, vocab, seed: int | None = 0) -> dict:
    """Fill ``weight`` (V, E), the rows of a model's vocabulary, from pretrained vectors, in place.

    Row i gets the vector of token ``vocab[i]`` (``vocab``: a :class:`seqfast.Vocab` or a list of the V tokens in
    id order), looked up as written, then lower-cased. Rows with no vector (specials such as ``<unk>``, words
    the vectors never saw) are drawn from N(0, s^2), s the standard deviation of the vectors used, so they
    start at the same scale.

    ``vectors``: a :class:`seqfast.KeyedVectors` or anything with ``vector_size``, ``__contains__`` and
    ``get_vector`` (gensim's KeyedVectors too).

    Returns a report: ``{"found": n, "missing": m, "missing_tokens": [the first 20]}``.
    """
    itos = vocab.itos if hasattr(vocab, "itos") else list(vocab)
    V, E = weight.shape
    if len(itos) != V:
        raise ValueError(f"the vocabulary has {len(itos)} tokens but the embedding table has {V} rows")
    if vectors.vector_size != E:
        raise ValueError(f"the vectors have size {vectors.vector_size} but the embedding table has {E} columns; "
                         f"build the model with embedding_dim={vectors.vector_size}")
    found, missing = [], []
    for i, tok in enumerate(itos):
        key = tok if tok in vectors else (tok.lower() if tok.lower() in vectors else None)
        if key is None:
            missing.append(i)
        else:
            weight[i] = vectors.get_vector(key)
            found.append(i)
    if missing:
        scale = float(np.std(weight[found])) if found else 1.0
        weight[missing] = np.random.default_rng(seed).normal(0.0, scale, (len(missing), E))
    return {"found": len(found), "missing": len(missing), "missing_tokens": [itos[i] for i in missing[:20]]}
