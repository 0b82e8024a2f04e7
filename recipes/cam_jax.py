"""The input gradient of `recipes.cam` on the JAX backend."""

from __future__ import annotations

import jax
import keras


def value_and_gradient(function, inputs):
    """`function(inputs)` (a scalar) and its gradient with respect to `inputs`.

    The function runs inside a `keras.StatelessScope`, so a layer that would
    update its state (a random generator, say) cannot leak traced values.

    Args:
        function: maps a tensor to a scalar tensor (Keras layers and
            `keras.ops` inside).
        inputs: a float32 array or tensor.

    Returns:
        `(value, gradient)` as arrays; the gradient has the shape of `inputs`.
    """

    def scalar(values):
        with keras.StatelessScope():
            return function(values)

    return jax.value_and_grad(scalar)(jax.numpy.asarray(inputs, dtype="float32"))
