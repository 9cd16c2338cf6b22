"""Run the peer comparisons (bench/compare_*.py) and print their reports, or write them to bench/RESULTS.md.

    python bench/compare.py                         # every comparison, printed
    python bench/compare.py --quick --only cells    # smoke runs of some
    python bench/compare.py --write                 # bench/RESULTS.md: machine, date, command, one table each
    python bench/compare.py --only quality --args quality="--only pos" --write --merge
                                                    # rerun one section, keep the others as they were made

Each section of RESULTS.md states the command, date and conditions of the run that made it, so sections made by
separate runs (--merge) stay reports, each of its own run.

Each compare_<name>.py has ``report(argv) -> Report`` (bench/_util.py), or only prints markdown (its output is then
taken as it is); registering a new one is a line in COMPARISONS. Run --write on a quiet machine: the ratios are
what RESULTS.md reports.
"""
from __future__ import annotations

import argparse
import datetime
import glob
import importlib
import os
import shlex
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _util import Report, machine  # noqa: E402

#: name -> extra arguments; each is bench/compare_<name>.py, in the order of the report
COMPARISONS = {
    "text": [],
    "count": [],
    "lm": [],
    "gemm": [],
    "rnn": [],
    "cells": [],
    "embed": [],
    "query": [],
    "seq": [],
    "scale": [],
    "quality": [],
}

RESULTS = os.path.join(HERE, "RESULTS.md")


def _run_one(name: str, argv: list[str]) -> Report:
    mod = importlib.import_module(f"compare_{name}")
    if hasattr(mod, "report"):
        return mod.report(argv)
    # a script that only prints: its markdown output, as it is
    out = subprocess.run([sys.executable, os.path.join(HERE, f"compare_{name}.py"), *argv], capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"exit {out.returncode}: {out.stderr.strip()[-300:]}")
    rep = Report(name, (mod.__doc__ or name).strip().splitlines()[0], argv)
    rep.raw(out.stdout)
    return rep


def run_all(names: list[str], quick: bool, extra: dict[str, list[str]] | None = None) \
        -> list[tuple[str, Report | None, float, str]]:
    """(key, report or None, seconds, error text) of each comparison, run in this process one after another;
    ``extra[name]`` is appended to that comparison's arguments (see :func:`_key`)."""
    out = []
    for name in names:
        argv = COMPARISONS[name] + (["--quick"] if quick else []) + (extra or {}).get(name, [])
        t0 = time.perf_counter()
        try:
            rep, err = _run_one(name, argv), ""
        except (Exception, SystemExit) as e:  # a missing corpus exits; the other comparisons still run
            rep, err = None, "".join(traceback.format_exception_only(type(e), e)).strip()
        out.append((_key(name, (extra or {}).get(name, [])), rep, time.perf_counter() - t0, err))
        print(rep.markdown() if rep else f"## {name}\n\nfailed: {err}\n", flush=True)
    return out


_SECTION = "<!-- section: {} -->"


def _key(name: str, argv: list[str]) -> str:
    """A section's key: the comparison's name, then the --args it ran with (runs of one comparison with other
    arguments, e.g. ``--only pos``, are sections of their own; --quick is not part of the key)."""
    return " ".join([name, *argv])


def _sections(text: str) -> dict[str, str]:
    """key -> section text of a RESULTS.md written by :func:`document` (empty for any other text)."""
    out = {}
    for part in text.split("<!-- section: ")[1:]:
        key, _, body = part.partition(" -->")
        out[key] = (_SECTION.format(key) + body).rstrip() + "\n"
    return out


def section(key: str, rep: Report | None, secs: float, err: str, command: str, note: str) -> str:
    """One comparison's part of RESULTS.md: its report, then the run that made it (command, date, conditions)."""
    when = f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"
    body = rep.markdown().rstrip() if rep else f"## {key}\n\nNot run: {err}"
    made = f"Made by `{command}` on {when} in {secs:.0f} s" + (f"; conditions: {note}" if note else "") + "."
    return f"{_SECTION.format(key)}\n{body}\n\n{made}\n"


def document(results, command: str, note: str, previous: str = "", drop: tuple = ()) -> str:
    """RESULTS.md: the machine, then one section per comparison run (``results``: (key, report or None, seconds,
    error text)) in COMPARISONS order; sections of ``previous`` (the existing file) with other keys are kept as
    their own runs made them, except those keyed in ``drop`` (replaced by a run with other arguments)."""
    import seqfast

    kept = {k: v for k, v in _sections(previous).items() if k not in drop}
    for key, rep, secs, err in results:
        kept[key] = section(key, rep, secs, err, command, note)
    order = {name: i for i, name in enumerate(COMPARISONS)}
    keys = sorted(kept, key=lambda k: order.get(k.split(" ")[0], len(order)))
    lines = ["# seqfast benchmark report", "",
             "Generated by bench/compare.py; do not edit by hand (rerun the command that each section names).", "",
             f"- machine: {machine()}",
             f"- seqfast {seqfast.__version__}, OpenMP: {seqfast.openmp_info()}",
             "- peers: each section names the versions it ran against"]
    for key in keys:
        lines += ["", kept[key].rstrip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="pass --quick to every comparison (smoke runs)")
    ap.add_argument("--only", help=f"comma-separated names, of: {', '.join(COMPARISONS)}")
    ap.add_argument("--write", action="store_true", help=f"write the reports to {os.path.relpath(RESULTS)}")
    ap.add_argument("--merge", action="store_true",
                    help="with --write: keep the sections of RESULTS.md that this run does not remake")
    ap.add_argument("--args", action="append", default=[], metavar="NAME=ARGS",
                    help="extra arguments for one comparison, e.g. --args scale='--big corpus25m.txt' (repeatable)")
    ap.add_argument("--drop", action="append", default=[], metavar="KEY",
                    help="with --merge: leave out the section with this key (e.g. 'embed --seeds 1' when a run "
                         "with other arguments replaces it; repeatable)")
    ap.add_argument("--note", default="", help="conditions to state in the report, e.g. 'machine shared with 4 "
                                               "other jobs'")
    a = ap.parse_args(argv)
    names = list(COMPARISONS)
    if a.only:
        wanted = a.only.split(",")
        unknown = [n for n in wanted if n not in COMPARISONS]
        if unknown:
            ap.error(f"unknown comparison(s) {', '.join(unknown)}; known: {', '.join(COMPARISONS)}")
        names = [n for n in names if n in wanted]
    unregistered = sorted(set(os.path.basename(p)[len("compare_"):-3] for p in glob.glob(
        os.path.join(HERE, "compare_*.py"))) - set(COMPARISONS))
    if unregistered:
        print(f"note: not in COMPARISONS, not run: {', '.join(unregistered)}", file=sys.stderr)
    extra = {}
    for item in a.args:
        name, sep, rest = item.partition("=")
        if not sep or name not in COMPARISONS:
            ap.error(f"--args {item!r}: expected NAME=ARGS with NAME one of {', '.join(COMPARISONS)}")
        extra[name] = extra.get(name, []) + shlex.split(rest)
    results = run_all(names, a.quick, extra)
    if a.write:
        command = "python bench/compare.py " + shlex.join(argv if argv is not None else sys.argv[1:])
        previous = ""
        if a.merge and os.path.exists(RESULTS):
            with open(RESULTS, encoding="utf-8") as f:
                previous = f.read()
        text = document(results, command.strip(), a.note, previous, tuple(a.drop))
        tmp = RESULTS + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, RESULTS)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0 if all(rep for _, rep, _, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
