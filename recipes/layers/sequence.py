"""Layers over sequences."""

from __future__ import annotations

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


@register
class TimeDeltas(keras.layers.Layer):
    """Appends time differences to each step, over the unmasked steps only.

    The delta of step `t` is the backward difference `x[t] - x[t - 1]` (0 at
    the first unmasked step). It is causal: it reads no step after `t`, so a
    unidirectional model given deltas still sees only the past, and a
    bidirectional one gains the future from its backward direction alone.
    Masked steps (the padding) never enter a delta and output zeros; the mask
    passes through.

    Args:
        order: 1 appends the deltas, 2 the deltas and the deltas of the
            deltas.

    Input `(B, T, F)`, output `(B, T, F * (1 + order))`.
    """

    def __init__(self, order=1, **kwargs):
        super().__init__(**kwargs)
        validation.check_choice(order, "order", (1, 2))
        self.order = order
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            kept = ops.ones_like(x[..., :1])  # (B, T, 1)
        else:
            kept = ops.expand_dims(ops.cast(mask, x.dtype), -1)  # (B, T, 1)
        # Whether step t - 1 is kept (there is none before the first step).
        kept_before = ops.pad(kept[:, :-1], [[0, 0], [1, 0], [0, 0]])
        features = [x * kept]
        for _ in range(self.order):
            y = features[-1]
            before = ops.concatenate([y[:, :1], y[:, :-1]], axis=1)  # y[t - 1]
            before = kept_before * before + (1 - kept_before) * y
            features.append(kept * (y - before))
        return ops.concatenate(features, axis=-1)

    def compute_mask(self, x, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        features = input_shape[-1]
        if features is not None:
            features *= 1 + self.order
        return (*input_shape[:-1], features)

    def get_config(self):
        return {**super().get_config(), "order": self.order}
