"""Helpers for the n-gram LM tests: fixture paths (tests/data/kenlm, copied from KenLM's outputs)."""
import os

KENLM_DIR = os.path.join(os.path.dirname(__file__), "data", "kenlm")
TRAIN = os.path.join(KENLM_DIR, "timemachine.train.txt")
TEST = os.path.join(KENLM_DIR, "timemachine.test.txt")

# query -v summary on timemachine.test.txt (tests/data/kenlm/README.md)
KENLM_PPL = {
    2: (202.804814957666, 138.70369866500462, 268, 4062),
    3: (193.5691989091124, 132.24453509177286, 268, 4062),
    5: (192.8395497265028, 131.80884908644245, 268, 4062),
}
# lmplz's printed discounts (D1, D2, D3+ per order)
KENLM_DISCOUNTS = {
    2: [(0.628179, 1.06418, 1.49791), (0.789954, 1.16957, 1.48611)],
    3: [(0.628179, 1.06418, 1.49791), (0.802363, 1.22019, 1.57751), (0.903375, 1.23708, 1.52295)],
    5: [(0.628179, 1.06418, 1.49791), (0.802363, 1.22019, 1.57751), (0.914039, 1.25695, 1.61855),
        (0.973894, 1.46161, 1.8573), (0.99108, 1.58832, 2.11904)],
}


def arpa(order):
    return os.path.join(KENLM_DIR, f"timemachine.o{order}.arpa")


def model_files(lm, folder, tag):
    """(ARPA bytes, .sfl bytes) of ``lm`` written as folder/tag.arpa and folder/tag.sfl: what two builds of the
    same model must agree on byte for byte."""
    lm.to_arpa(folder / f"{tag}.arpa")
    lm.save(folder / f"{tag}.sfl")
    return (folder / f"{tag}.arpa").read_bytes(), (folder / f"{tag}.sfl").read_bytes()


def sig5(x):
    return float(f"{x:.5g}")
