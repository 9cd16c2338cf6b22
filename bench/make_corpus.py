"""Make the n-gram benchmark corpora in bench/data/ (git-ignored), deterministically for a fixed seed.

  base.txt      ../shared/data/gutenberg/*.txt + tinyshakespeare.txt, tokenized with seqfast.tokenize
                (word level, case kept), one non-empty line per line, tokens joined by single spaces (~1.2M tokens)
  corpus25m.txt --copies (default 20) copies of base.txt, each with --replace (default 10%) of its tokens
                replaced by words drawn by unigram frequency (numpy Generator, --seed), so every copy adds new
                n-grams (~25M tokens, ~140 MB); --name names it (the scale benchmark's 200M-token corpus:
                --copies 152 --name corpus200m.txt --out DIR: 202M tokens, ~950 MB, best outside the repository)

Both are pre-tokenized: level="whitespace" and level="word" read the same tokens from them.

    python bench/make_corpus.py [--data ../shared/data] [--copies 20] [--replace 0.1] [--seed 0] [--name F]
"""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def read_any(path: str) -> str:
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:  # shakespeare-caesar.txt is Latin-1
        return data.decode("latin-1")


def base_lines(data_dir: str) -> list[list[str]]:
    from seqfast import tokenize
    paths = sorted(glob.glob(os.path.join(data_dir, "gutenberg", "*.txt")))
    paths.append(os.path.join(data_dir, "tinyshakespeare.txt"))
    missing = [p for p in paths if not os.path.exists(p)]
    if missing or len(paths) < 2:
        sys.exit(f"make_corpus: corpus files not found under {data_dir} (missing: {missing[:3]}); pass --data")
    lines = []
    for p in paths:
        for line in read_any(p).split("\n"):
            toks = tokenize(line)
            if toks:
                lines.append(toks)
    return lines


def write_lines(path: str, itos: np.ndarray, ids: np.ndarray, bounds: np.ndarray) -> None:
    words = itos[ids]
    with open(path, "w", encoding="utf-8") as f:
        for a, b in zip(bounds[:-1], bounds[1:]):
            f.write(" ".join(words[a:b]))
            f.write("\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data"),
                    help="directory holding gutenberg/ and tinyshakespeare.txt (default: ../shared/data)")
    ap.add_argument("--out", default=os.path.join(HERE, "data"), help="output directory (default: bench/data)")
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--replace", type=float, default=0.1, help="fraction of tokens replaced in each copy")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="corpus25m.txt", help="file name of the big corpus (default corpus25m.txt)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    lines = base_lines(args.data)
    vocab, ids = {}, []
    for toks in lines:
        for t in toks:
            ids.append(vocab.setdefault(t, len(vocab)))
    ids = np.asarray(ids, dtype=np.int64)
    itos = np.empty(len(vocab), dtype=object)
    itos[:] = list(vocab)
    bounds = np.cumsum([0] + [len(t) for t in lines])
    write_lines(os.path.join(args.out, "base.txt"), itos, ids, bounds)
    freq = np.bincount(ids, minlength=len(vocab)).astype(np.float64)
    p = freq / freq.sum()
    rng = np.random.default_rng(args.seed)
    big = os.path.join(args.out, args.name)
    with open(big, "w", encoding="utf-8"):
        pass
    for c in range(args.copies):
        cp = ids.copy()
        mask = rng.random(cp.shape[0]) < args.replace
        cp[mask] = rng.choice(len(vocab), size=int(mask.sum()), p=p)
        words = itos[cp]
        with open(big, "a", encoding="utf-8") as f:
            f.write("".join(" ".join(words[a:b]) + "\n" for a, b in zip(bounds[:-1], bounds[1:])))
    print(f"base.txt: {len(lines):,} lines, {ids.shape[0]:,} tokens, {len(vocab):,} types; "
          f"{args.name}: {args.copies} copies, {args.copies * ids.shape[0]:,} tokens "
          f"({os.path.getsize(big) / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
