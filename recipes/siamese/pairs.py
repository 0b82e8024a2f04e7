"""Labelled examples in, similar and dissimilar pairs out."""

from __future__ import annotations

import numpy as np

from recipes import validation

CLASS_AUGMENTATIONS = ("rotations", "dihedral")


def check_xy(split, name, shape=None):
    """`(x, y)` arrays as float32 and int32, or `None` for `None`.

    A `tf.data.Dataset` of `(x, y)` elements (batched or not) or a
    `keras.utils.PyDataset` of `(x, y)` batches is read into memory, so the
    pairs are made with NumPy whatever the backend. Labels are any
    non-negative integers, one per example.

    Args:
        split: `(x, y)` arrays, a dataset of them, or `None`.
        name: the argument's name for error messages.
        shape: the required shape of one example, or `None`.
    """
    if split is None:
        return None
    if validation.is_dataset(split):
        batches = list(split.as_numpy_iterator())
        if not batches or not isinstance(batches[0], tuple) or len(batches[0]) != 2:
            raise ValueError(f"`{name}` dataset must yield (x, y) pairs.")
        x = np.concatenate([b[0] for b in batches])
        y = np.concatenate([b[1] for b in batches])
        if x.shape[0] != y.shape[0]:  # an unbatched dataset
            x, y = np.stack([b[0] for b in batches]), np.stack([b[1] for b in batches])
        split = (x, y)
    elif validation.is_py_dataset(split):
        batches = [validation.first_batch(split, name)]
        batches += [tuple(split[i]) for i in range(1, split.num_batches)]
        if len(batches[0]) not in (2, 3):
            raise ValueError(f"`{name}` PyDataset must yield (x, y) batches.")
        x = np.concatenate([np.asarray(b[0]) for b in batches])
        y = np.concatenate([np.asarray(b[1]) for b in batches])
        split = (x, y)
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise ValueError(f"`{name}` must be an (x, y) pair of arrays.")
    y = np.asarray(split[1])
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"`{name} y` must be a 1-D array of class labels.")
    top = np.max(y) if y.size else 0
    num_classes = int(top) + 1 if np.isfinite(top) and top >= 0 else 1
    return validation.check_supervised(
        (split[0], y), name, shape=shape, num_classes=num_classes
    )


def restrict(x, y, classes, name="y"):
    """The examples of `x, y` whose label is in `classes` (all for `None`)."""
    if classes is None:
        return x, y
    classes = np.asarray(list(classes))
    if classes.size == 0:
        raise ValueError("`classes` is empty.")
    missing = sorted(set(classes.tolist()) - set(np.unique(y).tolist()))
    if missing:
        raise ValueError(f"`classes` {missing} do not occur in `{name}`.")
    keep = np.isin(y, classes)
    return x[keep], y[keep]


def augment_classes(x, y, transforms="dihedral"):
    """New classes from old ones by rotating and flipping their images.

    Santoro et al. (2016) and Snell et al. (2017) made each rotation of an
    Omniglot character a new class, so that a metric trained on few classes
    sees many. Here every `(class, transform)` becomes a class: with `k`
    transforms, example `i` transformed by transform `t` gets label
    `y[i] * k + t`.

    Args:
        x: square images, `(n, size, size, channels)`.
        y: integer class labels, `(n,)`.
        transforms: `"rotations"` (by 0, 90, 180 and 270 degrees, `k = 4`) or
            `"dihedral"` (the default: those and their mirror images, `k = 8`).

    Returns:
        `(x_new, y_new)`: `(k * n, size, size, channels)` images, transform by
        transform (the identity first), and their `(k * n,)` int labels.

    Symmetric shapes make near-duplicates across the new classes (a 0 or an
    8 turned by 180 degrees, a 6 turned into a 9), so some dissimilar pairs
    are nearly identical images.

    Raises:
        ValueError: for an unknown `transforms`, non-square images, or labels
            that are not one integer class per image.

    Example:

    >>> import numpy as np
    >>> x, y = np.zeros((3, 8, 8, 1)), np.array([0, 1, 2])
    >>> x_new, y_new = augment_classes(x, y, "rotations")
    >>> x_new.shape, y_new.tolist()
    ((12, 8, 8, 1), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
    """
    validation.check_choice(transforms, "transforms", CLASS_AUGMENTATIONS)
    x, y = check_xy((x, y), "data")
    return _augment_classes(x, y, transforms)


def _augment_classes(x, y, transforms):
    """`augment_classes` on checked `x` (float32) and `y` (int labels)."""
    if x.ndim != 4 or x.shape[1] != x.shape[2]:
        raise ValueError(
            "`x` must hold square images (n, size, size, channels) to rotate "
            f"classes, got shape {x.shape}."
        )
    images = []
    for quarter_turns in range(4):
        turned = np.rot90(x, quarter_turns, axes=(1, 2))
        images.append(turned)
        if transforms == "dihedral":
            images.append(turned[:, :, ::-1])  # mirrored left-right
    k = len(images)
    labels = [y.astype("int64") * k + t for t in range(k)]
    return np.concatenate(images), np.concatenate(labels)


