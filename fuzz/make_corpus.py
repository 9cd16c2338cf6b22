#!/usr/bin/env python3
"""Write the seed corpora fuzz/corpus/<target>/ from small valid files made by seqfast's own writers (plus a
few hand-made edge cases). Rerun after a file format changes."""
from __future__ import annotations

import gzip
import os
import shutil
import tempfile

import numpy as np

import seqfast

HERE = os.path.dirname(os.path.abspath(__file__))
OLD: dict = {}  # target -> {name: bytes}: files of older formats the readers still load, kept across reruns
LINES = ["the cat sat on the mat", "the dog sat", "a cat and a dog", "the end"]


def put(target: str, name: str, data: bytes) -> None:
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main() -> None:
    for target, prefix in (("sfl", "npz_"), ("sfc", "v1_"), ("vocab", "v1_"), ("rnn", "v1_")):
        d = os.path.join(HERE, "corpus", target)
        names = sorted(n for n in os.listdir(d) if n.startswith(prefix)) if os.path.isdir(d) else []
        OLD[target] = {n: open(os.path.join(d, n), "rb").read() for n in names}
    shutil.rmtree(os.path.join(HERE, "corpus"), ignore_errors=True)
    tmp = tempfile.mkdtemp()
    try:
        def via(writer, name):
            p = os.path.join(tmp, name)
            writer(p)
            with open(p, "rb") as f:
                return f.read()

        lm2 = seqfast.NGramLM.fit(LINES, 2, smoothing="kn", level="whitespace", discount_fallback=True)
        lm3 = seqfast.NGramLM.fit(LINES, 3, smoothing="mkn", level="whitespace", discount_fallback=True)
        put("arpa", "kn2.arpa", via(lm2.to_arpa, "a.arpa"))
        put("arpa", "mkn3.arpa", via(lm3.to_arpa, "b.arpa"))
        put("arpa", "mkn3.arpa.gz", via(lambda p: lm3.to_arpa(p, compress=True), "b.arpa.gz"))
        put("arpa", "odd.arpa", b"# comment\n\\data\\\nngram 1=3\n\nngram 2=1\n\n\\1-grams:\n-1.0\t<s>\t-0.5\n"
                                b"-0.5 </s>\r\n-0.3\tcat\n\n\\2-grams:\n-0.2 <s> cat\n\n\\end\\\n")
        put("sfl", "kn2.sfl", via(lm2.save, "a.sfl"))
        put("sfl", "mkn3.sfl", via(lm3.save, "b.sfl"))
        put("sfl", "addk1.sfl", via(seqfast.NGramLM.fit(LINES, 1, smoothing="add_k", level="whitespace").save,
                                    "c.sfl"))
        for target, files in OLD.items():  # older formats, still read by the loaders
            for name, data in files.items():
                put(target, name, data)
        c = seqfast.count_ngrams(LINES, 3, level="whitespace")
        put("sfc", "c3.sfc", via(c.save, "c.sfc"))
        put("sfc", "c3z.sfc", via(lambda p: c.save(p, compress=True), "cz.sfc"))
        put("sfc", "c1pad.sfc", via(seqfast.count_ngrams(LINES, 1, pad=True, level="char").save, "d.sfc"))
        v = seqfast.Vocab(" ".join(LINES).split(), specials=("<unk>", "<pad>"))
        put("vocab", "v.sfv", via(v.save, "v.sfv"))
        put("vocab", "vz.sfv", via(lambda p: v.save(p, compress=True), "vz.sfv"))
        put("vocab", "empty.sfv", via(seqfast.Vocab([]).save, "e.sfv"))
        for cell in ("rnn_tanh", "lstm", "gru"):
            m = seqfast.RNNLM(5, 3, embedding_dim=2 if cell != "rnn_tanh" else None, cell=cell)
            m.meta = {"itos": list("abcde")}
            put("rnn", f"{cell}.sfm", via(m.save, f"{cell}.sfm"))
        put("rnn", "gru_z.sfm", via(lambda p: m.save(p, compress=True), "gz.sfm"))
        for name, s in (("clf", seqfast.RNNClassifier(6, 2, 3, embedding_dim=2, bidirectional=True, pooling="max")),
                        ("tagger", seqfast.RNNTagger(6, 3, 3, embedding_dim=2, cell="gru", num_layers=2)),
                        ("reg", seqfast.RNNRegressor(2, 1, 3, cell="rnn_tanh"))):
            put("seqmodel", f"{name}.sfm", via(s.save, f"{name}.sfm"))
        texts = {"ascii.txt": b"The Time Traveller (for so it will be convenient to speak of him)\nwas expounding.\n",
                 "utf8.txt": "İstanbul ΣΟΦΟΣ straße don't o'clock _x_ 3.14 NBSP\u00a0here\x0bvt\x1cfs\n".encode(),
                 "bad.txt": b"ok \xff\xfe bad \xed\xa0\x80 surrogate \xf0\x9f\x98\n",
                 "crlf.txt": b"a b\r\nc\r\n\r\n  d  \n", "empty.txt": b"",
                 "gz.txt": gzip.compress(b"gzip text\nline two\n")}
        for name, data in texts.items():
            put("read_text", name, data)
            put("count", name, data)
        np.random.seed(0)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
