"""The query-ready .sfl format (seqfast.lm.binary), seqfast.kenlm against kenlm, score_batch, lm query/convert."""
from __future__ import annotations

import copy
import itertools
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import seqfast
import seqfast.kenlm as sk
from seqfast import NGramLM
from seqfast._container import ContainerError

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/
KDIR = os.path.join(HERE, "data", "kenlm")
ARPA5 = os.path.join(KDIR, "timemachine.o5.arpa")
ARPA3 = os.path.join(KDIR, "timemachine.o3.arpa")
TEST = os.path.join(KDIR, "timemachine.test.txt")
sys.path.insert(0, KDIR)
import record_query  # noqa: E402


def _lines(n=None):
    with open(TEST, encoding="utf-8") as f:
        lines = f.read().split("\n")[:-1]
    return lines if n is None else lines[:n]


@pytest.fixture(scope="module")
def arpa5():
    return NGramLM.from_arpa(ARPA5)


@pytest.fixture(scope="module")
def sfl5(arpa5, tmp_path_factory):
    p = tmp_path_factory.mktemp("q") / "o5.sfl"
    arpa5.save(p)
    return str(p)


# ------------------------------------------------------------------------------------------- the format
def test_load_is_mapped_and_scores_like_the_estimated_model(arpa5, sfl5):
    m = NGramLM.load(sfl5)
    assert m._q is not None and m.order == 5 and m.counts == arpa5.counts
    a, b = arpa5.evaluate(TEST), m.evaluate(TEST)
    for k in ("tokens", "oovs", "lines"):
        assert a[k] == b[k]
    assert b["perplexity"] == pytest.approx(a["perplexity"], rel=1e-6)
    assert b["perplexity_excluding_oovs"] == pytest.approx(a["perplexity_excluding_oovs"], rel=1e-6)
    lines = _lines(60)
    want = np.array([arpa5.score(s) for s in lines])
    np.testing.assert_allclose([m.score(s) for s in lines], want, atol=2e-5)
    np.testing.assert_allclose(m.score_batch(lines), want, atol=2e-5)
    np.testing.assert_allclose(m.score_batch(lines, n_threads=2), m.score_batch(lines, n_threads=1), rtol=0, atol=0)
    s, c = m.score_batch(lines, return_counts=True)
    assert c.tolist() == [len(x.split()) + 1 for x in lines]
    for x in lines[:10]:
        fa, fb = arpa5.full_scores(x), m.full_scores(x)
        assert [t[1:] for t in fa] == [t[1:] for t in fb]
        np.testing.assert_allclose([t[0] for t in fb], [t[0] for t in fa], atol=2e-5)
    assert m.log10prob("machine", ("the", "time")) == pytest.approx(arpa5.log10prob("machine", ("the", "time")), abs=2e-5)
    assert [w for w, _ in m.predict("the time", k=5)] == [w for w, _ in arpa5.predict("the time", k=5)]
    assert m.generate(15, seed=3) == arpa5.generate(15, seed=3)
    assert m.tokenization == arpa5.tokenization


@pytest.mark.parametrize("layout,qbits", [("trie", None), ("trie", 8), ("trie", 3)])
def test_trie_layout(arpa5, sfl5, tmp_path, layout, qbits):
    p = tmp_path / "t.sfl"
    arpa5.save(p, layout=layout, qbits=qbits)
    m = NGramLM.load(p)
    lines = _lines(120)
    want = np.array([arpa5.score(s) for s in lines])
    got = m.score_batch(lines)
    assert os.path.getsize(p) < 0.6 * os.path.getsize(sfl5)
    for x in lines[:30]:
        assert [t[1:] for t in m.full_scores(x)] == [t[1:] for t in arpa5.full_scores(x)]
    km = sk.Model(str(p))
    np.testing.assert_allclose([km.score(s) for s in lines], got, atol=1e-9)
    if qbits is None:  # the same floats as the hash layout
        np.testing.assert_allclose(got, want, atol=2e-5)
        _compare(record_query.run(sk, str(p)), record_query.run(sk, sfl5))
    else:
        from seqfast._container import open_container
        meta, _ = open_container(p, "ngramlm", (2,))
        err = meta["quant_max_error"]
        assert meta["quant_bits"] == qbits and len(err) == 4 and all(e[0] > 0 for e in err)
        # each token's error is at most the sum of the prob error and the backoff errors on its way
        bound = np.array([len(s.split()) + 1 for s in lines]) * (max(e[0] for e in err) + 4 * max(e[1] for e in err))
        assert (np.abs(got - want) <= bound + 1e-5).all()
        if qbits == 8:
            assert m.perplexity(TEST) == pytest.approx(arpa5.perplexity(TEST), rel=2e-3)
    with pytest.raises(ValueError, match="qbits"):
        arpa5.save(tmp_path / "x.sfl", layout="trie", qbits=0)
    with pytest.raises(ValueError, match="trie layout"):
        arpa5.save(tmp_path / "x.sfl", layout="hash", qbits=8)


