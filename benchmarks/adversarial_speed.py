"""Adversarial training speed on the fixed `digits` split.

- speed: `adversarial.fit` with its defaults (PGD of 5 steps, epsilon 0.2,
  random start, clean/adversarial mix 0.5, Adam 1e-3, batch 32) against the
  same ConvNet trained by the same PGD adversarial training written the way
  Madry et al. 2018 and the TensorFlow adversarial-training tutorials write
  it (a `keras.Model` subclass whose `train_step` runs the PGD loop with an
  inner `tf.GradientTape`, then one update), the same step as a bare
  `jax.jit` function on JAX, and the recipe with `jit_compile`
  "auto"/True/False.

Every variant counts the clean training images it goes through per second;
each image also costs its attack's 5 forward and backward passes.
"""

from __future__ import annotations

import keras
from keras import ops

from benchmarks.bare_jax import loop, optimizer_state, shuffled, variables
from benchmarks.common import (
    on_tensorflow_only,
    recipe_fit,
    speed_table,
    tensorflow_only_target,
)
from recipes import adversarial, convnet, data
from recipes.adversarial.attacks import PGD_STEP_FACTOR
from recipes.adversarial.training import STEPS_PER_EXECUTION

BATCH_SIZE = 32  # `adversarial.fit`'s default
LEARNING_RATE = 1e-3  # `adversarial.compile`'s default (Adam)
# The first epoch of each fit (tracing, XLA compilation) is not counted.
REPEATS, EPOCHS = 3, 4


def attack_settings():
    """The recipe's default training attack: epsilon, steps, step size, mix, clip."""
    settings = adversarial.compile(adversarial.build()).attack_settings()
    if settings["step_size"] is None:
        settings["step_size"] = (
            PGD_STEP_FACTOR * settings["epsilon"] / settings["steps"]
        )
    settings["clip"] = tuple(settings["clip"])
    return settings


class HandWrittenAdversarialModel(keras.Model):
    """PGD adversarial training of a classifier, in plain Keras on TensorFlow.

    Each training step makes a PGD example of every image of the batch: a
    uniform random start in the L-infinity ball of radius `epsilon`, then
    `steps` steps of `step_size` along the sign of the input gradient of the
    cross-entropy (the classifier in inference mode), each projected back
    into the ball and into `clip`. It then takes one optimizer step on
    `(1 - a) * L(x, y) + a * L(x_adv, y)` over the clean and adversarial
    images in one batch.

    Args:
        classifier: a model from images to class probabilities.
        epsilon, steps, step_size: the PGD attack.
        adversarial_fraction: the weight `a` of the adversarial loss.
        clip: the valid input range `(low, high)`.
        seed: seed of the random starts.
    """

    def __init__(
        self,
        classifier,
        *,
        epsilon,
        steps,
        step_size,
        adversarial_fraction,
        clip=(0.0, 1.0),
        seed=None,
    ):
        super().__init__()
        self.classifier = classifier
        self.epsilon, self.steps, self.step_size = epsilon, steps, step_size
        self.adversarial_fraction, self.clip = adversarial_fraction, clip
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        return self.classifier(inputs, training=training)

    def compile(self, optimizer, loss_fn):
        super().compile(optimizer=optimizer)
        self.loss_fn = loss_fn
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy]

    def pgd(self, x, y):
        """PGD examples of a batch against the current weights (no gradient)."""
        import tensorflow as tf

        low, high = self.clip
        noise = keras.random.uniform(
            tf.shape(x), -self.epsilon, self.epsilon, seed=self.seed_generator
        )
        x_adv = tf.clip_by_value(x + noise, low, high)
        for _ in range(self.steps):
            with tf.GradientTape() as tape:
                tape.watch(x_adv)
                loss = self.loss_fn(y, self.classifier(x_adv, training=False))
            gradient = tape.gradient(loss, x_adv)
            x_adv = x_adv + self.step_size * tf.sign(gradient)
            x_adv = tf.clip_by_value(x_adv, x - self.epsilon, x + self.epsilon)
            x_adv = tf.clip_by_value(x_adv, low, high)
        return tf.stop_gradient(x_adv)

    def train_step(self, data):
        import tensorflow as tf

        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        x_adv = self.pgd(x, y)
        batch = tf.shape(x)[0]
        fraction = self.adversarial_fraction
        with tf.GradientTape() as tape:
            predictions = self.classifier(tf.concat([x, x_adv], 0), training=True)
            loss = (1.0 - fraction) * self.loss_fn(
                y, predictions[:batch]
            ) + fraction * self.loss_fn(y, predictions[batch:])
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(tf.concat([y, y], 0), predictions)
        return {metric.name: metric.result() for metric in self.metrics}


def hand_written_model(classifier=None, seed=None, **settings):
    """A compiled `HandWrittenAdversarialModel` of the recipe's default ConvNet.

    Args:
        classifier: the network (default: `convnet.build()`, the recipe's).
        seed: seed of the random starts.
        **settings: the attack (default: `attack_settings()`).
    """
    model = HandWrittenAdversarialModel(
        convnet.build() if classifier is None else classifier,
        seed=seed,
        **(settings or attack_settings()),
    )
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss_fn=keras.losses.SparseCategoricalCrossentropy(),
    )
    return model


