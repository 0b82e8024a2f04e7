"""Scoring predicted masks: intersection over union and the Dice coefficient."""

from __future__ import annotations

import numpy as np

from recipes import training, validation


def _binary(masks, name):
    masks = np.asarray(masks)
    if masks.ndim < 2 or masks.shape[0] == 0:
        raise ValueError(
            f"`{name}` must be a non-empty batch of masks, got {masks.shape}."
        )
    return masks.reshape(len(masks), -1).astype(bool)  # (n, pixels)


def _overlaps(y_true, y_pred):
    truth, predicted = _binary(y_true, "y_true"), _binary(y_pred, "y_pred")
    if truth.shape != predicted.shape:
        raise ValueError(
            f"`y_true` and `y_pred` must have the same shape, got "
            f"{np.shape(y_true)} and {np.shape(y_pred)}."
        )
    intersection = np.sum(truth & predicted, axis=1).astype("float64")  # (n,)
    return intersection, truth.sum(axis=1), predicted.sum(axis=1)


def iou(y_true, y_pred):
    """Intersection over union `|T & P| / |T | P|` of each pair of binary masks.

    Args:
        y_true: `(n, ...)` true masks (non-zero is foreground).
        y_pred: `(n, ...)` predicted masks of the same shape.

    Returns:
        `(n,)` float64 scores in [0, 1]; two empty masks score 1.

    Raises:
        ValueError: for empty or mismatched masks.

    Example:

    >>> iou([[1, 1, 0, 0]], [[1, 0, 1, 0]]).tolist()
    [0.3333333333333333]
    """
    intersection, truth, predicted = _overlaps(y_true, y_pred)
    union = truth + predicted - intersection
    return np.where(union > 0, intersection / np.maximum(union, 1), 1.0)


def dice(y_true, y_pred):
    """Dice coefficient `2 |T & P| / (|T| + |P|)` of each pair of binary masks.

    Args:
        y_true: `(n, ...)` true masks (non-zero is foreground).
        y_pred: `(n, ...)` predicted masks of the same shape.

    Returns:
        `(n,)` float64 scores in [0, 1]; two empty masks score 1.

    Raises:
        ValueError: for empty or mismatched masks.

    Example:

    >>> dice([[1, 1, 0, 0]], [[1, 0, 1, 0]]).tolist()
    [0.5]
    """
    intersection, truth, predicted = _overlaps(y_true, y_pred)
    total = truth + predicted
    return np.where(total > 0, 2 * intersection / np.maximum(total, 1), 1.0)


def predict_masks(model, images, *, batch_size=64, threshold=0.5):
    """Binary foreground masks predicted by a U-Net.

    Args:
        model: a U-Net from `build`.
        images: `(n, H, W, C)` images.
        batch_size: prediction batch size.
        threshold: foreground probability threshold (one-channel models); a
            softmax model's foreground is every pixel whose most likely class
            is not 0.

    Returns:
        `(n, H, W, 1)` bool masks.

    Raises:
        ValueError: for images that do not fit the model, or a bad
            `batch_size` or `threshold`.
    """
    validation.check_positive_int(batch_size, "batch_size")
    validation.check_fraction(threshold, "threshold", include_high=True)
    images = validation.check_array(images, "images", shape=model.input_shape[1:])
    probabilities = model.predict(images, batch_size=batch_size, verbose=0)
    if probabilities.shape[-1] == 1:
        return probabilities > threshold  # (n, H, W, 1)
    return (np.argmax(probabilities, axis=-1) > 0)[..., None]


def evaluate(model, data, *, batch_size=64, threshold=0.5):
    """Test IoU and Dice of the foreground masks, averaged over the images.

    Args:
        model: a compiled U-Net.
        data: a `recipes.data.Bundle` (its test split) or `(images, masks)`.
        batch_size: prediction batch size.
        threshold: see `predict_masks`.

    Returns:
        `{"iou": float, "dice": float, "pixel_accuracy": float}`: the mean
        per-image IoU and Dice of the foreground, and the share of pixels
        classified correctly.

    Raises:
        ValueError: for an uncompiled model or data that does not fit it.
    """
    from recipes.unet.training import segmentation_split

    training.check_compiled(model)
    test = segmentation_split(model, data, "test")
    if test is None:
        raise ValueError("`data` has no 'test' split.")
    if not isinstance(test, tuple):
        raise ValueError("`data` test split must be (images, masks) arrays.")
    images, masks = test
    predicted = predict_masks(model, images, batch_size=batch_size, threshold=threshold)
    truth = masks > (0.5 if model.output_shape[-1] == 1 else 0)
    return {
        "iou": float(np.mean(iou(truth, predicted))),
        "dice": float(np.mean(dice(truth, predicted))),
        "pixel_accuracy": float(np.mean(truth == predicted)),
    }
