"""The `GAN` model: two networks, two optimizers, and their serialisation.

The training step itself is in `recipes.gan.step`; this module holds what
does not depend on the backend: `compile` and its config, `get_config`, the
loss trackers and the test step.
"""

from __future__ import annotations

import keras
from keras import ops

from recipes import saving, validation
from recipes.gan.losses import discriminator_loss, generator_loss
from recipes.gan.step import AdversarialStep


@saving.register
class GAN(AdversarialStep, keras.Model):
    """A generator and a discriminator trained by alternating updates.

    `model(z)` is `generator(z)`. Each `fit` batch runs `d_steps`
    discriminator updates then `g_steps` generator updates (see
    `recipes.gan.step`); `compile` takes the two optimizers and those step
    counts. A discriminator update scores the real and the generated images
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

        Args:
            d_optimizer: optimizer of the discriminator.
            g_optimizer: optimizer of the generator (a different instance).
            d_steps: discriminator updates per batch (K, at least 1; default 1).
            g_steps: generator updates per batch (M, at least 1; default 1).
            label_smoothing: one-sided smoothing of the real targets, in
                [0, 1) (default 0).
            instance_noise: standard deviation of the Gaussian noise added to
                the discriminator's inputs (default 0, off).
            jit_compile: whether the step compiles with XLA (default `False`).
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
        super().compile(optimizer=d_optimizer, jit_compile=jit_compile, **kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.d_steps, self.g_steps = d_steps, g_steps
        self.label_smoothing = float(label_smoothing)
        self.instance_noise = float(instance_noise)
        # Built now, each on its own network's variables, so that saved slots
        # load back into the right optimizer.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

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

    # -- losses of a batch --

    def _record_losses(self, d_losses, g_losses, batch):
        """Adds a batch's update losses to the trackers; returns the metrics."""
        weight = ops.cast(batch, "float32")
        for d_loss in d_losses:
            self.d_loss_tracker.update_state(d_loss, sample_weight=weight)
        for g_loss in g_losses:
            self.g_loss_tracker.update_state(g_loss, sample_weight=weight)
        total = d_losses[-1] + g_losses[-1]
        self.loss_tracker.update_state(total, sample_weight=weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        """Both losses on a batch, with plain labels (no smoothing or noise)."""
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        noise = self._normal((batch, self.latent_dim))  # (B, latent_dim)
        fake_logit = self.discriminator(self.generator(noise))  # (B, 1)
        real_logit = self.discriminator(real)  # (B, 1)
        d_loss = ops.mean(discriminator_loss(real_logit, fake_logit))
        g_loss = ops.mean(generator_loss(fake_logit))
        return self._record_losses([d_loss], [g_loss], batch)
