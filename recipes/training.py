"""The training policy every recipe shares.

One place decides the optimizer, whether XLA is used, which callbacks run, how
`data` arguments are read and how bad input is refused. Recipes call these
functions instead of repeating them, so a fix here reaches every recipe.

- Optimizer: `"auto"` is Adam; any Keras optimizer name or instance works.
- XLA: `jit_compile="auto"` is always XLA on JAX; on TensorFlow it compiles
  with XLA when a GPU is present and the recipe supports it (on the CPU,
  TensorFlow's own kernels are used). `True` forces it on any device, `False`
  turns it off.
- Callbacks: `TerminateOnNaN` always; `EarlyStopping` on the validation loss
  with the best weights restored when validation data is given;
  `BackupAndRestore` when a `checkpoint_dir` is given, so an interrupted run
  resumes where it stopped; `TensorBoard` when a `log_dir` is given.
- Input checks (in `recipes.validation`) raise `ValueError` naming the
  argument before any work is done; `check_fit` and `check_compiled` are
  the ones every recipe's `fit` and `evaluate` share.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from recipes import compat, saving
from recipes.data import Bundle
from recipes.validation import (
    check_callbacks,
    check_optimizer_options,
    check_patience,
    check_positive,
    check_positive_int,
    check_supervised,
    check_verbose,
    is_dataset,
    is_py_dataset,
)

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad")


# ----------------------------------------------------------------- compile ---


def has_gpu():
    """Whether Keras sees at least one GPU."""
    return any(d.startswith("gpu") for d in keras.distribution.list_devices())


def resolve_jit_compile(jit_compile, *, supports_xla=True):
    """Turns the recipes' `jit_compile` argument into the bool Keras receives.

    `"auto"` means, per backend:

    - JAX: always XLA (`True`); every JAX step is compiled by XLA, on any
      device.
    - TensorFlow: XLA where a GPU is present and the recipe supports it; on
      the CPU, TensorFlow's own kernels (faster for these small models).

    Args:
        jit_compile: `"auto"`, `True` or `False`.
        supports_xla: whether the recipe's model can run under XLA with
            TensorFlow on this device (a recipe passes `False` where it
            cannot, for example for cuDNN's fused recurrent kernels).

    Returns:
        `True` or `False`.
    """
    if jit_compile == "auto":
        if keras.backend.backend() == "jax":
            return True
        return bool(supports_xla and has_gpu())
    if isinstance(jit_compile, bool):
        return jit_compile
    raise ValueError(
        f"`jit_compile` must be 'auto', True or False, got {jit_compile!r}."
    )


def resolve_steps_per_execution(steps_per_execution, auto_value, strategy=None):
    """Turns a recipe's `steps_per_execution` argument into the int Keras receives.

    `"auto"` gives `auto_value` on one replica and 1 under a strategy with
    several replicas in sync: with Keras 3.15 and TensorFlow 2.20 a
    `MirroredStrategy` fit with more than one step per call fails ("You must
    feed a value for placeholder tensor ... while/cond") even for a plain
    Dense model (`tests/test_tuning.py` runs every recipe under one).

    Args:
        steps_per_execution: `"auto"` or a positive int.
        auto_value: the recipe's choice on one replica.
        strategy: the model's `tf.distribute` strategy (None: one replica).

    Returns:
        A positive int.
    """
    if steps_per_execution == "auto":
        replicas = getattr(strategy, "num_replicas_in_sync", 1)
        return 1 if replicas > 1 else auto_value
    check_positive_int(steps_per_execution, "steps_per_execution")
    return steps_per_execution


def compile_options(
    model,
    *,
    optimizer="auto",
    learning_rate=1e-3,
    jit_compile="auto",
    steps_per_execution=None,
    auto_steps=1,
    supports_xla=True,
    **optimizer_options,
):
    """The `optimizer`, `jit_compile` and `steps_per_execution` of `model.compile`.

    Every recipe's `compile` resolves its arguments the same way: the
    optimizer by `make_optimizer`, XLA by `resolve_jit_compile` and the steps
    per call by `resolve_steps_per_execution` under the model's strategy.

    Args:
        model: the model about to be compiled.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        learning_rate: a positive float or a `LearningRateSchedule`.
        jit_compile: `"auto"`, `True` or `False`.
        steps_per_execution: `"auto"`, a positive int, or `None` to leave it
            out (Keras's default, 1).
        auto_steps: the recipe's steps per call for `"auto"` on one replica.
        supports_xla: as in `resolve_jit_compile`.
        **optimizer_options: passed to `make_optimizer`.

    Returns:
        A dict of keyword arguments for `model.compile`.

    Raises:
        ValueError: for a bad optimizer, learning rate, `jit_compile` or
            `steps_per_execution`.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> options = compile_options(model, jit_compile=False, steps_per_execution=4)
    >>> options["jit_compile"], options["steps_per_execution"]
    (False, 4)
    """
    options = {
        "optimizer": make_optimizer(optimizer, learning_rate, **optimizer_options),
        "jit_compile": resolve_jit_compile(jit_compile, supports_xla=supports_xla),
    }
    if steps_per_execution is not None:
        options["steps_per_execution"] = resolve_steps_per_execution(
            steps_per_execution,
            auto_steps,
            getattr(model, "distribute_strategy", None),
        )
    return options


def classification_objective():
    """The loss and metric of a classifier's `compile`: sparse cross-entropy
    and `accuracy` (new instances on every call)."""
    return {
        "loss": keras.losses.SparseCategoricalCrossentropy(),
        "metrics": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    }


def make_optimizer(optimizer="auto", learning_rate=1e-3, **kwargs):
    """Builds an optimizer from a name (or passes an instance through).

    Args:
        optimizer: `"auto"` (Adam), one of `OPTIMIZERS`, or a
            `keras.optimizers.Optimizer` instance (then `learning_rate` and
            `kwargs` are ignored).
        learning_rate: a positive float or a `LearningRateSchedule`.
        **kwargs: passed to the optimizer (`clipnorm`, `weight_decay`,
            `beta_1`, ...), checked by `validation.check_optimizer_options`.

    Returns:
        A `keras.optimizers.Optimizer`.

    Raises:
        ValueError: for an unknown optimizer, a learning rate that is not
            positive, an impossible hyperparameter (`beta_1` outside [0, 1),
            say) or one the optimizer does not take.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        check_positive(learning_rate, "learning_rate")
    name = "adam" if optimizer == "auto" else optimizer
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(
            f"`optimizer` must be 'auto', one of {OPTIMIZERS} or an optimizer "
            f"instance, got {optimizer!r}."
        )
    check_optimizer_options(kwargs)
    config = {"class_name": name, "config": {"learning_rate": learning_rate, **kwargs}}
    try:
        return keras.optimizers.get(config)
    except (TypeError, ValueError) as error:  # a keyword it does not take
        raise ValueError(
            f"`optimizer` {name!r} does not take {sorted(kwargs)}: {error}"
        ) from None


# --------------------------------------------------------------------- fit ---


def check_compiled(model, name="model"):
    """Refuses a model that has not been compiled (before `fit` or `evaluate`).

    Raises:
        ValueError: naming the recipe's `compile` to call first.
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`{name}` must be a keras.Model, got {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        recipe = saving.recipe_of(model)
        compile_call = f"recipes.{recipe}.compile" if recipe else "compile"
        raise ValueError(
            f"`{name}` is not compiled: call `{compile_call}({name})` first."
        )


def check_fit(
    model=None,
    *,
    epochs,
    batch_size,
    callbacks=None,
    verbose="auto",
    early_stopping_patience=None,
):
    """Checks the options every recipe's `fit` takes, and the model, before any work.

    Args:
        model: the model to train: it must be compiled (`None`: not checked,
            for functions that build their own).
        epochs: an integer >= 1.
        batch_size: an integer >= 1.
        callbacks: `None` or a list of `keras.callbacks.Callback`.
        verbose: `"auto"`, 0, 1 or 2.
        early_stopping_patience: `None` or an integer >= 0.

    Returns:
        The callbacks as a list.

    Raises:
        ValueError: naming the first bad option, or the model to compile.
    """
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    check_verbose(verbose)
    check_patience(early_stopping_patience)
    callbacks = check_callbacks(callbacks)
    if model is not None:
        check_compiled(model)
    return callbacks


def default_callbacks(
    *,
    validation,
    checkpoint_dir=None,
    early_stopping_patience=10,
    monitor="val_loss",
    log_dir=None,
):
    """The callbacks every recipe's `fit` starts from.

    Args:
        validation: whether validation data is given (enables early stopping).
        checkpoint_dir: directory for `BackupAndRestore`, or `None`.
        early_stopping_patience: epochs without improvement before stopping;
            `None` turns early stopping off.
        monitor: the quantity early stopping watches.
        log_dir: TensorBoard log directory, or `None`.

    Returns:
        A list of callbacks.

    Raises:
        ValueError: for a patience that is not `None` or an integer >= 0.
    """
    check_patience(early_stopping_patience)
    callbacks = [keras.callbacks.TerminateOnNaN()]
    if validation and early_stopping_patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor,
                patience=early_stopping_patience,
                restore_best_weights=True,
            )
        )
    if checkpoint_dir is not None:
        callbacks.append(keras.callbacks.BackupAndRestore(os.fspath(checkpoint_dir)))
    if log_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=os.fspath(log_dir)))
    return callbacks


def fit(
    model,
    train,
    val=None,
    *,
    epochs,
    batch_size,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=10,
    monitor="val_loss",
    log_dir=None,
    **fit_kwargs,
):
    """`model.fit` with the shared callbacks and argument checks.

    Args:
        model: a compiled Keras model.
        train: `(x, y)` arrays, `x` alone, or a batched `tf.data.Dataset`
            (`None`, a recipe's missing train split, is a `ValueError`).
        val: the same for validation, or `None`.
        epochs: number of epochs (at least 1).
        batch_size: batch size for arrays (ignored for datasets).
        callbacks: extra callbacks, run after the defaults.
        checkpoint_dir: where `BackupAndRestore` keeps its state.
        verbose: Keras's `verbose` (`"auto"` shows a progress bar).
        early_stopping_patience: see `default_callbacks`.
        monitor: see `default_callbacks`.
        log_dir: see `default_callbacks`.
        **fit_kwargs: passed to `model.fit`.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: for a missing train split, an uncompiled model, or a bad
            option (see `check_fit`).
    """
    if train is None:
        raise ValueError("`data` has no 'train' split.")
    callbacks = check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    all_callbacks = (
        default_callbacks(
            validation=val is not None,
            checkpoint_dir=checkpoint_dir,
            early_stopping_patience=early_stopping_patience,
            monitor=monitor,
            log_dir=log_dir,
        )
        + callbacks
    )
    if is_dataset(train):
        x, y, batch = train, None, None
    else:
        x, y = train if isinstance(train, tuple) else (train, None)
        batch = batch_size
    if val is not None and not is_dataset(val) and not isinstance(val, tuple):
        val = (val,)
    compat.clear_resumed_epoch(model)
    return model.fit(
        x,
        y,
        batch_size=batch,
        epochs=epochs,
        validation_data=val,
        callbacks=all_callbacks,
        verbose=verbose,
        **fit_kwargs,
    )


def evaluate(model, test, *, batch_size=256, keys=("accuracy", "loss")):
    """`model.evaluate` of a recipe's test split, as plain Python floats.

    Args:
        model: a compiled Keras model.
        test: `(x, y)` arrays, `x` alone, or a batched `tf.data.Dataset`
            (`None`, a recipe's missing test split, is a `ValueError`).
        batch_size: batch size for arrays (ignored for datasets).
        keys: the metrics to return.

    Returns:
        `{key: float}` for each of `keys`.

    Raises:
        ValueError: for a missing test split, an uncompiled model or a bad
            `batch_size`.
    """
    check_compiled(model)
    check_positive_int(batch_size, "batch_size")
    if test is None:
        raise ValueError("`data` has no 'test' split.")
    if is_dataset(test):
        results = model.evaluate(test, verbose=0, return_dict=True)
    else:
        x, y = test if isinstance(test, tuple) else (test, None)
        results = model.evaluate(
            x, y, batch_size=batch_size, verbose=0, return_dict=True
        )
    return {key: float(results[key]) for key in keys}


# -------------------------------------------------------------------- data ---


def get_split(data, split):
    """One split of a recipe's `data` argument.

    Args:
        data: a `recipes.data.Bundle`; a dict with keys `train`, `val`, `test`;
            an `(x, y)` tuple; a `tf.data.Dataset` or `keras.utils.PyDataset`.
            A tuple or dataset is used as both the `train` and the `test`
            split and has no `val`.
        split: `"train"`, `"val"` or `"test"`.

    Returns:
        The split, or `None` when `data` has no such split.
    """
    if isinstance(data, Bundle):
        return getattr(data, split)
    if isinstance(data, dict):
        unknown = set(data) - {"train", "val", "test"}
        if unknown:
            raise ValueError(
                f"`data` dict keys must be among 'train', 'val', 'test', got {sorted(unknown)}."
            )
        return data.get(split)
    if (
        isinstance(data, (tuple, list, np.ndarray))
        or is_dataset(data)
        or is_py_dataset(data)
    ):
        return None if split == "val" else data
    raise ValueError(
        "`data` must be a recipes.data.Bundle, a dict of splits, an (x, y) tuple, "
        f"a tf.data.Dataset or a keras.utils.PyDataset, got {type(data).__name__}."
    )


def supervised_split(model, data, split):
    """One `(x, y)` split of `data`, checked against a classifier `model`.

    The images must match the model's input shape and the labels lie in
    `[0, num_classes)`, `num_classes` being the model's last output size.

    Returns:
        The checked split (see `validation.check_supervised`), or `None` when
        `data` has no such split.
    """
    return check_supervised(
        get_split(data, split),
        f"data {split}",
        shape=model.input_shape[1:],
        num_classes=model.output_shape[-1],
    )


def require_split(data, split, name="data"):
    """Like `get_split`, but a missing split is a `ValueError`."""
    value = get_split(data, split)
    if value is None:
        raise ValueError(f"`{name}` has no {split!r} split.")
    return value
