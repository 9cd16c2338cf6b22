"""A drop-in for the ``kenlm`` Python module over seqfast models: ``import seqfast.kenlm as kenlm``.

>>> import seqfast.kenlm as kenlm                                    # doctest: +SKIP
>>> model = kenlm.Model("model.sfl")          # a seqfast .sfl (mapped) or an ARPA file
>>> model.score("the time traveller", bos=True, eos=True)            # log10, as kenlm
>>> state, out = kenlm.State(), kenlm.State()
>>> model.BeginSentenceWrite(state); model.BaseScore(state, "the", out)

Same names, arguments, units (log10) and semantics as kenlm: a sentence is split at ASCII whitespace, a word
not in the model is scored as ``<unk>`` and reported as an OOV, ``score``/``full_scores`` add ``<s>``/``</s>``
unless ``bos=False``/``eos=False``, ``perplexity`` counts ``</s>``. ``State`` objects are small C structs:
hashable, comparable, copyable (``copy.copy``), equal when they score every continuation equally.
"""
from ._lmq import FullScoreReturn, Model, State

LanguageModel = Model


class LoadMethod:
    """How ``Model(path, config)`` brings a mapped model's pages in (kenlm's names and values): LAZY as queries
    touch them (also what ``Model(path)`` without a config does); any other value (kenlm's default
    POPULATE_OR_READ) all of them before the constructor returns."""
    LAZY = 0
    POPULATE_OR_LAZY = 1
    POPULATE_OR_READ = 2
    READ = 3
    PARALLEL_READ = 4


class Config:
    """Options of ``Model(path, config)``, as ``kenlm.Config``: ``load_method`` (:class:`LoadMethod`); kenlm's
    ``show_progress`` and ``arpa_complain`` are accepted and have no effect."""

    def __init__(self):
        self.load_method = LoadMethod.POPULATE_OR_READ
        self.show_progress = False
        self.arpa_complain = "none"


__all__ = ["Model", "LanguageModel", "State", "FullScoreReturn", "Config", "LoadMethod"]
