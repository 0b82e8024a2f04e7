"""The `GAN` model: two networks, two optimizers, and their serialisation.

The training and test steps have one version per backend:
`recipes.gan.step_tensorflow` (`tf.GradientTape`, stateful updates) and
`recipes.gan.step_jax` (stateless: `stateless_call`, `jax.value_and_grad`,
`stateless_apply`); the one for the running backend is chosen here, once.
This module holds what both share: `compile` and its config, the optimizer
pair, `get_config`, the loss trackers, the noise source and the test losses.
"""

from __future__ import annotations

import re

import keras
from keras import ops

from recipes import saving, validation
from recipes.gan.losses import discriminator_loss, generator_loss

if keras.backend.backend() == "jax":
    from recipes.gan.step_jax import AdversarialStep
else:
    from recipes.gan.step_tensorflow import AdversarialStep


@saving.register
class OptimizerPair(keras.optimizers.MultiOptimizer):
    """A GAN's `model.optimizer`: the discriminator's and the generator's optimizers.

    A Keras model has one `optimizer`; this `keras.optimizers.MultiOptimizer`
    makes the two networks' optimizers that one, so that their variables are
    the model's optimizer variables (`variables` lists them, the JAX step
    receives them in its state, and Keras's callbacks find them under
    `optimizers`). The training steps apply each optimizer to its own network
    directly. `iterations` is the discriminator optimizer's count, as it was
    when that optimizer alone was the model's. Each optimizer's slots are
    saved with the model as its `d_optimizer` and `g_optimizer`, so this
    wrapper saves nothing of its own and a `.keras` file has the same layout
    as with one optimizer.

    Args:
        optimizer_map: a `keras.optimizers.OptimizerMap` (see `of`).
        loss_scale_factor: passed to `keras.optimizers.MultiOptimizer`
            (default `None`).
        name: the optimizer's name (default `None`).

    Example:

    >>> import keras
    >>> from recipes.gan import build
    >>> model = build(latent_dim=4, width=8)
    >>> d_optimizer, g_optimizer = keras.optimizers.Adam(), keras.optimizers.Adam()
    >>> d_optimizer.build(model.discriminator.trainable_variables)
    >>> g_optimizer.build(model.generator.trainable_variables)
    >>> pair = OptimizerPair.of(model, d_optimizer, g_optimizer)
    >>> pair.optimizers == [d_optimizer, g_optimizer]
    True
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(optimizer_map, loss_scale_factor=loss_scale_factor, name=name)

    @classmethod
    def of(cls, model, d_optimizer, g_optimizer):
        """The pair of `model`'s (a `GAN`) two optimizers, built on its variables.

        Args:
            model: the `GAN`.
            d_optimizer: the discriminator's optimizer, built on its variables.
            g_optimizer: the generator's optimizer, built on its variables.

        Returns:
            A built `OptimizerPair` whose `optimizers` are
            `[d_optimizer, g_optimizer]`.
        """
        # One pattern for all the discriminator's variables (the generator's
        # optimizer takes the rest), so that the config holds each optimizer
        # once.
        paths = "|".join(
            re.escape(variable.path)
            for variable in model.discriminator.trainable_variables
        )
        optimizer_map = keras.optimizers.OptimizerMap(g_optimizer, {paths: d_optimizer})
        pair = cls(optimizer_map, name="optimizer_pair")
        pair.build(model.trainable_variables)
        return pair

    @property
    def iterations(self):
        """The discriminator optimizer's step count."""
        return self.optimizers[0].iterations

    def save_own_variables(self, store):
        """Saves nothing: each optimizer is saved as the model's own attribute."""

    def load_own_variables(self, store):
        """Loads nothing: each optimizer is loaded as the model's own attribute."""


