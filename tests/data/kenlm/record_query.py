"""Record the kenlm Python module's answers on the fixtures, for tests/lm/test_query.py to check seqfast.kenlm
against without kenlm installed.

    pip install kenlm && python tests/data/kenlm/record_query.py     # rewrites tests/data/kenlm/query.json

The same script body (SCRIPT) runs against kenlm here and against seqfast.kenlm in the test, so every number
compared comes from the same calls: score (bos/eos on and off), full_scores, perplexity, `word in model` and
BaseScore/BaseFullScore stepping through the State API.
"""
from __future__ import annotations

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ("timemachine.o3.arpa", "timemachine.o5.arpa")
EXTRA = ["", "the", "zzzunseen qqqword", "<unk> the <unk>", "the time <s> machine", "the  time\ttraveller ",
         "caf\u00e9 na\u00efve \u2014 r\u00e9sum\u00e9"]
WORDS = ["the", "time", "<s>", "</s>", "<unk>", "zzzunseen", "caf\u00e9", "machine"]


def sentences(n: int = 40) -> list[str]:
    with open(os.path.join(HERE, "timemachine.test.txt"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for _, line in zip(range(n), f)]
    return lines + EXTRA


def run(kenlm, path: str) -> dict:
    """Every number the kenlm API gives on the fixture sentences, as plain JSON values."""
    model = kenlm.Model(path)
    out = {"order": model.order, "score": [], "full_scores": [], "perplexity": [], "contains": [], "steps": []}
    for s in sentences():
        out["score"].append([model.score(s), model.score(s, bos=False, eos=False), model.score(s, bos=True, eos=False),
                             model.score(s, bos=False, eos=True)])
        out["full_scores"].append([[p, n, bool(o)] for p, n, o in model.full_scores(s)])
        out["perplexity"].append(model.perplexity(s))
    out["contains"] = [w in model for w in WORDS]
    for s in sentences(10):
        st, nxt = kenlm.State(), kenlm.State()
        model.BeginSentenceWrite(st)
        steps = []
        for w in s.split() + ["</s>"]:
            r = model.BaseFullScore(st, w, nxt)
            steps.append([r.log_prob, r.ngram_length, bool(r.oov), model.BaseScore(st, w, kenlm.State())])
            st, nxt = nxt, st
        null = kenlm.State()
        model.NullContextWrite(null)
        steps.append([model.BaseScore(null, s.split()[0] if s.split() else "the", kenlm.State())])
        out["steps"].append(steps)
    return out


def main() -> None:
    import kenlm

    rec = {name: run(kenlm, os.path.join(HERE, name)) for name in MODELS}
    rec["kenlm_version"] = getattr(kenlm, "__version__", "unknown")
    with open(os.path.join(HERE, "query.json"), "w", encoding="utf-8") as f:
        json.dump(rec, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
