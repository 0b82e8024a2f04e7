"""Generative adversarial networks with K discriminator steps per M generator steps.

- GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"): a generator
  maps noise `z` to images and a discriminator tells real images from
  generated ones. For every batch of real images the discriminator takes `K`
  (`d_steps`) updates on the real batch and on freshly generated images, then
  the generator takes `M` (`g_steps`) updates on fresh noise (Algorithm 1 of
  the paper, with its `k` and a generator step count `M`).
- The generator minimises the non-saturating loss `-log D(G(z))` rather than
  `log(1 - D(G(z)))`, which has strong gradients early in training, when the
  discriminator rejects every sample (same paper, section 3).
- Architectures: `"dense"` (the default; multilayer perceptrons as in the
  original paper, with batch normalisation in the generator) and `"dcgan"`
  (Radford et al. 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks": transposed convolutions
  with batch normalisation and ReLU in the generator, strided convolutions
  with LeakyReLU in the discriminator). On the 8x8 digits the convolutional
  variant collapsed to one mode in our runs, so the dense one is the default.
  Both train with Adam and `beta_1 = 0.5` (DCGAN's).
- Two time-scale learning rates (Heusel et al. 2017, "GANs Trained by a Two
  Time-Scale Update Rule Converge to a Local Nash Equilibrium"): each network
  has its own learning rate. The default gives the generator 16 times the
  discriminator's (1.6e-3 against 1e-4); on the digits' validation split this
  lifted the classifier score of the samples from about 0.75 to about 0.92 of
  the real digits' with DCGAN's single 2e-4.
- One-sided label smoothing (Salimans et al. 2016, "Improved Techniques for
  Training GANs"): real targets `1 - label_smoothing`, fake targets stay 0.
- Instance noise (Sønderby et al. 2017, "Amortised MAP Inference for Image
  Super-resolution"; Arjovsky & Bottou 2017): Gaussian noise added to every
  image the discriminator sees, real or generated.

The discriminator outputs a logit (`D = sigmoid(logit)` is the probability
that the image is real); the losses use the numerically stable cross-entropy
from logits. The generator ends in a sigmoid (images in [0, 1], as the digits
are) or a tanh (images in [-1, 1]); `fit` refuses data outside that range.

All randomness (noise vectors, instance noise) comes from the model's
`SeedGenerator`. Under `tf.distribute.MirroredStrategy`, each replica draws the
noise of the whole global batch and keeps its own slice, so a distributed step
uses the same noise as a single-device step; losses are summed per replica and
divided by the global batch size. The step compiles with XLA.

Example:

>>> from recipes import data, gan
>>> bundle = data.load("digits")
>>> model = gan.compile(gan.build(input_shape=(8, 8, 1)), d_steps=2)
>>> history = gan.fit(model, bundle, epochs=1, verbose=0)
>>> gan.sample(model, 16, seed=0).shape
(16, 8, 8, 1)
"""

from __future__ import annotations

import os

import keras
import keras_tuner
import numpy as np
from keras import ops

from recipes import saving, training, validation
from recipes.data import load as load_data  # noqa: F401 (the recipe interface)
from recipes.tuning import RecipeHyperModel

DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

ARCHITECTURES = ("dense", "dcgan")
OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


# ------------------------------------------------------------------- build ---


