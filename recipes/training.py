"""The training policy every recipe shares.

One place decides the optimizer, whether XLA is used, which callbacks run, how
`data` arguments are read and how bad input is refused. Recipes call these
helpers instead of repeating them, so a fix here reaches every recipe.

- Optimizer: `"auto"` is Adam; any Keras optimizer name or instance works.
- XLA: `jit_compile="auto"` compiles with XLA when a GPU is present and the
  recipe supports it (on the CPU, TensorFlow's own kernels are used); `True`
  forces it on any device, `False` turns it off.
- Callbacks: `TerminateOnNaN` always; `EarlyStopping` on the validation loss
  with the best weights restored when validation data is given;
  `BackupAndRestore` when a `checkpoint_dir` is given, so an interrupted run
  resumes where it stopped; `TensorBoard` when a `log_dir` is given.
- Input checks raise `ValueError` naming the argument before any work is done.
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np

from recipes.data import Bundle

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "nadam", "adagrad")


# ----------------------------------------------------------------- compile ---


def has_gpu():
    """Whether Keras sees at least one GPU."""
    return any(d.startswith("gpu") for d in keras.distribution.list_devices())


def resolve_jit_compile(jit_compile, *, supports_xla=True):
    """Turns the recipes' `jit_compile` argument into the bool Keras receives.

    Args:
        jit_compile: `"auto"`, `True` or `False`.
        supports_xla: whether the recipe's model can run under XLA on this
            device (a recipe passes `False` where it cannot).

    Returns:
        `True` or `False`.
    """
    if jit_compile == "auto":
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


def make_optimizer(optimizer="auto", learning_rate=1e-3, **kwargs):
    """Builds an optimizer from a name (or passes an instance through).

    Args:
        optimizer: `"auto"` (Adam), one of `OPTIMIZERS`, or a
            `keras.optimizers.Optimizer` instance (then `learning_rate` and
            `kwargs` are ignored).
        learning_rate: a positive float or a `LearningRateSchedule`.
        **kwargs: passed to the optimizer (`clipnorm`, `weight_decay`, ...).

    Returns:
        A `keras.optimizers.Optimizer`.
    """
    if isinstance(optimizer, keras.optimizers.Optimizer):
        return optimizer
    if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
        check_positive(learning_rate, "learning_rate")
    name = "adam" if optimizer == "auto" else optimizer
    if name not in OPTIMIZERS:
        raise ValueError(
            f"`optimizer` must be 'auto', one of {OPTIMIZERS} or an optimizer "
            f"instance, got {optimizer!r}."
        )
    config = {"class_name": name, "config": {"learning_rate": learning_rate, **kwargs}}
    return keras.optimizers.get(config)


# --------------------------------------------------------------------- fit ---


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
    """
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
        early_stopping_patience, monitor, log_dir: see `default_callbacks`.
        **fit_kwargs: passed to `model.fit`.

    Returns:
        The `keras.callbacks.History`.
    """
    if train is None:
        raise ValueError("`data` has no 'train' split.")
    check_positive_int(epochs, "epochs")
    check_positive_int(batch_size, "batch_size")
    all_callbacks = default_callbacks(
        validation=val is not None,
        checkpoint_dir=checkpoint_dir,
        early_stopping_patience=early_stopping_patience,
        monitor=monitor,
        log_dir=log_dir,
    ) + list(callbacks or [])
    if is_dataset(train):
        x, y, batch = train, None, None
    else:
        x, y = train if isinstance(train, tuple) else (train, None)
        batch = batch_size
    if val is not None and not is_dataset(val) and not isinstance(val, tuple):
        val = (val,)
    # `BackupAndRestore` leaves the epoch it resumed from on the model, and
    # Keras 3.15 never clears it: a later fit would skip that many epochs.
    model._initial_epoch = None
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
    """
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


def save_model(model, path):
    """Saves `model` as `.keras` atomically: to a temporary name, then renamed.

    An interrupted save never leaves a truncated file at `path`.

    Args:
        model: any Keras model.
        path: destination ending in `.keras`.

    Returns:
        `path`.
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"`path` must end in '.keras', got {path!r}.")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".keras", dir=directory)
    os.close(handle)
    try:
        model.save(temporary)
        os.chmod(temporary, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


# -------------------------------------------------------------------- data ---


def is_dataset(data):
    """Whether `data` is a `tf.data.Dataset` (without importing TF eagerly)."""
    return type(data).__module__.startswith("tensorflow") and hasattr(
        data, "element_spec"
    )


def get_split(data, split):
    """One split of a recipe's `data` argument.

    Args:
        data: a `recipes.data.Bundle`; a dict with keys `train`, `val`, `test`;
            an `(x, y)` tuple; or a `tf.data.Dataset`. A tuple or dataset is
            used as both the `train` and the `test` split and has no `val`.
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
        isinstance(data, (tuple, list))
        or is_dataset(data)
        or isinstance(data, np.ndarray)
    ):
        return None if split == "val" else data
    raise ValueError(
        "`data` must be a recipes.data.Bundle, a dict of splits, an (x, y) tuple "
        f"or a tf.data.Dataset, got {type(data).__name__}."
    )


