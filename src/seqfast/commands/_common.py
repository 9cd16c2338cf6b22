"""What every subcommand shares: input files ('-' = standard input; with no FILE, standard input when it is
not a terminal, else the bundled corpus), outputs ('-' = standard output), and argparse ``type=`` validators
so that a bad option value is rejected while parsing, naming the flag."""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys

from .._atomic import atomic_write
from ..datasets import time_machine_path
from ..ngram import check_path
from ..text import read_text


# ----------------------------------------------------------------------------------------------- validators
def int_at_least(lo: int):
    """An argparse type: an int >= lo."""
    def parse(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {s!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {v}")
        return v
    parse.__name__ = f"int>={lo}"
    return parse


def float_at_least(lo: float, above: bool = False):
    """An argparse type: a finite float >= lo (> lo when ``above``)."""
    def parse(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
        if not math.isfinite(v) or v < lo or (above and v == lo):
            raise argparse.ArgumentTypeError(f"must be a finite number {'>' if above else '>='} {lo}, got {s}")
        return v
    parse.__name__ = f"float>{'' if above else '='}{lo}"
    return parse


def fraction(s: str) -> float:
    """An argparse type: a float in [0, 1)."""
    v = float_at_least(0.0)(s)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {s}")
    return v


positive_int = int_at_least(1)
count_int = int_at_least(0)
positive_float = float_at_least(0.0, above=True)
nonneg_float = float_at_least(0.0)


# ----------------------------------------------------------------------------------------------- inputs
def add_input_args(p, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE",
                   help="input text file(s), UTF-8 (gzip recognized by content); '-' reads standard input; "
                        "with no FILE: standard input when it is piped or redirected, the bundled corpus "
                        "(The Time Machine) when it is a terminal")
    add_errors_arg(p)


def memory_size(s: str) -> str:
    """An argparse type: a memory size as lmplz's -S takes it (seqfast._checks.parse_memory), kept as given."""
    from .._checks import parse_memory
    try:
        parse_memory(int(s) if s.strip().isdigit() else s, "-S/--memory")
    except (ValueError, TypeError) as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return s


def add_memory_args(p, what: str) -> None:
    """-S/--memory and -T/--temp-prefix, lmplz's names for the memory budget and the temporary directory."""
    p.add_argument("-S", "--memory", type=memory_size, default=None, metavar="SIZE",
                   help=f"bound the working memory of {what} to SIZE, as lmplz -S: '2G', '500M', '80%%' of the "
                        f"RAM, or bytes; sorted runs then go to disk under -T and are merged (the result is "
                        f"identical). Default: everything in memory")
    p.add_argument("-T", "--temp-prefix", default=None, metavar="DIR",
                   help="with -S: the directory of the temporary files (default: the system's, $TMPDIR); they "
                        "are removed at the end, on an error and on Ctrl-C")


def memory_arg(args):
    """The memory= value of -S (an int when given as plain bytes)."""
    m = getattr(args, "memory", None)
    if m is None:
        if getattr(args, "temp_prefix", None) is not None and not on_cluster(args):
            raise ValueError("-T/--temp-prefix is where -S/--memory puts its temporary files; give -S too (e.g. -S 2G)")
        return None
    return int(m) if m.strip().isdigit() else m


def add_cluster_args(p) -> None:
    """--scheduler ADDRESS / --workers N: run on a Dask cluster (the dask extra)."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on the Dask cluster of this scheduler (e.g. tcp://10.0.0.1:8786; needs "
                        "pip install 'seqfast[dask]'); the input files and -T must be readable by every worker at "
                        "the same path (or be URLs such as s3://...). The result is identical to a local build")
    g.add_argument("--workers", type=positive_int, metavar="N",
                   help="run on a Dask LocalCluster of N worker processes on this machine (one thread each)")


def on_cluster(args) -> bool:
    """Whether --scheduler or --workers asks for a Dask build."""
    return getattr(args, "scheduler", None) is not None or getattr(args, "workers", None) is not None


@contextlib.contextmanager
def cluster_client(args):
    """A dask.distributed Client for --scheduler/--workers (closed afterwards), or None without them."""
    if not on_cluster(args):
        yield None
        return
    try:
        import distributed
    except ImportError:
        raise ImportError("--scheduler/--workers need Dask: pip install 'seqfast[dask]'") from None
    if args.scheduler is not None:
        with distributed.Client(args.scheduler) as client:
            yield client
        return
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def add_errors_arg(p) -> None:
    p.add_argument("--errors", choices=("strict", "replace", "ignore"), default="strict",
                   help="what to do with invalid UTF-8: stop with an error naming the byte offset (strict, "
                        "default), substitute U+FFFD (replace) or drop the bytes (ignore)")


def stdin_is_terminal() -> bool:
    """True when standard input is a terminal (or absent): then nothing is piped in."""
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced by an object without isatty
        return True


def input_paths(files, command: str = "seqfast", urls: bool = False) -> list[str]:
    """The inputs to read: the given files (each must exist; '-' is standard input; with ``urls``, a
    'scheme://...' URL is passed on as it is, for the Dask workers to open); with none, '-' when standard input
    is not a terminal, else the bundled corpus, which is then named on stderr."""
    if isinstance(files, str):
        files = [files]
    if files:
        return [f if urls and "://" in f else check_path(f) for f in files]
    if not stdin_is_terminal():
        return ["-"]
    path = time_machine_path()
    print(f"{command}: no FILE given and standard input is a terminal: reading the bundled corpus "
          f"(The Time Machine, {path})", file=sys.stderr)
    return [path]


def as_source(paths: list[str]):
    """What count_ngrams/NGramLM.fit read: one path as a str ('-' for stdin), several as Path objects (URLs
    stay str)."""
    if len(paths) == 1:
        return paths[0]
    from pathlib import Path  # here: importing pathlib takes milliseconds that one-file commands need not pay

    return [p if "://" in p else Path(p) for p in paths]


def read_inputs(files, errors: str = "strict", command: str = "seqfast") -> str:
    """The concatenated text of the inputs (each read whole: for commands that need the whole text)."""
    return "\n".join(read_text(p, errors=errors) for p in input_paths(files, command))


# ----------------------------------------------------------------------------------------------- outputs
@contextlib.contextmanager
def open_output(path: str, binary: bool = False):
    """A file to write to: standard output for '-', else the file, written atomically (a temporary file
    renamed over it when complete)."""
    if path == "-":
        if binary:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        else:
            yield sys.stdout
            sys.stdout.flush()
        return
    kw = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    with atomic_write(path, "wb" if binary else "w", **kw) as f:
        yield f


def write_to(path: str, write) -> None:
    """Call ``write(path)`` (the library's writers write paths atomically themselves); for '-', write a
    temporary file and copy it to standard output."""
    if path != "-":
        write(path)
        return
    import shutil
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "out")
        write(tmp)
        with open(tmp, "rb") as f:
            shutil.copyfileobj(f, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def report(*args) -> None:
    """Print a report line to stderr (standard output is kept for results and '-' outputs)."""
    print(*args, file=sys.stderr)


# ----------------------------------------------------------------------------------------------- sequence tasks
#: CLI names of recurrent cells -> registry names
CELL_NAMES = {"rnn": "rnn_tanh", "rnn_tanh": "rnn_tanh", "rnn_relu": "rnn_relu", "lstm": "lstm", "gru": "gru"}


def add_task_train_args(p, task: str) -> None:
    """The model and training options of 'seqfast classify train' and 'seqfast tag train' (the names of
    'seqfast rnn train' where they mean the same; defaults from seqfast.nn.tasks.TaskConfig)."""
    from ..nn.optim import DEFAULT_LR
    from ..nn.tasks import TaskConfig
    d = TaskConfig()
    tag = task == "tag"
    p.add_argument("--valid", nargs="+", metavar="FILE", default=None,
                   help="held-out data in the training data's layout, scored after every epoch (default: "
                        "--valid-frac of the training data, drawn with --seed)")
    p.add_argument("--valid-frac", type=fraction, default=d.valid_frac,
                   help=f"fraction held out when --valid is not given (default {d.valid_frac}; 0: none)")
    if not tag:
        p.add_argument("--level", choices=("word", "whitespace", "char"), default=d.level,
                       help="tokens of a text: word (default), whitespace (pre-tokenized text) or char")
        p.add_argument("--no-lower", dest="lower", action="store_false",
                       help="keep case (default: lower-case the text)")
    else:
        p.add_argument("--lower", action="store_true",
                       help="lower-case the words (default: keep case, which carries part of speech)")
    p.add_argument("--min-freq", type=positive_int, default=None,
                   help="training words rarer than this are unknown words (default: "
                        + ("2, so the model learns to tag words it never saw)" if tag else "1)"))
    p.add_argument("--cell", choices=tuple(CELL_NAMES), default=d.cell, help=f"recurrent cell (default {d.cell})")
    p.add_argument("--layers", type=positive_int, default=d.layers, help="stacked recurrent layers (default 1)")
    bi = p.add_mutually_exclusive_group()
    bi.add_argument("--bidirectional", dest="bidirectional", action="store_true", default=None,
                    help="read each sequence in both directions (default: " + ("yes" if tag else "no") + ")")
    bi.add_argument("--unidirectional", dest="bidirectional", action="store_false",
                    help="read left to right only")
    p.add_argument("--hidden", type=positive_int, default=d.hidden, help=f"hidden size H (default {d.hidden})")
    p.add_argument("--embedding", type=positive_int, default=d.embedding,
                   help=f"word embedding size E (default {d.embedding})")
    p.add_argument("--dropout", type=fraction, default=d.dropout,
                   help="dropout between stacked layers and before the output layer, during training (default 0)")
    if not tag:
        p.add_argument("--pooling", choices=("last", "mean", "max"), default=d.pooling,
                       help="how the per-token states become one vector: the last state (of each direction), "
                            f"their mean or their element-wise max (default {d.pooling})")
        p.add_argument("--class-weights", choices=("balanced",), default=None,
                       help="weight each class by n / (classes * its count): for imbalanced labels")
    else:
        p.add_argument("--no-char-features", dest="char_features", action="store_false",
                       help="no character CNN (default: a character CNN reads each word's spelling, so unknown "
                            "words are tagged from their form)")
        p.add_argument("--char-filters", type=positive_int, default=d.char_filters,
                       help=f"character CNN features per word (default {d.char_filters})")
        p.add_argument("--char-dim", type=positive_int, default=d.char_dim,
                       help=f"character embedding size (default {d.char_dim})")
    p.add_argument("--batch", type=positive_int, default=d.batch, help=f"sequences per batch (default {d.batch})")
    p.add_argument("--optimizer", choices=("sgd", "adagrad", "adam"), default=d.optimizer,
                   help=f"optimizer (default {d.optimizer})")
    p.add_argument("--lr", type=positive_float, default=None,
                   help="learning rate (default: " + ", ".join(f"{v:g} {k}" for k, v in DEFAULT_LR.items()) + ")")
    p.add_argument("--clip", type=nonneg_float, default=d.clip,
                   help="rescale the gradient to this global norm when larger (0: off; default 1)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="passes over the training data (default 5 when --max-seconds is not given)")
    p.add_argument("--max-seconds", type=nonneg_float, default=None, help="stop training after this many seconds")
    p.add_argument("--patience", type=positive_int, default=None,
                   help="stop after this many epochs without a better held-out score, keeping the best epoch")
    p.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype)
    p.add_argument("--threads", type=positive_int, default=None, help="OpenMP threads (default: all cores)")
    p.add_argument("--seed", type=int, default=d.seed,
                   help="seed of the initialisation, the batches and the held-out split (default 0)")
    p.add_argument("--save", metavar="MODEL", required=True,
                   help="where to save the trained model (with its vocabulary and labels); '-' writes standard "
                        "output")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def task_config(args, task: str):
    """The seqfast.nn.tasks.TaskConfig of parsed 'classify train' / 'tag train' options."""
    from ..nn.tasks import TaskConfig
    fields = {f: getattr(args, f) for f in ("min_freq", "layers", "bidirectional", "hidden", "embedding",
                                            "dropout", "batch", "optimizer", "lr", "clip", "epochs", "max_seconds",
                                            "patience", "valid_frac", "dtype", "threads", "seed", "lower")}
    fields["cell"] = CELL_NAMES[args.cell]
    if task == "tag":
        fields.update(char_features=args.char_features, char_filters=args.char_filters, char_dim=args.char_dim)
    else:
        fields.update(level=args.level, pooling=args.pooling, class_weights=args.class_weights)
    return TaskConfig(**fields)


def add_task_commands(sub, task: str, what: str, data_help: str, data_options, handlers, texts: dict) -> tuple:
    """'seqfast TASK train|eval|predict' (TASK: classify or tag): the parser of each action with the options
    they share; returns the (train, eval, predict) parsers for the task's own options.

    ``what``: the unit of the data, plural ("texts", "sentences"); ``data_help``: the help of DATA;
    ``data_options(parser)`` adds the options of reading DATA (train and eval); ``handlers``: the functions
    of the three actions, in that order; ``texts``: the "help"/"description" of the command and
    "train"/"eval"/"predict" -> (help, description) of each action."""
    p = sub.add_parser(task, help=texts["help"], description=texts["description"])
    actions = p.add_subparsers(dest=f"{task}_command", metavar="ACTION", title="actions")
    parsers = []
    for name, func in zip(("train", "eval", "predict"), handlers):
        a = actions.add_parser(name, help=texts[name][0], description=texts[name][1])
        if name == "predict":
            add_predict_args(a, task, what)
        else:
            if name == "eval":
                a.add_argument("model", metavar="MODEL", help=f"a model saved by 'seqfast {task} train --save'")
            a.add_argument("data", nargs="+", metavar="DATA", help=data_help)
            data_options(a)
            if name == "train":
                add_task_train_args(a, task)
            else:
                a.add_argument("--batch", type=positive_int, default=256, help=f"{what} per batch (default 256)")
        a.set_defaults(func=func)
        parsers.append(a)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    return tuple(parsers)


def load_task_model(cls, path: str, task: str):
    """The model of class ``cls`` saved at ``path`` by 'seqfast TASK train --save' (a missing path is an
    error naming it)."""
    return cls.load(input_paths([path], f"seqfast {task}")[0])


def add_predict_args(p, command: str, what: str) -> None:
    """MODEL, FILE ('-' by default), --errors and --batch of 'seqfast classify/tag predict'."""
    p.add_argument("model", metavar="MODEL", help=f"a model saved by 'seqfast {command} train --save'")
    p.add_argument("file", nargs="?", default="-", metavar="FILE",
                   help=f"{what}, one per line ('-': standard input, the default)")
    add_errors_arg(p)
    p.add_argument("--batch", type=positive_int, default=256, help=f"{what} per batch (default 256)")


def line_chunks(path: str, errors: str, size: int):
    """Lists of at most ``size`` lines (without their newline) of a file ('-': standard input), read in
    bounded pieces: what the predict commands stream through a model."""
    from ..text import read_line_batches
    for lines in read_line_batches(path, errors, chunk_bytes=1 << 20):
        for i in range(0, len(lines), size):
            yield lines[i:i + size]


def train_and_save(args, train, cfg, read) -> int:
    """Read DATA and --valid with ``read(files)``, run ``train(data, cfg, valid=valid, progress=...)``
    (seqfast.nn.tasks), report on stderr and save the model to --save."""
    import time
    data = read(args.data)
    valid = read(args.valid) if args.valid else None
    report(f"{data!r}" + (f"; held out: {valid!r}" if valid is not None else ""))
    t0 = time.perf_counter()
    r = train(data, cfg, valid=valid, progress=not args.quiet)
    report(f"{r.model!r}")
    report_history(r.history, time.perf_counter() - t0)
    write_to(args.save, r.model.save)
    report(f"saved the model to {'standard output' if args.save == '-' else args.save}")
    return 0


def report_history(hist, seconds: float) -> None:
    """The training summary of a sequence model on stderr: epochs, time, the held-out metrics of the last and
    the best epoch."""
    n = len(hist["epoch"])
    if not n:
        report(f"no epoch completed in {seconds:.1f} s")
        return
    report(f"trained {n} epoch(s), {sum(hist['steps'])} steps in {seconds:.1f} s; final training loss "
           f"{hist['train_loss'][-1]:.4f}")
    metrics = [m for m in hist.get("valid_metrics", []) if m]
    if metrics:
        best = getattr(hist, "best_epoch", None)
        shown = metrics[best - 1] if best and best <= len(metrics) else metrics[-1]
        report("held-out: " + ", ".join(f"{k} {v:.4f}" for k, v in shown.items() if isinstance(v, float))
               + (f" (epoch {best}, kept)" if best else ""))
