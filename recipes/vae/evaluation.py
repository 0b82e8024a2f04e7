"""The VAE's headline metrics: the ELBO and the importance-weighted bound."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recipes import validation
from recipes.vae.formulas import LOG_2PI, kl_divergence, negative_log_likelihood
from recipes.vae.model import check_images, check_model, split_images


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
        k: importance samples per image (at least 1; default 1,000).
        seed: seed of the samples (default 0).
        max_batch: most decoder evaluations at once (memory bound; default
            20,000).

    Returns:
        `{"reconstruction_loss", "kl_loss", "importance_weighted_nll"}`, each
        an `(N,)` float64 array in nats (`reconstruction_loss + kl_loss` is the
        negative ELBO).

    Raises:
        ValueError: for a model that is not a `VAE`, images that do not fit
            it, or a bad `k`, `seed` or `max_batch`.

    Example:

    >>> from recipes import data, vae
    >>> x = data.load("digits").test[0]
    >>> model = vae.build(latent_dim=2)  # untrained here, for brevity
    >>> terms = log_likelihood_terms(model, x[:10], k=100)
    >>> sorted(terms), terms["kl_loss"].shape
    (['importance_weighted_nll', 'kl_loss', 'reconstruction_loss'], (10,))
    """
    check_model(model)
    validation.check_positive_int(k, "k")
    validation.check_positive_int(max_batch, "max_batch")
    seed = validation.check_seed(seed)
    x = check_images(model, x, "x")
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


def dataset_images(dataset):
    """All images of a `tf.data.Dataset` or `keras.utils.PyDataset` of images
    or `(x, y)` pairs."""
    if validation.is_dataset(dataset):
        elements = dataset.as_numpy_iterator()
    else:
        elements = (dataset[i] for i in range(len(dataset)))
    batches = []
    for element in elements:
        if isinstance(element, (tuple, list)):
            element = element[0]
        batches.append(np.asarray(element))
    return np.concatenate(batches) if batches else np.zeros((0,))


def evaluate(model, data, *, k=1000, seed=0):
    """Test negative ELBO, its parts, and the importance-weighted NLL.

    All figures are in nats per image and use `beta = 1` (the true ELBO),
    whatever `beta` the model was trained with.

    Args:
        model: a trained `VAE`.
        data: a `recipes.data.Bundle` (its test split), `(x, y)`, `x`, a dict
            of splits, or a `tf.data.Dataset`.
        k: importance samples per image (default 1,000; see
            docs/recipes/vae.md).
        seed: seed of the samples (default 0).

    Returns:
        `{"negative_elbo", "reconstruction_loss", "kl_loss",
        "importance_weighted_nll"}` as floats.

    Raises:
        ValueError: for a model that is not a `VAE`, a missing test split,
            images that do not fit the model, or a bad `k` or `seed`.

    Example:

    >>> from recipes import data, vae
    >>> model = vae.build(latent_dim=2)  # untrained here, for brevity
    >>> sorted(evaluate(model, data.load("digits"), k=10))
    ['importance_weighted_nll', 'kl_loss', 'negative_elbo', 'reconstruction_loss']
    """
    check_model(model)
    validation.check_positive_int(k, "k")
    seed = validation.check_seed(seed)
    test = split_images(model, data, "test")
    if test is None:
        raise ValueError("`data` has no 'test' split.")
    if validation.is_dataset(test) or validation.is_py_dataset(test):
        test = check_images(model, dataset_images(test), "data test x")
    terms = log_likelihood_terms(model, test, k=k, seed=seed)
    results = {name: float(values.mean()) for name, values in terms.items()}
    results["negative_elbo"] = results["reconstruction_loss"] + results["kl_loss"]
    return results
