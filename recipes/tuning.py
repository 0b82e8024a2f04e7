"""Keras Tuner support shared by every recipe.

Each recipe's `HyperModel` subclasses `RecipeHyperModel`: its `build(hp)` calls
the recipe's own `build` and `compile` with `hp` choices whose defaults equal the
recipe's defaults, and the shared `fit(hp, model, data, ...)` tunes the batch
size and calls the recipe's own `fit`.
"""

from __future__ import annotations

import os

import keras_tuner

from recipes.trials import (
    StopOnValueError,
    TrialError,
    check_completed,
    check_fit_kwargs,
    has_validation,
)


class RecipeHyperModel(keras_tuner.HyperModel):
    """Base class of the recipes' hypermodels.

    Subclasses set `recipe` (the registered name of their recipe),
    `default_batch_size` (the recipe's `fit` default) and `objective` (what a
    search optimises by default), and implement `build(hp)`. Constructor
    arguments are those of `keras_tuner.HyperModel` (`name`, `tunable`).
    """

    recipe = None
    default_batch_size = 32
    batch_sizes = (16, 32, 64, 128)
    objective = keras_tuner.Objective("val_accuracy", direction="max")

    def recipe_module(self):
        """The recipe module this hypermodel belongs to."""
        import recipes

        return recipes.get(self.recipe)

    def fit(self, hp, model, data, **kwargs):
        """Fits `model` with the recipe's `fit` and a tuned batch size.

        Hyperband continues a trial with `initial_epoch`; the recipe's `fit`
        then trains the remaining `epochs - initial_epoch` epochs.

        Args:
            hp: the trial's `keras_tuner.HyperParameters`.
            model: the model `build(hp)` returned.
            data: the recipe's `data` argument (a `recipes.data.Bundle`, ...).
            **kwargs: passed to the recipe's `fit` (`epochs`, `callbacks`, ...).

        Returns:
            The `keras.callbacks.History` of the fit.
        """
        batch_size = hp.Choice(
            "batch_size", list(self.batch_sizes), default=self.default_batch_size
        )
        kwargs = dict(kwargs)
        initial_epoch = kwargs.pop("initial_epoch", 0)
        if initial_epoch and "epochs" in kwargs:
            kwargs["epochs"] = max(1, kwargs["epochs"] - initial_epoch)
        return self.recipe_module().fit(model, data, batch_size=batch_size, **kwargs)


# ------------------------------------------------------------------ search ---

TUNERS = ("random", "bayesian", "hyperband")


class _DefaultsFirst:
    """Oracle mixin: the first trial uses every hyperparameter's default.

    Keras Tuner's oracles start with random values; starting from the recipe's
    defaults makes trial 0 the recipe's default configuration, so a search can
    only match or improve on it. Hyperband's own `tuner/` bookkeeping values
    are kept.
    """

    def populate_space(self, trial_id):
        response = super().populate_space(trial_id)
        if self.trials or response.get("values") is None:
            return response
        space = self.hyperparameters.copy()  # its values are the defaults
        defaults = {
            hp.name: space.values[hp.name]
            for hp in space.space
            if space.is_active(hp) and hp.name in space.values
        }
        bookkeeping = {
            key: value
            for key, value in response["values"].items()
            if key.startswith("tuner/")
        }
        return {**response, "values": {**defaults, **bookkeeping}}


class RandomSearchOracle(_DefaultsFirst, keras_tuner.oracles.RandomSearchOracle):
    """Random search whose first trial is the default configuration."""


class BayesianOptimizationOracle(
    _DefaultsFirst, keras_tuner.oracles.BayesianOptimizationOracle
):
    """Bayesian optimisation whose first trial is the default configuration."""


class HyperbandOracle(_DefaultsFirst, keras_tuner.oracles.HyperbandOracle):
    """Hyperband whose first trial is the default configuration."""


def _recipe_module(recipe):
    import recipes

    if isinstance(recipe, str):
        return recipe, recipes.get(recipe)
    for name in recipes.available():
        if recipes.get(name) is recipe:
            return name, recipe
    raise ValueError(
        f"`recipe` must be a recipe name or module, one of {recipes.available()}, "
        f"got {recipe!r}."
    )