def test_trie_refuses_floor_models(tmp_path):
    lm = NGramLM.fit(_lines(100), 2, smoothing="add_k", level="whitespace")
    with pytest.raises(ValueError, match="back-off"):
        lm.save(tmp_path / "a.sfl", layout="trie")


def test_score_batch_matches_score_for_every_model_kind(tmp_path):
    corpus = _lines(200)
    for kw in ({"smoothing": "mkn"}, {"smoothing": "add_k", "k": 0.5}, {"smoothing": "stupid_backoff"},
               {"smoothing": "mkn", "level": "word"}):
        lm = NGramLM.fit(corpus, 3, **({"level": "whitespace"} | kw))
        lm.save(tmp_path / "m.sfl")
        m = NGramLM.load(tmp_path / "m.sfl")
        test = _lines()[200:260] + ["", "zzz unseen words"]
        want = np.array([lm.score(s) for s in test])
        np.testing.assert_allclose(lm.score_batch(test), want, atol=2e-5)
        np.testing.assert_allclose(m.score_batch(test), want, atol=2e-5)
        np.testing.assert_allclose([m.score(s) for s in test], want, atol=2e-5)
        if lm.smoothing != "stupid_backoff":
            assert m.perplexity(test) == pytest.approx(lm.perplexity(test), rel=1e-6)


def test_non_closed_arpa_is_closed_on_save(tmp_path):
    # drop some 2-grams that are prefixes/suffixes of kept 3-grams: the ARPA model is then not closed
    lines = open(ARPA3, encoding="utf-8").read().split("\n")
    start = lines.index("\\2-grams:")
    dropped = [i for i in range(start + 1, start + 400, 7)]
    keep = [x for i, x in enumerate(lines) if i not in dropped]
    n2 = int([x for x in lines if x.startswith("ngram 2=")][0].split("=")[1])
    keep = [f"ngram 2={n2 - len(dropped)}" if x.startswith("ngram 2=") else x for x in keep]
    p = tmp_path / "open.arpa"
    p.write_text("\n".join(keep), encoding="utf-8")
    lm = NGramLM.from_arpa(p)
    lm.save(tmp_path / "c.sfl")
    m = NGramLM.load(tmp_path / "c.sfl")
    test = _lines(150)
    np.testing.assert_allclose(m.score_batch(test), [lm.score(s) for s in test], atol=3e-5)


def test_npz_sfl_files_still_load(tmp_path):
    m = NGramLM.load(os.path.join(HERE, "data", "lm_npz_v1.sfl"))  # the legacy .npz form
    assert m.order == 3 and m.score("the cat sat") == pytest.approx(-2.2441813349723816, abs=1e-6)
    m.save(tmp_path / "new.sfl")  # converts by loading and saving
    assert NGramLM.load(tmp_path / "new.sfl").score("the cat sat") == pytest.approx(m.score("the cat sat"), abs=1e-6)


def test_hash_layout_has_no_ngrams_to_list(sfl5):
    m = NGramLM.load(sfl5)
    with pytest.raises(ValueError, match="query-ready"):
        m.ngrams(2)
    with pytest.raises(ValueError, match="query-ready"):
        m.to_arpa(os.devnull)


def _patch(src, dst, offset, data):
    b = bytearray(open(src, "rb").read())
    b[offset:offset + len(data)] = data
    open(dst, "wb").write(bytes(b))


