"""The splits of a `data` argument, checked and shaped for a recurrent model.

`checked` refuses bad input with a `ValueError` before any training, turns
`(n, H, W, 1)` images into `(n, H, W)` sequences of rows and cuts the steps
that are padding in every sequence; `concatenate` joins the training and
validation splits for `fit(refit=True)`, with NumPy for arrays (and a
`keras.utils.PyDataset` split), with `tf.data` only when a split is a
`tf.data.Dataset`.
"""

from __future__ import annotations

import keras
import numpy as np

from recipes import training, validation
from recipes.bilstm.model import (
    has_masking,
    is_text_model,
    is_token_model,
    vocabulary_size_of,
)
from recipes.bilstm.text import require_string_backend, strings


def checked(model, data, split, batch_size, *, required=False):
    """One split of `data`, checked and shaped for `model`; datasets are batched.

    Args:
        model: a model from `build`.
        data: the recipe's `data` argument (see `recipes.training.get_split`).
        split: `"train"`, `"val"` or `"test"`.
        batch_size: the batch size of an unbatched `tf.data.Dataset` split.
        required: whether a missing split is a `ValueError`. Default False.

    Returns:
        `(x, y)` NumPy arrays, a batched, prefetched `tf.data.Dataset`, or a
        `keras.utils.PyDataset` (checked on its first batch), or `None` when
        `data` has no such split (and it is not `required`).

    Raises:
        ValueError: for data that does not fit `model`: wrong shapes or
            ranks, NaN, infinite or huge values, labels out of range (a
            dataset is checked on its `element_spec` and first batch, as
            `validation.check_dataset` does).
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
    if validation.is_dataset(value) or validation.is_py_dataset(value):
        if validation.is_dataset(value) and _unbatched(value, model):
            value = value.batch(batch_size)  # an unbatched (TFDS) split
        validation.check_dataset(
            value,
            name,
            shape=model.input_shape[1:],
            num_classes=num_classes,
            numeric=not is_text_model(model),
        )
        return value.prefetch(2) if validation.is_dataset(value) else value
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    x, y = value
    if is_text_model(model):
        require_string_backend("model")
        x = strings(x, f"{name} x")  # Keras takes strings as objects
        y = validation.check_labels(
            y, f"{name} y", num_classes=num_classes, length=len(x)
        )
    elif is_token_model(model):
        x, y = _token_split(model, x, y, name, num_classes)
    else:
        x = np.asarray(x)
        shape = model.input_shape[1:]
        if x.ndim == len(shape) + 2 and x.shape[-1] == 1:
            x = x[..., 0]  # (n, H, W, 1) images -> (n, H, W) sequences of rows
        x, y = validation.check_supervised(
            (x, y), name, shape=shape, num_classes=num_classes
        )
    stepped = x.ndim >= 2  # numeric or token sequences (not strings)
    if per_step and (y.ndim != 2 or (stepped and y.shape[1] != x.shape[1])):
        steps = x.shape[1] if stepped else "sequence_length"
        raise ValueError(
            f"`{name} y` must hold one label per time step, shape ({len(x)}, "
            f"{steps}), got {y.shape}."
        )
    if not per_step and y.ndim != 1:
        raise ValueError(f"`{name} y` must hold one label per sequence, got {y.shape}.")
    masked = (x.ndim == 3 and has_masking(model)) or is_token_model(model)
    if masked and model.input_shape[1] is None:
        # Steps that are padding in every sequence change nothing under the
        # mask: cut them off so no time is spent on them.
        other_axes = tuple(range(2, x.ndim))
        used = np.flatnonzero(np.any(x != 0, axis=(0, *other_axes)))
        steps = int(used[-1]) + 1 if used.size else 1  # steps not all padding
        x, y = x[:, :steps], (y[:, :steps] if per_step else y)
    return x, y


def _unbatched(dataset, model):
    """Whether a `tf.data.Dataset`'s inputs are single examples of `model`'s."""
    spec = dataset.element_spec
    x_spec = spec[0] if isinstance(spec, tuple) else spec
    rank = getattr(getattr(x_spec, "shape", None), "rank", None)
    return rank == len(model.input_shape) - 1


def _token_split(model, x, y, name, num_classes):
    """Checked `(tokens, labels)` of a token model: ids in `[0, vocabulary)`."""
    top = vocabulary_size_of(model) - 1
    tokens = validation.check_array(
        x, f"{name} x", shape=model.input_shape[1:], low=0, high=top, max_magnitude=None
    )
    if np.any(tokens != np.round(tokens)):
        raise ValueError(f"`{name} x` must hold integer token ids.")
    y = np.asarray(y)
    labels = validation.check_labels(
        y.reshape(-1), f"{name} y", num_classes=num_classes
    ).reshape(y.shape)
    if len(labels) != len(tokens):
        raise ValueError(
            f"`{name} y` has {len(labels)} labels for {len(tokens)} examples."
        )
    return tokens.astype("int32"), labels


def concatenate(train, val, batch_size):
    """Train and val (as `checked` returns them) as one training set.

    Array splits are joined with NumPy; those that `checked` cut to
    different lengths are zero-padded back to the longer one (padding that
    the mask hides). A `keras.utils.PyDataset` split gives a `PyDataset` of
    its batches and the other split's (arrays cut into `batch_size` batches);
    a `tf.data.Dataset` split, a `tf.data.Dataset` of batches of both.

    Args:
        train: the training split.
        val: the validation split.
        batch_size: the batch size of array splits joined to a dataset.

    Returns:
        `(x, y)` NumPy arrays, a `keras.utils.PyDataset` or a
        `tf.data.Dataset`.

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
    if validation.is_py_dataset(train) or validation.is_py_dataset(val):
        return ChainedBatches([train, val], batch_size)
    (x_a, y_a), (x_b, y_b) = train, val
    if x_a.ndim >= 2 and x_a.dtype != object:  # numeric or tokens: `checked`
        # may have cut the two to other lengths
        steps = max(x_a.shape[1], x_b.shape[1])
        x_a, x_b = (pad_steps(x, steps) for x in (x_a, x_b))
        if y_a.ndim == 2:  # per-step labels (the padded steps are masked)
            y_a, y_b = (pad_steps(y, steps) for y in (y_a, y_b))
    return np.concatenate([x_a, x_b]), np.concatenate([y_a, y_b])


