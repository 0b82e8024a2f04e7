"""Compiling a siamese model with the loss of its distance, and fitting it on pairs."""

from __future__ import annotations

import keras

from recipes import losses, training, validation
from recipes.siamese.model import distance_of
from recipes.siamese.pairs import check_xy, make_pairs

DEFAULT_MARGINS = {"euclidean": 1.5, "cosine": 0.0}
DEFAULT_EPOCHS = 3  # on glyphs, chosen on the validation classes (design note)
# Training steps per compiled call ("auto" under a multi-replica strategy is 1:
# see `training.resolve_steps_per_execution`).
STEPS_PER_EXECUTION = 8


def compile(
    model,
    *,
    learning_rate=1e-3,
    optimizer="auto",
    jit_compile="auto",
    margin=None,
    steps_per_execution="auto",
):
    """Compiles a siamese model with the loss that fits its distance.

    `euclidean` trains with `ContrastiveLoss(margin)`, `cosine` with
    `CosineContrastiveLoss(margin)` and `weighted_l1` with binary
    cross-entropy (Koch et al.; the L2 weight decay is in the model's
    regularizers) and its pair accuracy.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate (default 1e-3).
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.
        margin: the contrastive margin (default 1.5 for `euclidean`, 0.0 for
            `cosine`; not used by `weighted_l1`).
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION` on one replica, 1 under a multi-replica
            strategy) or a positive int. The updates are the same; batch-level
            callbacks run once per call.

    Returns:
        The compiled model.

    Example:

    >>> from recipes import siamese
    >>> model = siamese.compile(siamese.build(tower="dense"), margin=1.0)
    >>> model.loss.margin
    1.0
    """
    distance = distance_of(model)
    metrics = []
    if distance == "weighted_l1":
        if margin is not None:
            raise ValueError("`margin` does not apply to distance='weighted_l1'.")
        loss = keras.losses.BinaryCrossentropy()
        metrics = [keras.metrics.BinaryAccuracy(name="pair_accuracy")]
    else:
        margin = DEFAULT_MARGINS[distance] if margin is None else margin
        if distance == "euclidean":
            loss = losses.ContrastiveLoss(margin=margin)
        else:
            loss = losses.CosineContrastiveLoss(margin=margin)
    model.compile(
        loss=loss,
        metrics=metrics,
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
    epochs=DEFAULT_EPOCHS,
    batch_size=64,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    classes=None,
    negatives_per_positive=3,
    positives_per_example=1,
    early_stopping_patience=15,
    seed=0,
    class_augmentation=None,
):
    """Trains a compiled siamese model on pairs made from the train split.

    Pairs of the `train` split (and, for early stopping, of the `val` split)
    come from `make_pairs`, restricted to `classes` when given, so that the
    other classes stay unseen for one-shot evaluation.

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), or `(x, y)`.
        epochs: the most epochs to train (default `DEFAULT_EPOCHS`, 3: on
            `glyphs`, 179,040 pairs; see docs/recipes/siamese.md).
        batch_size: pairs per batch (default 64).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        classes: the classes to train on, or `None` for all.
        negatives_per_positive: dissimilar pairs per similar pair, as in
            `make_pairs` (default 3).
        positives_per_example: similar pairs drawn for each training
            example, as in `make_pairs` (default 1; `k` makes each epoch
            `k` times as long).
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored; default 15).
        seed: seed of the pair sampling.
        class_augmentation: `None` (the default), `"rotations"` or
            `"dihedral"`: train on the rotated (and mirrored) classes of
            `augment_classes`, for the train and val pairs alike (see
            `make_pairs`). Why it is off by default: docs/recipes/siamese.md.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for an uncompiled model, a bad
            option or seed, or data that does not fit the model (see
            `make_pairs`).
    """
    training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    seed = validation.check_seed(seed, allow_none=False)
    shape = model.input_shape[0][1:]
    train = check_xy(training.require_split(data, "train"), "data train", shape)
    val = check_xy(training.get_split(data, "val"), "data val", shape)
    pairs = dict(
        negatives_per_positive=negatives_per_positive,
        classes=classes,
        positives_per_example=positives_per_example,
        class_augmentation=class_augmentation,
    )
    train_pairs = make_pairs(*train, seed=seed, **pairs)
    val_pairs = None if val is None else make_pairs(*val, seed=seed + 1, **pairs)
    return training.fit(
        model,
        train_pairs,
        val_pairs,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
        shuffle=True,
    )
