"""The input gradient of `recipes.cam` on the TensorFlow backend."""

from __future__ import annotations

import tensorflow as tf


def value_and_gradient(function, inputs):
    """`function(inputs)` (a scalar) and its gradient with respect to `inputs`.

    Args:
        function: maps a tensor to a scalar tensor (Keras layers and
            `keras.ops` inside).
        inputs: a float32 array or tensor.

    Returns:
        `(value, gradient)` as tensors; the gradient has the shape of `inputs`.
    """
    inputs = tf.convert_to_tensor(inputs, dtype="float32")
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = function(inputs)
    return value, tape.gradient(value, inputs)