def bare_step(
    classifier, optimizer, *, epsilon, steps, step_size, adversarial_fraction, clip
):
    """One adversarial training step as a pure JAX function of the state.

    Returns:
        `step(state, key, images, labels) -> (state, loss)`, the state being
        `[trainable, non_trainable, optimizer_variables]` values; PGD's loop
        (from a uniform start drawn with `key`) runs inside it.
    """
    import jax
    import jax.numpy as jnp

    low, high = clip

    def cross_entropy(labels, probabilities):
        return ops.mean(ops.sparse_categorical_crossentropy(labels, probabilities))

    def step(state, key, images, labels):
        trainable, non_trainable, optimizer_variables = state

        def attack_loss(inputs):
            probabilities, _ = classifier.stateless_call(
                trainable, non_trainable, inputs
            )  # (B, classes), inference mode
            return cross_entropy(labels, probabilities)

        noise = jax.random.uniform(key, images.shape, minval=-epsilon, maxval=epsilon)
        x_adv = jnp.clip(images + noise, low, high)
        for _ in range(steps):
            x_adv = x_adv + step_size * jnp.sign(jax.grad(attack_loss)(x_adv))
            x_adv = jnp.clip(x_adv, images - epsilon, images + epsilon)
            x_adv = jnp.clip(x_adv, low, high)
        x_adv = jax.lax.stop_gradient(x_adv)
        batch = images.shape[0]

        def value(trainable, non_trainable):
            probabilities, non_trainable = classifier.stateless_call(
                trainable,
                non_trainable,
                jnp.concatenate([images, x_adv]),
                training=True,
            )  # (2B, classes)
            clean = cross_entropy(labels, probabilities[:batch])
            attacked = cross_entropy(labels, probabilities[batch:])
            total = (1.0 - adversarial_fraction) * clean
            return total + adversarial_fraction * attacked, non_trainable

        (loss, non_trainable), grads = jax.value_and_grad(value, has_aux=True)(
            trainable, non_trainable
        )
        trainable, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable
        )
        return [trainable, non_trainable, optimizer_variables], loss

    return step


def bare_adversarial(x, y, *, batch_size, **settings):
    """`fit(epochs, callbacks)` of the recipe's default ConvNet by `bare_step`."""
    current = {}

    def start():
        classifier = convnet.build()
        optimizer = keras.optimizers.Adam(LEARNING_RATE)
        current["step"] = bare_step(classifier, optimizer, **settings)
        return variables(classifier)[0] + [optimizer_state(optimizer, classifier)]

    def step(state, key, images, labels):
        return current["step"](state, key, images, labels)

    return loop(start, step, shuffled([x, y], batch_size))


def speed():
    x, y = data.load("digits").train
    settings = attack_settings()

    recipe = recipe_fit(adversarial, (x, y), batch_size=BATCH_SIZE)

    def hand_written(epochs, callbacks):
        model = hand_written_model(**settings)
        model.fit(
            x, y, epochs=epochs, batch_size=BATCH_SIZE, callbacks=callbacks, verbose=0
        )

    table = speed_table(
        on_tensorflow_only(hand_written),
        recipe,
        samples_per_epoch=len(x),
        auto=adversarial.compile(adversarial.build()).jit_compile,
        baseline="hand-written Keras (tf.GradientTape PGD train_step)",
        unit="training images/s",
        bare=bare_adversarial(x, y, batch_size=BATCH_SIZE, **settings),
        repeats=REPEATS,
        epochs=EPOCHS,
    )
    return (
        "## Adversarial training speed\n\n"
        "Default adversarial ConvNet (ResNet, width 32, depth 2) on the digits "
        f"training split ({len(x)} images), batch {BATCH_SIZE}. Each step makes a "
        "PGD example of every image against the current weights (uniform random "
        f"start, {settings['steps']} signed-gradient steps of "
        f"{settings['step_size']:.3g} in the L-infinity ball of radius "
        f"{settings['epsilon']:g}, clipped to [0, 1], the network in inference "
        f"mode), then takes one Adam (learning rate {LEARNING_RATE:g}) update on "
        f"{1 - settings['adversarial_fraction']:g} x clean + "
        f"{settings['adversarial_fraction']:g} x adversarial cross-entropy, "
        "both halves in one batch. Throughput counts clean training images, the "
        "same count for every variant. Steps per compiled call: the recipe its "
        f"default {STEPS_PER_EXECUTION} (PGD's steps written out inside the "
        "step where XLA compiles it, a loop otherwise); the hand-written model Keras's 1, with Keras's default "
        "`jit_compile` and PGD's loop unrolled in its `train_step` (TensorFlow "
        "only); the bare `jax.jit` step 1, PGD's loop unrolled too (JAX only). "
        f"Median over epochs 2-{EPOCHS} of {REPEATS} interleaved repeats.\n\n"
        + table
        + tensorflow_only_target()
    )
