"""An offline localisation and segmentation dataset: digits placed on photographs.

Each of scikit-learn's 1,797 handwritten digits (8x8) is upsampled to a random
side of 16 to 32 pixels (bilinear), placed at a random position on a larger square
canvas (64x64 by default) and drawn over a random patch of one of
scikit-learn's two sample photographs, the way MNIST-M draws its digits (see
`recipes.data.embedded.blend_with_photos`): inside the digit's pixel mask the
canvas is `|patch - ink|` per colour channel, elsewhere the photo patch. Every
canvas comes with

- its pixel mask: 1 where the upsampled digit's ink exceeds one half, else 0;
- its bounding box `(top, left, bottom, right)` in pixels, bottom and right
  exclusive, the smallest box holding the mask;
- its digit label.

Everything is drawn from one `numpy.random.Generator` seeded with `seed`, so a
seed gives the same canvases on any machine and backend. The split is the
stratified split of `recipes.data.load("digits")` with the same seed.

`recipes.data.load("digits_loc")` gives the segmentation view: `(canvas,
mask)` pairs. `load` here gives every annotation.

Example:

>>> from recipes.data import localisation
>>> parts = localisation.load(seed=0)
>>> images, masks, boxes, labels = parts.test
>>> images.shape, masks.shape, boxes.shape
((360, 64, 64, 3), (360, 64, 64, 1), (360, 4))
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import numpy as np

from recipes import validation
from recipes.data import embedded

NAME = "digits_loc"
CANVAS_SIZE = 64
# Side of the pasted digit, in pixels: from 2x to 4x the 8x8 digit.
SCALE_RANGE = (16, 32)
# Ink above this value (digits are in [0, 1]) belongs to the mask.
MASK_THRESHOLD = 0.5


class Canvases(NamedTuple):
    """One split of the localisation data.

    Attributes:
        images: `(n, size, size, 3)` float32 canvases in [0, 1].
        masks: `(n, size, size, 1)` float32 pixel masks, 1 on the digit.
        boxes: `(n, 4)` int32 `(top, left, bottom, right)`, bottom and right
            exclusive.
        labels: `(n,)` int32 digit labels 0..9.
    """

    images: np.ndarray
    masks: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray


@dataclasses.dataclass(frozen=True)
class Localisation:
    """Train, validation and test `Canvases`.

    Attributes:
        train: the training split.
        val: the validation split.
        test: the test split.
    """

    train: Canvases
    val: Canvases
    test: Canvases


def _resize_bilinear(image, size):
    """`(h, w)` image resized to `(size, size)` by bilinear interpolation."""
    height, width = image.shape
    # Pixel centres of the output in input coordinates (align corners off).
    rows = np.clip((np.arange(size) + 0.5) * height / size - 0.5, 0, height - 1)
    cols = np.clip((np.arange(size) + 0.5) * width / size - 0.5, 0, width - 1)
    top = np.floor(rows).astype(int)
    left = np.floor(cols).astype(int)
    bottom = np.minimum(top + 1, height - 1)
    right = np.minimum(left + 1, width - 1)
    dy = (rows - top)[:, None]  # (size, 1)
    dx = (cols - left)[None, :]  # (1, size)
    upper = image[top][:, left] * (1 - dx) + image[top][:, right] * dx
    lower = image[bottom][:, left] * (1 - dx) + image[bottom][:, right] * dx
    return (upper * (1 - dy) + lower * dy).astype("float32")  # (size, size)


def make_canvases(digits, *, seed, canvas_size=CANVAS_SIZE, scale_range=SCALE_RANGE):
    """Places each digit at a random position and scale over a photo patch.

    Args:
        digits: `(n, h, w, 1)` grey images in [0, 1].
        seed: seed of the scales, positions, photos and patches.
        canvas_size: side of the square canvas in pixels.
        scale_range: `(smallest, largest)` side of the pasted digit in pixels,
            at most `canvas_size`.

    Returns:
        `Canvases` (labels all zero: the caller knows them).

    Raises:
        ValueError: for a bad `seed`, `canvas_size` or `scale_range`.
    """
    seed = validation.check_seed(seed, allow_none=False)
    validation.check_positive_int(canvas_size, "canvas_size", minimum=8)
    low, high = _check_scale_range(scale_range, canvas_size)
    rng = np.random.default_rng(seed)
    photos = embedded._photos()
    n = len(digits)
    images = np.empty((n, canvas_size, canvas_size, 3), dtype="float32")
    masks = np.zeros((n, canvas_size, canvas_size, 1), dtype="float32")
    boxes = np.empty((n, 4), dtype="int32")
    for i in range(n):
        side = int(rng.integers(low, high + 1))
        top = int(rng.integers(canvas_size - side + 1))
        left = int(rng.integers(canvas_size - side + 1))
        photo = photos[int(rng.integers(len(photos)))]
        row = int(rng.integers(photo.shape[0] - canvas_size + 1))
        col = int(rng.integers(photo.shape[1] - canvas_size + 1))
        patch = photo[row : row + canvas_size, col : col + canvas_size]  # (S, S, 3)
        ink = np.zeros((canvas_size, canvas_size), dtype="float32")
        ink[top : top + side, left : left + side] = _resize_bilinear(
            digits[i, ..., 0], side
        )
        mask = ink > MASK_THRESHOLD  # (S, S)
        images[i] = np.where(mask[..., None], np.abs(patch - ink[..., None]), patch)
        masks[i, ..., 0] = mask
        rows, cols = np.nonzero(mask)
        boxes[i] = (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)
    return Canvases(images, masks, boxes, np.zeros(n, dtype="int32"))


def _check_scale_range(scale_range, canvas_size):
    try:
        low, high = (int(v) for v in scale_range)
        valid = tuple(scale_range) == (low, high)
    except (TypeError, ValueError):
        valid = False
    if not valid or not 8 <= low <= high <= canvas_size:
        raise ValueError(
            "`scale_range` must be two integers (smallest, largest) with "
            f"8 <= smallest <= largest <= canvas_size={canvas_size}, "
            f"got {scale_range!r}."
        )
    return low, high


@functools.cache
def _load(split, seed, canvas_size, train_copies):
    x, y = embedded.digits_images()
    y = np.asarray(y, dtype="int32")
    canvases = make_canvases(x, seed=seed, canvas_size=canvas_size)
    parts = embedded.stratified_split(y, split, seed)
    result = [
        Canvases(*(array[indices] for array in canvases._replace(labels=y)))
        for indices in parts
    ]
    # Each further copy draws the training digits anew: position, scale, patch.
    train_indices = parts[0]
    copies = [
        make_canvases(
            x[train_indices], seed=1000 * (seed + 1) + copy, canvas_size=canvas_size
        )._replace(labels=y[train_indices])
        for copy in range(1, train_copies)
    ]
    if copies:
        result[0] = Canvases(
            *(np.concatenate(arrays) for arrays in zip(result[0], *copies, strict=True))
        )
    for part in result:
        for array in part:
            array.setflags(write=False)
    return Localisation(*result)


def load(*, split=(0.6, 0.2, 0.2), seed=0, canvas_size=CANVAS_SIZE, train_copies=1):
    """The localisation data with every annotation: images, masks, boxes, labels.

    Args:
        split: train/validation/test fractions (as `recipes.data.load`).
        seed: seed of the split and of the canvases.
        canvas_size: side of the square canvases (at least 32).
        train_copies: canvases drawn per training digit, each at a new
            position and scale on a new patch (validation and test keep one
            per digit). A classifier that must find a small digit on a large
            canvas from its label alone needs several (docs/recipes/cam.md).

    Returns:
        A `Localisation` of `Canvases` (read-only arrays).

    Raises:
        ValueError: for a bad `split`, `seed`, `canvas_size` or `train_copies`.
    """
    from recipes.data import _check_split

    split = _check_split(split)
    seed = validation.check_seed(seed, allow_none=False)
    validation.check_positive_int(canvas_size, "canvas_size", minimum=SCALE_RANGE[1])
    validation.check_positive_int(train_copies, "train_copies")
    return _load(split, seed, canvas_size, train_copies)


__all__ = [
    "CANVAS_SIZE",
    "Canvases",
    "Localisation",
    "MASK_THRESHOLD",
    "NAME",
    "SCALE_RANGE",
    "load",
    "make_canvases",
]