def make_pairs(
    x,
    y,
    negatives_per_positive=3,
    classes=None,
    seed=0,
    positives_per_example=1,
    class_augmentation=None,
):
    """Similar and dissimilar pairs from labelled examples.

    Each example is paired with `positives_per_example` other examples of its
    class (similar, label 1), and each similar pair comes with
    `negatives_per_positive` pairs of the same first example and an example of
    another class (dissimilar, label 0). An example is never paired with itself.

    Args:
        x: examples, `(n, ...)`.
        y: integer class labels, `(n,)`.
        negatives_per_positive: dissimilar pairs per similar pair (an integer
            >= 1, default 3; see docs/recipes/siamese.md).
        classes: the classes to use (others are dropped), or `None` for all.
        seed: seed of the sampling; the same seed gives the same pairs.
        positives_per_example: similar pairs drawn for each example (default 1).
        class_augmentation: `None` (the default), or `"rotations"` /
            `"dihedral"` to pair the classes of `augment_classes` (applied
            after `classes`): a similar pair then shares class and transform.

    Returns:
        `((left, right), labels)`: two arrays shaped like `x` (times the
        number of transforms) and float32 labels (1 = similar, 0 =
        dissimilar), shuffled.

    Raises:
        ValueError: for fewer than two classes, no class with two examples,
            bad examples or labels, or bad arguments (`seed` included).

    Example:

    >>> from recipes import data
    >>> x, y = data.load("digits").train
    >>> (left, right), labels = make_pairs(x, y, negatives_per_positive=3)
    >>> float(labels.mean())  # one similar pair in four
    0.25
    """
    validation.check_positive_int(negatives_per_positive, "negatives_per_positive")
    validation.check_positive_int(positives_per_example, "positives_per_example")
    seed = validation.check_seed(seed)
    x, y = check_xy((x, y), "data")
    x, y = restrict(x, y, classes)
    if class_augmentation is not None:
        validation.check_choice(
            class_augmentation, "class_augmentation", CLASS_AUGMENTATIONS
        )
        x, y = _augment_classes(x, y, class_augmentation)  # checked just above
    left, right, labels = pair_indices(
        y, negatives_per_positive, seed, positives_per_example
    )
    return (x[left], x[right]), labels


def pair_indices(y, negatives_per_positive=3, seed=0, positives_per_example=1):
    """The rows of `make_pairs`: which examples each pair joins, and its label.

    Args:
        y: integer class labels, `(n,)`, already checked and restricted.
        negatives_per_positive: dissimilar pairs per similar pair.
        seed: seed of the sampling (checked).
        positives_per_example: similar pairs drawn for each example.

    Returns:
        `(left, right, labels)`: int arrays `(p,)` indexing `y`'s examples and
        float32 labels `(p,)` (1 = similar), shuffled; `make_pairs` returns
        `(x[left], x[right]), labels`.

    Raises:
        ValueError: for fewer than two classes or no class with two examples.
    """
    labels_present, counts = np.unique(y, return_counts=True)
    if len(labels_present) < 2:
        raise ValueError(
            f"`y` must hold at least two classes to make dissimilar pairs, got "
            f"{labels_present.tolist()}."
        )
    if counts.max() < 2:
        raise ValueError("`y` has no class with two examples: no similar pair exists.")
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(y == c) for c in labels_present}
    anchors, partners = [], []
    for members in by_class.values():
        if len(members) < 2:
            continue
        for _ in range(positives_per_example):
            # A random non-zero offset within the class never picks the anchor itself.
            offset = rng.integers(1, len(members), size=len(members))
            order = np.arange(len(members))
            anchors.append(members)
            partners.append(members[(order + offset) % len(members)])
    anchors, partners = np.concatenate(anchors), np.concatenate(partners)
    # Dissimilar partners: for each anchor, uniform over the examples of other classes.
    neg_anchors = np.repeat(anchors, negatives_per_positive)
    neg_partners = np.empty_like(neg_anchors)
    for c in by_class:
        rows = np.flatnonzero(y[neg_anchors] == c)
        others = np.flatnonzero(y != c)
        neg_partners[rows] = others[rng.integers(0, len(others), size=len(rows))]
    left = np.concatenate([anchors, neg_anchors])
    right = np.concatenate([partners, neg_partners])
    labels = np.concatenate([np.ones(len(anchors)), np.zeros(len(neg_anchors))])
    order = rng.permutation(len(labels))
    return left[order], right[order], labels[order].astype("float32")