def test_damaged_files_are_named_errors_never_crashes(sfl5, tmp_path):
    raw = open(sfl5, "rb").read()
    bad = tmp_path / "bad.sfl"
    bad.write_bytes(raw[: len(raw) - 100])
    with pytest.raises(ContainerError, match="truncated"):
        NGramLM.load(bad)
    bad.write_bytes(raw[:20])
    with pytest.raises(ContainerError):
        NGramLM.load(bad)
    _patch(sfl5, bad, 40, b"X")  # inside the JSON header
    with pytest.raises(ContainerError, match="checksum"):
        NGramLM.load(bad)
    _patch(sfl5, bad, 12, struct.pack(">I", 0x01020304) if sys.byteorder == "little" else struct.pack("<I", 0x01020304))
    with pytest.raises(ContainerError, match="endian"):
        sk.Model(str(bad))
    _patch(sfl5, bad, 16, struct.pack("=I", 4))
    with pytest.raises(ContainerError, match="4-byte words"):
        NGramLM.load(bad)
    b = bytearray(raw)
    b[len(raw) // 2] ^= 0xFF
    bad.write_bytes(bytes(b))
    NGramLM.load(bad)  # opening does not read the tables
    with pytest.raises(ContainerError, match="checksum"):
        NGramLM.load(bad, verify=True)
    NGramLM.load(sfl5, verify=True)
    # garbage in the array region: the n-gram tables full of 0xff (no empty bucket) must still terminate
    meta_len = struct.unpack("=Q", raw[24:32])[0]
    meta = json.loads(raw[32:32 + meta_len])
    start = meta["data_start"]
    for name in ("table3", "table5"):
        a = meta["arrays"][name]
        n = int(np.prod(a["shape"])) * 4
        b = bytearray(raw)
        b[start + a["offset"]:start + a["offset"] + n] = b"\xff" * n
        bad.write_bytes(bytes(b))
        m = NGramLM.load(bad)
        m.score("the time traveller")  # garbage numbers are possible; a hang or a crash is not
        m.score_batch(_lines(5))
    a = meta["arrays"]["words_slots"]
    b = bytearray(raw)
    b[start + a["offset"]:start + a["offset"] + 64] = b"\x7f" * 64
    bad.write_bytes(bytes(b))
    with pytest.raises(ContainerError, match="corrupt"):
        NGramLM.load(bad)
    with pytest.raises(ContainerError):
        sk.Model(str(bad))


@pytest.mark.parametrize("layout", ["hash", "trie"])
def test_random_bytes_in_the_tables_never_crash(arpa5, tmp_path, layout):
    p = tmp_path / "m.sfl"
    arpa5.save(p, layout=layout, qbits=4 if layout == "trie" else None)
    raw = bytearray(p.read_bytes())
    meta = json.loads(raw[32:32 + struct.unpack("=Q", raw[24:32])[0]])
    rng = np.random.default_rng(0)
    for name, a in meta["arrays"].items():
        if not (name.startswith("table") or name.startswith("trie") or name in ("uni_next", "unigrams")):
            continue
        b = bytearray(raw)
        off = meta["data_start"] + a["offset"]
        n = int(np.prod(a["shape"])) * int(a["dtype"][1:])
        b[off:off + n] = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        q = tmp_path / f"{name}.sfl"
        q.write_bytes(bytes(b))
        try:
            m = NGramLM.load(q)
        except ContainerError:
            continue  # refused on open: fine
        m.score_batch(_lines(20))
        list(sk.Model(str(q)).full_scores("the time traveller"))


def test_header_records_tokenization_and_layout(tmp_path):
    lm = NGramLM.fit(_lines(300), 3, level="word", lower=True)
    lm.save(tmp_path / "t.sfl")
    m = NGramLM.load(tmp_path / "t.sfl")
    assert m.level == "word" and m.lower is True
    assert m.score("The Time") == pytest.approx(lm.score("The Time"), abs=2e-5)
    with pytest.raises(ValueError, match="layout"):
        lm.save(tmp_path / "x.sfl", layout="nope")


# ------------------------------------------------------------------------------------------- kenlm API
def _compare(got, want, path="", tol=1e-5):
    if isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{path}[{i}]", tol)
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=tol, abs=tol), path
    else:
        assert got == want, path


