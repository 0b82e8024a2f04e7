"""Custom layers shared by the recipes, each registered serializable.

Every layer here uses `keras.ops` and `keras.random` only, runs under XLA, and
has a complete `get_config`, so models that use it save to `.keras` and load
back in safe mode without `custom_objects`.
"""

from __future__ import annotations

import keras
from keras import ops

PACKAGE = "recipes"


@keras.saving.register_keras_serializable(package=PACKAGE)
class RandomShift(keras.layers.Layer):
    """Shifts each image by a random whole number of pixels, in training only.

    A data augmentation for small images that, unlike Keras's
    `RandomTranslation`, compiles under XLA: the image is zero-padded by
    `max_shift` pixels and each example picks one of the `(2 * max_shift + 1)**2`
    crops with one-hot weights.

    Args:
        max_shift: the largest shift in pixels along each axis (at least 1).
        seed: seed of the `SeedGenerator`.

    Example:

    >>> shift = RandomShift(max_shift=1, seed=0)
    >>> shift(keras.ops.ones((2, 8, 8, 1)), training=True).shape
    (2, 8, 8, 1)
    """

    def __init__(self, max_shift=1, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(max_shift, bool)
            or not isinstance(max_shift, int)
            or max_shift < 1
        ):
            raise ValueError(f"`max_shift` must be an integer >= 1, got {max_shift!r}.")
        self.max_shift = max_shift
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        shift = self.max_shift
        choices = 2 * shift + 1
        batch = ops.shape(images)[0]
        height, width = images.shape[1], images.shape[2]
        padded = ops.pad(images, [[0, 0], [shift, shift], [shift, shift], [0, 0]])
        offsets = keras.random.randint((2, batch), 0, choices, seed=self.seed_generator)
        pick_rows = ops.one_hot(offsets[0], choices, dtype=images.dtype)  # (B, choices)
        pick_cols = ops.one_hot(offsets[1], choices, dtype=images.dtype)  # (B, choices)
        rows = ops.stack([padded[:, i : i + height] for i in range(choices)], axis=1)
        rows = ops.einsum("bkhwc,bk->bhwc", rows, pick_rows)  # (B, H, W + 2s, C)
        cols = ops.stack([rows[:, :, j : j + width] for j in range(choices)], axis=1)
        return ops.einsum("bkhwc,bk->bhwc", cols, pick_cols)  # (B, H, W, C)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_shift": self.max_shift, "seed": self.seed}
