"""N-gram language models that agree with KenLM: estimation, ARPA files, perplexity, prediction, generation.

>>> from seqfast.lm import NGramLM
>>> lm = NGramLM.fit(["a b a b", "b a b a"], order=2, smoothing="add_k")
>>> lm.order
2
"""
from .arpa import ARPAError, read_arpa, write_arpa
from .estimate import KNDiscountError
from .model import SMOOTHINGS, NGramLM

__all__ = ["NGramLM", "SMOOTHINGS", "KNDiscountError", "ARPAError", "read_arpa", "write_arpa"]
