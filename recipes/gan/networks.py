"""`build` and its two pairs of networks: dense (the default) and DCGAN."""

from __future__ import annotations

import keras
import numpy as np

from recipes import validation
from recipes.gan.model import GAN

ARCHITECTURES = ("dense", "dcgan")
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def build(
    *,
    input_shape=(8, 8, 1),
    latent_dim=32,
    arch="dense",
    width=512,
    batch_norm=True,
    output_activation="sigmoid",
    seed=None,
    name="gan",
):
    """Builds an (uncompiled) GAN for images of `input_shape`.

    Args:
        input_shape: `(height, width, channels)` of one image (default
            `(8, 8, 1)`); `"dcgan"` needs height and width divisible by 4.
        latent_dim: size of the noise vector `z` (at least 1; default 32).
        arch: `"dense"` (default; multilayer perceptrons) or `"dcgan"`
            (transposed and strided convolutions, for larger images).
        width: filters (or units) of the widest hidden layer of each network
            (at least 2; default 512).
        batch_norm: batch normalisation in the generator's hidden layers
            (default `True`).
        output_activation: `"sigmoid"` (default; images in [0, 1]) or
            `"tanh"` (images in [-1, 1]).
        seed: seed of the model's `SeedGenerator` (noise) and initialisers
            (default `None`).
        name: the model's name (default `"gan"`).

    Defaults are chosen on validation data: see docs/recipes/gan.md.

    Returns:
        A `GAN` whose `generator` maps `(B, latent_dim)` noise to images and
        whose `discriminator` maps images to `(B, 1)` logits.

    Raises:
        ValueError: for an unknown `arch` or `output_activation`, an
            `input_shape` that is not `(height, width, channels)` of positive
            sizes (divisible by 4 for `"dcgan"`), or a bad size or seed.

    Example:

    >>> model = build(input_shape=(28, 28, 1), latent_dim=64)
    >>> model.generator.output_shape
    (None, 28, 28, 1)
    """
    validation.check_choice(arch, "arch", ARCHITECTURES)
    validation.check_choice(output_activation, "output_activation", OUTPUT_RANGES)
    input_shape = check_input_shape(input_shape, arch)
    validation.check_positive_int(latent_dim, "latent_dim")
    validation.check_positive_int(width, "width", minimum=2)
    seed = validation.check_seed(seed)
    make = _dcgan if arch == "dcgan" else _dense
    generator, discriminator = make(
        input_shape, latent_dim, width, batch_norm, output_activation, seed
    )
    return GAN(
        generator,
        discriminator,
        latent_dim=latent_dim,
        output_range=OUTPUT_RANGES[output_activation],
        seed=seed,
        name=name,
    )


def check_input_shape(input_shape, arch):
    """`input_shape` as a tuple of three positive ints, checked for `arch`."""
    shape = validation.check_image_shape(input_shape)
    if None in shape:
        raise ValueError(
            f"`input_shape` must be (height, width, channels), got {input_shape!r}."
        )
    if arch == "dcgan" and (shape[0] % 4 or shape[1] % 4):
        raise ValueError(
            "`input_shape` height and width must be divisible by 4 for "
            f"arch='dcgan', got {input_shape!r}."
        )
    return tuple(int(d) for d in shape)


def _offset_seed(seed, offset):
    return None if seed is None else seed + offset


def _initializer(seed, offset):
    # DCGAN: weights from N(0, 0.02).
    return keras.initializers.RandomNormal(stddev=0.02, seed=_offset_seed(seed, offset))


def _norm_relu(x, batch_norm):
    if batch_norm:
        x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


def _dcgan(input_shape, latent_dim, width, batch_norm, activation, seed):
    height, wide, channels = input_shape
    noise = keras.Input((latent_dim,), name="noise")  # (B, latent_dim)
    x = keras.layers.Dense(
        (height // 4) * (wide // 4) * width,
        use_bias=not batch_norm,
        kernel_initializer=_initializer(seed, 0),
    )(noise)
    x = _norm_relu(x, batch_norm)
    x = keras.layers.Reshape((height // 4, wide // 4, width))(x)  # (B, H/4, W/4, w)
    for index, filters in enumerate((width // 2, max(width // 4, 1))):
        x = keras.layers.Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=not batch_norm,
            kernel_initializer=_initializer(seed, 1 + index),
        )(x)  # doubles H and W: (B, H/2, W/2, w/2), then (B, H, W, w/4)
        x = _norm_relu(x, batch_norm)
    images = keras.layers.Conv2D(
        channels,
        3,
        padding="same",
        activation=activation,
        kernel_initializer=_initializer(seed, 3),
        name="image",
    )(x)  # (B, H, W, C)
    generator = keras.Model(noise, images, name="generator")

    image = keras.Input(input_shape, name="image")  # (B, H, W, C)
    y = image
    for index, filters in enumerate((max(width // 2, 1), width)):
        y = keras.layers.Conv2D(
            filters,
            4,
            strides=2,
            padding="same",
            kernel_initializer=keras.initializers.HeNormal(
                _offset_seed(seed, 10 + index)
            ),
        )(y)  # halves H and W: (B, H/2, W/2, w/2), then (B, H/4, W/4, w)
        y = keras.layers.LeakyReLU(0.2)(y)
    y = keras.layers.Flatten()(y)
    logit = keras.layers.Dense(1, name="logit")(y)  # (B, 1)
    return generator, keras.Model(image, logit, name="discriminator")


def _dense(input_shape, latent_dim, width, batch_norm, activation, seed):
    size = int(np.prod(input_shape))
    noise = keras.Input((latent_dim,), name="noise")  # (B, latent_dim)
    x = noise
    for index, units in enumerate((max(width // 2, 1), width)):
        x = keras.layers.Dense(
            units,
            use_bias=not batch_norm,
            kernel_initializer=keras.initializers.HeNormal(_offset_seed(seed, index)),
        )(x)
        x = _norm_relu(x, batch_norm)
    x = keras.layers.Dense(size, activation=activation)(x)  # (B, H * W * C)
    generator = keras.Model(
        noise, keras.layers.Reshape(input_shape, name="image")(x), name="generator"
    )

    image = keras.Input(input_shape, name="image")  # (B, H, W, C)
    y = keras.layers.Flatten()(image)  # (B, H * W * C)
    for units in (width, max(width // 2, 1)):
        y = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(units)(y))
    logit = keras.layers.Dense(1, name="logit")(y)  # (B, 1)
    return generator, keras.Model(image, logit, name="discriminator")