def build(
    *,
    input_shape=(8, 8, 1),
    latent_dim=32,
    arch="dense",
    width=512,
    batch_norm=True,
    output_activation="sigmoid",
    seed=None,
    name="gan",
):
    """Builds an (uncompiled) GAN for images of `input_shape`.

    Args:
        input_shape: `(height, width, channels)` of one image; `"dcgan"` needs
            height and width divisible by 4.
        latent_dim: size of the noise vector `z` (at least 1).
        arch: `"dense"` (multilayer perceptrons, the default: on the 8x8
            digits the convolutional variant collapsed to one mode in our
            runs) or `"dcgan"` (convolutional, for larger images).
        width: filters (or units) of the widest hidden layer of each network.
        batch_norm: batch normalisation in the generator's hidden layers.
        output_activation: `"sigmoid"` (images in [0, 1]) or `"tanh"` ([-1, 1]).
        seed: seed of the model's `SeedGenerator` (noise) and initialisers.
        name: the model's name.

    Returns:
        A `GAN` whose `generator` maps `(B, latent_dim)` noise to images and
        whose `discriminator` maps images to `(B, 1)` logits.

    Example:

    >>> model = build(input_shape=(28, 28, 1), latent_dim=64)
    >>> model.generator.output_shape
    (None, 28, 28, 1)
    """
    validation.check_choice(arch, "arch", ARCHITECTURES)
    validation.check_choice(output_activation, "output_activation", OUTPUT_RANGES)
    input_shape = _check_input_shape(input_shape, arch)
    validation.check_positive_int(latent_dim, "latent_dim")
    validation.check_positive_int(width, "width", minimum=2)
    make = _dcgan if arch == "dcgan" else _dense
    generator, discriminator = make(
        input_shape, latent_dim, width, batch_norm, output_activation, seed
    )
    return GAN(
        generator,
        discriminator,
        latent_dim=latent_dim,
        output_range=OUTPUT_RANGES[output_activation],
        seed=seed,
        name=name,
    )


def _check_input_shape(input_shape, arch):
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or not all(
        isinstance(d, (int, np.integer)) and d >= 1 for d in input_shape
    ):
        raise ValueError(
            f"`input_shape` must be (height, width, channels), got {input_shape!r}."
        )
    if arch == "dcgan" and (input_shape[0] % 4 or input_shape[1] % 4):
        raise ValueError(
            "`input_shape` height and width must be divisible by 4 for "
            f"arch='dcgan', got {input_shape!r}."
        )
    return tuple(int(d) for d in input_shape)


def _initializer(seed, offset):
    # DCGAN: weights from N(0, 0.02).
    return keras.initializers.RandomNormal(
        stddev=0.02, seed=None if seed is None else seed + offset
    )


