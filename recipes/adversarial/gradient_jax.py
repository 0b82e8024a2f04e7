"""The input gradient on the JAX backend: `jax.value_and_grad`.

The one backend-specific piece of the attacks; the TensorFlow version, with
the same two functions, is `recipes.adversarial.gradient_tensorflow`.
"""

from __future__ import annotations

import jax

COMPILED_BY_XLA = True  # `compile_function` compiles with XLA


def value_and_gradient(function, inputs):
    """`(function(inputs), d function / d inputs)` for a scalar `function`.

    Args:
        function: maps an array to a scalar array (a pure function of it).
        inputs: the array to differentiate at.

    Returns:
        The value and a gradient of the shape of `inputs`.
    """
    return jax.value_and_grad(function)(inputs)


def compile_function(function):
    """`function` compiled by XLA (`jax.jit`; one trace per input shape)."""
    return jax.jit(function)
