"""`compile` (two optimizers, two learning rates) and `fit` of a GAN."""

from __future__ import annotations

import keras

from recipes import training, validation
from recipes.gan.model import check_model

ADAM_FAMILY = ("auto", "adam", "adamw", "nadam")  # the optimizers that take beta_1
# Training steps per compiled call for "auto" on one replica (1 under a
# multi-replica strategy: see `training.resolve_steps_per_execution`); chosen
# by speed in docs/recipes/gan.md, "32 steps per compiled call".
STEPS_PER_EXECUTION = 32


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
    steps_per_execution="auto",
):
    """Compiles a GAN with one optimizer per network.

    Args:
        model: a `GAN` from `build`.
        learning_rate: one learning rate for both optimizers, or a
            `(discriminator, generator)` pair (default `(1e-4, 1.6e-3)`, two
            time scales).
        optimizer: `"auto"` (default; Adam), an optimizer name (two instances
            are made), or a `(discriminator, generator)` pair of optimizer
            instances.
        jit_compile: `"auto"` (default; XLA on GPU), `True` or `False`.
        d_steps: discriminator updates per batch (K; default 1).
        g_steps: generator updates per batch (M; default 1).
        label_smoothing: one-sided label smoothing of the real targets
            (default 0).
        instance_noise: standard deviation of the discriminator's input noise
            (default 0, off).
        beta_1: Adam's first-moment decay (default 0.5, DCGAN's); used by the
            Adam family.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION`, 32, on one replica, 1 under a multi-replica
            strategy) or a positive int. Every step is the same K + M
            updates on its own batch; batch-level callbacks run once per call.

    Defaults are chosen on validation data: see docs/recipes/gan.md.

    Returns:
        The compiled model.

    Raises:
        ValueError: for a model that is not a `GAN`, a bad learning rate,
            optimizer or `beta_1` (in [0, 1)), or a bad step count, label
            smoothing, instance noise or `steps_per_execution`.

    Example:

    >>> from recipes.gan import build
    >>> model = compile(build(), d_steps=2, label_smoothing=0.1)
    """
    check_model(model)
    validation.check_fraction(beta_1, "beta_1")
    steps_per_execution = training.resolve_steps_per_execution(
        steps_per_execution,
        STEPS_PER_EXECUTION,
        getattr(model, "distribute_strategy", None),
    )
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
        kwargs = {"beta_1": beta_1} if optimizer in ADAM_FAMILY else {}
        d_learning_rate, g_learning_rate = learning_rates(learning_rate)
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
        steps_per_execution=steps_per_execution,
    )
    return model


def learning_rates(learning_rate):
    """`(discriminator, generator)` learning rates from one value or a pair.

    Example:

    >>> learning_rates(2e-4)
    (0.0002, 0.0002)
    >>> learning_rates([1e-4, 1.6e-3])
    (0.0001, 0.0016)
    """
    if isinstance(learning_rate, (tuple, list)):
        if len(learning_rate) != 2:
            raise ValueError(
                "`learning_rate` must be a number or a (discriminator, generator) "
                f"pair, got {learning_rate!r}."
            )
        return tuple(learning_rate)
    return learning_rate, learning_rate


def split_images(model, data, split):
    """The split's images, checked against the generator's shape and range.

    Labels, if any, are dropped; a dataset is checked on its structure and
    first batch (`validation.check_inputs`) and returned as it is.

    Returns:
        The images as float32 NumPy, the dataset, or `None` when `data` has
        no such split.

    Raises:
        ValueError: for images of the wrong shape, NaN, or values outside the
            generator's output range.
    """
    low, high = model.output_range
    return validation.check_inputs(
        training.get_split(data, split),
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
        epochs: number of epochs (default 400).
        batch_size: batch size (default 64).
        callbacks: extra Keras callbacks (e.g. `GANMonitor`; default none).
        checkpoint_dir: directory to resume an interrupted run from (default
            `None`, no checkpoints).
        verbose: Keras's verbosity (default `"auto"`).

    Defaults are chosen on validation data: see docs/recipes/gan.md.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for a model that is not a compiled
            `GAN`, a bad option, or images of the wrong shape, NaN, values
            outside the generator's output range, or an unbatched dataset (a
            dataset is checked on its `element_spec` and first batch).
    """
    check_model(model)
    training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
    )
    return training.fit(
        model,
        split_images(model, data, "train"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=None,
    )
