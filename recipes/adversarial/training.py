"""`compile` (the attack of the training step) and `fit` of adversarial training."""

from __future__ import annotations

from recipes import convnet, training
from recipes.adversarial.model import (
    ADVERSARIAL_FRACTION,
    EPSILON,
    STEPS,
    AdversarialModel,
)

# One training step per compiled call: each step already runs PGD's loop, so
# host round trips are a small part of its time.
STEPS_PER_EXECUTION = 1


def check_model(model, name="model"):
    """Refuses anything but an `AdversarialModel`; returns `model`."""
    if not isinstance(model, AdversarialModel):
        raise ValueError(
            f"`{name}` must be an adversarial.AdversarialModel (from "
            f"`adversarial.build`), got {type(model).__name__}."
        )
    return model


def compile(
    model,
    *,
    epsilon=EPSILON,
    steps=STEPS,
    step_size=None,
    adversarial_fraction=ADVERSARIAL_FRACTION,
    clip=(0.0, 1.0),
    learning_rate=1e-3,
    optimizer="auto",
    jit_compile="auto",
    steps_per_execution="auto",
):
    """Compiles an `AdversarialModel` with cross-entropy, accuracy and its attack.

    Args:
        model: a model from `build`.
        epsilon: radius of the training attack's L-infinity ball, in input
            units (default 0.2, chosen on the validation split).
        steps: PGD steps per training example (default 5).
        step_size: PGD's step size (default `2.5 * epsilon / steps`).
        adversarial_fraction: weight of the adversarial examples' loss
            against the clean ones', in [0, 1] (default 0.5).
        clip: the valid input range `(low, high)`, or `None`.
        learning_rate: the optimizer's learning rate.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU, always on JAX), `True` or `False`.
        steps_per_execution: `"auto"` (1) or a positive int.

    Defaults and their measurements: docs/recipes/adversarial.md.

    Returns:
        The compiled model; the attack settings are saved with it.

    Raises:
        ValueError: for a model that is not an `AdversarialModel`, a
            negative `epsilon`, `steps < 1`, a step size that is not
            positive, a fraction outside [0, 1], a bad `clip`, or a bad
            optimizer setting.
    """
    check_model(model)
    model.compile(
        epsilon=epsilon,
        steps=steps,
        step_size=step_size,
        adversarial_fraction=adversarial_fraction,
        clip=clip,
        **training.classification_objective(),
        **training.compile_options(
            model,
            optimizer=optimizer,
            learning_rate=learning_rate,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            auto_steps=STEPS_PER_EXECUTION,
        ),
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=100,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=30,
):
    """Trains an `AdversarialModel` as `convnet.fit` trains a ConvNet.

    Each batch is attacked inside the training step; validation (and so
    early stopping) is on clean data.

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), or `(x, y)`.
        epochs: the most epochs to train (default 100: each epoch costs
            the attack's passes too; see docs/recipes/adversarial.md).
        batch_size: batch size.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored).

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: as `convnet.fit`, and for a model that is not an
            `AdversarialModel`.
    """
    check_model(model)
    return convnet.fit(
        model,
        data,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
