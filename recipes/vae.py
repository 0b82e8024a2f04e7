"""Variational autoencoder (VAE) with dense or convolutional encoder/decoder.

The VAE (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"; Rezende et
al. 2014) is a latent-variable model `p(x) = integral p(x | z) p(z) dz` with a
standard normal prior `p(z)` and a neural decoder `p(x | z)`. A neural encoder
`q(z | x) = N(z_mean, diag(exp(z_log_var)))` amortises inference, and both are
trained together by maximising the evidence lower bound (ELBO)

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || p(z)),

with `z = z_mean + exp(z_log_var / 2) * eps` (the reparameterisation trick,
`recipes.layers.Sampling`) so the gradient flows through the sample. The
training loss is the negative ELBO per image in nats, with a weight `beta` on
the KL term (beta-VAE, Higgins et al. 2017; `beta=1` is the plain VAE).

- Likelihoods: `"bernoulli"` (binary cross-entropy summed over the pixels; data
  in [0, 1]) or `"gaussian"` (a per-pixel normal with the decoder's mean and one
  learned scale, as in the sigma-VAE of Rybkin et al. 2021).
- `evaluate` reports the test negative ELBO and its two parts, and the
  importance-weighted log-likelihood estimate of Burda et al. 2016 ("Importance
  Weighted Autoencoders"), a tighter bound that approaches `log p(x)` as the
  number of samples `k` grows.
- Extras: `sample`, `reconstruct`, `interpolate`, `latent_map`.

The model is a subclassed `keras.Model` around two Functional sub-models
(`model.encoder`, `model.decoder`); its loss lives in `compute_loss`, so the
stock `fit` runs it (with XLA, and under `tf.distribute` with the loss averaged
over the global batch). `model(x)` returns a dict with `reconstruction`,
`decoder_output` (Bernoulli logits or the Gaussian mean), `z_mean`, `z_log_var`
and `z`.

Example:

>>> from recipes import data, vae
>>> bundle = data.load("digits")
>>> model = vae.compile(vae.build(input_shape=(8, 8, 1), latent_dim=2))
>>> history = vae.fit(model, bundle, epochs=1, verbose=0)
>>> sorted(vae.evaluate(model, bundle, k=100))
['importance_weighted_nll', 'kl_loss', 'negative_elbo', 'reconstruction_loss']
>>> vae.sample(model, 16, seed=0).shape
(16, 8, 8, 1)
"""

from __future__ import annotations

import math

import keras
import keras_tuner
import numpy as np
from keras import ops

from recipes import layers, saving, training, validation
from recipes.data import load as load_data  # noqa: F401 (the recipe interface)
from recipes.tuning import RecipeHyperModel

try:  # divides the loss by the number of replicas under tf.distribute
    from keras.src.losses.loss import scale_loss_for_distribution
except ImportError:  # pragma: no cover - older or newer Keras layouts

    def scale_loss_for_distribution(value):
        return value


DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

ARCHITECTURES = ("conv", "dense")
LIKELIHOODS = ("bernoulli", "gaussian")
LOG_2PI = math.log(2.0 * math.pi)


# ------------------------------------------------------------- formulas ---


def kl_divergence(z_mean, z_log_var):
    """`KL(N(mean, exp(log_var)) || N(0, I))` per example, in closed form.

    `-0.5 * sum(1 + log_var - mean**2 - exp(log_var))` over the latent axis.

    Args:
        z_mean, z_log_var: `(B, latent_dim)` tensors.

    Returns:
        `(B,)` tensor, in nats.

    Example:

    >>> float(kl_divergence(np.zeros((1, 2)), np.zeros((1, 2)))[0]) == 0  # q is p(z)
    True
    >>> float(kl_divergence(np.ones((1, 2)), np.zeros((1, 2)))[0])  # |mean|**2 / 2
    1.0
    """
    terms = 1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)  # (B, L)
    return -0.5 * ops.sum(terms, axis=-1)  # (B,)


