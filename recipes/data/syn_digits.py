"""`syn_digits`: typeset digits made into 8x8 images as scikit-learn's were.

The digits 0-9 are drawn from the typefaces that matplotlib installs (see
`recipes.data.typefaces`), each image from a random typeface with its own
seeded variation of size, aspect, rotation, shear, stroke width, position
and an elastic warp, on a 32x32 canvas. Each is then processed as the UCI
optdigits bitmaps behind `sklearn.datasets.load_digits` were: a binary 32x32
bitmap, the on-pixels counted in non-overlapping 4x4 blocks (0..16 each),
8x8 in all, then scaled to [0, 1] by dividing by 16 as `digits` is. So it
is a labeled synthetic source for domain adaptation to the handwritten
`digits`, as Ganin et al. (2016) adapt Syn Numbers to SVHN.

Example:

>>> from recipes import data
>>> bundle = data.load("syn_digits", seed=0)
>>> bundle.train[0].shape, bundle.info.num_classes
((6000, 8, 8, 1), 10)
"""

from __future__ import annotations

import functools

import numpy as np

from recipes.data import embedded, typefaces

SIZE = 10_000  # images, a thousand of each digit
BITMAP = 32  # side of the binary bitmap, as in optdigits
BLOCK = 4  # side of the blocks whose on-pixels are counted
DISTORTION = typefaces.Distortion(
    size=BITMAP,
    box=29.0,  # a digit's height in bitmap pixels, before scaling
    rotation=15.0,
    scale=(0.85, 1.1),
    aspect=0.25,
    shear=0.35,
    shift=1.5,
    elastic=1.0,
    stroke=(-1, 4),
    supersample=1,
)


def bitmaps_to_blocks(bitmaps):
    """Counts the on-pixels of 32x32 binary bitmaps in 4x4 blocks.

    Args:
        bitmaps: `(n, 32, 32)` booleans (or 0/1).

    Returns:
        `(n, 8, 8)` int32 counts in 0..16.
    """
    bitmaps = np.asarray(bitmaps, dtype="int32")
    n, height, width = bitmaps.shape
    blocks = bitmaps.reshape(n, height // BLOCK, BLOCK, width // BLOCK, BLOCK)
    return blocks.sum(axis=(2, 4))  # (n, 8, 8)


@functools.cache
def _digit_canvases():
    """Every typeface's canvas of every digit: `(canvases, digits)` arrays."""
    canvases, digits = [], []
    for typeface in typefaces.available():
        for digit in range(10):
            canvas = typefaces.render(typeface, str(digit))
            if canvas is not None:
                canvases.append(canvas)
                digits.append(digit)
    return np.stack(canvases), np.asarray(digits, dtype="int32")


@functools.cache
def images(seed, size=SIZE):
    """`size` images, `size // 10` of each digit, and their labels.

    Returns:
        `(x, y)`: x `(size, 8, 8, 1)` float32 in [0, 1] (block counts / 16),
        y `(size,)` int32 digits. Both read-only.
    """
    canvases, digits = _digit_canvases()
    rng = np.random.default_rng([seed, size])
    y = np.repeat(np.arange(10, dtype="int32"), size // 10)
    chosen = np.empty(len(y), dtype=int)
    for digit in range(10):  # a random typeface for each image
        having = np.flatnonzero(digits == digit)
        mask = y == digit
        chosen[mask] = rng.choice(having, mask.sum())
    grey = np.concatenate(
        [
            typefaces.distort(canvases[chosen[start : start + 1000]], rng, DISTORTION)
            for start in range(0, len(y), 1000)
        ]
    )  # (size, 32, 32) in [0, 1]
    counts = bitmaps_to_blocks(grey >= 0.5)  # (size, 8, 8) in 0..16
    x = (counts / 16.0).astype("float32")[..., None]  # (size, 8, 8, 1)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def load(split=(0.6, 0.2, 0.2), seed=0):
    """`syn_digits` as a `recipes.data.Bundle`, split as `digits` is.

    Args:
        split: train/validation/test fractions (stratified, every digit in
            every split).
        seed: seed of the renderings and of the split.

    Returns:
        A `Bundle` of `(x, y)` splits, x `(n, 8, 8, 1)` float32 in [0, 1].
    """
    from recipes import data

    x, y = images(seed)
    train, val, test = embedded.stratified_split(y, split, seed)
    info = data.Info(
        name="syn_digits",
        input_shape=(8, 8, 1),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        description=(
            "digits drawn from matplotlib's typefaces with random size, rotation, "
            "shear, stroke width and position, made 8x8 as scikit-learn's digits "
            "were (32x32 bitmaps, on-pixels counted in 4x4 blocks, / 16)"
        ),
        source="matplotlib's bundled typefaces (DejaVu, STIX, Computer Modern)",
    )
    return data.Bundle(
        train=(x[train], y[train]),
        val=(x[val], y[val]),
        test=(x[test], y[test]),
        info=info,
    )
