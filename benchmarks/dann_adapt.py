"""ADAPT's DANN (`adapt.feature_based.DANN`, adapt 0.4.5), the DANN peer.

`benchmarks/dann.py` trains it beside the recipe on the same feature
extractor, label head and domain head (fresh copies), the same data, batch
size, optimizer (SGD with momentum 0.9 and the recipe's annealed rate),
epochs, and either Ganin et al.'s lambda ramp (`adapt.utils.UpdateLambda`,
gamma 10, reaching 1 at the last step) or ADAPT's own default, a fixed
lambda of 0.1. ADAPT writes its training step with `tf.GradientTape`, so it
runs on the TensorFlow backend only; `unavailable()` says why it cannot run
here (not installed, or another backend).

Install it with the benchmarks extra: `pip install -e ".[benchmarks]"`.
"""

from __future__ import annotations

import importlib.util
import time

import keras
import numpy as np

from recipes.schedules import AnnealedLearningRate

VERSION = "0.4.5"  # the version the figures in benchmarks/RESULTS.md were measured with
VARIANTS = {
    "ramp": "ADAPT DANN, lambda ramp (gamma 10)",
    "fixed": "ADAPT DANN, lambda 0.1 (its default)",
}


def unavailable():
    """Why ADAPT's DANN cannot run in this process, or `None` when it can."""
    if keras.backend.backend() != "tensorflow":
        return (
            "ADAPT's DANN skipped: its training step uses tf.GradientTape "
            f"(TensorFlow backend only; this run uses {keras.backend.backend()})."
        )
    if importlib.util.find_spec("adapt") is None:
        return (
            f"ADAPT's DANN skipped: `adapt` is not installed (`pip install "
            f'adapt=={VERSION}`, or `pip install -e ".[benchmarks]"`).'
        )
    return None


def _fresh(network):
    """An untrained copy of `network` (same architecture, new weights)."""
    return keras.models.clone_model(network)


def fit(
    extractor,
    label_head,
    domain_head,
    source,
    target_x,
    *,
    variant="ramp",
    epochs=60,
    batch_size=32,
    learning_rate=1e-2,
    optimizer="sgd",
    anneal_learning_rate=True,
    gamma=10.0,
    seed=0,
    callbacks=(),
):
    """Trains ADAPT's DANN on copies of the three networks.

    Args:
        extractor: the feature extractor (a Keras model); copied, not trained.
        label_head: the label head, from features to class probabilities.
        domain_head: the domain head, from features to one probability.
        source: the labeled source `(x, y)` arrays, `y` integer classes.
        target_x: the unlabeled target examples.
        variant: `"ramp"` (lambda from 0 to 1 with `UpdateLambda`, `gamma`)
            or `"fixed"` (ADAPT's default lambda 0.1).
        epochs: training epochs. Default 60.
        batch_size: source (and target) examples per batch. Default 32.
        learning_rate: the (initial) learning rate. Default 1e-2.
        optimizer: `"sgd"` (the default, momentum 0.9) or `"adam"`.
        anneal_learning_rate: anneal it as the recipe does
            (`AnnealedLearningRate`, alpha 10, beta 0.75). Default on.
        gamma: steepness of the lambda ramp. Default 10.
        seed: ADAPT's `random_state`. Default 0.
        callbacks: extra Keras callbacks.

    Returns:
        `(model, seconds)`: the trained `adapt.feature_based.DANN` (its
        `predict` gives class probabilities) and the training time.
    """
    import tensorflow as tf
    from adapt.feature_based import DANN
    from adapt.utils import UpdateLambda

    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"`optimizer` must be 'sgd' or 'adam', got {optimizer!r}.")
    if variant not in VARIANTS:
        raise ValueError(
            f"`variant` must be one of {sorted(VARIANTS)}, got {variant!r}."
        )
    x_s, y_s = source
    x_s = np.asarray(x_s, "float32")
    x_t = np.asarray(target_x, "float32")
    feature_shape = tuple(extractor.output.shape[1:])
    num_classes = label_head(np.zeros((1, *feature_shape), "float32")).shape[-1]
    # ADAPT reshapes the predictions to the labels' shape: one-hot labels.
    y_s = keras.utils.to_categorical(np.asarray(y_s), num_classes).astype("float32")
    # ADAPT's epoch: max(source, target) rows rounded up to whole batches.
    steps = int(np.ceil(max(len(x_s), len(x_t)) / batch_size)) * epochs
    rate = (
        AnnealedLearningRate(learning_rate, steps)
        if anneal_learning_rate
        else learning_rate
    )
    extra = list(callbacks)
    if variant == "ramp":
        lambda_ = tf.Variable(0.0, trainable=False, dtype="float32")
        extra.append(UpdateLambda(lambda_max=1.0, max_steps=steps, gamma=gamma))
    else:
        lambda_ = 0.1
    model = DANN(
        encoder=_fresh(extractor),
        task=_fresh(label_head),
        discriminator=_fresh(domain_head),
        Xt=x_t,
        lambda_=lambda_,
        copy=False,
        random_state=seed,
        verbose=0,
    )
    # Compiled here with the optimizer itself: ADAPT's own compile would
    # rebuild it from its config, which fails for a learning-rate schedule.
    # The encoder's and the domain head's optimizers are copies of it. DANN
    # has no pretraining (which `fit` would otherwise decide before compiling).
    model.pretrain_ = False
    model.compile(
        optimizer=(
            keras.optimizers.SGD(rate, momentum=0.9)
            if optimizer == "sgd"
            else keras.optimizers.Adam(rate)
        ),
        loss="categorical_crossentropy",
    )
    start = time.perf_counter()
    model.fit(
        x_s, y_s, epochs=epochs, batch_size=batch_size, callbacks=extra, verbose=0
    )
    return model, time.perf_counter() - start


def accuracy(model, x, y):
    """Label accuracy of a trained ADAPT DANN on `(x, y)`."""
    probabilities = np.asarray(model.predict(np.asarray(x, "float32"), verbose=0))
    return float(np.mean(np.argmax(probabilities, axis=-1) == np.asarray(y)))
