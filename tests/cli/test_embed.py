"""seqfast embed train / similar / analogy / pairs."""
import numpy as np

import seqfast
from seqfast.cli import main


def test_train_similar_analogy_pairs(tmp_path, capsys, terminal_stdin):  # no FILE on a terminal: the bundled corpus
    out = tmp_path / "v.txt"
    model = tmp_path / "m.npz"
    assert main(["embed", "train", "--out", str(out), "--size", "20", "--epochs", "1", "--min-count", "3",
                 "--lower", "--threads", "1", "--loss", "--save-model", str(model)]) == 0
    err = capsys.readouterr().err
    assert "vocabulary:" in err and "words/s" in err and "mean loss" in err
    assert "\r" not in err  # the progress line is drawn only on a terminal
    kv = seqfast.KeyedVectors.load_word2vec_format(out)
    assert kv.vector_size == 20 and "time" in kv
    m = seqfast.Word2Vec.load(model)
    assert np.array_equal(m.wv.vectors, kv.vectors)

    assert main(["embed", "similar", str(out), "time", "-n", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and all(len(x.split("\t")) == 2 for x in lines)

    q = tmp_path / "q.txt"
    q.write_text(": family\nhe she his her\nhe she man woman\n")
    assert main(["embed", "analogy", str(out), str(q)]) == 0
    o = capsys.readouterr().out
    assert "family\t" in o and "Total accuracy\t" in o

    ws = tmp_path / "ws.tsv"
    ws.write_text("time\tmachine\t5\nhe\tshe\t8\nman\twoman\t7\nthe\tlight\t1\n")
    assert main(["embed", "pairs", str(out), str(ws)]) == 0
    assert "spearman\t" in capsys.readouterr().out

    binp = tmp_path / "v.bin"
    assert main(["embed", "train", "--out", str(binp), "--binary", "--cbow", "--size", "8", "--epochs", "1",
                 "--quiet", "--threads", "2"]) == 0
    assert main(["embed", "similar", str(binp), "time", "--binary"]) == 0


def test_errors(tmp_path, capsys):
    assert main(["embed", "train", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "v")]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["embed", "train", "-", "--out", str(tmp_path / "v")]) == 1
    assert "standard input" in capsys.readouterr().err
    (tmp_path / "v.txt").write_text("2 2\na 1 0\nb 0 1\n")
    assert main(["embed", "similar", str(tmp_path / "v.txt"), "zebra"]) == 1
    assert "zebra" in capsys.readouterr().err