def valid_objectives(hypermodel):
    """Objective names a recipe's search can use: its own and the losses."""
    own = hypermodel.objective.name
    return sorted({own, own.removeprefix("val_"), "loss", "val_loss"})


def _objective(hypermodel, objective):
    if objective is None:
        return hypermodel.objective
    if isinstance(objective, keras_tuner.Objective):
        return objective
    valid = valid_objectives(hypermodel)
    if objective not in valid:
        raise ValueError(f"`objective` must be one of {valid}, got {objective!r}.")
    direction = "min" if objective.endswith("loss") else hypermodel.objective.direction
    return keras_tuner.Objective(objective, direction=direction)


def make_tuner(
    hypermodel,
    *,
    tuner="random",
    max_trials=10,
    objective=None,
    directory="tuning",
    project_name="search",
    overwrite=False,
    distribution_strategy=None,
    max_epochs=30,
    seed=0,
):
    """A Keras Tuner for `hypermodel` whose first trial is the default.

    Args:
        hypermodel: a recipe's `HyperModel` instance.
        tuner: `"random"`, `"bayesian"` or `"hyperband"`.
        max_trials: trials to run (random and Bayesian search).
        objective: `None` (the recipe's own), a name from
            `valid_objectives(hypermodel)`, or a `keras_tuner.Objective`.
        directory: where the search keeps its state; re-running with the
            same `directory` and `project_name` resumes (finished trials are
            not redone).
        project_name: the search's folder inside `directory`.
        overwrite: start afresh instead of resuming.
        distribution_strategy: a `tf.distribute` strategy each trial trains in.
        max_epochs: the most epochs of one Hyperband trial.
        seed: the oracle's seed.

    Returns:
        A `keras_tuner.Tuner`. A `ValueError` in a trial stops its search with
        a `TrialError` (`tune` raises the original `ValueError`).

    Raises:
        ValueError: for an unknown `tuner` or `objective`, a `max_trials` or
            `max_epochs` below 1, or a `directory` (or its `project_name`
            folder) that is a file or cannot be written; before anything is
            created.
    """
    from recipes import compat, saving, validation

    validation.check_choice(tuner, "tuner", TUNERS)
    validation.check_positive_int(max_trials, "max_trials")
    validation.check_positive_int(max_epochs, "max_epochs")
    objective = _objective(hypermodel, objective)
    saving.check_writable(directory, "directory", folder=True)
    project = os.path.join(os.fspath(directory), project_name)
    saving.check_writable(project, "directory", folder=True)
    common = {
        "hypermodel": StopOnValueError(hypermodel, objective),
        "directory": os.fspath(directory),
        "project_name": project_name,
        "overwrite": overwrite,
        "distribution_strategy": distribution_strategy,
    }
    if tuner == "hyperband":
        oracle = HyperbandOracle(objective=objective, max_epochs=max_epochs, seed=seed)
        return compat.hyperband_tuner(oracle=oracle, **common)
    oracle_class = (
        RandomSearchOracle if tuner == "random" else BayesianOptimizationOracle
    )
    oracle = oracle_class(objective=objective, max_trials=max_trials, seed=seed)
    return keras_tuner.Tuner(oracle=oracle, **common)


