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


def _dense_targets(y_true, y_pred):
    """Segmentation targets in the layout of `y_pred` `(B, ..., C)`.

    One output channel (sigmoid): `y_true` is the mask itself. Several
    (softmax): `y_true` holds class indices `(B, ..., 1)`, one-hot encoded.
    """
    channels = y_pred.shape[-1]
    if channels == 1:
        return ops.cast(y_true, y_pred.dtype)
    labels = ops.cast(ops.squeeze(y_true, axis=-1), "int32")  # (B, ...)
    return ops.one_hot(labels, channels, dtype=y_pred.dtype)  # (B, ..., C)


def soft_dice(y_true, y_pred, smooth=1.0):
    """Soft Dice coefficient of each example, averaged over the output channels.

    `(2 sum(t * p) + smooth) / (sum(t) + sum(p) + smooth)` over the pixels of
    one example and one channel (Milletari et al. 2016), with `t` the target
    and `p` the predicted probability. One output channel: the Dice of the
    foreground mask; several: the mean over the classes of the one-hot targets.

    Args:
        y_true: masks `(B, H, W, 1)` in [0, 1], or class indices `(B, H, W, 1)`
            when `y_pred` has several channels.
        y_pred: probabilities `(B, H, W, C)`.
        smooth: added to numerator and denominator (an empty target and an
            empty prediction score 1).

    Returns:
        `(B,)` coefficients in [0, 1].
    """
    targets = _dense_targets(y_true, y_pred)  # (B, H, W, C)
    axes = tuple(range(1, len(y_pred.shape) - 1))  # the pixel axes
    overlap = ops.sum(targets * y_pred, axis=axes)  # (B, C)
    total = ops.sum(targets, axis=axes) + ops.sum(y_pred, axis=axes)  # (B, C)
    return ops.mean((2.0 * overlap + smooth) / (total + smooth), axis=-1)  # (B,)


def pixel_crossentropy(y_true, y_pred):
    """Cross-entropy of each example, averaged over its pixels.

    Binary cross-entropy for one sigmoid channel, categorical cross-entropy
    of the class indices for several softmax channels.

    Returns:
        `(B,)` losses.
    """
    targets = _dense_targets(y_true, y_pred)  # (B, H, W, C)
    epsilon = keras.config.epsilon()
    p = ops.clip(y_pred, epsilon, 1.0 - epsilon)
    if y_pred.shape[-1] == 1:
        per_pixel = -(targets * ops.log(p) + (1.0 - targets) * ops.log(1.0 - p))
    else:
        per_pixel = -targets * ops.log(p)
    per_pixel = ops.sum(per_pixel, axis=-1)  # (B, H, W)
    return ops.mean(ops.reshape(per_pixel, (ops.shape(per_pixel)[0], -1)), axis=-1)


@register
class DiceLoss(keras.losses.Loss):
    """Soft Dice loss `1 - soft_dice(y_true, y_pred)` (Milletari et al. 2016).

    Scores the overlap of the predicted and true masks of each example, so a
    small object weighs as much as a large one; see `soft_dice`.

    Args:
        smooth: added to the Dice's numerator and denominator (> 0).
        reduction: as for any `keras.losses.Loss`.
        name: as for any `keras.losses.Loss`.

    Example:

    >>> import numpy as np
    >>> mask = np.array([[[[1.0], [0.0]]]])  # one 1x2 image
    >>> round(float(DiceLoss(smooth=1.0)(mask, mask * 0.5)), 6)  # 1 - 2/2.5
    0.2
    """

    def __init__(self, smooth=1.0, reduction="sum_over_batch_size", name="dice"):
        super().__init__(reduction=reduction, name=name)
        validation.check_positive(smooth, "smooth")
        self.smooth = float(smooth)

    def call(self, y_true, y_pred):
        return 1.0 - soft_dice(y_true, y_pred, self.smooth)  # (B,)

    def get_config(self):
        return {**super().get_config(), "smooth": self.smooth}


@register
class DiceCrossEntropy(keras.losses.Loss):
    """Pixel cross-entropy plus `dice_weight` times the soft Dice loss.

    The cross-entropy gives every pixel a gradient from the first step; the
    Dice term keeps a small foreground from being drowned by the background.

    Args:
        dice_weight: weight of the Dice term (>= 0; 0 is cross-entropy alone).
        smooth: the Dice's smoothing term (> 0).
        reduction: as for any `keras.losses.Loss`.
        name: as for any `keras.losses.Loss`.
    """

    def __init__(
        self,
        dice_weight=1.0,
        smooth=1.0,
        reduction="sum_over_batch_size",
        name="dice_crossentropy",
    ):
        super().__init__(reduction=reduction, name=name)
        validation.check_non_negative(dice_weight, "dice_weight")
        validation.check_positive(smooth, "smooth")
        self.dice_weight = float(dice_weight)
        self.smooth = float(smooth)

    def call(self, y_true, y_pred):
        dice = 1.0 - soft_dice(y_true, y_pred, self.smooth)  # (B,)
        return pixel_crossentropy(y_true, y_pred) + self.dice_weight * dice

    def get_config(self):
        return {
            **super().get_config(),
            "dice_weight": self.dice_weight,
            "smooth": self.smooth,
        }


