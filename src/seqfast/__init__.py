"""seqfast: fast, correct sequence models over text and other token streams.

Text to numbers (:func:`tokenize`, :class:`Vocab`, :func:`one_hot`), sequence partitioning
(:func:`windows`, :class:`batches`), metrics (:func:`perplexity`, :func:`cross_entropy`),
n-gram counting (:func:`count_ngrams`, :class:`NGramCounts`), word embeddings (:class:`Word2Vec`,
:class:`KeyedVectors`); C kernels with
OpenMP underneath (:func:`openmp_info`).
"""
from ._checks import MemoryLimitError
from ._threads import openmp_info, resolve_threads
from .text import WHITESPACE, WORD_PATTERN, InvalidUTF8Error, TokenTooLongError, Tokenizer, Vocab, one_hot, read_text, tokenize
from .data import batches, bucket_batches, pad_sequences, windows
from .metrics import accuracy, confusion_matrix, cross_entropy, macro_f1, perplexity, rmse
from .ngram import NGramCounts, count_ngrams

# Imported on first use (PEP 562), so that `import seqfast` and the command line start without the model
# packages and importlib.metadata: name -> submodule that defines it (None: the submodule itself).
_LAZY = {"RNNLM": "nn", "RNNClassifier": "nn", "RNNRegressor": "nn", "RNNTagger": "nn", "Trainer": "nn",
         "NGramLM": "lm", "KeyedVectors": "keyedvectors", "Word2Vec": "word2vec", "datasets": None, "reference": None}


def __getattr__(name: str):
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version
        try:
            v = version("seqfast")
        except PackageNotFoundError:  # running from a source tree
            v = "0+unknown"
        globals()["__version__"] = v
        return v
    if name not in _LAZY:
        raise AttributeError(f"module 'seqfast' has no attribute {name!r}")
    import importlib
    mod = importlib.import_module(f"seqfast.{_LAZY[name] or name}")
    value = mod if _LAZY[name] is None else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"__version__"})


__all__ = [
    "MemoryLimitError", "openmp_info", "resolve_threads", "WORD_PATTERN", "WHITESPACE", "InvalidUTF8Error", "TokenTooLongError",
    "Tokenizer", "Vocab", "one_hot", "read_text",
    "tokenize", "batches", "windows", "pad_sequences", "bucket_batches", "cross_entropy", "perplexity",
    "accuracy", "confusion_matrix", "macro_f1", "rmse", "datasets", "reference",
    "count_ngrams", "NGramCounts", "NGramLM", "RNNLM", "RNNClassifier", "RNNTagger", "RNNRegressor", "Trainer",
    "KeyedVectors", "Word2Vec",
]
