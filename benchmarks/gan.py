"""GAN benchmarks on the fixed `digits` split.

- quality: 1,000 samples of the default GAN, judged by a LeNet-5 ConvNet
  recipe trained on the digits: classifier score (the Inception Score with a
  digit classifier, as TF-GAN scores MNIST) against the real test digits, and
  Fréchet distance to the test digits against the untrained generator's.
  Targets: score >= 0.9x the real digits'; distance <= 25% of the untrained one.
- speed: `gan.fit` (K = M = 1) against the same networks trained the way the
  keras-io DCGAN example does it (a `keras.Model` subclass whose `train_step`
  runs one GradientTape discriminator step and one generator step), and the
  recipe with `jit_compile` "auto"/True/False.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from benchmarks.bare_jax import bare_gan
from benchmarks.common import (
    compare,
    markdown_table,
    on_tensorflow_only,
    recipe_fit,
    speed_table,
    steps_per_call,
    tensorflow_only_target,
)
from recipes import data, gan, metrics, plots

SAMPLES = 1000
GRID = os.path.join(os.path.dirname(__file__), "gan_digits_samples.png")


def quality(epochs=None, seed=0):
    bundle = data.load("digits")
    x_test = bundle.test[0]
    judge = metrics.judge(bundle, seed=seed)
    features = metrics.penultimate_features(judge)
    judge_accuracy = float(
        np.mean(np.argmax(judge.predict(x_test, verbose=0), 1) == bundle.test[1])
    )

    keras.utils.set_random_seed(seed)
    model = gan.compile(gan.build(seed=seed))
    untrained = gan.sample(model, SAMPLES, seed=1)
    fit_kwargs = {} if epochs is None else {"epochs": epochs}
    history = gan.fit(model, bundle, verbose=0, **fit_kwargs)
    trained = gan.sample(model, SAMPLES, seed=1)
    plots.image_grid(trained[:64], GRID, columns=8, title="GAN samples (digits)")

    real_score = metrics.classifier_score(x_test, judge)
    rows = [
        ["real test digits", len(x_test), real_score, 0.0],
        [
            "untrained generator",
            SAMPLES,
            metrics.classifier_score(untrained, judge),
            metrics.frechet_distance(x_test, untrained, features),
        ],
        [
            f"trained GAN ({len(history.history['loss'])} epochs)",
            SAMPLES,
            metrics.classifier_score(trained, judge),
            metrics.frechet_distance(x_test, trained, features),
        ],
    ]
    score_ratio = rows[2][2] / real_score
    distance_ratio = rows[2][3] / rows[1][3]
    met = score_ratio >= 0.9 and distance_ratio <= 0.25
    return (
        "## GAN on digits (quality)\n\n"
        "Default `gan.build()` (dense, latent 32, width 512, sigmoid output), "
        "`gan.compile` (Adam, learning rates 1e-4 for the discriminator and 1.6e-3 "
        "for the generator, beta_1 0.5, K = M = 1), `gan.fit` on the 1,077 "
        "training images. Judge: LeNet-5 ConvNet recipe trained on the digits "
        f"(test accuracy {100 * judge_accuracy:.1f}%); Fréchet distance on its "
        "penultimate features, to the 360 test digits.\n\n"
        + markdown_table(
            ["images", "count", "classifier score", "Fréchet distance"], rows
        )
        + f"\n\nScore ratio to real digits: {score_ratio:.3f} (target >= 0.90); "
        f"distance ratio to untrained: {distance_ratio:.3f} (target <= 0.25): "
        f"{'met' if met else 'NOT met'}.\n\nSample grid: `benchmarks/{os.path.basename(GRID)}`."
    )


class HandWrittenGAN(keras.Model):
    """The keras-io DCGAN example's model: one D step and one G step per batch."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        import tensorflow as tf
        from keras import ops

        batch_size = ops.shape(real_images)[0]
        noise = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        generated = self.generator(noise)
        combined = ops.concatenate([generated, real_images], axis=0)
        labels = ops.concatenate(
            [ops.zeros((batch_size, 1)), ops.ones((batch_size, 1))], axis=0
        )
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(combined))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(
            zip(grads, self.discriminator.trainable_weights)
        )
        noise = keras.random.normal(
            (batch_size, self.latent_dim), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(noise))
            g_loss = self.loss_fn(ops.ones((batch_size, 1)), predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {
            "d_loss": self.d_loss_metric.result(),
            "g_loss": self.g_loss_metric.result(),
        }


def speed():
    x = data.load("digits").train[0]
    batch_size = 64

    recipe = recipe_fit(gan, x, batch_size=batch_size)
    latent_dim = gan.build().latent_dim

    def networks():
        model = gan.build()
        return model.generator, model.discriminator

    def hand_written(epochs, callbacks):
        networks = gan.build()
        model = HandWrittenGAN(networks.discriminator, networks.generator, 32)
        model.compile(
            d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
            loss_fn=keras.losses.BinaryCrossentropy(from_logits=True),
        )
        model.fit(
            x, epochs=epochs, batch_size=batch_size, callbacks=callbacks, verbose=0
        )

    table = speed_table(
        on_tensorflow_only(hand_written),
        recipe,
        samples_per_epoch=len(x),
        auto=gan.compile(gan.build()).jit_compile,
        baseline="hand-written Keras (keras-io DCGAN style)",
        unit="real images/s",
        bare=bare_gan(networks, x, latent_dim=latent_dim, batch_size=batch_size),
        repeats=5,
        epochs=12,  # an epoch is a quarter of a second: many, for a steady median
    )
    return (
        "## GAN training speed\n\n"
        f"Default GAN (dense, width 512) on the digits training images ({len(x)}), batch {batch_size}, "
        "K = M = 1; the hand-written model trains the same networks with the keras-io "
        "DCGAN example's `train_step` (Keras's own default `jit_compile`); median "
        "over epochs 2-12 of 5 interleaved repeats. "
        + steps_per_call(gan)
        + "\n\n"
        + table
        + tensorflow_only_target()
    )


def steps_per_call_sweep(counts=(1, 4, 8, 16, 32, 64), repeats=3, epochs=10):
    """Throughput of the default GAN at each count of steps per compiled call.

    Each count trains a fresh default GAN on the digits training images
    (batch 64), interleaved `repeats` times; median over epochs 2-`epochs`.
    Run on one backend: `python -c "from benchmarks.gan import
    steps_per_call_sweep; print(steps_per_call_sweep())"`.

    Returns:
        A markdown table: steps per call, real images/s.
    """
    x = data.load("digits").train[0]
    recipe = recipe_fit(gan, x, batch_size=64)
    results = compare(
        {count: recipe("auto", steps_per_execution=count) for count in counts},
        len(x),
        repeats=repeats,
        epochs=epochs,
    )
    return markdown_table(
        ["steps per call", f"real images/s ({keras.backend.backend()})"],
        [[count, images] for count, images in results.items()],
    )
