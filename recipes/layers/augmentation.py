"""Random input augmentations and corruptions, active only in training."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recipes import validation
from recipes.saving import register


@register
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
    >>> tuple(shift(keras.ops.ones((2, 8, 8, 1)), training=True).shape)
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
        self.seed = validation.check_seed(seed)
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


@register
class RandomWarp(keras.layers.Layer):
    """Random elastic-affine warps of images, in training only.

    Each image is resampled (bilinearly, zero outside) at coordinates rotated
    by up to `rotation` radians, scaled by up to `exp(+-scale)`, sheared by up
    to `shear`, shifted by up to `shift` pixels and displaced by a smooth
    random field (a 3x3 grid of normal offsets of deviation `elastic` pixels,
    bilinearly upsampled). The resampling is a `(H*W, H*W)` weight matrix per
    image built from elementwise ops, so it compiles under XLA; it is meant
    for small images (8x8 digits).

    Example:

    >>> warp = RandomWarp(seed=0)
    >>> tuple(warp(keras.ops.ones((2, 8, 8, 1)), training=True).shape)
    (2, 8, 8, 1)
    """

    def __init__(
        self,
        rotation=0.25,
        scale=0.15,
        shear=0.2,
        shift=1.0,
        elastic=0.3,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for value, name in [
            (rotation, "rotation"),
            (scale, "scale"),
            (shear, "shear"),
            (shift, "shift"),
            (elastic, "elastic"),
        ]:
            validation.check_non_negative(value, name)
        self.rotation, self.scale, self.shear = rotation, scale, shear
        self.shift, self.elastic = shift, elastic
        self.seed = validation.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        height, width = int(input_shape[1]), int(input_shape[2])
        rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        self._rows = rows.reshape(-1).astype("float32")  # (P,)
        self._cols = cols.reshape(-1).astype("float32")  # (P,)
        self._centre = ((height - 1) / 2, (width - 1) / 2)

        def tent(n):  # (n, 3): bilinear weights of 3 grid knots at n positions
            return np.maximum(
                0, 1 - np.abs(np.linspace(0, 2, n)[:, None] - np.arange(3))
            )

        upsample = np.einsum("ia,jb->abij", tent(height), tent(width))
        self._upsample = upsample.reshape(9, height * width).astype("float32")

    def call(self, images, training=False):
        if not training:
            return images
        batch = ops.shape(images)[0]
        size = self._rows.shape[0]
        u = keras.random.uniform((batch, 5), -1.0, 1.0, seed=self.seed_generator)
        angle, shear = u[:, :1] * self.rotation, u[:, 2:3] * self.shear
        zoom = ops.exp(u[:, 1:2] * self.scale)
        cos, sin = ops.cos(angle), ops.sin(angle)
        r = ops.convert_to_tensor(self._rows - self._centre[0])[None]  # (1, P)
        c = ops.convert_to_tensor(self._cols - self._centre[1])[None]
        src_r = (cos * r - sin * c) * zoom + u[:, 3:4] * self.shift + self._centre[0]
        src_c = (sin * r + (cos + shear) * c) * zoom + u[:, 4:5] * self.shift
        src_c = src_c + self._centre[1]  # (B, P) source coordinates
        if self.elastic:
            knots = keras.random.normal((batch, 2, 9), seed=self.seed_generator)
            field = ops.einsum("bkn,np->bkp", knots * self.elastic, self._upsample)
            src_r, src_c = src_r + field[:, 0], src_c + field[:, 1]
        rows = ops.convert_to_tensor(self._rows)[None, None]  # (1, 1, P)
        cols = ops.convert_to_tensor(self._cols)[None, None]
        weights = ops.relu(1 - ops.abs(src_r[:, :, None] - rows)) * ops.relu(
            1 - ops.abs(src_c[:, :, None] - cols)
        )  # (B, P out, P in)
        flat = ops.reshape(images, (batch, size, -1))  # (B, P, C)
        warped = ops.einsum("bpq,bqc->bpc", weights, flat)
        return ops.reshape(warped, ops.shape(images))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rotation": self.rotation,
            "scale": self.scale,
            "shear": self.shear,
            "shift": self.shift,
            "elastic": self.elastic,
            "seed": self.seed,
        }


@register
class MaskingNoise(keras.layers.Layer):
    """Masking noise of denoising autoencoders, in training only.

    Each input value is set to zero with probability `rate`, independently,
    and, unlike `keras.layers.Dropout`, the kept values are NOT rescaled by
    `1 / (1 - rate)`: the corruption of Vincent et al. (2008), where the
    network must fill in the missing values. At inference it is the identity.

    Args:
        rate: probability of zeroing a value, in [0, 1).
        seed: seed of the `SeedGenerator`.

    Example:

    >>> noise = MaskingNoise(0.5, seed=0)
    >>> x = keras.ops.ones((2, 4))
    >>> keras.ops.convert_to_numpy(noise(x, training=False))  # unchanged
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    >>> noisy = keras.ops.convert_to_numpy(noise(x, training=True))
    >>> np.unique(noisy).tolist()  # zeroed or kept as is, never rescaled
    [0.0, 1.0]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        ok = isinstance(rate, (int, float)) and not isinstance(rate, bool)
        if not ok or not 0 <= rate < 1:
            raise ValueError(f"`rate` must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.seed = validation.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        uniform = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator)
        return ops.where(uniform >= self.rate, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
