"""How a search treats its trials: checked before the first, stopped by a `ValueError`.

Keras Tuner records an exception raised in a trial and goes on with the next;
a mistake in the input, the same in every trial, would show as one traceback
per trial and end in a missing checkpoint. `recipes.tuning.tune` checks what
it can before the first trial (`check_fit_kwargs`, `has_validation`), runs
each trial through `StopOnValueError`, so that a recipe's `ValueError` stops
the search and `tune` raises it as it was, and refuses a search in which no
trial completed (`check_completed`).
"""

from __future__ import annotations

import dataclasses
import inspect

import keras_tuner


class TrialError(keras_tuner.errors.FatalValueError):
    """A trial's `ValueError`, which stops the search (`tune` raises the original).

    Keras Tuner records an exception in a trial and goes on with the next;
    a recipe's `ValueError` says the input is wrong, which no other trial
    would fix, so the search stops at once.

    Args:
        error: the trial's `ValueError`.
    """

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class StopOnValueError(keras_tuner.HyperModel):
    """Runs a recipe's hypermodel so that a `ValueError` in a trial stops the search.

    A trial whose `fit` logs no `objective` (data without the validation split
    it needs) is such an error too.

    Args:
        hypermodel: the recipe's `HyperModel`.
        objective: the search's `keras_tuner.Objective`.
    """

    def __init__(self, hypermodel, objective):
        super().__init__(name=hypermodel.name, tunable=hypermodel.tunable)
        self.hypermodel = hypermodel
        self.objective = objective

    def declare_hyperparameters(self, hp):
        return self.hypermodel.declare_hyperparameters(hp)

    def build(self, hp):
        try:
            return self.hypermodel.build(hp)
        except ValueError as error:
            raise TrialError(error) from error

    def fit(self, hp, model, *args, **kwargs):
        try:
            results = self.hypermodel.fit(hp, model, *args, **kwargs)
            logs = getattr(results, "history", None)
            name = getattr(self.objective, "name", None)
            if isinstance(logs, dict) and name and name not in logs:
                raise ValueError(
                    f"`objective` {name!r} is not among what the trial's fit logs "
                    f"({', '.join(sorted(logs))}); give data with the split it needs."
                )
        except ValueError as error:
            raise TrialError(error) from error
        return results


def check_fit_kwargs(name, module, fit_kwargs):
    """Refuses `fit` options that every trial would refuse.

    Args:
        name: the recipe's name, for the message.
        module: the recipe module.
        fit_kwargs: the options `tune` passes to each trial's `fit`.

    Raises:
        ValueError: for `batch_size` (a tuned hyperparameter), `epochs` below
            1, or a name the recipe's `fit` does not take.
    """
    from recipes import validation

    if "batch_size" in fit_kwargs:
        raise ValueError(
            "`batch_size` is a tuned hyperparameter of every recipe; leave it out."
        )
    if "epochs" in fit_kwargs:
        validation.check_positive_int(fit_kwargs["epochs"], "epochs")
    parameters = inspect.signature(module.fit).parameters
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    known = set(list(parameters)[2:]) - {"batch_size"}  # after `model`, `data`
    unknown = sorted(set(fit_kwargs) - known - {"verbose"})
    if unknown:
        raise ValueError(
            f"Unknown fit options {unknown} for the {name} recipe; its `fit` takes "
            f"{sorted(known)}."
        )


def has_validation(data):
    """Whether every part of `data` has a validation split."""
    if isinstance(data, dict):
        return data.get("val") is not None
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        if hasattr(data, "val"):
            return data.val is not None
        parts = [
            getattr(data, field.name)
            for field in dataclasses.fields(data)
            if field.name != "info"
        ]
        return bool(parts) and all(map(has_validation, parts))
    return False  # arrays, an (x, y) tuple, a dataset: no validation split


def check_completed(oracle, project):
    """Refuses a search in which no trial completed, with the last one's error.

    Args:
        oracle: the search's oracle.
        project: the search's folder, for the message.

    Raises:
        RuntimeError: when no trial completed.
    """
    trials = list(oracle.trials.values())
    if any(t.status == "COMPLETED" for t in trials):
        return
    messages = [t.message for t in trials if t.message]
    last = (messages[-1].strip().splitlines() or [""])[-1] if messages else ""
    said = f"; the last failed with: {last}" if last else ""
    raise RuntimeError(
        f"No trial of the search in {project!r} completed{said}. Fix the cause and "
        "rerun with overwrite=True (--overwrite) to start afresh."
    )
