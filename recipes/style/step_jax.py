"""The compiled optimisation step of style transfer on the JAX backend, stateless.

The JAX counterpart of `recipes.style.step_tensorflow`, the same update:
`jax.value_and_grad` differentiates the loss with respect to the image, the
optimizer's `stateless_apply` updates the image and its own state, and the
image is clipped to [0, 1], all in one `jax.jit` (XLA) function. The image
and the optimizer's state travel as values, as Keras's own JAX trainer
carries its variables.
"""

from __future__ import annotations

import jax
from keras import ops


class Step:
    """One compiled update of the image; `step()` returns `(loss, parts)`.

    Args:
        loss_of: `loss_of(image, *arguments) -> (scalar loss, parts)`.
        optimizer: a built Keras optimizer (built on `[pixels]`).
        pixels: the `(1, height, width, channels)` `keras.Variable` holding
            the starting image.
        arguments: the further arguments of `loss_of` (arrays: weights,
            targets), passed to the compiled function.
    """

    def __init__(self, loss_of, optimizer, pixels, arguments):
        self.arguments = arguments
        self.state = (
            pixels.value,
            [variable.value for variable in optimizer.variables],
        )

        def step(image, optimizer_values, arguments):
            (loss, parts), gradient = jax.value_and_grad(
                lambda image: loss_of(image, *arguments), has_aux=True
            )(image)  # gradient: (1, H, W, C)
            (image,), optimizer_values = optimizer.stateless_apply(
                optimizer_values, [gradient], [image]
            )
            return ops.clip(image, 0.0, 1.0), optimizer_values, loss, parts

        self._step = jax.jit(step)

    def __call__(self):
        image, optimizer_values, loss, parts = self._step(*self.state, self.arguments)
        self.state = (image, optimizer_values)
        return loss, parts

    @property
    def image(self):
        """The current `(1, height, width, channels)` image."""
        return self.state[0]


def compile(function):
    """`function` compiled with XLA (`jax.jit`): the distances and targets."""
    return jax.jit(function)