def prototypical_scores(y_true, y_pred):
    """Minus the squared distances of every row to every support row's class mean.

    The episode layout of `PrototypicalLoss`: `y_true[:, 0]` is each row's
    class within the episode and `y_true[:, 1]` is 1 for a query, 0 for a
    support example. For rows `r` and support rows `s`, the score is
    `-||z_r - c_s||**2 - log(n_s)` with `c_s` the mean embedding of the
    support examples of `s`'s class and `n_s` their number, so that a
    log-sum-exp over the support rows of one class is `-||z_r - c||**2`, and
    over all support rows the log-sum-exp over classes. Columns of query rows
    are `-inf`-like (a large negative number).

    Args:
        y_true: `(R, 2)` episode labels (class, is-query).
        y_pred: `(R, D)` embeddings.

    Returns:
        `(scores, same, is_query)`: `(R, R)` scores, the `(R, R)` float mask of
        rows of one class, and the `(R,)` float query mask.
    """
    z = ops.convert_to_tensor(y_pred)  # (R, D)
    y_true = ops.cast(ops.convert_to_tensor(y_true), z.dtype)  # (R, 2)
    labels, is_query = y_true[:, 0], y_true[:, 1]  # (R,), (R,)
    is_support = 1.0 - is_query
    same = ops.cast(labels[:, None] == labels[None, :], z.dtype)  # (R, R)
    members = same * is_support[None, :]  # (R, R): support rows of r's class
    counts = ops.sum(members, axis=1)  # (R,) shots of r's class
    means = ops.matmul(members, z) / ops.maximum(counts, 1.0)[:, None]  # (R, D)
    squared = (
        ops.sum(ops.square(z), axis=1)[:, None]
        - 2.0 * ops.matmul(z, ops.transpose(means))
        + ops.sum(ops.square(means), axis=1)[None, :]
    )  # (R, R): ||z_r - c_s||**2
    scores = -ops.maximum(squared, 0.0) - ops.log(ops.maximum(counts, 1.0))[None, :]
    scores = ops.where(is_support[None, :] > 0.5, scores, -1e9)  # (R, R)
    return scores, same, is_query


@register
class PrototypicalLoss(keras.losses.Loss):
    """The loss of prototypical networks (Snell, Swersky & Zemel 2017).

    A batch is one episode: support examples of `N` classes and queries of
    the same classes. Each class is summarised by its prototype `c_k`, the
    mean embedding of its support examples; a query `z` is classified by a
    softmax over minus its squared Euclidean distances to the prototypes:

        loss = mean over queries of  ||z - c_y||**2 + log sum_k exp(-||z - c_k||**2)

    the cross-entropy of the query's class `y`. Labels are `(R, 2)`:
    `y_true[:, 0]` the class within the episode (any integers), `y_true[:, 1]`
    1 for a query and 0 for a support example, in any order; classes may have
    different numbers of shots. `y_pred` is the `(R, D)` embeddings.

    Args:
        reduction: as for any `keras.losses.Loss` (the loss is already the
            mean over the episode's queries).
        name: as for any `keras.losses.Loss`.

    Example:

    >>> import numpy as np
    >>> z = np.array([[0.0, 0.0], [2.0, 0.0], [0.5, 0.0]])  # support 0, 1; a query
    >>> y = np.array([[0, 0], [1, 0], [0, 1]])  # the query is of class 0
    >>> # distances 0.25 and 2.25: 0.25 + log(exp(-0.25) + exp(-2.25))
    >>> round(float(PrototypicalLoss()(y, z)), 5)
    0.12693
    """

    def __init__(self, reduction="sum_over_batch_size", name="prototypical"):
        super().__init__(reduction=reduction, name=name)

    def call(self, y_true, y_pred):
        scores, same, is_query = prototypical_scores(y_true, y_pred)  # (R, R)
        own = ops.where(same > 0.5, scores, -1e9)  # support rows of r's class
        per_row = ops.logsumexp(scores, axis=1) - ops.logsumexp(own, axis=1)  # (R,)
        return ops.sum(per_row * is_query) / ops.maximum(ops.sum(is_query), 1.0)
