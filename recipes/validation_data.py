"""The checks of data: arrays, labels, `tf.data.Dataset` and `PyDataset` inputs.

Part of `recipes.validation`, which re-exports every name here. Arrays are
checked whole; a dataset is checked on its element structure (a
`tf.data.Dataset`'s `element_spec`: rank, example shape, unbatched elements)
and on the values of its FIRST batch (finite inputs within bounds, labels in
range), before any training, by `check_dataset`, which every recipe reaches
through `check_supervised` (inputs and labels) or `check_inputs` (inputs
only).

Two kinds of dataset are told apart: a `tf.data.Dataset` (`is_dataset`,
TensorFlow installed) and a `keras.utils.PyDataset` (`is_py_dataset`, any
backend).
"""

from __future__ import annotations

import keras
import numpy as np

# Inputs beyond this magnitude are refused: they overflow float32 activations,
# losses and gradients within a few layers. Scale them first.
MAX_MAGNITUDE = 1e6


def is_dataset(data):
    """Whether `data` is a `tf.data.Dataset` (without importing TF eagerly)."""
    return type(data).__module__.startswith("tensorflow") and hasattr(
        data, "element_spec"
    )


def is_py_dataset(data):
    """Whether `data` is a `keras.utils.PyDataset` (batches on any backend)."""
    return isinstance(data, keras.utils.PyDataset)


def first_batch(dataset, name):
    """The first batch of a `keras.utils.PyDataset` or `tf.data.Dataset`, as a tuple.

    Args:
        dataset: a `keras.utils.PyDataset` or `tf.data.Dataset`.
        name: the argument's name for the error message.

    Returns:
        The batch `(x,)`, `(x, y)` or `(x, y, sample_weight)` as a tuple (of
        NumPy arrays for a `tf.data.Dataset`).

    Raises:
        ValueError: the dataset has no batch.
    """
    if is_dataset(dataset):
        for batch in dataset.take(1).as_numpy_iterator():
            return batch if isinstance(batch, tuple) else (batch,)
        raise ValueError(f"`{name}` is empty (a dataset with no element).")
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


def check_array(
    x,
    name,
    *,
    rank=None,
    shape=None,
    low=None,
    high=None,
    max_magnitude=MAX_MAGNITUDE,
):
    """Checks an input array and returns it as float32 NumPy.

    Args:
        x: array-like.
        name: the argument's name for the error message.
        rank: required number of axes, batch included (or `None`).
        shape: required shape of one example (`None` entries match any size).
        low: inclusive lower bound of the values (or `None`).
        high: inclusive upper bound of the values (or `None`).
        max_magnitude: the largest absolute value accepted (default
            `MAX_MAGNITUDE`, 1e6: larger inputs overflow float32 training;
            `None` for no limit).

    Returns:
        `x` as a float32 `np.ndarray`.

    Raises:
        ValueError: for empty data, a wrong rank or shape, NaN or infinity,
            values outside the bounds, or values beyond `max_magnitude`.
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
        _check_example_shape(x.shape[1:], tuple(shape), name)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{name}` contains NaN or infinite values.")
    if low is not None and x.min() < low or high is not None and x.max() > high:
        raise ValueError(
            f"`{name}` values must lie in [{low}, {high}], got [{x.min():g}, {x.max():g}]."
        )
    peak = float(np.max(np.abs(x)))
    if max_magnitude is not None and peak > max_magnitude:
        raise ValueError(
            f"`{name}` has values of magnitude up to {peak:.3g}, beyond "
            f"{max_magnitude:g}: scale the inputs (to [0, 1] or unit variance, for "
            "instance) so that float32 training stays finite."
        )
    return x


def _fits(actual, expected):
    """Whether shape `actual` is `expected` (`None` sizes match any)."""
    return len(actual) == len(expected) and all(
        e is None or a is None or e == a for e, a in zip(expected, actual)
    )


def _check_example_shape(actual, expected, name):
    if not _fits(actual, expected):
        raise ValueError(f"`{name}` examples must have shape {expected}, got {actual}.")


def check_labels(y, name, *, num_classes, length=None):
    """Checks integer class labels and returns them as int32 NumPy.

    Args:
        y: array-like of labels.
        name: the argument's name for the error message.
        num_classes: labels must lie in `[0, num_classes)`.
        length: required number of labels (the number of examples), or `None`.

    Raises:
        ValueError: for empty or non-integer labels, the wrong number of
            labels, or labels outside `[0, num_classes)`.
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