@pytest.mark.parametrize("name", record_query.MODELS)
def test_kenlm_api_matches_recorded_kenlm(name, tmp_path):
    rec = json.load(open(os.path.join(KDIR, "query.json"), encoding="utf-8"))[name]
    arpa = os.path.join(KDIR, name)
    sfl = tmp_path / "m.sfl"
    NGramLM.from_arpa(arpa).save(sfl)
    for path in (arpa, str(sfl)):
        got = record_query.run(sk, path)
        for key in rec:
            _compare(got[key], rec[key], f"{name} {key}")


def test_kenlm_api_matches_live_kenlm(sfl5):
    kenlm = pytest.importorskip("kenlm")
    want = record_query.run(kenlm, ARPA5)
    got = record_query.run(sk, sfl5)
    for key in want:
        _compare(got[key], want[key], key)


def test_state_is_hashable_comparable_copyable(sfl5):
    m = sk.LanguageModel(sfl5)
    a, b, c = sk.State(), sk.State(), sk.State()
    m.BeginSentenceWrite(a)
    m.BeginSentenceWrite(b)
    assert a == b and hash(a) == hash(b) and not (a < b) and len(a) == 1
    m.BaseScore(a, "the", c)
    assert c != a and (c < a or c > a)
    d = copy.copy(c)
    assert d == c and d is not c and copy.deepcopy(c) == c
    s1 = m.BaseScore(c, "time", sk.State())
    m.BaseScore(c, "time", c)  # in and out the same object
    assert m.BaseScore(d, "time", sk.State()) == s1
    assert {a: 1, b: 2} == {a: 2}
    import pickle
    assert pickle.loads(pickle.dumps(m)).score("the time") == m.score("the time")


def _beam_search(model, State, steps, beam):
    """CTC-style word beam search: at each step every hypothesis is extended by each candidate (word, acoustic
    log10 score); the LM is used only through the State API; equal states recombine (best kept)."""
    start = State()
    model.BeginSentenceWrite(start)
    hyps = {start: (0.0, ())}
    for cands in steps:
        nxt = {}
        for st, (sc, words) in hyps.items():
            for w, ac in cands:
                out = State()
                total = sc + ac + model.BaseScore(st, w, out)
                if out not in nxt or nxt[out][0] < total:
                    nxt[out] = (total, words + (w,))
        hyps = dict(sorted(nxt.items(), key=lambda kv: -kv[1][0])[:beam])
    best = max(((sc + model.BaseScore(st, "</s>", State()), words) for st, (sc, words) in hyps.items()))
    return best


def test_ctc_beam_search_with_the_state_api(sfl5):
    m = sk.Model(sfl5)
    steps = [[("the", -0.1), ("a", -0.3), ("then", -0.2)], [("time", -0.2), ("thyme", -0.1), ("tame", -0.4)],
             [("traveller", -0.3), ("travel", -0.2), ("trowel", -0.25)], [(".", -0.1), (",", -0.15), ("and", -0.3)]]
    best = _beam_search(m, sk.State, steps, beam=3 ** 4)
    brute = max((sum(ac for _, ac in c) + m.score(" ".join(w for w, _ in c)), tuple(w for w, _ in c))
                for c in itertools.product(*steps))
    assert best[1] == brute[1] and best[0] == pytest.approx(brute[0], abs=1e-4)
    assert best[1][:3] == ("the", "time", "traveller")
    if _has_kenlm():
        import kenlm
        assert _beam_search(kenlm.Model(ARPA5), kenlm.State, steps, beam=3)[1] == \
            _beam_search(m, sk.State, steps, beam=3)[1]


def _has_kenlm():
    try:
        import kenlm  # noqa: F401
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------------------------------- command line
def _big_text(tmp_path, tail=""):
    """A test file of several of the scorer's 128 KiB ranges: the test text 12 times, a line longer than a range,
    empty lines, a CRLF line, non-ASCII words, and `tail` (no newline at the end when it has none)."""
    lines = _lines() * 12
    lines[5] = " ".join(lines[:4000])  # ~200 KB: runs over several ranges
    lines[7] = lines[8] = ""
    lines[9] = lines[9] + " \r"
    lines[11] = "d\u00e9j\u00e0 vu \u00fcber the time machine"
    p = tmp_path / "big.txt"
    p.write_bytes(("\n".join(lines) + "\n" + tail).encode("utf-8"))
    return p, lines + ([tail] if tail else [])


