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

__all__ = ["Model", "LanguageModel", "State", "FullScoreReturn"]
