"""The ``seqfast`` command line: ``seqfast SUBCOMMAND ...`` (also ``python -m seqfast``).

Each subcommand lives in ``seqfast/commands/<name>.py`` with ``register(subparsers)`` that adds its parser
(with a one-line ``help``) and sets ``func``; the list of modules is ``seqfast.commands.MODULES``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .commands import MODULES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="seqfast",
        description="Fast, correct sequence models over text: tokenization, vocabularies, batching, n-gram "
                    "counting, n-gram and RNN language models. With no FILE, commands use the bundled "
                    "sample corpus (H. G. Wells, The Time Machine).",
        epilog="Run 'seqfast SUBCOMMAND --help' for the options of one subcommand.")
    p.add_argument("--version", action="version", version=f"seqfast {__version__}")
    sub = p.add_subparsers(dest="command", metavar="SUBCOMMAND", title="subcommands")
    for name in MODULES:
        importlib.import_module(f"seqfast.commands.{name}").register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
        print(f"seqfast {args.command}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
