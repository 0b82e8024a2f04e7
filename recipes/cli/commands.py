"""The subcommands of `recipes`: each imports Keras and the recipes it needs.

Each command takes the parsed arguments, writes its notes (why training
stopped, where a model was saved) to standard error and returns the text of
its results (a table, or JSON with `--json`) for standard output.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

from recipes.cli import interrupt, report


def train(
    name,
    *,
    dataset=None,
    data=None,
    epochs=None,
    batch_size=None,
    seed=0,
    save=None,
    checkpoint_dir=None,
    verbose="auto",
):
    """Trains recipe `name` with its defaults; what `recipes train` runs.

    Args:
        name: a recipe name.
        dataset: a dataset name (default: the recipe's `DATASET`).
        data: the path of your own data (see `recipes.cli.userdata`), instead
            of `dataset`.
        epochs: overrides the recipe's `fit` default when given.
        batch_size: overrides the recipe's `fit` default when given.
        seed: the random seed (`keras.utils.set_random_seed`) and data seed.
        save: path of a `.keras` file to save the trained model to.
        checkpoint_dir: resume an interrupted run from this directory.
        verbose: Keras's verbosity.

    Returns:
        `{"recipe": name, "dataset": ..., **test metrics}`.

    Raises:
        ValueError: for an unknown recipe, bad data, or a `save` or
            `checkpoint_dir` that cannot be written (before any training).
    """
    result, _, _ = _train(
        name,
        dataset=dataset,
        data=data,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        save=save,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
    )
    return result


def _train(
    name, *, dataset, data, epochs, batch_size, seed, save, checkpoint_dir, verbose
):
    """`train`, also returning the `fit`'s `History` and whether it restored weights."""

    import recipes
    from recipes import protocol, saving

    recipe = recipes.get(name)
    if save is not None:
        saving.check_writable(save, "save", suffix=".keras")
    if checkpoint_dir is not None:
        saving.check_writable(checkpoint_dir, "checkpoint_dir", folder=True)
    _seed(seed)
    bundle = load_data(recipe, name, dataset=dataset, data=data, seed=seed)
    model = recipe.compile(recipe.build(**protocol.facts(recipe, bundle.info)))
    watch, ctrl_c = _restoration_watch(), interrupt.callback()
    options = protocol.fit_options(
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[ctrl_c, watch],
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
    )
    with interrupt.deferred(ctrl_c):  # Ctrl-C ends the running batch, then stops
        history = recipe.fit(model, bundle, **options)
    metrics = recipe.evaluate(model, bundle)
    if save is not None:
        saving.save_model(model, save)
    result = {"recipe": name, "dataset": bundle.info.name, **metrics}
    return result, history, watch.restored


def _restoration_watch():
    """A callback that tells whether `fit` ended on other weights than its last epoch's.

    Early stopping restores the weights of the best epoch when training ends,
    whether or not it stopped the run; this callback runs after it, so it sees
    that from the outside. `restored` is `None` until training ends.
    """
    import keras
    import numpy as np

    class RestorationWatch(keras.callbacks.Callback):
        restored = None
        _last = None

        def on_epoch_end(self, epoch, logs=None):
            self._last = self.model.get_weights()

        def on_train_end(self, logs=None):
            now = self.model.get_weights()
            self.restored = self._last is not None and any(
                not np.array_equal(a, b) for a, b in zip(self._last, now)
            )

    return RestorationWatch()


def _seed(seed):
    """Checks `seed` (a `ValueError` naming it), then seeds Python, NumPy and Keras."""
    import keras

    from recipes import validation

    keras.utils.set_random_seed(validation.check_seed(seed, allow_none=False))


def load_data(recipe, name, *, dataset=None, data=None, seed=0):
    """A recipe's `data` argument: a named dataset, or your own from `data`.

    Args:
        recipe: the recipe module.
        name: the recipe's name.
        dataset: a dataset name (default: the recipe's `DATASET`).
        data: the path of your own data, instead of `dataset`.
        seed: seed of the split.

    Returns:
        What the recipe's `fit` and `evaluate` take (a `recipes.data.Bundle`).

    Raises:
        ValueError: for both `dataset` and `data`, for `data` with a recipe
            that trains on more than one dataset, or bad `data`.
    """
    from recipes import data as datasets
    from recipes import protocol
    from recipes.cli import userdata

    if dataset is not None and (not isinstance(dataset, str) or not dataset.strip()):
        raise ValueError(f"`--dataset` must name a dataset, got {dataset!r}.")
    if data is None:
        return protocol.load_data(recipe, dataset, seed=seed)
    if dataset is not None:
        raise ValueError("Give `--data` or `--dataset`, not both.")
    if recipe.load_data is not datasets.load:
        raise ValueError(
            f"`--data` gives one dataset, but the {name} recipe trains on more than "
            f"one (see recipes.{name}.load_data); use --dataset."
        )
    return userdata.load(data, seed=seed)


def progress(args):
    """Keras's `verbose` for the command: bars on a terminal, else epoch lines.

    Args:
        args: the parsed arguments (`quiet`).

    Returns:
        0 with `--quiet`, 1 (progress bars) when standard error is a terminal,
        2 (one line per epoch) otherwise.
    """
    if getattr(args, "quiet", False):
        return 0
    return 1 if sys.stderr.isatty() else 2


def note(text):
    """Writes one line for the user to standard error."""
    print(text, file=sys.stderr)


def run_list(args):
    """`recipes list`: the recipes, their default datasets and summaries."""
    rows = report.recipes_listed()
    return report.as_json(rows) if args.json else report.listing(rows)


def run_train(args):
    """`recipes train NAME`: trains, says why training stopped, returns the metrics."""
    result, history, restored = _train(
        args.name,
        dataset=args.dataset,
        data=args.data,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        save=args.save,
        checkpoint_dir=args.checkpoint_dir,
        verbose=progress(args),
    )
    if history is not None:
        note(report.stop_reason(history, restored=restored))
    if args.save:
        note(f"saved the model to {args.save}")
    return _results(args, result, f"{args.name} on {result['dataset']}, test split")


def run_evaluate(args):
    """`recipes evaluate PATH`: the saved model's metrics on the test split.

    The file is checked and loaded by `recipes.saving.load_model`: a file that
    cannot be used is a `ValueError` that says why.
    """

    import recipes
    from recipes import saving

    model = saving.load_model(args.path, recipe=args.recipe)
    name = args.recipe or saving.recipe_of(model)
    recipe = recipes.get(name)
    _seed(args.seed)
    bundle = load_data(
        recipe, name, dataset=args.dataset, data=args.data, seed=args.seed
    )
    try:
        metrics = recipe.evaluate(model, bundle)
    except (AttributeError, TypeError, KeyError, IndexError) as error:
        if saving.recipe_of(model) is not None:
            raise
        reason = (str(error).strip().splitlines() or [""])[0]
        raise ValueError(
            f"`path` {args.path!r} holds a model no recipe built, which the {name} "
            f"recipe cannot evaluate ({type(error).__name__}: {reason})."
        ) from None
    result = {"recipe": name, "dataset": bundle.info.name, **metrics}
    return _results(
        args, result, f"{args.path} ({name}) on {result['dataset']}, test split"
    )


def run_tune(args):
    """`recipes tune NAME`: searches, lists the trials from 0, returns the best's metrics."""

    import recipes
    from recipes import protocol, saving, tuning

    recipe = recipes.get(args.name)
    saving.check_writable(args.directory, "directory", folder=True)
    out = args.out or os.path.join(args.directory, args.name, "best.keras")
    saving.check_writable(out, "out", suffix=".keras")
    _seed(args.seed)
    bundle = load_data(
        recipe, args.name, dataset=args.dataset, data=args.data, seed=args.seed
    )
    search = {
        "tuner": args.tuner,
        "max_trials": args.max_trials,
        "objective": args.objective,
        "directory": args.directory,
        "seed": args.seed,
    }
    with contextlib.redirect_stdout(report.TrialsFromZero(sys.stderr)):
        model, best = tuning.tune(
            recipe,
            bundle,
            overwrite=args.overwrite,
            export_path=out,
            verbose=progress(args),
            **search,
            **protocol.fit_options(epochs=args.epochs),
        )
    if model is None:
        note("worker finished; the chief reports the best trial")
        return ""
    best_trial = _report_trials(recipe, args.name, bundle, search, args.epochs)
    note(f"best trial: {best_trial} ({tuning.summary(best)})")
    note(f"saved the best model to {out}")
    result = {
        "recipe": args.name,
        "dataset": bundle.info.name,
        "trial": best_trial,
        "hyperparameters": best.values,
        "model": out,
        **recipe.evaluate(model, bundle),
    }
    if args.json:
        return report.as_json(result)
    title = f"{args.name} on {result['dataset']}, best trial {best_trial}, test split"
    shown = ("hyperparameters", "model", "trial")
    return report.table(
        title, _metrics({k: v for k, v in result.items() if k not in shown})
    )


def _report_trials(recipe, name, bundle, search, epochs):
    """Notes one line per trial of the search, numbered from 0; returns the best's."""
    from recipes import protocol, tuning

    hypermodel = recipe.HyperModel(**protocol.facts(recipe, bundle.info))
    with contextlib.redirect_stdout(io.StringIO()):  # "Reloading Tuner from ..."
        oracle = tuning.make_tuner(
            hypermodel, project_name=name, max_epochs=epochs or 30, **search
        ).oracle
    for trial_id in sorted(oracle.trials, key=int):
        score = oracle.trials[trial_id].score
        default = " (the default configuration)" if int(trial_id) == 0 else ""
        shown = "no score" if score is None else report.number(float(score))
        note(f"trial {int(trial_id)}{default}: {oracle.objective.name} {shown}")
    return int(oracle.get_best_trials(1)[0].trial_id)


def _metrics(result):
    return {k: v for k, v in result.items() if k not in ("recipe", "dataset")}


def _results(args, result, title):
    return (
        report.as_json(result) if args.json else report.table(title, _metrics(result))
    )


def interrupted(args):
    """The one line `recipes` prints when Ctrl-C stops a command.

    Args:
        args: the parsed arguments.

    Returns:
        What was interrupted and how to carry on.
    """
    if args.command == "train" and args.checkpoint_dir:
        return (
            "interrupted; rerun the same command to resume from the last finished "
            f"epoch (its state is in {args.checkpoint_dir})"
        )
    if args.command == "train":
        return (
            "interrupted; nothing was kept. Add --checkpoint-dir DIR to make a run "
            "resumable: rerunning the same command then resumes from the last "
            "finished epoch"
        )
    if args.command == "tune":
        return (
            "interrupted; rerun the same command to resume the search from "
            f"{args.directory} (finished trials are kept)"
        )
    return "interrupted"


COMMANDS = {
    "list": run_list,
    "train": run_train,
    "evaluate": run_evaluate,
    "tune": run_tune,
}
