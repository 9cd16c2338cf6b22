import os
import subprocess
import sys

import pytest

import seqfast


def test_openmp_info():
    info = seqfast.openmp_info()
    assert set(info) >= {"openmp", "threads", "num_procs"}
    assert isinstance(info["openmp"], bool) and info["threads"] >= 1


def test_resolve_threads():
    assert seqfast.resolve_threads(None) >= 1
    assert seqfast.resolve_threads(1) == 1
    for bad in (0, -2):
        with pytest.raises(ValueError):
            seqfast.resolve_threads(bad)
    with pytest.raises(TypeError):
        seqfast.resolve_threads(1.5)


@pytest.mark.skipif(not seqfast.openmp_info()["openmp"], reason="built without OpenMP")
def test_omp_num_threads_is_honoured():
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", "import seqfast; print(seqfast.openmp_info()['threads'])"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "1"


def test_bundled_corpus():
    text = seqfast.datasets.time_machine()
    assert text.startswith("The Time Machine") and len(text) > 170_000
    assert os.path.exists(seqfast.datasets.time_machine_path())
