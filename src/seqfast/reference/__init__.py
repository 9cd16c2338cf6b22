"""Pure Python / NumPy twins of seqfast's C kernels, written to read like the course's equations.

They are slow on purpose: tests compare every kernel with its twin here.
"""
from . import text  # noqa: F401
from . import rnn  # noqa: F401
from . import gru, lstm  # noqa: F401
from . import birnn  # noqa: F401
from . import ngram  # noqa: F401
from . import lm  # noqa: F401
from . import word2vec  # noqa: F401
from . import charcnn  # noqa: F401
