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
from .data import batches, bucket_batches, pad_sequences, windows
from .metrics import accuracy, confusion_matrix, cross_entropy, macro_f1, perplexity, rmse
from .ngram import NGramCounts, count_ngrams
from . import datasets, reference
from .nn import RNNLM, RNNClassifier, RNNRegressor, RNNTagger, Trainer
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
    "tokenize", "batches", "windows", "pad_sequences", "bucket_batches", "cross_entropy", "perplexity",
    "accuracy", "confusion_matrix", "macro_f1", "rmse", "datasets", "reference",
    "count_ngrams", "NGramCounts", "NGramLM", "RNNLM", "RNNClassifier", "RNNTagger", "RNNRegressor", "Trainer",
    "KeyedVectors", "Word2Vec",
]
