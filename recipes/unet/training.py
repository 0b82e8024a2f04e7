"""Compiling and training the U-Net: Dice and cross-entropy losses, IoU metric."""

from __future__ import annotations

import keras

from recipes import losses, training, validation

LOSSES = ("dice_crossentropy", "dice", "crossentropy")
# Training steps per compiled call (fewer host round trips, the same updates).
STEPS_PER_EXECUTION = 4


def make_loss(loss):
    """The Keras loss named `loss` (one of `LOSSES`).

    Raises:
        ValueError: for a name outside `LOSSES`.
    """
    validation.check_choice(loss, "loss", LOSSES)
    if loss == "dice":
        return losses.DiceLoss()
    return losses.DiceCrossEntropy(dice_weight=1.0 if loss != "crossentropy" else 0.0)


def compile(
    model,
    *,
    learning_rate=3e-3,
    optimizer="auto",
    loss="dice_crossentropy",
    jit_compile="auto",
    steps_per_execution="auto",
):
    """Compiles a U-Net with a segmentation loss and the IoU metric.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        loss: `"dice_crossentropy"` (the sum of the pixel cross-entropy and
            the soft Dice loss, `recipes.losses.DiceCrossEntropy`), `"dice"`
            (`recipes.losses.DiceLoss`) or `"crossentropy"`.
        jit_compile: `"auto"` (XLA on JAX, and on TensorFlow with a GPU),
            `True` or `False`.
        steps_per_execution: `"auto"` (`STEPS_PER_EXECUTION` on one replica,
            1 under a multi-replica strategy) or a positive int.

    Returns:
        The compiled model. Its `iou` metric is the intersection over union
        of the foreground (threshold 0.5) over all pixels seen in an epoch.
    """
    num_classes = model.output_shape[-1]
    if num_classes == 1:
        iou = keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5, name="iou")
    else:
        iou = keras.metrics.MeanIoU(num_classes, sparse_y_pred=False, name="iou")
    model.compile(
        loss=make_loss(loss),
        metrics=[iou],
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


def segmentation_split(model, data, split):
    """One `(images, masks)` split of `data`, checked against `model`.

    Returns:
        The checked split (see `validation.check_segmentation`), or `None`
        when `data` has no such split.
    """
    return validation.check_segmentation(
        training.get_split(data, split),
        f"data {split}",
        shape=model.input_shape[1:],
        num_classes=model.output_shape[-1],
    )


def fit(
    model,
    data,
    *,
    epochs=40,
    batch_size=16,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=8,
):
    """Trains a compiled U-Net on `(image, mask)` pairs.

    Validation data, when given, enables early stopping on the validation
    loss (the best weights are restored).

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` such as `recipes.data.load("digits_loc")`
            (train and val used), or `(images, masks)`. Masks are
            `(n, H, W, 1)`: values in [0, 1] for a one-channel model, class
            indices for a softmax model.
        epochs: the most epochs to train.
        batch_size: batch size.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for an uncompiled model, a bad
            option, or images or masks that do not fit the model.
    """
    training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    return training.fit(
        model,
        segmentation_split(model, data, "train"),
        segmentation_split(model, data, "val"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
