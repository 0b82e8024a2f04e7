"""What the tutorials share: their options, the smoke-run notice, progress lines.

Each tutorial under `tutorials/` is a Python script in jupytext's percent
format, so it runs from a shell and opens as a notebook:

    python tutorials/gan.py --quick                  # a smoke run
    python tutorials/gan.py --checkpoint-dir ckpt    # a full run that resumes
    jupytext --to notebook tutorials/gan.py          # gan.ipynb

In a notebook the kernel's command line is not the tutorial's, so the options
come from the `RECIPES_TUTORIAL_ARGS` environment variable instead (for
example `RECIPES_TUTORIAL_ARGS="--quick"`), or from the defaults.

Example:

>>> from recipes import tutorial
>>> args = tutorial.options("A demo.", epochs=100, quick_epochs=5, out="demo",
...                         argv=["--quick"])
>>> args.epochs, args.quick
(5, True)
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shlex
import sys
import warnings

import keras

ENVIRONMENT = "RECIPES_TUTORIAL_ARGS"


def _in_notebook():
    """Whether this runs inside a Jupyter (IPython) kernel."""
    return "ipykernel" in sys.modules


def options(description, *, epochs, quick_epochs, out, argv=None, extra=None):
    """Parses a tutorial's options: `--epochs`, `--quick`, `--out`, `--checkpoint-dir`.

    Args:
        description: one line for `--help`.
        epochs: the full run's epochs.
        quick_epochs: the epochs of `--quick`, the smoke run.
        out: the default folder for the PNGs and the saved model.
        argv: the arguments (default: the command line, or `RECIPES_TUTORIAL_ARGS`
            in a notebook).
        extra: a function given the `argparse` parser, to add the tutorial's
            own options.

    Returns:
        The parsed arguments, with `epochs` resolved (`--epochs` when given,
        else `quick_epochs` with `--quick`, else `epochs`) and the `out` folder
        created. Warnings and the backends' Python log lines are also quieted
        (TensorFlow's C++ lines need `TF_CPP_MIN_LOG_LEVEL` set before Keras is
        imported, which each tutorial does first).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help=f"training epochs (default {epochs}, or {quick_epochs} with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: every step runs, in a fraction of the time, but the "
        "figures it prints are not what the recipe reaches",
    )
    parser.add_argument("--out", default=out, help=f"output folder (default {out})")
    parser.add_argument(
        "--checkpoint-dir",
        default=None,
        help="keep each training run's progress here, so that running the same "
        "command again after an interruption resumes where it stopped",
    )
    if extra is not None:
        extra(parser)
    if argv is None:
        argv = (
            shlex.split(os.environ.get(ENVIRONMENT, ""))
            if _in_notebook()
            else sys.argv[1:]
        )
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    if args.epochs is None:
        args.epochs = quick_epochs if args.quick else epochs
    os.makedirs(args.out, exist_ok=True)
    for logger in ("tensorflow", "jax", "absl"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"recipes(\.|$)")
    return args


def smoke_run(args, full_run):
    """Says, on a `--quick` run, that it is a smoke run and what a full one gives.

    Args:
        args: the tutorial's parsed `options`.
        full_run: what a full run reaches and the command that measured it,
            in a sentence.

    Returns:
        Whether this is a smoke run (`args.quick`).
    """
    if args.quick:
        print(
            f"Smoke run ({args.epochs} epochs): every step runs, but the figures "
            f"below are not what the recipe reaches. {full_run}"
        )
    return args.quick


class Progress(keras.callbacks.Callback):
    """Prints one line every `every` epochs, and one when training ends.

    Args:
        every: epochs between lines.
        name: a word before each line (which model is training).

    Example:

    >>> progress = Progress(every=10, name="gan")  # "gan epoch 10/400: ..."
    """

    def __init__(self, every, name=None):
        super().__init__()
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise ValueError(f"`every` must be a positive integer, got {every!r}.")
        self.every, self.name = every, name
        self._line = None

    def _print(self, epoch, logs):
        values = ", ".join(
            f"{key} {float(value):.4g}"
            for key, value in (logs or {}).items()
            if isinstance(value, (int, float)) or getattr(value, "shape", None) == ()
        )
        total = self.params.get("epochs")
        prefix = f"{self.name} " if self.name else ""
        print(f"{prefix}epoch {epoch + 1}/{total}: {values}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        self._line = (epoch, dict(logs or {}))
        if (epoch + 1) % self.every == 0:
            self._print(epoch, logs)
            self._line = None

    def on_train_end(self, logs=None):
        if self._line is not None:  # the last epoch, when it was not printed
            self._print(*self._line)
            self._line = None


def progress(args, name=None, *, lines=10, epochs=None):
    """`[Progress]` printing about `lines` lines over a run of `epochs` epochs.

    Args:
        args: the tutorial's parsed `options`.
        name: the training run's name, printed on each line.
        lines: about how many lines to print.
        epochs: the run's epochs (default `args.epochs`).

    Returns:
        A one-callback list, for a `fit`'s `callbacks`.
    """
    epochs = args.epochs if epochs is None else epochs
    return [Progress(max(1, math.ceil(epochs / lines)), name=name)]


def checkpoint(args, name):
    """The `checkpoint_dir` of the training run `name`, or `None` without one."""
    if args.checkpoint_dir is None:
        return None
    return os.path.join(args.checkpoint_dir, name)


def trained(args, name, model, fit):
    """Trains `model` once per `--checkpoint-dir`: a rerun picks up where it stopped.

    Without `--checkpoint-dir` this is `fit(model, None)`. With one, `fit`
    gets a `checkpoint_dir` (for `BackupAndRestore`, so an interrupted run
    resumes from its last finished epoch), and the trained model and its
    history are kept; running the tutorial again loads them instead of
    training again.

    Args:
        args: the tutorial's parsed `options`.
        name: the training run's name, unique in the tutorial.
        model: the compiled model.
        fit: a function `fit(model, checkpoint_dir)` returning a Keras
            `History` (a recipe's `fit` with its arguments filled in).

    Returns:
        `(model, history)`: the trained model (loaded from the checkpoint
        when it was already trained) and its history dict (`{name: [values]}`,
        the epochs run by the last call to `fit` on a resumed run).
    """
    from recipes import saving

    folder = checkpoint(args, name)
    if folder is None:
        return model, fit(model, None).history
    path = os.path.join(folder, "trained.keras")
    record = os.path.join(folder, "history.json")
    if os.path.exists(path) and os.path.exists(record):
        print(f"{name}: trained before, loaded from {path}")
        with open(record) as file:
            return keras.saving.load_model(path), json.load(file)
    history = fit(model, os.path.join(folder, "backup")).history
    history = {
        key: [float(value) for value in values] for key, values in history.items()
    }
    saving.save_model(model, path)

    def write(temporary):
        with open(temporary, "w") as file:
            json.dump(history, file)

    saving.write_atomically(
        record, write
    )  # last: the pair is complete once it is there
    return model, history