def _dcgan(input_shape, latent_dim, width, batch_norm, activation, seed):
    height, wide, channels = input_shape
    noise = keras.Input((latent_dim,), name="noise")  # (B, latent_dim)
    x = keras.layers.Dense(
        (height // 4) * (wide // 4) * width,
        use_bias=not batch_norm,
        kernel_initializer=_initializer(seed, 0),
    )(noise)
    x = _norm_relu(x, batch_norm)
    x = keras.layers.Reshape((height // 4, wide // 4, width))(x)  # (B, H/4, W/4, w)
    for index, filters in enumerate((width // 2, max(width // 4, 1))):
        x = keras.layers.Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=not batch_norm,
            kernel_initializer=_initializer(seed, 1 + index),
        )(x)  # doubles H and W: (B, H/2, W/2, w/2), then (B, H, W, w/4)
        x = _norm_relu(x, batch_norm)
    images = keras.layers.Conv2D(
        channels,
        3,
        padding="same",
        activation=activation,
        kernel_initializer=_initializer(seed, 3),
        name="image",
    )(x)  # (B, H, W, C)
    generator = keras.Model(noise, images, name="generator")

    image = keras.Input(input_shape, name="image")  # (B, H, W, C)
    y = image
    for index, filters in enumerate((max(width // 2, 1), width)):
        y = keras.layers.Conv2D(
            filters,
            4,
            strides=2,
            padding="same",
            kernel_initializer=keras.initializers.HeNormal(
                None if seed is None else seed + 10 + index
            ),
        )(y)  # halves H and W: (B, H/2, W/2, w/2), then (B, H/4, W/4, w)
        y = keras.layers.LeakyReLU(0.2)(y)
    y = keras.layers.Flatten()(y)
    logit = keras.layers.Dense(1, name="logit")(y)  # (B, 1)
    return generator, keras.Model(image, logit, name="discriminator")


def _dense(input_shape, latent_dim, width, batch_norm, activation, seed):
    size = int(np.prod(input_shape))
    noise = keras.Input((latent_dim,), name="noise")  # (B, latent_dim)
    x = noise
    for index, units in enumerate((max(width // 2, 1), width)):
        x = keras.layers.Dense(
            units,
            use_bias=not batch_norm,
            kernel_initializer=keras.initializers.HeNormal(
                None if seed is None else seed + index
            ),
        )(x)
        x = _norm_relu(x, batch_norm)
    x = keras.layers.Dense(size, activation=activation)(x)  # (B, H * W * C)
    generator = keras.Model(
        noise, keras.layers.Reshape(input_shape, name="image")(x), name="generator"
    )

    image = keras.Input(input_shape, name="image")  # (B, H, W, C)
    y = keras.layers.Flatten()(image)  # (B, H * W * C)
    for units in (width, max(width // 2, 1)):
        y = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(units)(y))
    logit = keras.layers.Dense(1, name="logit")(y)  # (B, 1)
    return generator, keras.Model(image, logit, name="discriminator")


def _norm_relu(x, batch_norm):
    if batch_norm:
        x = keras.layers.BatchNormalization()(x)
    return keras.layers.ReLU()(x)


# ------------------------------------------------------------------- model ---


def _replicas():
    """`(replica index, number of replicas)` of the running `tf.distribute` step."""
    if keras.backend.backend() != "tensorflow":
        return 0, 1
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: no step is running
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


@saving.register
class GAN(keras.Model):
    recipe = "gan"

    """A generator and a discriminator trained by alternating updates.

    `model(z)` is `generator(z)`. Each `fit` batch runs `d_steps`
    discriminator updates then `g_steps` generator updates (see the module
    docstring); `compile` takes the two optimizers and those step counts.
    A discriminator update scores the real and the generated images in one
    call on their concatenation, so a discriminator given here should not
    use batch statistics (the built ones have no batch normalisation).
    Reported metrics: `d_loss`, `g_loss` (means over the epoch's updates) and
    `loss`, their sum (a single number for `TerminateOnNaN`; a GAN's losses do
    not measure sample quality, so `fit` runs no early stopping).

    Args:
        generator: a model from `(B, latent_dim)` noise to images.
        discriminator: a model from images to `(B, 1)` logits.
        latent_dim: size of the noise vector.
        output_range: `(low, high)` of the generator's images.
        seed: seed of the `SeedGenerator` that draws all noise.

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
            d_steps: discriminator updates per batch (K, at least 1).
            g_steps: generator updates per batch (M, at least 1).
            label_smoothing: one-sided smoothing of the real targets, in [0, 1).
            instance_noise: standard deviation of the Gaussian noise added to
                the discriminator's inputs (0 turns it off).
            jit_compile: whether the step compiles with XLA.
        """
        validation.check_positive_int(d_steps, "d_steps")
        validation.check_positive_int(g_steps, "g_steps")
        validation.check_fraction(label_smoothing, "label_smoothing")
        if instance_noise != 0:
            validation.check_positive(instance_noise, "instance_noise")
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

    # -- the training algorithm --

    def _normal(self, shape):
        """Standard normal noise of `shape`, the same whatever the replica count.

        Each replica draws the noise of the global batch from the shared seed
        and keeps its own rows, so that a distributed step sees exactly the
        noise a single-device step would.
        """
        replica, replicas = _replicas()
        if replicas == 1:
            return keras.random.normal(shape, seed=self.seed_generator)
        batch = shape[0]
        draw = keras.random.normal(
            (batch * replicas, *shape[1:]), seed=self.seed_generator
        )
        start = [replica * batch] + [0] * (len(shape) - 1)
        return ops.slice(draw, start, shape)  # (B, ...)

    def _discriminator_input(self, images):
        if not self.instance_noise:
            return images
        return images + self.instance_noise * self._normal(ops.shape(images))

    def _global_mean(self, per_example):
        """Sum over this replica's examples divided by the global batch size."""
        _, replicas = _replicas()
        batch = ops.cast(ops.shape(per_example)[0], per_example.dtype)
        return ops.sum(per_example) / (batch * replicas)

    def _update(self, loss_fn, network, optimizer):
        import tensorflow as tf  # the tape is the TensorFlow backend's step

        variables = network.trainable_variables
        with tf.GradientTape() as tape:
            loss, local_mean = loss_fn()
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return local_mean

    def discriminator_step(self, real):
        """One discriminator update on `real` images and as many generated ones.

        Loss: `-log D(x) - log(1 - D(G(z)))` per example, with the real target
        `1 - label_smoothing`. Only the discriminator's weights change.

        Args:
            real: `(B, H, W, C)` real images.

        Returns:
            The mean discriminator loss over this replica's batch.
        """
        batch = ops.shape(real)[0]
        noise = self._normal((batch, self.latent_dim))  # (B, latent_dim)
        fake = ops.stop_gradient(self.generator(noise, training=True))  # (B, H, W, C)

        def loss_fn():
            # One discriminator call on real and generated images together
            # (the discriminator has no batch statistics, so this equals two
            # calls and costs one).
            both = ops.concatenate(
                [self._discriminator_input(real), self._discriminator_input(fake)],
                axis=0,
            )  # (2B, H, W, C)
            logit = self.discriminator(both, training=True)  # (2B, 1)
            real_logit, fake_logit = logit[:batch], logit[batch:]  # (B, 1) each
            real_target = ops.full_like(real_logit, 1.0 - self.label_smoothing)
            per_example = ops.binary_crossentropy(
                real_target, real_logit, from_logits=True
            ) + ops.binary_crossentropy(
                ops.zeros_like(fake_logit), fake_logit, from_logits=True
            )  # (B, 1)
            per_example = ops.reshape(per_example, (-1,))  # (B,)
            return self._global_mean(per_example), ops.mean(per_example)

        return self._update(loss_fn, self.discriminator, self.d_optimizer)

    def generator_step(self, batch_size):
        """One generator update with the non-saturating loss `-log D(G(z))`.

        Only the generator's weights change.

        Args:
            batch_size: number of noise vectors (this replica's batch size).

        Returns:
            The mean generator loss over this replica's batch.
        """
        noise = self._normal((batch_size, self.latent_dim))  # (B, latent_dim)

        def loss_fn():
            fake = self.generator(noise, training=True)  # (B, H, W, C)
            logit = self.discriminator(self._discriminator_input(fake), training=True)
            per_example = ops.reshape(
                ops.binary_crossentropy(ops.ones_like(logit), logit, from_logits=True),
                (-1,),
            )  # (B,)
            return self._global_mean(per_example), ops.mean(per_example)

        return self._update(loss_fn, self.generator, self.g_optimizer)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        weight = ops.cast(batch, "float32")
        for _ in range(self.d_steps):  # K discriminator updates ...
            d_loss = self.discriminator_step(real)
            self.d_loss_tracker.update_state(d_loss, sample_weight=weight)
        for _ in range(self.g_steps):  # ... then M generator updates
            g_loss = self.generator_step(batch)
            self.g_loss_tracker.update_state(g_loss, sample_weight=weight)
        self.loss_tracker.update_state(d_loss + g_loss, sample_weight=weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        weight = ops.cast(batch, "float32")
        noise = self._normal((batch, self.latent_dim))  # (B, latent_dim)
        fake_logit = self.discriminator(self.generator(noise))  # (B, 1)
        real_logit = self.discriminator(real)  # (B, 1)
        d_loss = ops.mean(
            ops.binary_crossentropy(ops.ones_like(real_logit), real_logit, True)
            + ops.binary_crossentropy(ops.zeros_like(fake_logit), fake_logit, True)
        )
        g_loss = ops.mean(
            ops.binary_crossentropy(ops.ones_like(fake_logit), fake_logit, True)
        )
        self.d_loss_tracker.update_state(d_loss, sample_weight=weight)
        self.g_loss_tracker.update_state(g_loss, sample_weight=weight)
        self.loss_tracker.update_state(d_loss + g_loss, sample_weight=weight)
        return {m.name: m.result() for m in self.metrics}


# ----------------------------------------------------------------- compile ---


def compile(
    model,
    *,
    learning_rate=(1e-4, 1.6e-3),
    optimizer="auto",
    jit_compile="auto",
    d_steps=1,
    g_steps=1,
    label_smoothing=0.0,
    instance_noise=0.0,
    beta_1=0.5,
):
    """Compiles a GAN with one optimizer per network.

    Args:
        model: a `GAN` from `build`.
        learning_rate: one learning rate for both optimizers, or a
            `(discriminator, generator)` pair (default `(1e-4, 1.6e-3)`: two
            time scales, see the module docstring; DCGAN used 2e-4 for both).
        optimizer: `"auto"` (Adam), an optimizer name (two instances are made),
            or a `(discriminator, generator)` pair of optimizer instances.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.
        d_steps: discriminator updates per batch (K).
        g_steps: generator updates per batch (M).
        label_smoothing: one-sided label smoothing of the real targets.
        instance_noise: standard deviation of the discriminator's input noise.
        beta_1: Adam's first-moment decay (DCGAN: 0.5); used by the Adam family.

    Returns:
        The compiled model.

    Example:

    >>> model = compile(build(), d_steps=2, label_smoothing=0.1)
    """
    if not isinstance(model, GAN):
        raise ValueError(f"`model` must be a gan.GAN, got {type(model).__name__}.")
    if isinstance(optimizer, (tuple, list)):
        if len(optimizer) != 2:
            raise ValueError("`optimizer` pair must be (discriminator, generator).")
        d_optimizer, g_optimizer = optimizer
    elif isinstance(optimizer, keras.optimizers.Optimizer):
        raise ValueError(
            "`optimizer` must be a name or a (discriminator, generator) pair of "
            "instances: a GAN needs two optimizers."
        )
    else:
        kwargs = (
            {"beta_1": beta_1}
            if optimizer in ("auto", "adam", "adamw", "nadam")
            else {}
        )
        d_learning_rate, g_learning_rate = _learning_rates(learning_rate)
        d_optimizer = training.make_optimizer(optimizer, d_learning_rate, **kwargs)
        g_optimizer = training.make_optimizer(optimizer, g_learning_rate, **kwargs)
    model.compile(
        d_optimizer,
        g_optimizer,
        d_steps=d_steps,
        g_steps=g_steps,
        label_smoothing=label_smoothing,
        instance_noise=instance_noise,
        jit_compile=training.resolve_jit_compile(jit_compile),
    )
    return model


def _learning_rates(learning_rate):
    """`(discriminator, generator)` learning rates from one value or a pair."""
    if isinstance(learning_rate, (tuple, list)):
        if len(learning_rate) != 2:
            raise ValueError(
                "`learning_rate` must be a number or a (discriminator, generator) "
                f"pair, got {learning_rate!r}."
            )
        return tuple(learning_rate)
    return learning_rate, learning_rate


# --------------------------------------------------------------------- fit ---


def _images(model, data, split):
    """The split's images, checked against the generator's shape and range."""
    part = training.get_split(data, split)
    if part is None or validation.is_dataset(part):
        return part
    if isinstance(part, (tuple, list)):
        part = part[0]  # labels, if any, are not used
    low, high = model.output_range
    return validation.check_array(
        part,
        f"data {split}",
        shape=model.generator.output_shape[1:],
        low=low,
        high=high,
    )


def fit(
    model,
    data,
    *,
    epochs=400,
    batch_size=64,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
):
    """Trains a compiled GAN on the images of the train split (labels unused).

    No early stopping: a GAN's losses say little about its samples. Watch the
    samples instead (`GANMonitor`).

    Args:
        model: a `GAN` from `compile`.
        data: a `recipes.data.Bundle`, `(x, y)`, images `x`, or a dataset.
        epochs: number of epochs.
        batch_size: batch size.
        callbacks: extra Keras callbacks (e.g. `GANMonitor`).
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: for images of the wrong shape, NaN, or values outside the
            generator's output range.
    """
    if isinstance(data, np.ndarray):
        data = (data,)
    return training.fit(
        model,
        _images(model, data, "train"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=None,
    )


def evaluate(model, data, *, judge=None, num_samples=1000, seed=0, batch_size=256):
    """Discriminator and generator losses on the test split; sample quality.

    Args:
        model: a compiled `GAN`.
        data: a `recipes.data.Bundle` (its test split), `(x, y)` or images.
        judge: a classifier of the real data (`recipes.metrics.judge`); when
            given, `num_samples` samples are scored with it.
        num_samples: samples scored by the judge.
        seed: seed of the samples' noise.
        batch_size: evaluation batch size.

    Returns:
        `{"d_loss", "g_loss", "loss"}` (plain labels, no smoothing or noise),
        plus `"classifier_score"` and `"frechet_distance"` (to the test images,
        on the judge's penultimate features) when `judge` is given.
    """
    from recipes import metrics

    if isinstance(data, np.ndarray):
        data = (data,)
    test = _images(model, data, "test")
    results = training.evaluate(
        model, test, batch_size=batch_size, keys=("d_loss", "g_loss", "loss")
    )
    if judge is not None:
        images = sample(model, num_samples, seed=seed)
        results["classifier_score"] = metrics.classifier_score(images, judge)
        results["frechet_distance"] = metrics.frechet_distance(
            test, images, metrics.penultimate_features(judge)
        )
    return results


# ---------------------------------------------------------------- sampling ---


def noise(model, n, seed=0):
    """`(n, latent_dim)` standard normal noise, fixed by `seed` (NumPy)."""
    validation.check_positive_int(n, "n")
    return (
        np.random.default_rng(seed)
        .standard_normal((n, model.latent_dim))
        .astype("float32")
    )


def sample(model, n, seed=0, *, batch_size=256):
    """`n` generated images from the noise that `seed` fixes.

    Args:
        model: a `GAN`.
        n: number of images.
        seed: seed of the noise (the same seed gives the same images).
        batch_size: generation batch size.

    Returns:
        `(n, H, W, C)` NumPy images in the generator's output range.

    Example:

    >>> model = build(input_shape=(8, 8, 1))  # untrained here, for brevity
    >>> images = sample(model, 64, seed=1)
    >>> images.shape
    (64, 8, 8, 1)
    >>> bool(np.array_equal(images, sample(model, 64, seed=1)))
    True
    """
    return np.asarray(
        model.generator.predict(noise(model, n, seed), batch_size=batch_size, verbose=0)
    )


def interpolate(model, steps=8, seed=0, *, spherical=True):
    """Images along a path between two noise vectors drawn from `seed`.

    Args:
        model: a `GAN`.
        steps: number of images along the path (at least 2).
        seed: seed of the two end points.
        spherical: slerp (which keeps the path at the typical norm of Gaussian
            noise) instead of a straight line.

    Returns:
        `(steps, H, W, C)` NumPy images.
    """
    validation.check_positive_int(steps, "steps", minimum=2)
    start, end = noise(model, 2, seed).astype("float64")  # (latent_dim,) each
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    if spherical and angle > 1e-6:
        path = (np.sin((1 - t) * angle) * start + np.sin(t * angle) * end) / np.sin(
            angle
        )
    else:
        path = (1 - t) * start + t * end  # (steps, latent_dim)
    images = model.generator.predict(path.astype("float32"), verbose=0)
    return np.asarray(images)


def _to_unit_range(model, images):
    low, high = model.output_range
    return (np.asarray(images) - low) / (high - low)


class GANMonitor(keras.callbacks.Callback):
    """Writes a PNG grid of samples from fixed noise every `every` epochs.

    The noise is drawn once, so successive grids show how the same latent
    points change as the generator learns.

    Args:
        directory: where `epoch_XXXX.png` files are written.
        num_images: images per grid.
        every: epochs between grids (the last epoch always gets one).
        seed: seed of the fixed noise.

    Example:

    >>> from recipes import data
    >>> model = compile(build(input_shape=(8, 8, 1)))
    >>> monitor = GANMonitor("samples", num_images=16, every=10)
    >>> history = fit(
    ...     model, data.load("digits"), epochs=1, callbacks=[monitor], verbose=0)
    >>> monitor.paths  # the last epoch always gets a grid
    ['samples/epoch_0001.png']
    """

    def __init__(self, directory, num_images=64, every=10, seed=0):
        super().__init__()
        validation.check_positive_int(num_images, "num_images")
        validation.check_positive_int(every, "every")
        self.directory = os.fspath(directory)
        self.num_images, self.every, self.seed = num_images, every, seed
        self.paths = []

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every and not last:
            return
        from recipes import plots

        images = sample(self.model, self.num_images, self.seed)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
        plots.image_grid(
            _to_unit_range(self.model, images), path, title=f"epoch {epoch + 1}"
        )
        self.paths.append(path)


# -------------------------------------------------------------- hypermodel ---


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the GAN recipe, K included.

    `build(hp)` tunes the architecture, latent size, width, the two learning
    rates and
    the discriminator steps per batch `d_steps` (K, a compile-time choice of
    the training step); the shared `fit` tunes the batch size. Every default
    equals the recipe's. The objective is the Fréchet distance between
    samples and the validation images (lower is better), on the features of
    a judge classifier (trained once with `recipes.metrics.judge` unless one
    is given).

    Args:
        input_shape: image shape, fixed for the search.
        judge: a classifier of the real images, or `None`.

    Example:

    >>> import keras_tuner
    >>> from recipes import data, gan
    >>> tuner = keras_tuner.RandomSearch(
    ...     gan.HyperModel(input_shape=(8, 8, 1)),
    ...     objective=gan.HyperModel.objective, max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['arch', 'd_learning_rate', 'd_steps', 'g_learning_rate', 'latent_dim',
     'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "gan"

    default_batch_size = 64
    objective = keras_tuner.Objective("frechet_distance", direction="min")

    def __init__(self, *, input_shape=(8, 8, 1), judge=None, **kwargs):
        super().__init__(**kwargs)
        input_shape = _check_input_shape(input_shape, "dense")
        divisible = input_shape[0] % 4 == 0 and input_shape[1] % 4 == 0
        self.architectures = list(ARCHITECTURES if divisible else ("dense",))
        self.input_shape = tuple(input_shape)
        self.judge = judge

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            arch=hp.Choice("arch", self.architectures, default="dense"),
            latent_dim=hp.Choice("latent_dim", [16, 32, 64], default=32),
            width=hp.Choice("width", [128, 256, 512], default=512),
        )
        return compile(
            model,
            learning_rate=(
                hp.Float("d_learning_rate", 2e-5, 1e-3, sampling="log", default=1e-4),
                hp.Float("g_learning_rate", 1e-4, 5e-3, sampling="log", default=1.6e-3),
            ),
            d_steps=hp.Int("d_steps", 1, 3, default=1),
        )

    def fit(self, hp, model, data, **kwargs):
        from recipes import metrics

        super().fit(hp, model, data, **kwargs)
        if self.judge is None:
            self.judge = metrics.judge(data)
        real = _images(model, data, "val")
        if real is None:
            real = _images(model, data, "train")
        generated = sample(model, max(len(real), 2), seed=0)
        return {
            "frechet_distance": metrics.frechet_distance(
                real, generated, metrics.penultimate_features(self.judge)
            )
        }
