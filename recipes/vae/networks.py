"""The encoder and decoder networks of the VAE, as Functional models.

The encoder maps an image `(B, H, W, C)` to `[z_mean, z_log_var]`, `(B, L)`
each; the decoder maps a code `(B, L)` to the decoder output `(B, H, W, C)`
(Bernoulli logits or Gaussian means).
"""

from __future__ import annotations

import keras
import numpy as np

ARCHITECTURES = ("conv", "dense")


def networks(arch, shape, latent_dim, width, hidden_units):
    """The `(encoder, decoder)` pair of architecture `arch` (`"conv"` or `"dense"`).

    Args:
        arch: `"conv"` (two stride-2 convolutions, mirrored by transposed
            convolutions) or `"dense"` (two hidden layers each way).
        shape: `(height, width, channels)` of one image.
        latent_dim: size of the code.
        width: filters of the first convolution (`"conv"` only).
        hidden_units: units of the hidden dense layers.

    Example:

    >>> encoder, decoder = networks("dense", (8, 8, 1), 2, 16, 32)
    >>> [tuple(t.shape) for t in encoder.outputs], tuple(decoder.output.shape)
    ([(None, 2), (None, 2)], (None, 8, 8, 1))
    """
    make = conv_networks if arch == "conv" else dense_networks
    return make(tuple(shape), latent_dim, width, hidden_units)


def conv_networks(shape, latent_dim, width, hidden_units):
    """Two stride-2 convolutions down, two transposed convolutions up."""
    height, width_pixels, channels = shape
    inputs = keras.Input(shape=shape, name="image")  # (B, H, W, C)
    x = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(
        inputs
    )  # (B, H/2, W/2, width)
    x = keras.layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(
        x
    )  # (B, H/4, W/4, 2 width)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(hidden_units, activation="relu")(x)  # (B, hidden)
    encoder = encoder_head(inputs, x, latent_dim)

    z = keras.Input(shape=(latent_dim,), name="z")  # (B, L)
    y = keras.layers.Dense(hidden_units, activation="relu")(z)
    y = keras.layers.Dense(
        (height // 4) * (width_pixels // 4) * 2 * width, activation="relu"
    )(y)
    y = keras.layers.Reshape((height // 4, width_pixels // 4, 2 * width))(y)
    y = keras.layers.Conv2DTranspose(
        2 * width, 3, strides=2, padding="same", activation="relu"
    )(y)  # (B, H/2, W/2, 2 width)
    y = keras.layers.Conv2DTranspose(
        width, 3, strides=2, padding="same", activation="relu"
    )(y)  # (B, H, W, width)
    outputs = keras.layers.Conv2D(channels, 3, padding="same", name="decoded")(y)
    return encoder, keras.Model(z, outputs, name="decoder")  # (B, H, W, C)


def dense_networks(shape, latent_dim, width, hidden_units):
    """Two hidden dense layers each way (`width` is unused)."""
    del width  # convolutional only
    inputs = keras.Input(shape=shape, name="image")  # (B, H, W, C)
    x = keras.layers.Flatten()(inputs)  # (B, H W C)
    for units in (hidden_units, hidden_units):
        x = keras.layers.Dense(units, activation="relu")(x)
    encoder = encoder_head(inputs, x, latent_dim)

    z = keras.Input(shape=(latent_dim,), name="z")  # (B, L)
    y = z
    for units in (hidden_units, hidden_units):
        y = keras.layers.Dense(units, activation="relu")(y)
    y = keras.layers.Dense(int(np.prod(shape)), name="decoded")(y)
    outputs = keras.layers.Reshape(shape)(y)  # (B, H, W, C)
    return encoder, keras.Model(z, outputs, name="decoder")


def encoder_head(inputs, features, latent_dim):
    """The encoder model: `features` to `[z_mean, z_log_var]`, `(B, L)` each."""
    z_mean = keras.layers.Dense(latent_dim, name="z_mean")(features)  # (B, L)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(features)  # (B, L)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")
