"""Every input check, for arrays and datasets alike.

Each check raises a `ValueError` that names the argument and says what was
expected, before any work is done. Recipes call these instead of writing
their own, so one fix reaches every recipe.

Two kinds of dataset are told apart: a `tf.data.Dataset` (`is_dataset`,
TensorFlow only) and a `keras.utils.PyDataset` (`is_py_dataset`, any
backend), which `check_supervised` checks on its first batch as it checks
arrays.
"""

from __future__ import annotations

import keras
import numpy as np


def is_dataset(data):
    """Whether `data` is a `tf.data.Dataset` (without importing TF eagerly)."""
    return type(data).__module__.startswith("tensorflow") and hasattr(
        data, "element_spec"
    )


def is_py_dataset(data):
    """Whether `data` is a `keras.utils.PyDataset` (batches on any backend)."""
    return isinstance(data, keras.utils.PyDataset)


def first_batch(dataset, name):
    """The first batch of a `keras.utils.PyDataset`, as a tuple.

    Args:
        dataset: a `keras.utils.PyDataset`.
        name: the argument's name for the error message.

    Returns:
        The batch `(x,)`, `(x, y)` or `(x, y, sample_weight)` as a tuple.

    Raises:
        ValueError: the dataset has no batch, or its batch is not such a tuple.
    """
    try:
        batches = dataset.num_batches
    except NotImplementedError:
        raise ValueError(
            f"`{name}` PyDataset must define `num_batches` (or `__len__`)."
        ) from None
    if batches == 0:
        raise ValueError(f"`{name}` is empty (a PyDataset of 0 batches).")
    try:
        batch = dataset[0]
    except IndexError:
        raise ValueError(f"`{name}` is empty (a PyDataset of 0 batches).") from None
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        batch = (batch,)
    return batch


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


def check_image_shape(input_shape, name="input_shape"):
    """Refuses a shape that is not `(height, width, channels)`.

    Each size is a positive integer, or `None` for a size left open.

    Returns:
        The shape as a tuple.
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is None or len(shape) != 3:
        raise ValueError(
            f"`{name}` must be (height, width, channels), got {input_shape!r}."
        )
    for size in shape:
        if size is not None:
            check_positive_int(size, name)
    return shape


def check_array(x, name, *, rank=None, shape=None, low=None, high=None):
    """Checks an input array and returns it as float32 NumPy.

    Args:
        x: array-like.
        name: the argument's name for the error message.
        rank: required number of axes, batch included (or `None`).
        shape: required shape of one example (`None` entries match any size).
        low: inclusive lower bound of the values (or `None`).
        high: inclusive upper bound of the values (or `None`).

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

    `tf.data.Dataset` splits are checked on their element structure only; a
    `keras.utils.PyDataset` on its first batch, which must be `(x, y)` or `(x,
    y, sample_weight)` with `x` and `y` checked as arrays are (shape, rank,
    bounds, finite values, labels in range).

    Args:
        split: `(x, y)` arrays, a dataset of them, or `None`.
        name: the argument's name for the error message.
        shape: required shape of one example (`None` entries match any size).
        num_classes: labels must lie in `[0, num_classes)`.
        rank: required number of axes of `x`, batch included (or `None`).
        low: inclusive lower bound of the values of `x` (or `None`).
        high: inclusive upper bound of the values of `x` (or `None`).

    Returns:
        The split with `x` as float32 and `y` as int32 NumPy arrays (datasets
        are returned unchanged), or `None` for `None`.

    Example:

    >>> x, y = check_supervised(([[0.5, 1.0]], [1]), "data", shape=(2,), num_classes=2)
    >>> x.dtype, y.tolist()
    (dtype('float32'), [1])
    """
    if split is None:
        return None
    if is_dataset(split):
        spec = split.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise ValueError(f"`{name}` dataset must yield (x, y) pairs, got {spec}.")
        return split
    if is_py_dataset(split):
        batch = first_batch(split, name)
        if len(batch) not in (2, 3):
            raise ValueError(
                f"`{name}` PyDataset must yield (x, y) or (x, y, sample_weight) "
                f"batches, got a batch of {len(batch)} part(s)."
            )
        check_supervised(
            batch[:2],
            f"{name} (first batch)",
            shape=shape,
            num_classes=num_classes,
            rank=rank,
            low=low,
            high=high,
        )
        return split
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    x = check_array(split[0], f"{name} x", rank=rank, shape=shape, low=low, high=high)
    y = check_labels(split[1], f"{name} y", num_classes=num_classes, length=len(x))
    return x, y
