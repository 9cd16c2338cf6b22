"""seqfast: fast, correct sequence models over text and other token streams.

Text to numbers (:func:`tokenize`, :class:`Vocab`, :func:`one_hot`), sequence partitioning
(:func:`windows`, :class:`batches`), metrics (:func:`perplexity`, :func:`cross_entropy`),
n-gram counting (:func:`count_ngrams`, :class:`NGramCounts`), word embeddings (:class:`Word2Vec`,
:class:`KeyedVectors`); C kernels with
OpenMP underneath (:func:`openmp_info`).
"""
from importlib.metadata import PackageNotFoundError, version as _pkg_version

from ._checks import MemoryLimitError
from ._threads import openmp_info, resolve_threads
from .text import WHITESPACE, WORD_PATTERN, InvalidUTF8Error, TokenTooLongError, Tokenizer, Vocab, one_hot, read_text, tokenize
from .data import batches, windows
from .metrics import cross_entropy, perplexity
from .ngram import NGramCounts, count_ngrams
from . import datasets, reference
from .nn import RNNLM, Trainer
from .lm import NGramLM
from .keyedvectors import KeyedVectors
from .word2vec import Word2Vec

try:
    __version__ = _pkg_version("seqfast")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "MemoryLimitError", "openmp_info", "resolve_threads", "WORD_PATTERN", "WHITESPACE", "InvalidUTF8Error", "TokenTooLongError",
    "Tokenizer", "Vocab", "one_hot", "read_text",
    "tokenize", "batches", "windows", "cross_entropy", "perplexity", "datasets", "reference",
    "count_ngrams", "NGramCounts", "NGramLM", "RNNLM", "Trainer",
    "KeyedVectors", "Word2Vec",
]
