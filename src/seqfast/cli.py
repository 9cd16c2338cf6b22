"""The ``seqfast`` command line: ``seqfast SUBCOMMAND ...`` (also ``python -m seqfast``).

Each subcommand lives in ``seqfast/commands/<name>.py`` with ``register(subparsers)`` that adds its parser
(with a one-line ``help``) and sets ``func``; the list of modules is ``seqfast.commands.MODULES``. Commands
only parse and validate arguments and call library functions; results go to standard output, reports,
progress and errors to standard error.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .commands import MODULES


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0,
                         help=help or "show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__
        print(f"seqfast {__version__}")
        parser.exit()


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or (``only``) of that one alone, so that running one command imports
    only its module (the others may import heavy packages)."""
    p = argparse.ArgumentParser(
        prog="seqfast",
        description="Fast, correct sequence models over text: tokenization, vocabularies, batching, n-gram "
                    "counting, n-gram and RNN language models. '-' as a FILE reads standard input; with no "
                    "FILE, commands read standard input when it is piped or redirected, and the bundled sample "
                    "corpus (H. G. Wells, The Time Machine) when it is a terminal.",
        epilog="Run 'seqfast SUBCOMMAND --help' for the options of one subcommand.")
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", metavar="SUBCOMMAND", title="subcommands")
    for name in MODULES:
        if only is None or name == only:
            importlib.import_module(f"seqfast.commands.{name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    parser = build_parser(words[0] if words and words[0] in MODULES else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version (0) or a usage error (2, already printed)
        return e.code if isinstance(e.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("seqfast: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `seqfast count | head`
        try:
            sys.stdout = None
        except Exception:
            pass
        return 0
    except (OSError, ValueError, TypeError, KeyError, IndexError, RuntimeError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f"seqfast {args.command}: error: {cli_words(str(msg))}", file=sys.stderr)
        return 1


#: Python keywords that library errors suggest, and the flag a command-line user types instead.
FLAGS = {"discount_fallback=True": "--discount-fallback", "clip gradients (clip_norm)": "clip gradients (--clip)",
         "errors='replace'": "--errors replace"}


def cli_words(message: str) -> str:
    """A library error message with each suggested Python keyword replaced by its command-line flag."""
    for py, flag in FLAGS.items():
        message = message.replace(py, flag)
    return message


if __name__ == "__main__":
    raise SystemExit(main())