def require_split(data, split, name="data"):
    """Like `get_split`, but a missing split is a `ValueError`."""
    value = get_split(data, split)
    if value is None:
        raise ValueError(f"`{name}` has no {split!r} split.")
    return value


def dataset_facts(function, info):
    """The dataset facts (`input_shape`, `num_classes`) that `function` accepts.

    The CLI and the tuner use it to call any recipe's `build` or `HyperModel`
    with what a dataset's `info` says, whatever subset of them it takes.
    """
    import inspect

    accepted = inspect.signature(function).parameters
    facts = {"input_shape": tuple(info.input_shape), "num_classes": info.num_classes}
    return {key: value for key, value in facts.items() if key in accepted}


# ------------------------------------------------------------------ checks ---


def check_positive(value, name):
    """Refuses a number that is not finite and > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"`{name}` must be a positive number, got {value!r}.")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number, got {value!r}.")


def check_non_negative(value, name):
    """Refuses a number that is not finite and >= 0."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite number >= 0, got {value!r}.")


def check_positive_int(value, name, minimum=1):
    """Refuses anything but an integer >= `minimum`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or value < minimum
    ):
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {value!r}.")


def check_fraction(value, name, *, low=0.0, high=1.0, include_high=False):
    """Refuses a number outside `[low, high)` (or `[low, high]`)."""
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and low <= value and (value <= high if include_high else value < high)
    if not ok:
        bracket = "]" if include_high else ")"
        raise ValueError(f"`{name}` must be in [{low}, {high}{bracket}, got {value!r}.")


def check_choice(value, name, choices):
    """Refuses a value that is not one of `choices`."""
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}, got {value!r}.")


def check_array(x, name, *, rank=None, shape=None, low=None, high=None):
    """Checks an input array and returns it as float32 NumPy.

    Args:
        x: array-like.
        name: the argument's name for the error message.
        rank: required number of axes, batch included (or `None`).
        shape: required shape of one example (`None` entries match any size).
        low, high: inclusive bounds the values must respect (or `None`).

    Returns:
        `x` as a float32 `np.ndarray`.

    Raises:
        ValueError: for empty data, a wrong rank or shape, NaN or infinity, or
            values outside the bounds.
    """
    try:
        x = np.asarray(x, dtype="float32")
    except (TypeError, ValueError) as error:
        raise ValueError(f"`{name}` must be a numeric array: {error}") from None
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(
            f"`{name}` is empty (shape {x.shape}); it needs at least one example."
        )
    if rank is None and shape is not None:
        rank = len(tuple(shape)) + 1
    if rank is not None and x.ndim != rank:
        raise ValueError(
            f"`{name}` must have rank {rank} (batch axis included), got shape {x.shape}."
        )
    if shape is not None:
        expected = tuple(shape)
        actual = x.shape[1:]
        if len(actual) != len(expected) or any(
            e is not None and e != a for e, a in zip(expected, actual)
        ):
            raise ValueError(
                f"`{name}` examples must have shape {expected}, got {actual}."
            )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    if low is not None and x.min() < low or high is not None and x.max() > high:
        raise ValueError(
            f"`{name}` values must lie in [{low}, {high}], got [{x.min():g}, {x.max():g}]."
        )
    return x


def check_labels(y, name, *, num_classes, length=None):
    """Checks integer class labels and returns them as int32 NumPy.

    Args:
        y: array-like of labels.
        name: the argument's name for the error message.
        num_classes: labels must lie in `[0, num_classes)`.
        length: required number of labels (the number of examples), or `None`.
    """
    y = np.asarray(y)
    if y.size == 0:
        raise ValueError(f"`{name}` is empty.")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or np.any(y != np.round(y)):
            raise ValueError(
                f"`{name}` must hold integer class labels, got dtype {y.dtype}."
            )
    if length is not None and len(y) != length:
        raise ValueError(f"`{name}` has {len(y)} labels for {length} examples.")
    if y.min() < 0 or y.max() >= num_classes:
        raise ValueError(
            f"`{name}` labels must lie in [0, {num_classes - 1}] "
            f"(num_classes={num_classes}), got [{y.min()}, {y.max()}]."
        )
    return y.astype("int32")


def check_supervised(
    split, name, *, shape, num_classes, rank=None, low=None, high=None
):
    """Checks an `(x, y)` split of a classification recipe.

    `tf.data.Dataset` splits are checked on their element shape only.

    Returns:
        The split with `x` as float32 and `y` as int32 NumPy arrays (datasets
        are returned unchanged).
    """
    if split is None:
        return None
    if is_dataset(split):
        spec = split.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise ValueError(f"`{name}` dataset must yield (x, y) pairs, got {spec}.")
        return split
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    x = check_array(split[0], f"{name} x", rank=rank, shape=shape, low=low, high=high)
    y = check_labels(split[1], f"{name} y", num_classes=num_classes, length=len(x))
    return x, y