@saving.register
class GAN(AdversarialStep, keras.Model):
    """A generator and a discriminator trained by alternating updates.

    `model(z)` is `generator(z)`. Each `fit` batch runs `d_steps`
    discriminator updates then `g_steps` generator updates (the training
    step of `recipes.gan.step_tensorflow` or `recipes.gan.step_jax`, for the
    running backend); `compile` takes the two optimizers and those step
    counts, and makes them the model's `optimizer` (an `OptimizerPair`). A discriminator update scores the real and the generated images
    in one call on their concatenation, so a discriminator given here should
    not use batch statistics (the built ones have no batch normalisation).
    Reported metrics: `d_loss`, `g_loss` (means over the epoch's updates) and
    `loss`, their sum (a single number for `TerminateOnNaN`; a GAN's losses do
    not measure sample quality, so `fit` runs no early stopping).

    Args:
        generator: a model from `(B, latent_dim)` noise to images.
        discriminator: a model from images to `(B, 1)` logits.
        latent_dim: size of the noise vector.
        output_range: `(low, high)` of the generator's images (default
            `(0.0, 1.0)`).
        seed: seed of the `SeedGenerator` that draws all noise (default `None`).
        **kwargs: passed to `keras.Model` (`name`).

    Example:

    >>> generator = keras.Sequential([
    ...     keras.Input((32,)),
    ...     keras.layers.Dense(64, activation="sigmoid"),
    ...     keras.layers.Reshape((8, 8, 1)),
    ... ])
    >>> discriminator = keras.Sequential(
    ...     [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    ... )
    >>> model = GAN(generator, discriminator, latent_dim=32)
    >>> tuple(model(keras.ops.zeros((2, 32))).shape)  # model(z) is generator(z)
    (2, 8, 8, 1)
    """

    recipe = "gan"

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        output_range=(0.0, 1.0),
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        validation.check_positive_int(latent_dim, "latent_dim")
        seed = validation.check_seed(seed)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.output_range = tuple(float(v) for v in output_range)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_steps, self.g_steps = 1, 1
        self.label_smoothing, self.instance_noise = 0.0, 0.0
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    def call(self, noise, training=False):
        return self.generator(noise, training=training)  # (B, H, W, C)

    @property
    def inputs(self):
        """The symbolic noise input `[(None, latent_dim)]`, as on a Functional model."""
        return self.generator.inputs

    @property
    def metrics(self):
        return [self.loss_tracker, self.d_loss_tracker, self.g_loss_tracker]

    # -- compile and its serialisation --

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        *,
        d_steps=1,
        g_steps=1,
        label_smoothing=0.0,
        instance_noise=0.0,
        jit_compile=False,
        **kwargs,
    ):
        """Sets the two optimizers and the algorithm's step counts.

        The model's `optimizer` becomes the `OptimizerPair` of the two, so
        that both optimizers' variables are in the model's training state.

        Args:
            d_optimizer: optimizer of the discriminator.
            g_optimizer: optimizer of the generator (a different instance).
            d_steps: discriminator updates per batch (K, at least 1; default 1).
            g_steps: generator updates per batch (M, at least 1; default 1).
            label_smoothing: one-sided smoothing of the real targets, in
                [0, 1) (default 0).
            instance_noise: standard deviation of the Gaussian noise added to
                the discriminator's inputs (default 0, off).
            jit_compile: whether the step compiles with XLA (default `False`;
                on JAX, `True` has Keras compile it with `jax.jit`).
            **kwargs: passed to `keras.Model.compile`.
        """
        validation.check_positive_int(d_steps, "d_steps")
        validation.check_positive_int(g_steps, "g_steps")
        validation.check_fraction(label_smoothing, "label_smoothing")
        validation.check_non_negative(instance_noise, "instance_noise")
        if d_optimizer is g_optimizer:
            raise ValueError(
                "`d_optimizer` and `g_optimizer` must be two optimizer instances."
            )
        # Built now, each on its own network's variables, so that saved slots
        # load back into the right optimizer.
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)
        pair = OptimizerPair.of(self, d_optimizer, g_optimizer)
        super().compile(optimizer=pair, jit_compile=jit_compile, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_steps, self.g_steps = d_steps, g_steps
        self.label_smoothing = float(label_smoothing)
        self.instance_noise = float(instance_noise)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            "d_steps": self.d_steps,
            "g_steps": self.g_steps,
            "label_smoothing": self.label_smoothing,
            "instance_noise": self.instance_noise,
            "jit_compile": bool(self.jit_compile),
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "output_range": list(self.output_range),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)

    # -- what both backends' steps share --

    def draw_normal(self, shape, seed):
        """Standard normal noise: every random tensor of the training and test steps.

        The noise vectors and the instance noise of both backends' steps come
        from this one method, so a test can give both the same noise.

        Args:
            shape: the shape of the draw.
            seed: the model's `SeedGenerator` (TensorFlow step) or the current
                value of its state (JAX step, which carries it in the state).

        Returns:
            A float tensor of `shape`.
        """
        return keras.random.normal(shape, seed=seed)

    def loss_updates(self, d_losses, g_losses):
        """`(tracker, losses)` pairs: what each loss tracker adds for a batch.

        Args:
            d_losses: the batch's discriminator losses, one per update.
            g_losses: the batch's generator losses, one per update.

        Returns:
            A list in the order of `metrics`: `loss` gets the sum of the last
            discriminator and the last generator loss, `d_loss` and `g_loss`
            every update's loss.
        """
        return [
            (self.loss_tracker, [d_losses[-1] + g_losses[-1]]),
            (self.d_loss_tracker, list(d_losses)),
            (self.g_loss_tracker, list(g_losses)),
        ]

    def test_losses(self, real_logit, fake_logit):
        """The test step's `(d_loss, g_loss)`: plain labels, no smoothing or noise.

        Args:
            real_logit: `(B, 1)` logits of real images.
            fake_logit: `(B, 1)` logits of generated images.

        Returns:
            The two mean losses over the batch.
        """
        d_loss = ops.mean(discriminator_loss(real_logit, fake_logit))
        g_loss = ops.mean(generator_loss(fake_logit))
        return d_loss, g_loss


def check_model(model, name="model"):
    """Refuses anything but a `GAN`; returns `model`.

    Raises:
        ValueError: naming the argument and the type it got.
    """
    if not isinstance(model, GAN):
        raise ValueError(f"`{name}` must be a gan.GAN, got {type(model).__name__}.")
    return model
