"""The two domains: loading them, reading their splits, pairing their batches.

`load_data` returns a `DomainData` (a labeled source `Bundle` and a target
`Bundle`); `fit` and `evaluate` also take the two domains as separate
arguments, which `split_domains` sorts out. `source_split` and `target_split`
read and check one split of each domain against a DANN model, and
`PairedBatches` makes the batches `fit` trains on: NumPy arrays from a
`keras.utils.PyDataset`, so any Keras backend reads them.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from recipes import data as data_module
from recipes import training, validation
from recipes.dann.model import label_units

DATASET = "digits_m"  # the target domain
SOURCE = "digits"  # the source domain


@dataclasses.dataclass(frozen=True)
class DomainData:
    """A labeled source domain and a target domain, as `fit` and `evaluate` take.

    Attributes:
        source: `recipes.data.Bundle` of the source domain.
        target: `recipes.data.Bundle` of the target domain (its labels are
            used only by `evaluate`, `train_on_target` and the tuner's objective).
        info: the target's `Info` (input shape and classes shared by both).
    """

    source: object
    target: object
    info: object


def load_data(name=DATASET, *, source=SOURCE, seed=0):
    """Loads a source and a target dataset with the same example shape.

    Any two datasets of one example shape and one set of classes pair:
    `load_data("digits", source="syn_digits")` adapts digits typeset from
    typefaces to handwritten ones, `load_data("digits_m")` handwritten digits
    to digits blended with photographs. Grey source images get as many
    channels as the target by repeating the grey channel (`digits`
    (8, 8, 1) becomes (8, 8, 3) to match `digits_m`).

    Args:
        name: the target dataset (default `"digits_m"`).
        source: the source dataset (default `"digits"`).
        seed: seed of the splits (and of `digits_m`'s photo patches). Default 0.

    Returns:
        A `DomainData`.

    Raises:
        ValueError: for a bad `seed`, a name that `recipes.data.load` does
            not know, a source whose examples do not have the target's
            shape (after the grey channel is repeated), or one with another
            number of classes.

    Example:

    >>> domains = load_data("digits_m")
    >>> domains.source.train[0].shape, domains.info.input_shape
    ((1077, 8, 8, 3), (8, 8, 3))
    """
    seed = validation.check_seed(seed, allow_none=False)
    target = data_module.load(name, seed=seed)
    source_bundle = data_module.load(source, seed=seed)
    target_shape = tuple(target.info.input_shape)
    source_shape = tuple(source_bundle.info.input_shape)
    channels = target_shape[-1] if target_shape else None
    grey = len(source_shape) == 3 and source_shape[-1] == 1
    if grey and len(target_shape) == 3 and channels and channels > 1:
        source_shape = (*source_shape[:-1], channels)
    if source_shape != target_shape:
        raise ValueError(
            f"`source` {source!r} has examples of shape "
            f"{tuple(source_bundle.info.input_shape)}, which do not match the "
            f"target {name!r}'s {target_shape}: DANN needs one example shape for "
            "both domains."
        )
    if source_bundle.info.num_classes != target.info.num_classes:
        raise ValueError(
            f"`source` {source!r} has {source_bundle.info.num_classes} classes and "
            f"the target {name!r} {target.info.num_classes}: DANN needs one set of "
            "classes for both domains."
        )
    if source_shape != tuple(source_bundle.info.input_shape):

        def repeat(split):  # (N, H, W, 1) -> (N, H, W, channels)
            return (np.repeat(split[0], channels, axis=-1), split[1])

        source_bundle = data_module.Bundle(
            train=repeat(source_bundle.train),
            val=repeat(source_bundle.val),
            test=repeat(source_bundle.test),
            info=dataclasses.replace(
                source_bundle.info, input_shape=tuple(target.info.input_shape)
            ),
        )
    return DomainData(source=source_bundle, target=target, info=target.info)


def split_domains(source, target):
    """Sorts `fit`/`evaluate`'s arguments into (source data, target data)."""
    if isinstance(source, DomainData):
        return source.source, source.target if target is None else target
    if target is None:
        raise ValueError(
            "`target` is required unless `source` is a DomainData (from `load_data`)."
        )
    return source, target


def source_split(model, source, split):
    """The checked `(x, y)` of the source's `split`, or `None` when absent."""
    value = training.get_split(source, split)
    if value is None:
        return None
    if validation.is_dataset(value) or validation.is_py_dataset(value):
        raise ValueError(
            "`source` must hold (x, y) arrays, not a dataset: `fit` pairs the "
            "domains' batches itself."
        )
    return validation.check_supervised(
        value,
        f"source {split}",
        shape=model.input_shape[1:],
        num_classes=label_units(model),
    )


def target_split(model, target, split, *, labels=True):
    """The checked `(x, y)` of the target's `split`, `y` `None` when unlabeled.

    Arrays given for `target` (`x`, or `(x, y)`) stand for any split. With
    `labels=False` the labels are neither read nor checked (`y` is `None`).

    Returns:
        `(x, y)` with `x` float32 and `y` int32 or `None`; `None` when the
        split is absent.
    """
    if isinstance(target, (np.ndarray, tuple, list)):
        value = target
    else:
        value = training.get_split(target, split)
    if value is None:
        return None
    if validation.is_dataset(value) or validation.is_py_dataset(value):
        raise ValueError(
            "`target` must hold arrays, not a dataset: `fit` pairs the domains' "
            "batches itself."
        )
    x, y = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, None)
    name = f"target {split}"
    if y is None or not labels:
        return validation.check_array(x, f"{name} x", shape=model.input_shape[1:]), None
    return validation.check_supervised(
        (x, y), name, shape=model.input_shape[1:], num_classes=label_units(model)
    )


class PairedBatches(keras.utils.PyDataset):
    """Batches of `b` labeled source rows followed by `b` target rows, as NumPy.

    A `keras.utils.PyDataset`, so `fit` reads it on any backend (TensorFlow
    is not needed to make the batches). One epoch is one pass over the source
    examples (the last incomplete batch is dropped); the target rows continue
    through passes over the target examples, so every batch is full even
    when the target split is the smaller one. With `shuffle`, each epoch
    draws a new order of each domain from `seed` and the epoch's number (the
    source from `(seed, epoch)`, the target from `(seed + 1, epoch)`), so two
    runs with the same seed see the same batches.

    Each batch is `(x, y, sample_weight)`: `x` `(2b, ...)` float32, `y =
    {"label": (2b,), "domain": (2b, 1)}` and `sample_weight = {"label",
    "domain"}` `(2b,)`. The label weight is 2 on source rows and 0 on target
    rows (so the batch-mean label loss is the mean over source rows, and the
    target's labels, 0 here, never count), the domain weight 1 everywhere;
    the domain label is 0 for source rows and 1 for target rows.

    Args:
        source: the source `(x, y)` arrays.
        target_x: the target examples (same example shape as the source).
        batch_size: `b`, rows of each domain per batch (at most the number of
            source examples: a larger one is cut to it).
        seed: seed of the shuffling. Default 0.
        shuffle: draw a new order each epoch (off: the examples in order,
            for validation data). Default True.
        **kwargs: passed to `keras.utils.PyDataset` (`workers`, ...).

    Example:

    >>> x_s, y_s = np.zeros((10, 2), "float32"), np.arange(10) % 2
    >>> batches = PairedBatches((x_s, y_s), np.ones((3, 2), "float32"), 4)
    >>> x, y, weights = batches[0]
    >>> len(batches), x.shape, y["domain"].ravel().tolist()
    (2, (8, 2), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0])
    >>> weights["label"].tolist()
    [2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, source, target_x, batch_size, *, seed=0, shuffle=True, **kwargs):
        super().__init__(**kwargs)
        validation.check_positive_int(batch_size, "batch_size")
        seed = validation.check_seed(seed, allow_none=False)
        if not isinstance(source, (tuple, list)) or len(source) != 2:
            raise ValueError("`source` must be an (x, y) pair of arrays.")
        x_source, y_source = source
        if len(x_source) == 0 or len(target_x) == 0:
            raise ValueError("`source` and `target_x` need at least one example each.")
        self.x_source = np.asarray(x_source, "float32")
        self.y_source = np.asarray(y_source)
        self.x_target = np.asarray(target_x, "float32")
        self.batch = min(int(batch_size), len(self.x_source))
        self.steps = len(self.x_source) // self.batch
        self.seed, self.shuffle = int(seed), bool(shuffle)
        self.epoch = 0
        # The domain labels and the weights are the same for every batch.
        b = self.batch
        zeros, ones = np.zeros(b, "float32"), np.ones(b, "float32")
        self.domain = np.concatenate([zeros, ones])[:, None]  # (2b, 1)
        self.weights = {
            "label": np.concatenate([2.0 * ones, zeros]),  # (2b,)
            "domain": np.ones(2 * b, "float32"),  # (2b,)
        }
        self.no_label = np.zeros(b, self.y_source.dtype)  # (b,)
        self._draw()

    def _draw(self):
        """The source and target row order of the current epoch."""
        rows = self.steps * self.batch
        n_source, n_target = len(self.x_source), len(self.x_target)
        passes = -(-rows // n_target)  # passes over the target to fill `rows`
        if self.shuffle:
            source_rng = np.random.default_rng([self.seed, self.epoch])
            target_rng = np.random.default_rng([self.seed + 1, self.epoch])
            self.source_order = source_rng.permutation(n_source)[:rows]
            self.target_order = np.concatenate(
                [target_rng.permutation(n_target) for _ in range(passes)]
            )[:rows]
        else:
            self.source_order = np.arange(rows)
            self.target_order = np.tile(np.arange(n_target), passes)[:rows]

    @property
    def num_batches(self):
        return self.steps

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        if not 0 <= index < self.steps:
            raise IndexError(f"batch {index} of {self.steps}")
        rows = slice(index * self.batch, (index + 1) * self.batch)
        source_rows = self.source_order[rows]
        x = np.concatenate(
            [self.x_source[source_rows], self.x_target[self.target_order[rows]]]
        )  # (2b, ...)
        y = {
            "label": np.concatenate([self.y_source[source_rows], self.no_label]),
            "domain": self.domain,
        }
        return x, y, self.weights

    def on_epoch_end(self):
        self.epoch += 1
        if self.shuffle:
            self._draw()