@pytest.mark.parametrize("tail", ["", "the end without a newline"])
def test_whole_file_scoring_matches_per_line_and_any_thread_count(arpa5, sfl5, tmp_path, tail):
    p, lines = _big_text(tmp_path, tail)
    m = NGramLM.load(sfl5)
    r1 = m.evaluate(p, n_threads=1)
    for nt in (2, 3):
        assert m.evaluate(p, n_threads=nt) == r1  # bit for bit
    s, c = m.score_batch(lines, return_counts=True)
    assert r1["lines"] == len(lines) and r1["tokens"] == int(c.sum())
    assert r1["log10_sum"] == pytest.approx(float(s.sum()), rel=1e-12)
    a = arpa5.evaluate(p)
    assert (a["tokens"], a["oovs"], a["lines"]) == (r1["tokens"], r1["oovs"], r1["lines"])
    assert r1["perplexity"] == pytest.approx(a["perplexity"], rel=1e-6)
    assert r1["perplexity_excluding_oovs"] == pytest.approx(a["perplexity_excluding_oovs"], rel=1e-6)
    np.testing.assert_array_equal(m.score_batch(lines, n_threads=2), s)
    gz = tmp_path / "big.gz"  # compressed: read in pieces, the same totals
    import gzip
    gz.write_bytes(gzip.compress(p.read_bytes()))
    g = m.evaluate(gz)
    assert (g["tokens"], g["oovs"], g["lines"]) == (r1["tokens"], r1["oovs"], r1["lines"])
    assert g["log10_sum"] == pytest.approx(r1["log10_sum"], rel=1e-12)


def test_whole_file_invalid_utf8_is_named_like_the_text_reader(sfl5, tmp_path):
    p, _ = _big_text(tmp_path)
    data = bytearray(p.read_bytes())
    at = len(data) - 1000
    data[at] = 0xE9  # Latin-1 e-acute
    p.write_bytes(bytes(data))
    m = NGramLM.load(sfl5)
    with pytest.raises(seqfast.InvalidUTF8Error) as e:
        m.evaluate(p, n_threads=2)
    with pytest.raises(seqfast.InvalidUTF8Error) as want:
        list(seqfast.text.read_text_pieces(p))
    assert (e.value.offset, e.value.line, e.value.byte) == (want.value.offset, want.value.line, 0xE9)


def test_score_batch_non_ascii_newlines_and_token_lists(sfl5, arpa5):
    m = NGramLM.load(sfl5)
    sents = ["the time machine", "d\u00e9j\u00e0 vu the", "two\nlines are one sentence", "", "  spaced  out "]
    want = np.array([arpa5.score(x) for x in sents])
    np.testing.assert_allclose(m.score_batch(sents), want, atol=2e-5)
    s, c = m.score_batch(sents, return_counts=True)
    assert c.tolist() == [len(x.split()) + 1 for x in sents]
    np.testing.assert_allclose(m.score_batch([x.split() for x in sents]), want, atol=2e-5)


