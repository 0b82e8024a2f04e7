"""The compiled optimisation step of style transfer on the TensorFlow backend.

`recipes.style.optimisation` builds the loss and the optimizer; this module
(on TensorFlow) or `recipes.style.step_jax` (on JAX) turns them into one
compiled step. Here the pixels are a `keras.Variable` changed in place: a
`tf.GradientTape` differentiates the loss with respect to them, the
optimizer's `apply_gradients` updates them, and they are clipped to [0, 1],
all in one `tf.function(jit_compile=True)` (XLA).
"""

from __future__ import annotations

import tensorflow as tf
from keras import ops


class Step:
    """One compiled update of `pixels`; `step()` returns `(loss, parts)`.

    Args:
        loss_of: `loss_of(image, *arguments) -> (scalar loss, parts)`.
        optimizer: a built Keras optimizer (built on `[pixels]`).
        pixels: the `(1, height, width, channels)` `keras.Variable` optimised.
        arguments: the further arguments of `loss_of` (tensors: weights,
            targets), passed to the compiled function.
    """

    def __init__(self, loss_of, optimizer, pixels, arguments):
        self.pixels = pixels
        self.arguments = arguments

        def step(arguments):
            with tf.GradientTape() as tape:
                loss, parts = loss_of(pixels.value, *arguments)
            gradient = tape.gradient(loss, pixels.value)  # (1, H, W, C)
            optimizer.apply_gradients([(gradient, pixels)])
            pixels.assign(ops.clip(pixels.value, 0.0, 1.0))
            return loss, parts

        self._step = tf.function(step, jit_compile=True)

    def __call__(self):
        return self._step(self.arguments)

    @property
    def image(self):
        """The current `(1, height, width, channels)` image."""
        return self.pixels.value


def compile(function):
    """`function` compiled with XLA (`tf.function(jit_compile=True)`)."""
    return tf.function(function, jit_compile=True)
