"""The two domains: loading them, reading their splits, pairing their batches.

`load_data` returns a `DomainData` (a labeled source `Bundle` and a target
`Bundle`); `fit` and `evaluate` also take the two domains as separate
arguments, which `split_domains` sorts out. `source_split` and `target_split`
read and check one split of each domain against a DANN model, and
`paired_dataset` makes the batches `fit` trains on.
"""

from __future__ import annotations

import dataclasses

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

    Grey source images get as many channels as the target by repeating the grey
    channel (`digits` (8, 8, 1) becomes (8, 8, 3) to match `digits_m`).

    Args:
        name: the target dataset (default `"digits_m"`).
        source: the source dataset (default `"digits"`).
        seed: seed of the splits (and of `digits_m`'s photo patches). Default 0.

    Returns:
        A `DomainData`.

    Example:

    >>> domains = load_data("digits_m")
    >>> domains.source.train[0].shape, domains.info.input_shape
    ((1077, 8, 8, 3), (8, 8, 3))
    """
    target = data_module.load(name, seed=seed)
    source_bundle = data_module.load(source, seed=seed)
    channels = target.info.input_shape[-1]
    if source_bundle.info.input_shape[-1] == 1 and channels > 1:

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
    if validation.is_dataset(value):
        raise ValueError("`source` must hold (x, y) arrays, not a tf.data.Dataset.")
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
    if validation.is_dataset(value):
        raise ValueError("`target` must hold arrays, not a tf.data.Dataset.")
    x, y = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, None)
    name = f"target {split}"
    if y is None or not labels:
        return validation.check_array(x, f"{name} x", shape=model.input_shape[1:]), None
    return validation.check_supervised(
        (x, y), name, shape=model.input_shape[1:], num_classes=label_units(model)
    )


def paired_dataset(source, target_x, batch_size, *, seed, shuffle=True):
    """Batches of `b` labeled source rows followed by `b` target rows.

    Args:
        source: the source `(x, y)` arrays.
        target_x: the target images.
        batch_size: `b`, rows of each domain per batch (at most the number of
            source examples).
        seed: seed of the shuffling (the target uses `seed + 1`).
        shuffle: shuffle each domain (off for validation data).

    Returns:
        `(dataset, steps)`: a `tf.data.Dataset` of `(x, y, sample_weight)`
        with `y = {"label", "domain"}`, and its number of batches (one pass
        over the source; the target repeats). The label weight is 2 on source
        rows and 0 on target rows (so the batch-mean label loss is the mean
        over source rows), the domain weight 1 everywhere.
    """
    import tensorflow as tf

    x_source, y_source = source
    batch = min(batch_size, len(x_source))
    sources = tf.data.Dataset.from_tensor_slices((x_source, y_source))
    targets = tf.data.Dataset.from_tensor_slices(target_x)
    if shuffle:
        sources = sources.shuffle(len(x_source), seed=seed)
        targets = targets.shuffle(len(target_x), seed=seed + 1)
    sources = sources.batch(batch, drop_remainder=True)
    targets = targets.repeat().batch(batch, drop_remainder=True)

    # The domain labels and the weights are the same for every batch: build
    # them once instead of in every call of `pair`.
    zeros, ones = np.zeros(batch, "float32"), np.ones(batch, "float32")
    domain = tf.constant(np.concatenate([zeros, ones])[:, None])  # (2b, 1)
    label_weight = tf.constant(np.concatenate([2.0 * ones, zeros]))  # (2b,)
    domain_weight = tf.constant(np.ones(2 * batch, "float32"))  # (2b,)
    no_label = tf.constant(np.zeros(batch, np.asarray(y_source).dtype))  # (b,)

    def pair(source_batch, x_target):
        x_s, y_s = source_batch  # (b, H, W, C), (b,)
        x = tf.concat([x_s, x_target], axis=0)  # (2b, H, W, C)
        y = {"label": tf.concat([y_s, no_label], axis=0), "domain": domain}
        return x, y, {"label": label_weight, "domain": domain_weight}

    dataset = tf.data.Dataset.zip((sources, targets)).map(pair)
    return dataset.prefetch(tf.data.AUTOTUNE), len(x_source) // batch
