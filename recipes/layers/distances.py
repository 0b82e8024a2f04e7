"""Distances and similarities between the two embeddings of a siamese pair."""

from __future__ import annotations

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


@register
class EuclideanDistance(keras.layers.Layer):
    """Euclidean distance `||a - b||` between two batches of embeddings.

    The distance of Hadsell, Chopra & LeCun (2006) on which
    `recipes.losses.ContrastiveLoss` works. A small `epsilon` inside the square
    root keeps the gradient finite when the two embeddings coincide.

    Args:
        epsilon: added to the squared distance before the square root.

    Example:

    >>> a, b = keras.ops.zeros((2, 3)), keras.ops.ones((2, 3))
    >>> distance = EuclideanDistance()([a, b])
    >>> keras.ops.convert_to_numpy(distance).round(4)  # sqrt(3)
    array([[1.7321],
           [1.7321]], dtype=float32)
    """

    def __init__(self, epsilon=1e-9, **kwargs):
        super().__init__(**kwargs)
        validation.check_positive(epsilon, "epsilon")
        self.epsilon = float(epsilon)

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        squared = ops.sum(ops.square(a - b), axis=-1, keepdims=True)  # (B, 1)
        return ops.sqrt(ops.maximum(squared, self.epsilon))  # (B, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@register
class CosineSimilarity(keras.layers.Layer):
    """Cosine similarity `a.b / (||a|| ||b||)` of two batches of embeddings.

    Lies in [-1, 1]: 1 for embeddings pointing the same way. The input of
    `recipes.losses.CosineContrastiveLoss`.

    Args:
        epsilon: floor of each norm, so that a zero embedding does not divide
            by zero.

    Example:

    >>> x = keras.ops.ones((2, 3))
    >>> similarity = CosineSimilarity()([x, x])
    >>> keras.ops.convert_to_numpy(similarity).round(4)
    array([[1.],
           [1.]], dtype=float32)
    """

    def __init__(self, epsilon=1e-7, **kwargs):
        super().__init__(**kwargs)
        validation.check_positive(epsilon, "epsilon")
        self.epsilon = float(epsilon)

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        norm_a = ops.maximum(ops.norm(a, axis=-1, keepdims=True), self.epsilon)
        norm_b = ops.maximum(ops.norm(b, axis=-1, keepdims=True), self.epsilon)
        return ops.sum(a * b, axis=-1, keepdims=True) / (norm_a * norm_b)  # (B, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@register
class WeightedL1Similarity(keras.layers.Layer):
    """Koch et al. (2015): `sigmoid(sum_k alpha_k |a_k - b_k| + bias)`.

    The probability that two inputs belong to the same class, from the learned
    weights `alpha` (one per embedding component) of the component-wise L1
    distance. Koch et al.'s formula has no bias; with one (`use_bias=True`,
    the default, as in their fully connected output unit) identical inputs
    can reach probabilities near 1 instead of exactly 0.5.

    Args:
        use_bias: whether to learn the bias inside the sigmoid.
        alpha_regularizer: regularizer of `alpha` (e.g. an L2 weight decay).

    Example:

    >>> layer = WeightedL1Similarity()
    >>> tuple(layer([keras.ops.zeros((2, 3)), keras.ops.ones((2, 3))]).shape)
    (2, 1)
    """

    def __init__(self, use_bias=True, alpha_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = bool(use_bias)
        try:
            self.alpha_regularizer = keras.regularizers.get(alpha_regularizer)
        except (ValueError, TypeError):
            raise ValueError(
                "`alpha_regularizer` must be None, a regularizer name or a "
                f"keras.regularizers.Regularizer, got {alpha_regularizer!r}."
            ) from None

    def build(self, input_shape):
        dim = input_shape[0][-1]
        # Start with negative weights: a larger distance means a lower probability.
        self.alpha = self.add_weight(
            name="alpha",
            shape=(dim,),
            initializer=keras.initializers.Constant(-1.0 / dim),
            regularizer=self.alpha_regularizer,
        )
        self.bias = (
            self.add_weight(name="bias", shape=(1,), initializer="ones")
            if self.use_bias
            else None
        )

    def call(self, inputs):
        a, b = inputs  # (B, D) each
        logits = ops.sum(self.alpha * ops.abs(a - b), axis=-1, keepdims=True)  # (B, 1)
        if self.bias is not None:
            logits = logits + self.bias
        return ops.sigmoid(logits)  # (B, 1), in (0, 1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[0][:-1], 1)

    def get_config(self):
        return {
            **super().get_config(),
            "use_bias": self.use_bias,
            "alpha_regularizer": keras.regularizers.serialize(self.alpha_regularizer),
        }


@register
class SafeUnitNormalization(keras.layers.Layer):
    """`x / sqrt(sum(x**2) + 1e-12)` along the last axis.

    Unlike `keras.layers.UnitNormalization`, its gradient stays finite at
    `x = 0` (a code whose features are all zero), also under XLA.
    """

    def call(self, x):
        return x * ops.rsqrt(ops.sum(ops.square(x), axis=-1, keepdims=True) + 1e-12)

    def compute_output_shape(self, input_shape):
        return input_shape
