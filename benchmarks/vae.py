"""VAE benchmarks on the fixed `digits` split, binarised at 0.5.

- quality: test negative ELBO and importance-weighted negative log-likelihood
  (k = 1,000, Burda et al. 2016) of the dense and conv VAEs (Bernoulli
  likelihood), against two baselines fitted in the same run on the same
  training split: independent per-pixel Bernoulli, and a mixture of 10
  Bernoulli components fitted by EM. All are likelihoods of the same binary
  test images, in nats per image. Target: the conv VAE's importance-weighted
  NLL is below both baselines.
- speed: `vae.fit` throughput against the same conv VAE written by hand the
  way the keras-io VAE example does it (custom `train_step` with
  `tf.GradientTape` and `Mean` trackers), and the recipe with `jit_compile`
  "auto"/True/False.
"""

from __future__ import annotations

import keras
import numpy as np
from scipy.special import logsumexp

from benchmarks.bare_jax import bare_vae
from benchmarks.common import (
    markdown_table,
    on_tensorflow_only,
    recipe_fit,
    speed_table,
    tensorflow_only_target,
)
from recipes import data, vae

K_SAMPLES = 1000
EPOCHS = 150  # at most; early stopping (patience 30) may end sooner
PSEUDO_COUNT = 1.0  # Laplace smoothing of the baselines' pixel probabilities


def binarised_digits(seed=0):
    """The digits bundle with every pixel thresholded at 0.5."""
    bundle = data.load("digits", seed=seed)

    def binary(split):
        return ((split[0] > 0.5).astype("float32"), split[1])

    return data.Bundle(
        train=binary(bundle.train),
        val=binary(bundle.val),
        test=binary(bundle.test),
        info=bundle.info,
    )


def bernoulli_log_likelihood(x, probabilities):
    """`log p(x)` of flattened binary `x` `(N, D)` under `(K, D)` Bernoullis: `(N, K)`."""
    log_p, log_q = np.log(probabilities), np.log1p(-probabilities)
    return x @ log_p.T + (1 - x) @ log_q.T


def independent_bernoulli_nll(x_train, x_test):
    """Test NLL (nats per image) of one Bernoulli per pixel, Laplace-smoothed."""
    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    p = (x_train.sum(0) + PSEUDO_COUNT) / (len(x_train) + 2 * PSEUDO_COUNT)
    return float(-bernoulli_log_likelihood(x_test, p[None])[:, 0].mean())


def bernoulli_mixture_nll(x_train, x_test, *, components=10, steps=200, restarts=3):
    """Test NLL of a mixture of Bernoullis fitted by EM (best of `restarts`).

    The M-step smooths each component's pixel probabilities with a pseudo-count
    of one success and one failure (a Beta(2, 2) prior, MAP estimate), so no
    probability is exactly 0 or 1.
    """
    from threadpoolctl import threadpool_limits

    x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    with threadpool_limits(1):  # small matrices: threads only add contention
        return _fit_mixture(x_train, x_test, components, steps, restarts)


def _fit_mixture(x_train, x_test, components, steps, restarts):
    best = None
    for restart in range(restarts):
        rng = np.random.default_rng(restart)
        responsibilities = rng.dirichlet(np.ones(components), size=len(x_train))
        for _ in range(steps):
            counts = responsibilities.sum(0)  # (K,)
            weights = counts / counts.sum()
            p = (responsibilities.T @ x_train + PSEUDO_COUNT) / (
                counts[:, None] + 2 * PSEUDO_COUNT
            )  # (K, D)
            joint = bernoulli_log_likelihood(x_train, p) + np.log(weights)  # (N, K)
            log_px = logsumexp(joint, axis=1, keepdims=True)
            responsibilities = np.exp(joint - log_px)
        train_ll = float(log_px.mean())
        if best is None or train_ll > best[0]:
            best = (train_ll, weights, p)
    _, weights, p = best
    joint = bernoulli_log_likelihood(x_test, p) + np.log(weights)
    return float(-logsumexp(joint, axis=1).mean())


