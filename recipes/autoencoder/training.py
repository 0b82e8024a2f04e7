"""Compiling, training and evaluating an autoencoder (or its classifier)."""

from __future__ import annotations

import keras

from recipes import saving, training, validation
from recipes.autoencoder.model import LOSSES

# Training steps per compiled call: fewer host round trips per epoch, the same
# updates (measured in docs/recipes/autoencoder.md).
STEPS_PER_EXECUTION = 8

# `compile` below is the recipe's; Python's builtin of that name is not used here.


def compile(
    model,
    *,
    loss="mse",
    learning_rate=1e-3,
    optimizer="auto",
    jit_compile="auto",
    steps_per_execution="auto",
):
    """Compiles an autoencoder with a reconstruction loss.

    Args:
        model: a model from `build`.
        loss: `"mse"` (the default) or `"binary_crossentropy"` (inputs must
            lie in [0, 1]).
        learning_rate: the optimizer's learning rate (default 1e-3).
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION` on one replica, 1 under a multi-replica
            strategy) or a positive int. The updates are the same; batch-level
            callbacks run once per call.

    Returns:
        The compiled model. No extra metrics are tracked in training;
        `evaluate` computes both reconstruction errors. See
        docs/recipes/autoencoder.md.
    """
    validation.check_choice(loss, "loss", LOSSES)
    model.compile(
        loss=loss,
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


def _to_pair(x, *rest):
    """A dataset element `x` or `(x, y, ...)` as the pair `(x, x)`."""
    return x, x


def reconstruction_pairs(model, split, name):
    """One split as `(x, x)`: arrays checked and float32, datasets mapped.

    Labels are dropped. With a binary cross-entropy loss the values of `x`
    must lie in [0, 1]. A dataset is checked on its structure and first
    batch (`validation.check_inputs`) before it is mapped.

    Returns:
        `(x, x)` NumPy arrays, a `tf.data.Dataset` of such pairs, or `None`
        when `split` is `None`.

    Raises:
        ValueError: for inputs that do not fit `model` (see
            `validation.check_inputs`).
    """
    if split is None:
        return None
    if validation.is_py_dataset(split):
        raise ValueError(
            f"`{name}` must be arrays or a tf.data.Dataset; an autoencoder does not "
            "read a keras.utils.PyDataset."
        )
    in_unit = model.loss == "binary_crossentropy"
    x = validation.check_inputs(
        split,
        name,
        shape=model.input_shape[1:],
        low=0.0 if in_unit else None,
        high=1.0 if in_unit else None,
    )
    if validation.is_dataset(x):
        return x.map(_to_pair)
    return x, x


def fit(
    model,
    data,
    *,
    epochs=100,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=10,
):
    """Trains an autoencoder to reconstruct its inputs (labels are ignored).

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val `x` used), `(x, y)`, or
            an array `x`.
        epochs: the most epochs to train (default 100).
        batch_size: batch size (default 32).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored; default 10).

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for an uncompiled model, a bad
            option, or inputs that do not fit the model (shape, NaN or huge
            values, values outside [0, 1] with binary cross-entropy, an
            unbatched dataset).
    """
    train = training.require_split(data, "train")
    return training.fit(
        model,
        reconstruction_pairs(model, train, "data train"),
        reconstruction_pairs(model, training.get_split(data, "val"), "data val"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


def evaluate(model, data, *, batch_size=256):
    """Test metrics: reconstruction errors of an autoencoder, or accuracy of a
    classifier from `build_classifier`.

    Args:
        model: a compiled autoencoder or classifier.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        batch_size: evaluation batch size (default 256).

    Returns:
        `{"loss", "mse", "binary_crossentropy"}` for an autoencoder,
        `{"accuracy", "loss"}` for a classifier (plain floats).

    Raises:
        ValueError: for an uncompiled model, an encoder or decoder half, a bad
            `batch_size`, or data that does not fit the model.
    """
    training.check_compiled(model)
    validation.check_positive_int(batch_size, "batch_size")
    role = saving.role_of(model)
    if role == "classifier":
        test = training.supervised_split(model, data, "test")
        return training.evaluate(model, test, batch_size=batch_size)
    if role in ("encoder", "decoder"):
        raise ValueError(
            f"`model` is an {role}; `evaluate` takes an autoencoder from `build` "
            "or a classifier from `build_classifier`."
        )
    test = training.require_split(data, "test")
    pairs = reconstruction_pairs(model, test, "data test")
    loss = training.evaluate(model, pairs, batch_size=batch_size, keys=("loss",))
    if validation.is_dataset(pairs):
        batches = (x for x, _ in pairs)
    else:
        inputs = pairs[0]
        starts = range(0, len(inputs), batch_size)
        batches = (inputs[i : i + batch_size] for i in starts)
    errors = [keras.metrics.MeanSquaredError(), keras.metrics.BinaryCrossentropy()]
    for batch in batches:  # reconstruction errors, batch by batch
        reconstruction = model.predict_on_batch(batch)
        for error in errors:
            error.update_state(batch, reconstruction)
    mse, bce = (float(error.result()) for error in errors)
    return {"loss": loss["loss"], "mse": mse, "binary_crossentropy": bce}
