"""The `recipes` command: list, train, evaluate and tune recipes.

    recipes list
    recipes train convnet --epochs 50 --save convnet.keras
    recipes train convnet --data my_digits.npz
    recipes evaluate convnet.keras
    recipes tune convnet --tuner random --max-trials 10 --out best.keras

A recipe trains on its embedded default dataset (`DATASET`) unless
`--dataset` names another or `--data` gives your own (`recipes.cli.userdata`).
Standard output carries the results only: a short table, or JSON with
`--json`. Progress (bars on a terminal, one line per epoch otherwise, none
with `--quiet`), notes and errors go to standard error; TensorFlow's and JAX's
own log lines and warnings stay hidden unless `--verbose` is given (a
`TF_CPP_MIN_LOG_LEVEL` you set is kept). Bad input ends with exit status 2 and
a one-line reason; Ctrl-C with exit status 130 and one line on how to carry on.

`recipes --help`, `recipes list` and `recipes --version` import neither Keras
nor a backend; each other command imports what it needs when it runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

from recipes.cli.commands import train

DISTRIBUTION = "keras-recipes"  # the name on PyPI; the import name is `recipes`
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C (SIGINT)


def version():
    """The installed version of `recipes` (or the source tree's, if not installed).

    Returns:
        The version string, for example `"0.1.0"`.
    """
    import importlib.metadata

    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pass
    import re

    pyproject = os.path.join(os.path.dirname(__file__), "..", "..", "pyproject.toml")
    try:
        with open(pyproject, encoding="utf-8") as file:
            found = re.search(r'(?m)^version\s*=\s*"([^"]+)"', file.read())
    except OSError:
        found = None
    if found:
        return found[1]
    import recipes

    return recipes.__version__


def quiet_backends():
    """Hides TensorFlow's and JAX's own log lines and warnings.

    Must run before a backend is imported: TensorFlow and XLA read
    `TF_CPP_MIN_LOG_LEVEL` once, when they load. A value the user set is kept.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for logger in ("tensorflow", "jax", "absl"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"recipes(\.|$)")


def main(argv=None):
    """Runs the command line.

    Args:
        argv: the arguments after `recipes` (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0; 2 for bad input; 1 for a run that failed
        otherwise (a search in which no trial completed); 130 when
        interrupted (Ctrl-C). Every failure prints one line on standard error.
    """
    from recipes.cli import commands, options

    try:
        args = options.parser(version()).parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error (status 2)
        return done.code
    results = sys.stdout
    prog = f"recipes {args.command}"
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
            if not getattr(args, "verbose", False):
                quiet_backends()
            text = commands.COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"{prog}: {commands.interrupted(args)}", file=sys.stderr)
        return INTERRUPTED
    except (ValueError, OSError, RuntimeError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        print(f"{prog}: error: {reason}", file=sys.stderr)
        return 1 if isinstance(error, RuntimeError) else 2
    if text:
        print(text, file=results)
    return 0


__all__ = ["main", "quiet_backends", "train", "version"]