def quality():
    bundle = binarised_digits()
    x_train, x_test = bundle.train[0], bundle.test[0]
    rows = [
        ["independent Bernoulli", "", independent_bernoulli_nll(x_train, x_test), ""],
        [
            "mixture of 10 Bernoullis (EM)",
            "",
            bernoulli_mixture_nll(x_train, x_test),
            "",
        ],
    ]
    baselines = [row[2] for row in rows]
    conv_nll = None
    for arch in ("dense", "conv"):
        keras.utils.set_random_seed(0)
        model = vae.compile(vae.build(arch=arch, seed=0))
        history = vae.fit(model, bundle, epochs=EPOCHS, verbose=0)
        metrics = vae.evaluate(model, bundle, k=K_SAMPLES)
        rows.append(
            [
                f"{arch} VAE (latent 8)",
                metrics["negative_elbo"],
                metrics["importance_weighted_nll"],
                len(history.history["loss"]),
            ]
        )
        if arch == "conv":
            conv_nll = metrics["importance_weighted_nll"]
    verdict = "met" if conv_nll < min(baselines) else "NOT met"
    return (
        "## VAE on binarised digits (quality)\n\n"
        "Digits thresholded at 0.5; default `vae.build(arch=...)` (Bernoulli likelihood, "
        f"latent_dim 8), `vae.fit` (at most {EPOCHS} epochs) with early stopping on the validation loss. Test "
        f"figures on the fixed 360-image test split in nats per image; the VAEs' NLL is "
        f"the importance-weighted estimate with k = {K_SAMPLES}. Baselines fitted on the "
        "same training split (pixel probabilities Laplace-smoothed).\n\n"
        + markdown_table(
            ["model", "test negative ELBO", "test NLL", "epochs"],
            rows,
        )
        + f"\n\nTarget: conv VAE's importance-weighted NLL below both baselines ({verdict})."
    )


class HandWrittenVAE(keras.Model):
    """The conv VAE as the keras-io example writes it: a GradientTape step."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(
            name="reconstruction_loss"
        )
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        self.seed_generator = keras.random.SeedGenerator(0)

    @property
    def metrics(self):
        return [
            self.total_loss_tracker,
            self.reconstruction_loss_tracker,
            self.kl_loss_tracker,
        ]

    def train_step(self, x):
        import tensorflow as tf

        with tf.GradientTape() as tape:
            z_mean, z_log_var = self.encoder(x)
            epsilon = keras.random.normal(tf.shape(z_mean), seed=self.seed_generator)
            z = z_mean + tf.exp(0.5 * z_log_var) * epsilon
            logits = self.decoder(z)
            reconstruction_loss = tf.reduce_mean(
                tf.reduce_sum(
                    tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits),
                    axis=(1, 2, 3),
                )
            )
            kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var))
            kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def hand_written_vae(latent_dim=8, width=16, hidden_units=128):
    """The default conv VAE's networks, wrapped in the keras-io style model."""
    inputs = keras.Input(shape=(8, 8, 1))
    x = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(
        inputs
    )
    x = keras.layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu")(
        x
    )
    x = keras.layers.Dense(hidden_units, activation="relu")(keras.layers.Flatten()(x))
    encoder = keras.Model(
        inputs,
        [keras.layers.Dense(latent_dim)(x), keras.layers.Dense(latent_dim)(x)],
    )
    z = keras.Input(shape=(latent_dim,))
    y = keras.layers.Dense(hidden_units, activation="relu")(z)
    y = keras.layers.Dense(2 * 2 * 2 * width, activation="relu")(y)
    y = keras.layers.Reshape((2, 2, 2 * width))(y)
    y = keras.layers.Conv2DTranspose(
        2 * width, 3, strides=2, padding="same", activation="relu"
    )(y)
    y = keras.layers.Conv2DTranspose(
        width, 3, strides=2, padding="same", activation="relu"
    )(y)
    decoder = keras.Model(z, keras.layers.Conv2D(1, 3, padding="same")(y))
    model = HandWrittenVAE(encoder, decoder)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def speed():
    x = binarised_digits().train[0]
    batch_size = 32

    recipe = recipe_fit(vae, x, batch_size=batch_size)

    def hand_written(epochs, callbacks):
        model = hand_written_vae()
        model.fit(
            x, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0
        )

    table = speed_table(
        on_tensorflow_only(hand_written),
        recipe,
        samples_per_epoch=len(x),
        auto=vae.compile(vae.build()).jit_compile,
        baseline="hand-written Keras (GradientTape train_step)",
        bare=bare_vae(hand_written_vae, x, batch_size=batch_size),
        unit="samples/s",
        repeats=3,
        epochs=5,
    )
    return (
        "## VAE training speed\n\n"
        f"Default conv VAE (latent 8, width 16) on the binarised digits training split "
        f"({len(x)} images), batch {batch_size}; median over epochs 2-5 of 3 "
        "interleaved repeats.\n\n" + table + tensorflow_only_target()
    )
