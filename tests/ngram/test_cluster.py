"""Counting on a Dask cluster (seqfast.cluster): the same bytes as the single-machine build, on a LocalCluster with
two worker processes and more ranges and partitions than workers; a worker killed mid-build; a mismatched worker
refused."""
import gzip
import os
import sys
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (a dependency of distributed)

import seqfast  # noqa: E402
from seqfast.cluster import ClusterMismatchError, check_cluster, count_ngrams_dask  # noqa: E402

from _lmdata import model_files  # noqa: E402

# the functions and plugin below run on the workers, which cannot import this test module
cloudpickle.register_pickle_by_value(sys.modules[__name__])

DATA = Path(__file__).resolve().parent.parent / "data"
CAESAR = DATA / "shakespeare-caesar.txt"
BLAKE = DATA / "blake-poems.txt"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                       silence_logs=40)
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _sfc(counts, tmp_path, name):
    p = tmp_path / name
    counts.save(p)
    return p.read_bytes()


def _both_ran(stats):
    return len(stats["tasks_per_worker"]) == 2


@pytest.mark.parametrize("kw", [
    dict(order=5, level="word", pad=True, lower=True),
    dict(order=3, level="whitespace", pad=True, lower=True),
    dict(order=1, level="char", pad=False),
    dict(order=4, level="word", pad=False),
])
def test_same_bytes_as_one_machine(client, tmp_path, kw):
    kw = dict(kw)
    order = kw.pop("order")
    local = seqfast.count_ngrams(CAESAR, order, errors="replace", **kw)  # Latin-1: U+FFFD across ranges
    dist = seqfast.count_ngrams(CAESAR, order, errors="replace", client=client, tmpdir=str(tmp_path), **kw)
    assert _sfc(dist, tmp_path, "d.sfc") == _sfc(local, tmp_path, "l.sfc")
    st = dist.stats
    assert st["ranges"] > 2 and (st["partitions"] > 2 or order == 1) and _both_ran(st)
    assert not [p for p in os.listdir(tmp_path) if p.startswith("seqfast-dask-")]  # exchange files removed


def test_orders_1_to_5_many_ranges_files_and_gzip(client, tmp_path):
    gz = tmp_path / "blake.txt.gz"
    gz.write_bytes(gzip.compress(BLAKE.read_bytes()))
    files = [CAESAR, gz, BLAKE]
    for order in range(1, 6):
        local = seqfast.count_ngrams(files, order, pad=True, lower=True, errors="replace")
        tok = seqfast.Tokenizer("word", True)
        dist = count_ngrams_dask(client, files, order, tok, pad=True, errors="replace", range_bytes=12000,
                                 partitions=7)
        assert _sfc(dist, tmp_path, "d.sfc") == _sfc(local, tmp_path, "l.sfc"), order
        assert dist.stats["ranges"] >= 12 and dist.stats["partitions"] == (7 if order > 1 else 0)
        assert _both_ran(dist.stats)


def test_fixed_vocab(client, tmp_path):
    voc = seqfast.count_ngrams(BLAKE, 1, pad=True, lower=True).vocab
    local = seqfast.count_ngrams(CAESAR, 3, pad=True, lower=True, vocab=voc, errors="ignore")
    dist = seqfast.count_ngrams(CAESAR, 3, pad=True, lower=True, vocab=voc, errors="ignore", client=client)
    assert local == dist


class _KillOnce(distributed.WorkerPlugin):
    """Kills its worker's process when it starts the first task whose key starts with ``prefix`` (on whichever
    worker comes first)."""

    name = "seqfast-test-kill"

    def __init__(self, flag, prefix):
        self.flag, self.prefix = flag, prefix

    def setup(self, worker):
        self.worker = worker

    def transition(self, key, start, finish, **kw):
        if finish == "executing" and str(key).startswith(self.prefix):
            try:
                fd = os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return
            os.close(fd)
            os._exit(1)


@pytest.mark.parametrize("stage", ["count_chunk", "kn_estimate"])
def test_worker_killed_mid_build(client, tmp_path, stage):
    flag = str(tmp_path / "killed")
    client.register_plugin(_KillOnce(flag, f"seqfast-{stage}-"))
    try:
        if stage == "count_chunk":
            local = seqfast.count_ngrams(CAESAR, 4, pad=True, errors="replace")
            dist = count_ngrams_dask(client, CAESAR, 4, seqfast.Tokenizer("word"), pad=True, errors="replace",
                                     range_bytes=16000, partitions=5)
            a, b = _sfc(dist, tmp_path, "d.sfc"), _sfc(local, tmp_path, "l.sfc")
        else:
            seqfast.NGramLM.fit(BLAKE, 4, arpa=str(tmp_path / "l.arpa"))
            seqfast.NGramLM.fit(BLAKE, 4, arpa=str(tmp_path / "d.arpa"), client=client)
            a, b = (tmp_path / "d.arpa").read_bytes(), (tmp_path / "l.arpa").read_bytes()
    finally:
        client.unregister_worker_plugin(_KillOnce.name)
    assert os.path.exists(flag)  # a worker did die in that stage
    assert a == b
    client.wait_for_workers(2, timeout=60)


