"""Regenerate the gensim-written word2vec files of this folder (needs gensim; run from any directory):

    python tests/data/word2vec/make_fixtures.py

The vectors are fixture_vectors() below; tests/embed/test_keyedvectors.py checks that seqfast reads these files
back to the same numbers and writes byte-identical files."""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = ["the", "king", "queen", "café", "x_y", "naïve", "1984"]


def fixture_vectors() -> np.ndarray:
    i = np.arange(len(KEYS))[:, None]
    j = np.arange(5)[None, :]
    return ((i + 1) * 0.1 - j / 3 + (i * j) * 1e-3 - 1e-6 * (j == 4)).astype(np.float32)


if __name__ == "__main__":
    from gensim.models import KeyedVectors
    kv = KeyedVectors(vector_size=5)
    kv.add_vectors(KEYS, fixture_vectors())
    kv.save_word2vec_format(os.path.join(HERE, "gensim.txt"), binary=False)
    kv.save_word2vec_format(os.path.join(HERE, "gensim.bin"), binary=True)
    kv.save_word2vec_format(os.path.join(HERE, "gensim-noheader.txt"), binary=False, write_header=False)