def _spec_shape(spec):
    """The shape of a `tf.TensorSpec` as a tuple (`None` for an unknown rank)."""
    shape = getattr(spec, "shape", None)
    if shape is None or getattr(shape, "rank", None) is None:
        return None
    return tuple(shape)


def check_dataset(
    dataset,
    name,
    *,
    shape=None,
    rank=None,
    num_classes=None,
    low=None,
    high=None,
    labels=True,
    numeric=True,
):
    """Checks a `tf.data.Dataset` or `keras.utils.PyDataset` before training.

    The structure first: elements must be `(x, y)` or `(x, y, sample_weight)`
    batches (with `labels`; without, `x` alone is accepted too and any `y` is
    ignored); for a `tf.data.Dataset`, `element_spec` must give `x` the rank
    of a batch of examples of `shape` (elements one rank short are unbatched
    examples) and the example shape `shape`. Then the values of the first
    batch, as arrays are checked: `x` finite, within `[low, high]` and
    `MAX_MAGNITUDE`, `y` integer labels in `[0, num_classes)`.

    Args:
        dataset: a `tf.data.Dataset` or `keras.utils.PyDataset`.
        name: the argument's name for the error message.
        shape: required shape of one example (`None` entries match any size;
            `None` skips the shape checks).
        rank: required rank of `x`, batch axis included (default: one more
            than `shape` has sizes).
        num_classes: labels must lie in `[0, num_classes)` (`None`: labels
            are not checked).
        low: inclusive lower bound of the values of `x` (or `None`).
        high: inclusive upper bound of the values of `x` (or `None`).
        labels: whether elements must carry labels `y`.
        numeric: whether `x` holds numbers (`False` for strings: the values
            of `x` are then not checked).

    Returns:
        The first batch, as `first_batch` returns it.

    Raises:
        ValueError: for the wrong element structure, rank or example shape,
            unbatched elements, an empty dataset, or bad values in the first
            batch (see `check_array` and `check_labels`).

    Example:

    >>> import tensorflow as tf
    >>> good = tf.data.Dataset.from_tensor_slices(([[0.5, 1.0]], [1])).batch(8)
    >>> len(check_dataset(good, "data", shape=(2,), num_classes=2))
    2
    """
    if rank is None and shape is not None:
        rank = len(tuple(shape)) + 1
    if is_dataset(dataset):
        _check_element_spec(dataset.element_spec, name, shape, rank, labels)
    batch = first_batch(dataset, name)
    if labels and len(batch) not in (2, 3):
        raise ValueError(
            f"`{name}` must yield (x, y) or (x, y, sample_weight) batches, got a "
            f"batch of {len(batch)} part(s)."
        )
    x = np.asarray(batch[0]) if numeric else batch[0]
    part = f"{name} (first batch)"
    if rank is not None and numeric and x.ndim == rank - 1:
        if shape is None or _fits(x.shape, tuple(shape)):
            _unbatched(name, x.shape)
    if numeric:
        x = check_array(x, f"{part} x", rank=rank, shape=shape, low=low, high=high)
    if labels and num_classes is not None:
        check_labels(batch[1], f"{part} y", num_classes=num_classes, length=len(x))
    return batch


def _unbatched(name, example_shape):
    raise ValueError(
        f"`{name}` is unbatched: its elements are single examples of shape "
        f"{tuple(example_shape)}; batch it first (`dataset.batch(32)`)."
    )


def _check_element_spec(spec, name, shape, rank, labels):
    """Checks a `tf.data.Dataset`'s `element_spec` (see `check_dataset`)."""
    parts = spec if isinstance(spec, tuple) else (spec,)
    if (labels and len(parts) not in (2, 3)) or len(parts) not in (1, 2, 3):
        wanted = "(x, y) or (x, y, sample_weight)" if labels else "x or (x, y)"
        raise ValueError(f"`{name}` must yield {wanted} elements, got {spec}.")
    if rank is None:
        return
    x_shape = _spec_shape(parts[0])
    if not hasattr(parts[0], "shape"):
        raise ValueError(f"`{name}` must yield x as one tensor, got {parts[0]}.")
    if x_shape is None:
        return  # an unknown rank: the first batch is checked instead
    if len(x_shape) == rank - 1 and (shape is None or _fits(x_shape, tuple(shape))):
        _unbatched(name, x_shape)
    if len(x_shape) != rank:
        raise ValueError(
            f"`{name}` batches must have rank {rank} (batch axis included), got "
            f"elements of shape {x_shape}."
        )
    if shape is not None:
        _check_example_shape(x_shape[1:], tuple(shape), name)


