"""The VAE's loss terms, per example and in nats, and the loss built from them."""

from __future__ import annotations

import math

import keras
from keras import ops

from recipes import saving

LOG_2PI = math.log(2.0 * math.pi)


def kl_divergence(z_mean, z_log_var):
    """`KL(N(mean, exp(log_var)) || N(0, I))` per example, in closed form.

    `-0.5 * sum(1 + log_var - mean**2 - exp(log_var))` over the latent axis.

    Args:
        z_mean: `(B, latent_dim)` posterior means.
        z_log_var: `(B, latent_dim)` posterior log-variances.

    Returns:
        `(B,)` tensor, in nats.

    Example:

    >>> import numpy as np
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
        log_scale: log standard deviation of the Gaussian (scalar; `None`
            for Bernoulli).

    Returns:
        `(B,)` tensor.

    Example:

    >>> import numpy as np
    >>> x = np.ones((1, 2, 2, 1), "float32")
    >>> logits = np.zeros((1, 2, 2, 1), "float32")  # every pixel p = 1/2
    >>> round(float(negative_log_likelihood(x, logits, "bernoulli")[0]), 4)  # 4 log 2
    2.7726
    """
    if likelihood == "bernoulli":
        # binary cross-entropy from logits: softplus(l) - x * l, stable for any l
        per_pixel = ops.softplus(decoder_output) - x * decoder_output
    else:
        log_scale = ops.convert_to_tensor(log_scale)  # a variable or a tensor
        standardized = (x - decoder_output) * ops.exp(-log_scale)
        per_pixel = 0.5 * LOG_2PI + log_scale + 0.5 * ops.square(standardized)
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)  # (B,)


def elbo_terms(x, outputs, likelihood, log_scale=None):
    """Per-example reconstruction (`-log p(x | z)`) and KL terms, `(B,)` each.

    Args:
        x: `(B, H, W, C)` images.
        outputs: the model's outputs, with `decoder_output`, `z_mean` and
            `z_log_var`.
        likelihood: `"bernoulli"` or `"gaussian"`.
        log_scale: log standard deviation of the Gaussian (`None` for
            Bernoulli).
    """
    decoder_output = outputs["decoder_output"]
    x = ops.cast(x, decoder_output.dtype)
    reconstruction = negative_log_likelihood(x, decoder_output, likelihood, log_scale)
    return reconstruction, kl_divergence(outputs["z_mean"], outputs["z_log_var"])


@saving.register
class NegativeELBO(keras.losses.Loss):
    """`-log p(x | z) + beta * KL(q(z | x) || p(z))`, averaged over the batch.

    `y_true` is the images; `y_pred` the model's outputs (`decoder_output`,
    `z_mean`, `z_log_var`), plus `log_scale` for the Gaussian likelihood.
    Keras's `"sum_over_batch_size"` reduction averages over the batch and,
    under a `tf.distribute` strategy, divides by the number of replicas in
    sync, so the replicas' summed gradients are those of the global batch mean.

    Args:
        likelihood: `"bernoulli"` or `"gaussian"`.
        beta: weight of the KL term.
        **kwargs: passed to `keras.losses.Loss` (`name`, `reduction`, `dtype`).

    Example:

    >>> import numpy as np
    >>> outputs = {"decoder_output": np.zeros((2, 2, 2, 1)),
    ...            "z_mean": np.ones((2, 2)), "z_log_var": np.zeros((2, 2))}
    >>> x = np.ones((2, 2, 2, 1))
    >>> round(float(NegativeELBO(beta=0.5)(x, outputs)), 4)  # 4 log 2 + 0.5 * 1
    3.2726
    """

    def __init__(self, likelihood="bernoulli", beta=1.0, **kwargs):
        kwargs.setdefault("name", "negative_elbo")
        super().__init__(**kwargs)
        self.likelihood = likelihood
        self.beta = float(beta)

    def call(self, y_true, y_pred):
        reconstruction, kl = elbo_terms(
            y_true, y_pred, self.likelihood, y_pred.get("log_scale")
        )
        return reconstruction + self.beta * kl  # (B,)

    def get_config(self):
        return {
            **super().get_config(),
            "likelihood": self.likelihood,
            "beta": self.beta,
        }
