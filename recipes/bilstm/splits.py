"""The splits of a `data` argument, checked and shaped for a recurrent model.

`checked` refuses bad input with a `ValueError` before any training, turns
`(n, H, W, 1)` images into `(n, H, W)` sequences of rows and cuts the steps
that are padding in every sequence; `concatenate` joins the training and
validation splits for `fit(refit=True)`.
"""

from __future__ import annotations

import numpy as np

from recipes import training, validation
from recipes.bilstm.model import has_masking, is_text_model


def checked(model, data, split, batch_size, *, required=False):
    """One split of `data`, checked and shaped for `model`; datasets are batched.

    Args:
        model: a model from `build`.
        data: the recipe's `data` argument (see `recipes.training.get_split`).
        split: `"train"`, `"val"` or `"test"`.
        batch_size: the batch size of an unbatched `tf.data.Dataset` split.
        required: whether a missing split is a `ValueError`. Default False.

    Returns:
        `(x, y)` NumPy arrays or a batched, prefetched `tf.data.Dataset`, or
        `None` when `data` has no such split (and it is not `required`).
    """
    if required:
        value = training.require_split(data, split)
    else:
        value = training.get_split(data, split)
    if value is None:
        return None
    name = f"data {split}"
    per_step = len(model.output_shape) == 3
    num_classes = model.output_shape[-1]
    if validation.is_dataset(value):
        value = validation.check_supervised(
            value, name, shape=None, num_classes=num_classes
        )
        if len(value.element_spec[0].shape) == len(model.input_shape) - 1:
            value = value.batch(batch_size)  # an unbatched (TFDS) split
        return value.prefetch(2)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    x, y = value
    if is_text_model(model):
        x = np.asarray(x)
        if x.ndim != 1 or x.size == 0 or x.dtype.kind not in "USO":
            raise ValueError(
                f"`{name} x` must be a non-empty 1-D array of strings, got shape "
                f"{x.shape} of {x.dtype}."
            )
        x = x.astype(str).astype(object)  # Keras takes strings as objects
        y = validation.check_labels(
            y, f"{name} y", num_classes=num_classes, length=len(x)
        )
    else:
        x = np.asarray(x)
        shape = model.input_shape[1:]
        if x.ndim == len(shape) + 2 and x.shape[-1] == 1:
            x = x[..., 0]  # (n, H, W, 1) images -> (n, H, W) sequences of rows
        x, y = validation.check_supervised(
            (x, y), name, shape=shape, num_classes=num_classes
        )
    if per_step and (y.ndim != 2 or (x.ndim == 3 and y.shape[1] != x.shape[1])):
        steps = x.shape[1] if x.ndim == 3 else "sequence_length"
        raise ValueError(
            f"`{name} y` must hold one label per time step, shape ({len(x)}, "
            f"{steps}), got {y.shape}."
        )
    if not per_step and y.ndim != 1:
        raise ValueError(f"`{name} y` must hold one label per sequence, got {y.shape}.")
    if x.ndim == 3 and has_masking(model) and model.input_shape[1] is None:
        # Steps that are padding in every sequence change nothing under the
        # mask: cut them off so no time is spent on them.
        used = np.flatnonzero(np.any(x != 0, axis=(0, 2)))  # steps not all padding
        steps = int(used[-1]) + 1 if used.size else 1
        x, y = x[:, :steps], (y[:, :steps] if per_step else y)
    return x, y


def concatenate(train, val, batch_size):
    """Train and val (as `checked` returns them) as one training set.

    Array splits that `checked` cut to different lengths are zero-padded back
    to the longer one (padding that the mask hides); datasets, or an array
    split beside a dataset, are concatenated as batched datasets.

    Example:

    >>> import numpy as np
    >>> x, y = np.ones((4, 25, 3)), np.zeros(4, "int32")
    >>> merged = concatenate((x[:, :20], y), (x, y), batch_size=2)
    >>> merged[0].shape
    (8, 25, 3)
    """
    if validation.is_dataset(train) or validation.is_dataset(val):
        import tensorflow as tf

        def batched(split):
            if validation.is_dataset(split):
                return split
            return tf.data.Dataset.from_tensor_slices(split).batch(batch_size)

        return batched(train).concatenate(batched(val)).prefetch(2)
    (x_a, y_a), (x_b, y_b) = train, val
    if x_a.ndim == 3:  # numeric: `checked` may have cut the two to other lengths
        steps = max(x_a.shape[1], x_b.shape[1])
        x_a, x_b = (pad_steps(x, steps) for x in (x_a, x_b))
        if y_a.ndim == 2:  # per-step labels (the padded steps are masked)
            y_a, y_b = (pad_steps(y, steps) for y in (y_a, y_b))
    return np.concatenate([x_a, x_b]), np.concatenate([y_a, y_b])


def pad_steps(array, steps):
    """`array` zero-padded at the end of its time axis (1) to `steps` steps."""
    widths = [(0, 0)] * array.ndim
    widths[1] = (0, steps - array.shape[1])
    return np.pad(array, widths)
