"""Every input check, for arguments, arrays and datasets alike.

Each check raises a `ValueError` that names the argument and says what was
expected, before any work is done. Recipes call these instead of writing
their own, so one fix reaches every recipe.

This module holds the checks of arguments (numbers, choices, seeds, shapes,
layer sizes, activations, `verbose`, callbacks, optimizer hyperparameters);
the checks of data (arrays, labels, `tf.data.Dataset` and
`keras.utils.PyDataset` inputs) live in `recipes.validation_data` and are
re-exported here, so `validation.check_array` and the rest are the one
place to call.
"""

from __future__ import annotations

import keras
import numpy as np

from recipes.validation_data import (  # noqa: F401 (re-exported)
    MAX_MAGNITUDE,
    check_array,
    check_dataset,
    check_inputs,
    check_labels,
    check_segmentation,
    check_supervised,
    first_batch,
    is_dataset,
    is_py_dataset,
)

SEED_LIMIT = 2**32  # seeds are integers in [0, 2**32), as NumPy and scikit-learn take
VERBOSITIES = ("auto", 0, 1, 2)  # what Keras's `fit` takes


def _is_number(value):
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def check_positive(value, name):
    """Refuses a number that is not finite and > 0."""
    if not _is_number(value) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive number, got {value!r}.")


def check_non_negative(value, name):
    """Refuses a number that is not finite and >= 0."""
    if not _is_number(value) or not np.isfinite(value) or value < 0:
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
    ok = _is_number(value) and low <= value
    ok = ok and (value <= high if include_high else value < high)
    if not ok:
        bracket = "]" if include_high else ")"
        raise ValueError(f"`{name}` must be in [{low}, {high}{bracket}, got {value!r}.")


def check_choice(value, name, choices):
    """Refuses a value that is not one of `choices`."""
    try:
        known = value in choices
    except (TypeError, ValueError):  # unhashable, or an array's ambiguous truth
        known = False
    if not known:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}, got {value!r}.")


def check_seed(seed, name="seed", *, allow_none=True):
    """Refuses a seed that is not an integer in `[0, 2**32)` (or `None`).

    Seeds reach NumPy, scikit-learn (`random_state`) and Keras's
    `SeedGenerator`; all three take such an integer.

    Args:
        seed: the seed.
        name: the argument's name for the error message.
        allow_none: whether `None` (fresh randomness) is accepted.

    Returns:
        The seed as a Python `int`, or `None`.

    Raises:
        ValueError: for a negative, too large, float, string or bool seed (or
            `None` where `allow_none` is false).

    Example:

    >>> check_seed(3), check_seed(None)
    (3, None)
    """
    if seed is None and allow_none:
        return None
    if (
        isinstance(seed, bool)
        or not isinstance(seed, (int, np.integer))
        or not 0 <= seed < SEED_LIMIT
    ):
        accepted = "None or an integer" if allow_none else "an integer"
        raise ValueError(f"`{name}` must be {accepted} in [0, 2**32), got {seed!r}.")
    return int(seed)