def _set_version(v):
    import seqfast
    old, seqfast.__version__ = seqfast.__version__, v
    return old


def test_mismatched_worker_refused(client):
    addr = sorted(client.scheduler_info()["workers"])[0]
    old = client.run(_set_version, "0.0.0-other", workers=[addr])[addr]
    try:
        with pytest.raises(ClusterMismatchError, match="0.0.0-other") as e:
            seqfast.count_ngrams(BLAKE, 2, client=client)
        assert list(e.value.mismatches) == [addr]
    finally:
        client.run(_set_version, old, workers=[addr])
    assert len(check_cluster(client)) == 2


def test_inputs_refused(client, tmp_path):
    with pytest.raises(TypeError, match="reads files"):
        seqfast.count_ngrams(["the cat", "sat"], 2, client=client)
    with pytest.raises(ValueError, match="boundaries"):
        seqfast.count_ngrams(CAESAR, 2, boundaries="none", client=client)
    with pytest.raises(FileNotFoundError):
        seqfast.count_ngrams(str(tmp_path / "missing.txt"), 2, client=client)


def test_errors_name_file_offsets(client, tmp_path):
    bad = tmp_path / "bad.txt"
    data = b"good line\n" * 5000 + b"bad \xff byte\n"
    bad.write_bytes(data)
    with pytest.raises(seqfast.InvalidUTF8Error) as e:
        count_ngrams_dask(client, bad, 2, seqfast.Tokenizer("whitespace"), range_bytes=4096)
    assert e.value.offset == data.index(b"\xff")
    assert e.value.line in (None, 5001)


def test_lm_fit_same_model_with_pruning(client, tmp_path):
    kw = dict(level="word", lower=True, errors="replace", prune=(0, 1, 1, 2, 2))
    local = seqfast.NGramLM.fit(CAESAR, 5, **kw)
    dist = seqfast.NGramLM.fit(CAESAR, 5, client=client, **kw)
    assert model_files(dist, tmp_path, "d") == model_files(local, tmp_path, "l")
    assert _both_ran(dist.info["cluster"]) and dist.info["cluster"]["partitions"] > 2


@pytest.mark.parametrize("prune", [None, (0, 1, 1, 2, 2)])
def test_lm_fit_split_heavy_words_same_model(client, tmp_path, monkeypatch, prune):
    """Tiny partitions and every word above 5% of a partition's mean split over partitions by the last word:
    the contexts' integer statistics are summed over the partitions, and the model is the single-machine one."""
    from seqfast import cluster
    monkeypatch.setattr(cluster, "SPLIT", 0.1)
    monkeypatch.setattr(cluster, "TASKS_PER_WORKER", 6)
    kw = dict(level="word", lower=True, errors="replace", prune=prune)
    local = seqfast.NGramLM.fit(CAESAR, 5, **kw)
    dist = seqfast.NGramLM.fit(CAESAR, 5, client=client, memory="64M", tmpdir=str(tmp_path), **kw)
    assert model_files(dist, tmp_path, "d") == model_files(local, tmp_path, "l")
    st = dist.info["cluster"]
    assert "kn_split_stats" in st["stages"] and st["partitions"] == 12 and _both_ran(st)


def test_cli_scheduler_and_workers(client, tmp_path):
    from seqfast.cli import main
    local, dist = tmp_path / "l.arpa", tmp_path / "d.arpa"
    assert main(["lm", "build", str(BLAKE), "-o", "3", "--arpa", str(local), "--lower"]) == 0
    assert main(["lm", "build", str(BLAKE), "-o", "3", "--arpa", str(dist), "--lower",
                 "--scheduler", client.scheduler.address, "-T", str(tmp_path)]) == 0
    assert dist.read_bytes() == local.read_bytes()
    assert main(["count", str(BLAKE), "-n", "2", "--save", str(tmp_path / "d.sfc"), "--workers", "1",
                 "-o", str(tmp_path / "out.tsv")]) == 0
    assert seqfast.NGramCounts.load(tmp_path / "d.sfc") == seqfast.count_ngrams(BLAKE, 2)