def test_score_batch_reads_every_str_kind_in_place_on_any_thread_count(sfl5, arpa5):
    """Strs stored 1, 2 and 4 bytes per character (ASCII, Latin-1, BMP, astral), in blocks that threads take:
    the same scores as UTF-8 bytes scored one by one, bit for bit for any thread count; a lone surrogate is a
    ValueError naming its sentence."""
    m = NGramLM.load(sfl5)
    base = _lines(300)
    extra = ["caf\u00e9 the time", "\u0416\u0443\u043a the machine", "emoji \U0001F600 and the", "\u00ff", "\u20ac"]
    sents = [x if i % 7 else extra[(i // 7) % len(extra)] + " " + x for i, x in enumerate(base * 3)]
    want = np.array([m._q.score_line(x.encode("utf-8")) for x in sents])
    s1, c1 = m.score_batch(sents, n_threads=1, return_counts=True)
    np.testing.assert_array_equal(s1, want)
    assert c1.tolist() == [len(x.split()) + 1 for x in sents]
    for nt in (2, 3):
        s, c = m.score_batch(iter(sents), n_threads=nt, return_counts=True)  # any iterable
        np.testing.assert_array_equal(s, s1)
        np.testing.assert_array_equal(c, c1)
    np.testing.assert_allclose(s1[:40], [arpa5.score(x) for x in sents[:40]], atol=2e-5)
    bad = sents[:600] + ["ok \udce9 not"] + sents[600:]
    with pytest.raises(ValueError, match="sentence 600 .*lone surrogate"):
        m.score_batch(bad, n_threads=2)
    assert m.score_batch([]).shape == (0,)


def test_kenlm_config_load_methods(sfl5):
    """Model(path, Config()) maps every page first (kenlm's default POPULATE_OR_READ), LAZY does not; the
    scores are the same either way."""
    lines = _lines(20)
    want = [sk.Model(sfl5).score(x) for x in lines]
    cfg = sk.Config()
    assert cfg.load_method == sk.LoadMethod.POPULATE_OR_READ
    assert [sk.Model(sfl5, cfg).score(x) for x in lines] == want
    cfg.load_method = sk.LoadMethod.LAZY
    assert [sk.Model(sfl5, cfg).score(x) for x in lines] == want
    sk.Model(ARPA3, sk.Config()).score("the time")  # in-memory arrays: populating them is harmless


def _run(*args, stdin=None, err=False):
    """stdout of a seqfast command (stderr, where reports go, with err=True)."""
    r = subprocess.run([sys.executable, "-m", "seqfast", *args], input=stdin, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stderr if err else r.stdout


def test_lm_convert_and_query(tmp_path, arpa5):
    sfl = tmp_path / "c.sfl"
    out = _run("lm", "convert", ARPA3, str(sfl), err=True)
    assert "hash layout" in out and sfl.exists()
    out = _run("lm", "convert", ARPA3, str(tmp_path / "q.sfl"), "--layout", "trie", "-q", "8", err=True)
    assert "trie layout" in out and "8-bit quantization" in out
    text = "\n".join(_lines(3)) + "\n"
    words = _run("lm", "query", str(sfl), "-", stdin=text).splitlines()
    lm = NGramLM.from_arpa(ARPA3)
    for line, got in zip(_lines(3), words):
        fields = got.split("\t")
        assert fields[-1].startswith("Total: ") and len(fields) == len(line.split()) + 2
        w, rest = fields[0].split("=", 1)
        assert w == line.split()[0]
        i, n, p = rest.split()
        assert int(n) == lm.full_scores(line)[0][1] and float(p) == pytest.approx(lm.full_scores(line)[0][0], abs=1e-5)
        assert float(fields[-1].split()[1]) == pytest.approx(lm.score(line), abs=1e-4)
    summ = _run("lm", "query", str(sfl), TEST, "-v", "summary").splitlines()
    r = lm.evaluate(TEST)
    assert summ[0].startswith("Perplexity including OOVs:") and float(summ[0].split("\t")[1]) == pytest.approx(
        r["perplexity"], rel=1e-6)
    assert summ[2] == f"OOVs:\t{r['oovs']}" and summ[3] == f"Tokens:\t{r['tokens']}"
    sent = _run("lm", "query", str(sfl), TEST, "-v", "sentence").splitlines()
    assert len(sent) == len(_lines()) + 4 and sent[0].startswith("Total: ")


def test_lm_build_save_writes_the_mapped_format(tmp_path):
    train = tmp_path / "train.txt"
    train.write_text("\n".join(_lines(200)) + "\n", encoding="utf-8")
    sfl = tmp_path / "b.sfl"
    _run("lm", "build", str(train), "-o", "3", "--level", "whitespace", "--save", str(sfl))
    m = NGramLM.load(sfl)
    assert m._q is not None and m.level == "whitespace"
    ev = _run("lm", "eval", str(sfl), TEST)
    assert f"Tokens:\t{m.evaluate(TEST)['tokens']}" in ev
