"""The input gradient on the TensorFlow backend: `tf.GradientTape`.

The one backend-specific piece of the attacks; the JAX version, with the same
two functions, is `recipes.adversarial.gradient_jax`.
"""

from __future__ import annotations

import tensorflow as tf

COMPILED_BY_XLA = False  # `compile_function` builds a graph, without XLA


def value_and_gradient(function, inputs):
    """`(function(inputs), d function / d inputs)` for a scalar `function`.

    Args:
        function: maps a tensor to a scalar tensor.
        inputs: the tensor to differentiate at.

    Returns:
        The value and a gradient of the shape of `inputs`.
    """
    inputs = tf.convert_to_tensor(inputs)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = function(inputs)
    return value, tape.gradient(value, inputs)


def compile_function(function):
    """`function` compiled as a TensorFlow graph (one trace per input shape)."""
    return tf.function(function, reduce_retracing=True, autograph=False)