def tune(
    recipe,
    data=None,
    *,
    tuner="random",
    max_trials=10,
    objective=None,
    directory="tuning",
    overwrite=False,
    distribution_strategy=None,
    export_path=None,
    seed=0,
    verbose=0,
    **fit_kwargs,
):
    """Searches a recipe's hyperparameters and exports the best model.

    Trial 0 is the recipe's default configuration. Re-running with the same
    `directory` continues the search without redoing finished trials. With
    `KERASTUNER_TUNER_ID`, `KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT`
    set, Keras Tuner runs the same call as a chief or a worker of one
    distributed search.

    Args:
        recipe: a recipe name (`"convnet"`) or module.
        data: the recipe's `data` argument; `None` loads its `DATASET`.
        tuner: `"random"`, `"bayesian"` or `"hyperband"`.
        max_trials: number of trials.
        objective: `None` for the recipe's own objective, or a name.
        directory: where the search state lives (`directory/<recipe>`).
        overwrite: start afresh instead of resuming.
        distribution_strategy: a `tf.distribute` strategy for every trial.
        export_path: where the best model is saved (`.keras`); defaults to
            `directory/<recipe>/best.keras`.
        seed: the oracle's seed.
        verbose: Keras Tuner's verbosity (also the trials' `fit` verbosity).
        **fit_kwargs: passed to the recipe's `fit` (`epochs`, ...).

    Returns:
        `(best_model, best_hyperparameters)`; `(None, None)` on a worker of a
        distributed search.

    Raises:
        ValueError: before the first trial, for an unknown recipe, `tuner` or
            `objective`, a `max_trials` or `epochs` below 1, a `fit_kwargs`
            name the recipe's `fit` does not take (or `batch_size`, which is
            tuned), an `export_path` not ending in `.keras` or a `directory`
            that cannot be written (see `recipes.saving.check_writable`), or
            data without the validation split a `val_...` objective needs;
            and the recipe's own `ValueError` when a trial raises one (bad
            data, say), which stops the search. Rerunning in the same
            `directory` then redoes that trial.
        RuntimeError: when no trial completed (every one failed otherwise).

    Example:

    >>> model, hp = tune("convnet", max_trials=10, epochs=30)  # doctest: +SKIP

    A quick one, in a fresh directory (trial 0 has the recipe's defaults):

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     model, hp = tune(
    ...         "autoencoder", max_trials=1, epochs=1, directory=directory)
    >>> hp.get("code_size"), hp.get("noise")
    (16, 'none')
    """
    from recipes import protocol, saving

    name, module = _recipe_module(recipe)
    check_fit_kwargs(name, module, fit_kwargs)
    if data is None:
        data = protocol.load_data(module, seed=seed)
    info = getattr(data, "info", None)
    hypermodel = module.HyperModel(**(protocol.facts(module, info) if info else {}))
    wanted = _objective(hypermodel, objective).name
    if wanted.startswith("val_") and not has_validation(data):
        raise ValueError(
            f"`data` has no validation split, which `objective` {wanted!r} needs; "
            f"give data with a 'val' split, or objective={wanted[4:]!r}."
        )
    saving.check_writable(directory, "directory", folder=True)
    path = export_path or os.path.join(os.fspath(directory), name, "best.keras")
    saving.check_writable(path, "export_path", suffix=".keras")
    search = make_tuner(
        hypermodel,
        tuner=tuner,
        max_trials=max_trials,
        objective=objective,
        directory=directory,
        project_name=name,
        overwrite=overwrite,
        distribution_strategy=distribution_strategy,
        max_epochs=fit_kwargs.get("epochs", 30),
        seed=seed,
    )
    # Keras Tuner reads `verbose` for its own display and passes it on to `fit`.
    try:
        search.search(data, verbose=fit_kwargs.pop("verbose", verbose), **fit_kwargs)
    except TrialError as stopped:
        raise stopped.error from None
    if (
        "KERASTUNER_ORACLE_IP" in os.environ
        and os.environ.get("KERASTUNER_TUNER_ID") != "chief"
    ):
        return None, None  # a worker: the chief owns the results
    check_completed(search.oracle, os.path.join(os.fspath(directory), name))
    best_hp = search.get_best_hyperparameters(1)[0]
    best_model = search.get_best_models(1)[0]
    saving.save_model(best_model, path)
    return best_model, best_hp


def summary(hyperparameters, score=None):
    """A readable one-line summary of a trial's hyperparameters.

    Args:
        hyperparameters: `keras_tuner.HyperParameters` or a dict of values.
        score: the trial's score, shown first when given.
    """
    values = (
        hyperparameters if isinstance(hyperparameters, dict) else hyperparameters.values
    )
    parts = [f"{key}={value}" for key, value in sorted(values.items())]
    head = f"score {score:.4f}: " if score is not None else ""
    return head + ", ".join(parts)