def check_shape(input_shape, name="input_shape", *, ranks=None, allow_none=False):
    """Refuses a shape that is not a tuple of positive integer sizes.

    Args:
        input_shape: the shape of one example, without the batch axis.
        name: the argument's name for the error message.
        ranks: the allowed numbers of sizes (a tuple of ints), or `None`.
        allow_none: whether a size may be `None` (left open).

    Returns:
        The shape as a tuple.

    Raises:
        ValueError: for something that is not a sequence of sizes, the wrong
            number of sizes, or a size that is zero, negative or not an
            integer.

    Example:

    >>> check_shape([8, 8, 1], ranks=(3,))
    (8, 8, 1)
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or isinstance(input_shape, (str, bytes)) or not shape:
        raise ValueError(f"`{name}` must be a tuple of sizes, got {input_shape!r}.")
    if ranks is not None and len(shape) not in ranks:
        sizes = " or ".join(str(rank) for rank in ranks)
        raise ValueError(f"`{name}` must have {sizes} sizes, got {input_shape!r}.")
    for size in shape:
        if size is None and allow_none:
            continue
        if (
            isinstance(size, bool)
            or not isinstance(size, (int, np.integer))
            or size < 1
        ):
            accepted = (
                "positive integers or None" if allow_none else "positive integers"
            )
            raise ValueError(f"`{name}` sizes must be {accepted}, got {input_shape!r}.")
    return shape


def check_image_shape(input_shape, name="input_shape"):
    """Refuses a shape that is not `(height, width, channels)`.

    Each size is a positive integer, or `None` for a size left open.

    Returns:
        The shape as a tuple.

    Raises:
        ValueError: for anything else (see `check_shape`).
    """
    try:
        rank = len(tuple(input_shape))
    except TypeError:
        rank = None
    if rank != 3 or isinstance(input_shape, (str, bytes)):
        raise ValueError(
            f"`{name}` must be (height, width, channels), got {input_shape!r}."
        )
    return check_shape(input_shape, name, allow_none=True)


def check_sizes(values, name, *, allow_empty=True):
    """Refuses layer sizes that are not a sequence of positive integers.

    Args:
        values: a tuple or list of sizes (`(64, 32)`), not a single number.
        name: the argument's name for the error message.
        allow_empty: whether an empty sequence is accepted.

    Returns:
        The sizes as a tuple.

    Raises:
        ValueError: for a single number, a string, an empty sequence (unless
            allowed) or a size that is not an integer >= 1.

    Example:

    >>> check_sizes([64, 32], "hidden_units")
    (64, 32)
    """
    try:
        sizes = tuple(values)
    except TypeError:
        sizes = None
    if sizes is None or isinstance(values, (str, bytes)):
        raise ValueError(
            f"`{name}` must be a sequence of positive integers such as (64, 32), "
            f"got {values!r}."
        )
    if not sizes and not allow_empty:
        raise ValueError(f"`{name}` must not be empty.")
    for size in sizes:
        if (
            isinstance(size, bool)
            or not isinstance(size, (int, np.integer))
            or size < 1
        ):
            raise ValueError(f"`{name}` must hold integers >= 1, got {values!r}.")
    return sizes


def check_activation(activation, name):
    """Refuses an activation Keras does not know; returns it unchanged.

    Args:
        activation: a Keras activation name (`"relu"`), a callable, or `None`
            (linear).
        name: the argument's name for the error message.

    Raises:
        ValueError: for an unknown name or anything else.
    """
    if activation is None or callable(activation):
        return activation
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        raise ValueError(
            f"`{name}` must be a Keras activation name (such as 'relu', 'sigmoid' "
            f"or 'linear') or a callable, got {activation!r}."
        ) from None
    return activation


def check_verbose(verbose, name="verbose"):
    """Refuses a verbosity Keras's `fit` does not take: `"auto"`, 0, 1 or 2."""
    if isinstance(verbose, bool) or verbose not in VERBOSITIES:
        raise ValueError(f"`{name}` must be 'auto', 0, 1 or 2, got {verbose!r}.")


def check_callbacks(callbacks, name="callbacks"):
    """Refuses callbacks that are not a list of `keras.callbacks.Callback`.

    Args:
        callbacks: `None` or a list (or tuple) of callback instances.
        name: the argument's name for the error message.

    Returns:
        The callbacks as a list (empty for `None`).

    Raises:
        ValueError: for a single callback, a string, or an item that is not a
            `keras.callbacks.Callback`.
    """
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise ValueError(
            f"`{name}` must be a list of keras.callbacks.Callback instances, got "
            f"{callbacks!r}."
        )
    for position, callback in enumerate(callbacks):
        if not isinstance(callback, keras.callbacks.Callback):
            raise ValueError(
                f"`{name}` must hold keras.callbacks.Callback instances, got "
                f"{callback!r} at position {position}."
            )
    return list(callbacks)


def check_patience(patience, name="early_stopping_patience"):
    """Refuses an early-stopping patience that is not `None` or an integer >= 0."""
    if patience is not None and (
        isinstance(patience, bool)
        or not isinstance(patience, (int, np.integer))
        or patience < 0
    ):
        raise ValueError(
            f"`{name}` must be None (no early stopping) or an integer >= 0, got "
            f"{patience!r}."
        )


# Optimizer hyperparameters and the checks they get (`check_optimizer_options`).
_DECAYS = ("beta_1", "beta_2", "momentum", "rho", "ema_momentum")
_POSITIVE = ("epsilon", "clipnorm", "clipvalue", "global_clipnorm")
_NON_NEGATIVE = ("weight_decay",)


def check_optimizer_options(options):
    """Refuses impossible optimizer hyperparameters.

    Decay rates (`beta_1`, `beta_2`, `momentum`, `rho`, `ema_momentum`) must
    lie in [0, 1); `epsilon` and the clipping norms must be positive;
    `weight_decay` must be >= 0. Other keywords are left to Keras.

    Args:
        options: a dict of keyword arguments for a Keras optimizer.

    Raises:
        ValueError: naming the first impossible hyperparameter.

    Example:

    >>> check_optimizer_options({"beta_1": 0.5, "clipnorm": 1.0})
    """
    for key, value in options.items():
        if key in _DECAYS:
            check_fraction(value, key)
        elif key in _POSITIVE and value is not None:
            check_positive(value, key)
        elif key in _NON_NEGATIVE and value is not None:
            check_non_negative(value, key)