class ChainedBatches(keras.utils.PyDataset):
    """The batches of several splits, one split after the other.

    Sequences are zero-padded at the end to the longest part's number of
    steps (as `concatenate` pads arrays), so every batch has one shape.

    Args:
        parts: `keras.utils.PyDataset`s and `(x, y)` arrays (cut into
            `batch_size` batches, the last one smaller).
        batch_size: the batch size of array parts.
        **kwargs: passed to `keras.utils.PyDataset`.
    """

    def __init__(self, parts, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.parts = list(parts)
        self.batch_size = batch_size
        self.index = []  # (part, batch) of each batch
        lengths = []
        for number, part in enumerate(self.parts):
            if validation.is_py_dataset(part):
                count = part.num_batches
                x = np.asarray(validation.first_batch(part, "data")[0])
            else:
                count = -(-len(part[0]) // batch_size)
                x = part[0]
            self.index.extend((number, batch) for batch in range(count))
            if x.ndim >= 2 and x.dtype != object:
                lengths.append(x.shape[1])
        self.steps = max(lengths) if lengths else None

    @property
    def num_batches(self):
        return len(self.index)

    def __len__(self):
        return len(self.index)

    def __getitem__(self, position):
        number, batch = self.index[position]
        part = self.parts[number]
        if validation.is_py_dataset(part):
            x, y, *weights = part[batch]
        else:
            rows = slice(batch * self.batch_size, (batch + 1) * self.batch_size)
            (x, y), weights = (array[rows] for array in part), []
        x, y = np.asarray(x), np.asarray(y)
        if self.steps is not None and x.ndim >= 2 and x.shape[1] < self.steps:
            x = pad_steps(x, self.steps)  # (b, steps, ...)
            if y.ndim == 2:  # per-step labels (the padded steps are masked)
                y = pad_steps(y, self.steps)
        return (x, y, *weights)

    def on_epoch_end(self):
        for part in self.parts:
            if validation.is_py_dataset(part):
                part.on_epoch_end()


def pad_steps(array, steps):
    """`array` zero-padded at the end of its time axis (1) to `steps` steps."""
    widths = [(0, 0)] * array.ndim
    widths[1] = (0, steps - array.shape[1])
    return np.pad(array, widths)
