"""Custom losses shared by the recipes, each registered serializable.

Every loss here uses `keras.ops` only, runs under XLA, and keeps its
parameters in `get_config`, so a compiled model saves to `.keras` and loads
back in safe mode without `custom_objects`.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


@register
class ContrastiveLoss(keras.losses.Loss):
    """Contrastive loss of Hadsell, Chopra & LeCun (2006) on a Euclidean distance.

    Label convention: `y_true = 1` for a similar pair, `0` for a dissimilar one
    (Hadsell et al. write it the other way round). With `d` the distance of the
    pair (`y_pred`):

        loss = y * d**2 / 2 + (1 - y) * max(0, margin - d)**2 / 2

    Similar pairs are pulled together; dissimilar pairs are pushed apart until
    they are `margin` away, and cost nothing beyond.

    Args:
        margin: the distance beyond which dissimilar pairs cost nothing (> 0).
        reduction: as for any `keras.losses.Loss`.
        name: as for any `keras.losses.Loss`.

    Example:

    >>> loss = ContrastiveLoss(margin=1.0)
    >>> round(float(loss([[1.0], [0.0]], [[0.4], [0.4]])), 6)  # (0.16/2 + 0.36/2) / 2
    0.13
    """

    def __init__(self, margin=1.0, reduction="sum_over_batch_size", name="contrastive"):
        super().__init__(reduction=reduction, name=name)
        _check_margin(margin, low=0.0, strict=True)
        self.margin = float(margin)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)  # (B, 1) distances
        y_true = ops.cast(ops.reshape(y_true, ops.shape(y_pred)), y_pred.dtype)
        similar = 0.5 * ops.square(y_pred)
        dissimilar = 0.5 * ops.square(ops.maximum(self.margin - y_pred, 0.0))
        return ops.mean(y_true * similar + (1.0 - y_true) * dissimilar, axis=-1)  # (B,)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


@register
class CosineContrastiveLoss(keras.losses.Loss):
    """Contrastive loss on the cosine similarity of a pair, as in the course notes.

    Label convention: `y_true = 1` for a similar pair, `0` for a dissimilar one.
    With `c` the cosine similarity of the pair (`y_pred`, in [-1, 1]):

        similar:     (1 - c)**2 / 4
        dissimilar:  c**2 if c >= margin, else 0

    Args:
        margin: the similarity below which dissimilar pairs cost nothing, in
            [-1, 1).
        reduction: as for any `keras.losses.Loss`.
        name: as for any `keras.losses.Loss`.

    Example:

    >>> loss = CosineContrastiveLoss(margin=0.0)
    >>> float(loss([[1.0], [0.0]], [[0.5], [0.5]]))  # (0.25/4 + 0.25) / 2
    0.15625
    """

    def __init__(
        self, margin=0.0, reduction="sum_over_batch_size", name="cosine_contrastive"
    ):
        super().__init__(reduction=reduction, name=name)
        _check_margin(margin, low=-1.0, high=1.0)
        self.margin = float(margin)

    def call(self, y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)  # (B, 1) cosine similarities
        y_true = ops.cast(ops.reshape(y_true, ops.shape(y_pred)), y_pred.dtype)
        similar = 0.25 * ops.square(1.0 - y_pred)
        inside = ops.cast(y_pred >= self.margin, y_pred.dtype)
        dissimilar = inside * ops.square(y_pred)
        return ops.mean(y_true * similar + (1.0 - y_true) * dissimilar, axis=-1)  # (B,)

    def get_config(self):
        return {**super().get_config(), "margin": self.margin}


def _check_margin(margin, *, low, high=None, strict=False):
    ok = isinstance(margin, (int, float)) and not isinstance(margin, bool)
    ok = ok and math.isfinite(margin) and (margin > low if strict else margin >= low)
    ok = ok and (high is None or margin < high)
    if not ok:
        lower = f"> {low}" if strict else f">= {low}"
        upper = f" and < {high}" if high is not None else ""
        raise ValueError(f"`margin` must be {lower}{upper}, got {margin!r}.")


@register
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """Cross-entropy of integer labels against label-smoothed targets.

    The target of label `k` is `1 - label_smoothing` on class `k` plus
    `label_smoothing / num_classes` on every class (Szegedy et al. 2016), as
    `keras.losses.CategoricalCrossentropy(label_smoothing=...)` does for
    one-hot labels: `(1 - e) * (-log p[k]) + e * mean_j(-log p[j])`. Takes
    labels `(B,)` or `(B, T)` and probabilities `(B, K)` or `(B, T, K)`;
    Keras applies the output's mask (padded steps) as for any loss.

    Args:
        label_smoothing: `e`, in [0, 1).
    """

    def __init__(self, label_smoothing=0.1, name="smoothed_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        validation.check_fraction(label_smoothing, "label_smoothing")
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)  # (B, 1) labels -> (B,)
        epsilon = keras.config.epsilon()
        log_p = ops.log(ops.clip(y_pred, epsilon, 1.0 - epsilon))  # (..., K)
        one_hot = ops.one_hot(ops.cast(y_true, "int32"), y_pred.shape[-1])
        nll = -ops.sum(one_hot * log_p, axis=-1)  # (...)
        uniform = -ops.mean(log_p, axis=-1)  # (...)
        return (1.0 - self.label_smoothing) * nll + self.label_smoothing * uniform

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
