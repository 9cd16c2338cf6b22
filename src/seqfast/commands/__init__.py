"""Subcommands of the ``seqfast`` CLI, one module each (see seqfast.cli)."""

#: Modules in the order ``seqfast --help`` lists them.
MODULES = ["demo", "tokenize", "count", "lm", "rnn", "classify", "tag", "embed", "info"]
