"""The `VAE` model, `build`, and the checks of a VAE's arguments and images."""

from __future__ import annotations

import keras
from keras import ops

from recipes import layers, saving, validation
from recipes.training import get_split
from recipes.vae.formulas import NegativeELBO, elbo_terms
from recipes.vae.networks import ARCHITECTURES, networks

LIKELIHOODS = ("bernoulli", "gaussian")


@saving.register
class VAE(keras.Model):
    """A variational autoencoder whose negative ELBO is its training loss.

    Build it with `recipes.vae.build`, which checks the arguments and holds
    the defaults. Metrics tracked by `fit`/`evaluate`: `loss`
    (reconstruction + beta * KL), `reconstruction_loss` and `kl_loss`, each in
    nats per image. Sample weights are not supported.

    Args:
        input_shape: `(height, width, channels)` of one image.
        arch: `"conv"` or `"dense"`.
        latent_dim: size of the latent code.
        width: filters of the first convolution (`"conv"` only).
        hidden_units: units of the hidden dense layers.
        likelihood: `"bernoulli"` or `"gaussian"`.
        beta: weight of the KL term in the loss.
        seed: seed of the `Sampling` layer's `SeedGenerator`.
        **kwargs: passed to `keras.Model` (`name`).

    Example:

    >>> import numpy as np
    >>> from recipes import vae
    >>> model = vae.build(latent_dim=2)
    >>> sorted(model(np.zeros((1, 8, 8, 1), "float32")))
    ['decoder_output', 'reconstruction', 'z', 'z_log_var', 'z_mean']
    """

    recipe = "vae"

    def __init__(
        self,
        *,
        input_shape,
        arch,
        latent_dim,
        width,
        hidden_units,
        likelihood,
        beta,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape = tuple(input_shape)
        self.arch = arch
        self.latent_dim = latent_dim
        self.width = width
        self.hidden_units = hidden_units
        self.likelihood = likelihood
        self.beta = float(beta)
        self.seed = seed
        self.encoder, self.decoder = networks(
            arch, self.image_shape, latent_dim, width, hidden_units
        )
        self.sampling = layers.Sampling(seed=seed, name="sampling")
        self.log_scale = None
        if likelihood == "gaussian":  # one learned observation noise scale
            self.log_scale = self.add_weight(
                shape=(), initializer="zeros", name="log_scale"
            )
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        self.built = True

    def call(self, inputs, training=None):
        z_mean, z_log_var = self.encoder(inputs, training=training)  # (B, L) each
        z = self.sampling([z_mean, z_log_var])  # (B, L)
        decoder_output = self.decoder(z, training=training)  # (B, H, W, C)
        return {
            "reconstruction": self.mean_image(decoder_output),
            "decoder_output": decoder_output,
            "z_mean": z_mean,
            "z_log_var": z_log_var,
            "z": z,
        }

    @property
    def inputs(self):
        """The symbolic image input, `[(None, H, W, C)]`, as on a Functional model."""
        return self.encoder.inputs

    def mean_image(self, decoder_output):
        """The mean of `p(x | z)` from the decoder's output."""
        if self.likelihood == "bernoulli":
            return ops.sigmoid(decoder_output)
        return decoder_output

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        outputs = dict(y_pred)
        if self.log_scale is not None:
            outputs["log_scale"] = self.log_scale
        # The trackers are updated here, where every backend's trainer maps
        # the model's current variables (`log_scale` among them); on JAX,
        # `compute_metrics` sees only the metrics' own variables.
        reconstruction, kl = elbo_terms(x, outputs, self.likelihood, self.log_scale)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        # the global batch mean: each replica's mean over its share, divided
        # by the number of replicas in sync
        loss = NegativeELBO(self.likelihood, self.beta)(x, outputs)
        if self.losses:  # e.g. kernel regularisers, scaled the same way
            extra = super().compute_loss(x, y, y_pred, sample_weight, training)
            loss = loss + ops.cast(extra, loss.dtype)
        return loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return self.get_metrics_result()  # the trackers, updated by compute_loss

    def get_config(self):
        return {
            **super().get_config(),
            "input_shape": list(self.image_shape),
            "arch": self.arch,
            "latent_dim": self.latent_dim,
            "width": self.width,
            "hidden_units": self.hidden_units,
            "likelihood": self.likelihood,
            "beta": self.beta,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("trainable", "dtype"):
            config.pop(key, None)
        return cls(**config)


def build(
    *,
    input_shape=(8, 8, 1),
    arch="conv",
    latent_dim=8,
    width=16,
    hidden_units=128,
    likelihood="bernoulli",
    beta=1.0,
    seed=None,
    name="vae",
):
    """Builds an (uncompiled) variational autoencoder.

    Args:
        input_shape: `(height, width, channels)` of one image; `"conv"` needs
            the height and width divisible by 4 (two stride-2 stages).
        arch: `"conv"` (default; two stride-2 convolutions, mirrored by
            transposed convolutions) or `"dense"` (two hidden layers each way).
        latent_dim: size of the latent code (at least 1; default 8; 2 gives a
            drawable latent plane).
        width: filters of the first convolution (`"conv"` only; default 16);
            the second has twice as many.
        hidden_units: units of the hidden dense layers (default 128).
        likelihood: `"bernoulli"` (default; data in [0, 1]) or `"gaussian"`.
        beta: weight of the KL term in the loss (>= 0; default 1, the ELBO).
        seed: seed of the `Sampling` layer's `SeedGenerator` (default `None`).
        name: the model's name.

    Defaults and the figures behind them: docs/recipes/vae.md.

    Returns:
        A `VAE` (subclassed `keras.Model`).

    Raises:
        ValueError: for an unknown `arch` or `likelihood`, an `input_shape`
            that is not `(height, width, channels)` of positive sizes (with
            height and width divisible by 4 for `"conv"`), or a bad size,
            `beta` or seed.

    Example:

    >>> model = build(arch="dense", latent_dim=2, likelihood="gaussian")
    """
    validation.check_choice(arch, "arch", ARCHITECTURES)
    validation.check_choice(likelihood, "likelihood", LIKELIHOODS)
    shape = validation.check_image_shape(input_shape)
    if None in shape:
        raise ValueError(
            f"`input_shape` must be (height, width, channels), got {input_shape!r}."
        )
    if arch == "conv" and (shape[0] % 4 or shape[1] % 4):
        raise ValueError(
            f"`input_shape` height and width must be divisible by 4 for "
            f"arch='conv', got {input_shape!r}."
        )
    validation.check_positive_int(latent_dim, "latent_dim")
    validation.check_positive_int(width, "width")
    validation.check_positive_int(hidden_units, "hidden_units")
    validation.check_non_negative(beta, "beta")
    seed = validation.check_seed(seed)
    return VAE(
        input_shape=tuple(int(d) for d in shape),
        arch=arch,
        latent_dim=int(latent_dim),
        width=int(width),
        hidden_units=int(hidden_units),
        likelihood=likelihood,
        beta=float(beta),
        seed=seed,
        name=name,
    )


def check_model(model):
    """Refuses anything but a `VAE`; returns `model`."""
    if not isinstance(model, VAE):
        raise ValueError(
            f"`model` must be a recipes.vae.VAE, got {type(model).__name__}."
        )
    return model


def check_images(model, x, name):
    """Checks images for `model`: shape, finiteness, [0, 1] for Bernoulli."""
    bernoulli = model.likelihood == "bernoulli"
    return validation.check_array(
        x,
        name,
        shape=model.image_shape,
        low=0.0 if bernoulli else None,
        high=1.0 if bernoulli else None,
    )


def split_images(model, data, split):
    """The checked images of one split (labels dropped).

    Arrays are checked whole, a dataset on its structure and first batch
    (`validation.check_inputs`): the image shape, finite values and, for the
    Bernoulli likelihood, values in [0, 1].

    Returns:
        float32 NumPy images, the dataset unchanged, or `None` when `data`
        has no such split.
    """
    bernoulli = model.likelihood == "bernoulli"
    return validation.check_inputs(
        get_split(data, split),
        f"data {split}",
        shape=model.image_shape,
        low=0.0 if bernoulli else None,
        high=1.0 if bernoulli else None,
    )