def check_supervised(
    split, name, *, shape, num_classes, rank=None, low=None, high=None
):
    """Checks an `(x, y)` split of a classification recipe.

    Arrays are checked whole (shape, rank, bounds, finite values, labels in
    range); a `tf.data.Dataset` or `keras.utils.PyDataset` on its structure
    and its first batch (`check_dataset`).

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

    Raises:
        ValueError: see `check_array`, `check_labels` and `check_dataset`.

    Example:

    >>> x, y = check_supervised(([[0.5, 1.0]], [1]), "data", shape=(2,), num_classes=2)
    >>> x.dtype, y.tolist()
    (dtype('float32'), [1])
    """
    if split is None:
        return None
    if is_dataset(split) or is_py_dataset(split):
        check_dataset(
            split,
            name,
            shape=shape,
            rank=rank,
            num_classes=num_classes,
            low=low,
            high=high,
        )
        return split
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    x = check_array(split[0], f"{name} x", rank=rank, shape=shape, low=low, high=high)
    y = check_labels(split[1], f"{name} y", num_classes=num_classes, length=len(x))
    return x, y


def check_segmentation(split, name, *, shape, num_classes):
    """Checks an `(x, masks)` split of a segmentation recipe.

    `x` must be images of `shape` `(height, width, channels)`; the masks
    `(height, width, 1)`: values in [0, 1] for one class (a binary mask, soft
    values allowed), integer class indices in `[0, num_classes)` for more. A
    dataset is checked on its structure and first batch.

    Args:
        split: `(x, masks)` arrays, a dataset of them, or `None`.
        name: the argument's name for the error message.
        shape: required shape of one image.
        num_classes: 1 for binary masks, else the number of classes.

    Returns:
        The split with `x` and the masks as float32 NumPy arrays (datasets
        unchanged), or `None` for `None`.

    Raises:
        ValueError: see `check_array` and `check_dataset`, and for masks of
            the wrong shape or values.
    """
    if split is None:
        return None
    mask_shape = (*tuple(shape)[:-1], 1)
    if is_dataset(split) or is_py_dataset(split):
        batch = check_dataset(split, name, shape=shape, labels=True, num_classes=None)
        masks = [np.asarray(batch[1])]
    else:
        if not isinstance(split, (tuple, list)) or len(split) != 2:
            raise ValueError(f"`{name}` must be an (x, masks) pair of arrays.")
        x = check_array(split[0], f"{name} x", shape=shape)
        masks = [check_array(split[1], f"{name} y", shape=mask_shape)]
        if len(masks[0]) != len(x):
            raise ValueError(
                f"`{name} y` has {len(masks[0])} masks for {len(x)} images."
            )
    y = check_array(masks[0], f"{name} y", shape=mask_shape)
    if num_classes == 1:
        if y.min() < 0 or y.max() > 1:
            raise ValueError(
                f"`{name} y` binary masks must lie in [0, 1], "
                f"got [{y.min():g}, {y.max():g}]."
            )
    else:
        check_labels(y, f"{name} y", num_classes=num_classes)
    if is_dataset(split) or is_py_dataset(split):
        return split
    return x, y


def check_inputs(split, name, *, shape, low=None, high=None):
    """Checks the inputs `x` of a split whose labels are not used.

    Args:
        split: `x`, `(x, y)` (the labels are dropped), a dataset of `x` or of
            `(x, y)` (checked by `check_dataset` on its first batch), or
            `None`.
        name: the argument's name for the error message (`"data train"`).
        shape: required shape of one example.
        low: inclusive lower bound of the values (or `None`).
        high: inclusive upper bound of the values (or `None`).

    Returns:
        `x` as float32 NumPy, the dataset unchanged, or `None` for `None`.

    Raises:
        ValueError: see `check_array` and `check_dataset`.
    """
    if split is None:
        return None
    if is_dataset(split) or is_py_dataset(split):
        check_dataset(split, name, shape=shape, low=low, high=high, labels=False)
        return split
    if isinstance(split, (tuple, list)):
        if len(split) not in (1, 2):
            raise ValueError(f"`{name}` must be x or an (x, y) pair.")
        split = split[0]
    return check_array(split, f"{name} x", shape=shape, low=low, high=high)