def negative_log_likelihood(x, decoder_output, likelihood, log_scale=None):
    """`-log p(x | z)` per example, summed over the pixels, in nats.

    Args:
        x: `(B, H, W, C)` data.
        decoder_output: `(B, H, W, C)` Bernoulli logits, or Gaussian means.
        likelihood: `"bernoulli"` or `"gaussian"`.
        log_scale: log standard deviation of the Gaussian (scalar).

    Returns:
        `(B,)` tensor.
    """
    if likelihood == "bernoulli":
        # binary cross-entropy from logits: softplus(l) - x * l, stable for any l
        per_pixel = ops.softplus(decoder_output) - x * decoder_output
    else:
        standardized = (x - decoder_output) * ops.exp(-log_scale)
        per_pixel = 0.5 * LOG_2PI + log_scale + 0.5 * ops.square(standardized)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)  # (B,)


# ---------------------------------------------------------------- model ---


@saving.register
class VAE(keras.Model):
    recipe = "vae"

    """A variational autoencoder whose negative ELBO is its training loss.

    Build it with `recipes.vae.build`, which checks the arguments. Metrics
    tracked by `fit`/`evaluate`: `loss` (reconstruction + beta * KL),
    `reconstruction_loss` and `kl_loss`, each in nats per image. Sample
    weights are not supported.

    Args:
        input_shape, arch, latent_dim, width, hidden_units, likelihood, beta,
        seed: see `build`.

    Example:

    >>> model = build(latent_dim=2)
    >>> sorted(model(np.zeros((1, 8, 8, 1), "float32")))
    ['decoder_output', 'reconstruction', 'z', 'z_log_var', 'z_mean']
    """

    def __init__(
        self,
        *,
        input_shape=(8, 8, 1),
        arch="conv",
        latent_dim=8,
        width=16,
        hidden_units=128,
        likelihood="bernoulli",
        beta=1.0,
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
        make = _conv_networks if arch == "conv" else _dense_networks
        self.encoder, self.decoder = make(
            self.image_shape, latent_dim, width, hidden_units
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

    def mean_image(self, decoder_output):
        """The mean of `p(x | z)` from the decoder's output."""
        if self.likelihood == "bernoulli":
            return ops.sigmoid(decoder_output)
        return decoder_output

    def loss_terms(self, x, y_pred):
        """Per-example reconstruction (`-log p(x | z)`) and KL terms, `(B,)` each."""
        x = ops.cast(x, y_pred["decoder_output"].dtype)
        reconstruction = negative_log_likelihood(
            x, y_pred["decoder_output"], self.likelihood, self.log_scale
        )
        return reconstruction, kl_divergence(y_pred["z_mean"], y_pred["z_log_var"])

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        reconstruction, kl = self.loss_terms(x, y_pred)  # (B,), (B,)
        loss = ops.mean(reconstruction + self.beta * kl)
        for extra in self.losses:  # e.g. kernel regularisers
            loss = loss + ops.cast(extra, loss.dtype)
        # per-replica mean / replicas = mean over the global batch
        return scale_loss_for_distribution(loss)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        reconstruction, kl = self.loss_terms(x, y_pred)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return self.get_metrics_result()

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


def _conv_networks(shape, latent_dim, width, hidden_units):
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
    encoder = _encoder_head(inputs, x, latent_dim)

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


def _dense_networks(shape, latent_dim, width, hidden_units):
    del width  # convolutional only
    inputs = keras.Input(shape=shape, name="image")  # (B, H, W, C)
    x = keras.layers.Flatten()(inputs)  # (B, H W C)
    for units in (hidden_units, hidden_units):
        x = keras.layers.Dense(units, activation="relu")(x)
    encoder = _encoder_head(inputs, x, latent_dim)

    z = keras.Input(shape=(latent_dim,), name="z")  # (B, L)
    y = z
    for units in (hidden_units, hidden_units):
        y = keras.layers.Dense(units, activation="relu")(y)
    y = keras.layers.Dense(int(np.prod(shape)), name="decoded")(y)
    outputs = keras.layers.Reshape(shape)(y)  # (B, H, W, C)
    return encoder, keras.Model(z, outputs, name="decoder")


def _encoder_head(inputs, features, latent_dim):
    z_mean = keras.layers.Dense(latent_dim, name="z_mean")(features)  # (B, L)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var")(features)  # (B, L)
    return keras.Model(inputs, [z_mean, z_log_var], name="encoder")


# ---------------------------------------------------------------- recipe ---


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
        arch: `"conv"` (two stride-2 convolutions, mirrored by transposed
            convolutions) or `"dense"` (two hidden layers each way).
        latent_dim: size of the latent code (at least 1; 2 gives a drawable
            latent plane).
        width: filters of the first convolution (`"conv"` only); the second
            has twice as many.
        hidden_units: units of the hidden dense layers.
        likelihood: `"bernoulli"` (data in [0, 1]) or `"gaussian"`.
        beta: weight of the KL term in the loss (>= 0; 1 is the ELBO).
        seed: seed of the `Sampling` layer's `SeedGenerator`.
        name: the model's name.

    Returns:
        A `VAE` (subclassed `keras.Model`).

    Example:

    >>> model = build(arch="dense", latent_dim=2, likelihood="gaussian")
    """
    validation.check_choice(arch, "arch", ARCHITECTURES)
    validation.check_choice(likelihood, "likelihood", LIKELIHOODS)
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(
        isinstance(d, (int, np.integer)) and d > 0 for d in shape
    ):
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
    if (
        isinstance(beta, bool)
        or not isinstance(beta, (int, float, np.number))
        or not np.isfinite(beta)
        or beta < 0
    ):
        raise ValueError(f"`beta` must be a finite number >= 0, got {beta!r}.")
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


def _check_model(model):
    if not isinstance(model, VAE):
        raise ValueError(
            f"`model` must be a recipes.vae.VAE, got {type(model).__name__}."
        )
    return model


def compile(model, *, learning_rate=1e-3, optimizer="auto", jit_compile="auto"):
    """Compiles a VAE; its loss (negative ELBO) is built in.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.

    Returns:
        The compiled model.
    """
    _check_model(model).compile(
        optimizer=training.make_optimizer(optimizer, learning_rate),
        jit_compile=training.resolve_jit_compile(jit_compile),
    )
    return model


def _images(model, x, name):
    """Checks images for `model`: shape, finiteness, [0, 1] for Bernoulli."""
    bernoulli = model.likelihood == "bernoulli"
    return validation.check_array(
        x,
        name,
        shape=model.image_shape,
        low=0.0 if bernoulli else None,
        high=1.0 if bernoulli else None,
    )


def _split_images(model, data, split):
    """The images of one split (labels dropped); datasets pass through."""
    part = training.get_split(data, split)
    if part is None or validation.is_dataset(part):
        return part
    if isinstance(part, (tuple, list)):
        if len(part) not in (1, 2):
            raise ValueError(f"`data` {split} must be x or an (x, y) pair.")
        part = part[0]
    return _images(model, part, f"data {split} x")


def fit(
    model,
    data,
    *,
    epochs=300,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=30,
):
    """Trains a compiled VAE on images only (labels, if any, are ignored).

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), `(x, y)`, `x`, a
            dict of splits, or a `tf.data.Dataset` of images.
        epochs: the most epochs to train.
        batch_size: batch size.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored).

    Returns:
        The `keras.callbacks.History` (`loss`, `reconstruction_loss`,
        `kl_loss`, and their `val_` versions).
    """
    _check_model(model)
    return training.fit(
        model,
        _split_images(model, data, "train"),
        _split_images(model, data, "val"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


def _dataset_images(dataset):
    """All images of a `tf.data.Dataset` of images or `(x, y)` pairs."""
    batches = []
    for element in dataset.as_numpy_iterator():
        batches.append(element[0] if isinstance(element, tuple) else element)
    return np.concatenate(batches) if batches else np.zeros((0,))


def log_likelihood_terms(model, x, *, k=1000, seed=0, max_batch=20000):
    """Per-image ELBO parts and the importance-weighted estimate of `log p(x)`.

    With `z_i ~ q(z | x)`, `i = 1..k` and weights
    `w_i = p(x | z_i) p(z_i) / q(z_i | x)`, the importance-weighted bound is
    `log (1/k) sum_i w_i` (Burda et al. 2016): at least the ELBO, and rising
    towards `log p(x)` as `k` grows. The reconstruction term is the mean of
    `-log p(x | z_i)` over the same samples; the KL term is in closed form.

    Args:
        model: a trained `VAE`.
        x: `(N, H, W, C)` images.
        k: importance samples per image (at least 1).
        seed: seed of the samples.
        max_batch: most decoder evaluations at once (memory bound).

    Returns:
        `{"reconstruction_loss", "kl_loss", "importance_weighted_nll"}`, each
        an `(N,)` float64 array in nats (`reconstruction_loss + kl_loss` is the
        negative ELBO).

    Example:

    >>> from recipes import data
    >>> x = data.load("digits").test[0][:10]
    >>> model = build(latent_dim=2)  # untrained here, for brevity
    >>> terms = log_likelihood_terms(model, x, k=100)
    >>> sorted(terms), terms["kl_loss"].shape
    (['importance_weighted_nll', 'kl_loss', 'reconstruction_loss'], (10,))
    """
    _check_model(model)
    validation.check_positive_int(k, "k")
    x = _images(model, x, "x")
    generator = keras.random.SeedGenerator(seed)
    chunk = max(1, max_batch // k)
    parts = {"reconstruction_loss": [], "kl_loss": [], "importance_weighted_nll": []}
    for start in range(0, len(x), chunk):
        images = x[start : start + chunk]  # (B, H, W, C)
        batch = len(images)
        z_mean, z_log_var = model.encoder(images, training=False)  # (B, L) each
        epsilon = keras.random.normal((k, batch, model.latent_dim), seed=generator)
        z = z_mean[None] + ops.exp(0.5 * z_log_var)[None] * epsilon  # (k, B, L)
        decoded = model.decoder(
            ops.reshape(z, (k * batch, model.latent_dim)), training=False
        )  # (k B, H, W, C)
        repeated = ops.tile(images, (k, 1, 1, 1))  # (k B, H, W, C), k-major
        log_px_z = -ops.reshape(
            negative_log_likelihood(
                repeated, decoded, model.likelihood, model.log_scale
            ),
            (k, batch),
        )  # (k, B)
        log_pz = -0.5 * ops.sum(ops.square(z) + LOG_2PI, axis=-1)  # (k, B)
        log_qz = -0.5 * ops.sum(
            ops.square(epsilon) + LOG_2PI + z_log_var[None], axis=-1
        )  # (k, B)
        log_weights = ops.convert_to_numpy(log_px_z + log_pz - log_qz)
        log_weights = log_weights.astype("float64")  # (k, B)
        peak = log_weights.max(axis=0)
        log_mean_weight = peak + np.log(np.mean(np.exp(log_weights - peak), axis=0))
        parts["importance_weighted_nll"].append(-log_mean_weight)
        parts["reconstruction_loss"].append(
            -ops.convert_to_numpy(log_px_z).astype("float64").mean(axis=0)
        )
        parts["kl_loss"].append(
            ops.convert_to_numpy(kl_divergence(z_mean, z_log_var)).astype("float64")
        )
    return {name: np.concatenate(values) for name, values in parts.items()}


def evaluate(model, data, *, k=1000, seed=0):
    """Test negative ELBO, its parts, and the importance-weighted NLL.

    All figures are in nats per image and use `beta = 1` (the true ELBO),
    whatever `beta` the model was trained with.

    Args:
        model: a trained `VAE`.
        data: a `recipes.data.Bundle` (its test split), `(x, y)`, `x`, a dict
            of splits, or a `tf.data.Dataset`.
        k: importance samples per image (Burda et al. 2016 use 5,000).
        seed: seed of the samples.

    Returns:
        `{"negative_elbo", "reconstruction_loss", "kl_loss",
        "importance_weighted_nll"}` as floats.
    """
    _check_model(model)
    test = _split_images(model, data, "test")
    if test is None:
        raise ValueError("`data` has no 'test' split.")
    if validation.is_dataset(test):
        test = _images(model, _dataset_images(test), "data test x")
    terms = log_likelihood_terms(model, test, k=k, seed=seed)
    results = {name: float(values.mean()) for name, values in terms.items()}
    results["negative_elbo"] = results["reconstruction_loss"] + results["kl_loss"]
    return results


# ---------------------------------------------------------------- extras ---


def _decode(model, z):
    decoded = model.decoder(ops.convert_to_tensor(z, "float32"), training=False)
    return ops.convert_to_numpy(model.mean_image(decoded))


def sample(model, n, seed=None):
    """Draws `n` new images: `z ~ N(0, I)`, then the decoder's mean image.

    Args:
        model: a trained `VAE`.
        n: number of images (at least 1).
        seed: seed of the latent draws (the same seed gives the same images).

    Returns:
        `(n, H, W, C)` NumPy array (pixel probabilities for Bernoulli).

    Example:

    >>> model = build(latent_dim=2)  # untrained here, for brevity
    >>> images = sample(model, 16, seed=0)
    >>> images.shape
    (16, 8, 8, 1)
    >>> bool(np.array_equal(images, sample(model, 16, seed=0)))
    True
    """
    _check_model(model)
    validation.check_positive_int(n, "n")
    z = keras.random.normal((n, model.latent_dim), seed=seed)  # (n, L)
    return _decode(model, z)


def encode(model, x):
    """The posterior means and log-variances of `x`, `(N, L)` NumPy arrays each."""
    _check_model(model)
    z_mean, z_log_var = model.encoder(_images(model, x, "x"), training=False)
    return ops.convert_to_numpy(z_mean), ops.convert_to_numpy(z_log_var)


def reconstruct(model, x, *, seed=None):
    """Encodes and decodes `x`.

    Args:
        model: a trained `VAE`.
        x: `(N, H, W, C)` images.
        seed: `None` decodes the posterior mean `z_mean` (deterministic);
            an integer decodes one sample `z ~ q(z | x)` drawn with that seed.

    Returns:
        `(N, H, W, C)` NumPy array of mean images.

    Example:

    >>> model = build(latent_dim=2)  # untrained here, for brevity
    >>> x = np.zeros((3, 8, 8, 1), "float32")
    >>> reconstruct(model, x).shape  # decodes z_mean
    (3, 8, 8, 1)
    >>> same = reconstruct(model, x, seed=1)  # decodes one sample of q(z | x)
    >>> bool(np.array_equal(same, reconstruct(model, x, seed=1)))
    True
    """
    z_mean, z_log_var = encode(model, x)  # (N, L) each
    if seed is not None:
        epsilon = ops.convert_to_numpy(
            keras.random.normal(z_mean.shape, seed=seed)
        )  # (N, L)
        z_mean = z_mean + np.exp(0.5 * z_log_var) * epsilon
    return _decode(model, z_mean)


def interpolate(model, x_a, x_b, steps=8):
    """Decodes the straight line between the latent means of two images.

    Args:
        model: a trained `VAE`.
        x_a, x_b: one image each, `(H, W, C)` or `(1, H, W, C)`.
        steps: number of points on the line, both ends included (at least 2).

    Returns:
        `(steps, H, W, C)` NumPy array, from `x_a`'s code to `x_b`'s.

    Example:

    >>> model = build(latent_dim=2)  # untrained here, for brevity
    >>> x = np.random.default_rng(0).random((2, 8, 8, 1), "float32")
    >>> frames = interpolate(model, x[0], x[1], steps=10)
    >>> frames.shape
    (10, 8, 8, 1)
    """
    _check_model(model)
    validation.check_positive_int(steps, "steps", minimum=2)
    codes = []
    for name, image in (("x_a", x_a), ("x_b", x_b)):
        image = np.asarray(image, dtype="float32")
        if image.shape == model.image_shape:
            image = image[None]
        if image.shape != (1, *model.image_shape):
            raise ValueError(
                f"`{name}` must be one image of shape {model.image_shape}, "
                f"got {image.shape}."
            )
        codes.append(encode(model, image)[0][0])  # (L,)
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]  # (steps, 1)
    return _decode(model, (1 - weights) * codes[0] + weights * codes[1])


def latent_map(model, path, *, x=None, labels=None, grid=15, span=2.5, seed=0):
    """Saves a picture of the latent space as a PNG.

    With `latent_dim == 2`: a `grid x grid` array of images decoded from the
    latent plane `[-span, span]**2` (`z_1` left to right, `z_2` bottom to top).
    Otherwise: a t-SNE map (van der Maaten & Hinton 2008) of the posterior
    means of `x`, coloured by `labels`.

    Args:
        model: a trained `VAE`.
        path: the PNG file to write.
        x: images to embed (needed when `latent_dim != 2`).
        labels: their integer labels, or `None`.
        grid: images per side of the grid (at least 2).
        span: half-width of the latent square drawn.
        seed: seed of t-SNE.

    Returns:
        `path`.

    Example:

    >>> latent_map(build(latent_dim=2), "plane.png", grid=5)  # 5 x 5 decoded images
    'plane.png'
    >>> from recipes import data
    >>> x, y = data.load("digits").test
    >>> latent_map(build(latent_dim=8), "tsne.png", x=x, labels=y)  # doctest: +SKIP
    'tsne.png'
    """
    from recipes import plots

    _check_model(model)
    if model.latent_dim == 2:
        validation.check_positive_int(grid, "grid", minimum=2)
        validation.check_positive(span, "span")
        values = np.linspace(-span, span, grid, dtype="float32")
        z = np.array([[z1, z2] for z2 in values[::-1] for z1 in values], "float32")
        return plots.image_grid(
            _decode(model, z), path, columns=grid, title="decoded latent plane"
        )
    if x is None:
        raise ValueError("`x` is required for a t-SNE map when latent_dim != 2.")
    from sklearn.manifold import TSNE

    z_mean, _ = encode(model, x)
    perplexity = float(min(30.0, max(2.0, (len(z_mean) - 1) / 3)))
    points = TSNE(
        n_components=2, perplexity=perplexity, random_state=seed, init="pca"
    ).fit_transform(z_mean)
    return plots.scatter(
        points, path, labels=labels, title="t-SNE of the posterior means"
    )


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the VAE recipe.

    Tunes the architecture, latent size, widths and learning rate; every
    default equals the recipe's. The likelihood and `beta` are fixed facts:
    the objective (validation loss) changes meaning with them.

    Args:
        input_shape: image shape, fixed for the search.
        likelihood: `"bernoulli"` or `"gaussian"`, fixed for the search.
        beta: KL weight (>= 0), fixed for the search.

    Example:

    >>> import keras_tuner
    >>> from recipes import data, vae
    >>> tuner = keras_tuner.RandomSearch(
    ...     vae.HyperModel(input_shape=(8, 8, 1)), objective="val_loss", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['arch', 'hidden_units', 'latent_dim', 'learning_rate', 'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "vae"

    default_batch_size = 32
    objective = keras_tuner.Objective("val_loss", direction="min")

    def __init__(
        self, *, input_shape=(8, 8, 1), likelihood="bernoulli", beta=1.0, **kwargs
    ):
        super().__init__(**kwargs)
        # build() refuses bad facts with the same messages as the recipe.
        build(input_shape=input_shape, arch="dense", likelihood=likelihood, beta=beta)
        self.input_shape = tuple(input_shape)
        self.likelihood = likelihood
        self.beta = beta

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            arch=hp.Choice("arch", list(ARCHITECTURES), default="conv"),
            latent_dim=hp.Choice("latent_dim", [2, 4, 8, 16], default=8),
            width=hp.Choice("width", [8, 16, 32], default=16),
            hidden_units=hp.Choice("hidden_units", [64, 128, 256], default=128),
            likelihood=self.likelihood,
            beta=self.beta,
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return compile(model, learning_rate=learning_rate)
