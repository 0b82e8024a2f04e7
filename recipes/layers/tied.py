"""Dense layers that share a transposed kernel with another layer."""

from __future__ import annotations

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


@register
class TiedDense(keras.layers.Layer):
    """A dense layer whose decoder direction reuses the transposed kernel.

    One layer, one kernel variable `W` of shape `(input_dim, units)`, called
    twice in a Functional autoencoder: `layer(x)` encodes,
    `activation(x @ W + b)`, and `layer(h, transpose=True)` decodes,
    `transpose_activation(h @ W.T + c)`, with its own bias `c` of shape
    `(input_dim,)`. Tying the weights (as in Vincent et al. 2008) halves the
    kernel parameters of an autoencoder and, because both directions read the
    same variable, they stay tied through training and a `.keras` round trip.

    Args:
        units: size of the encoded output (at least 1).
        activation: activation of the encoding direction.
        transpose_activation: activation of the decoding direction.
        use_bias: whether each direction adds its bias.
        kernel_initializer: initializer of the shared kernel.

    Example:

    >>> tied = TiedDense(3)
    >>> code = tied(keras.ops.ones((2, 5)))
    >>> tuple(code.shape), tuple(tied(code, transpose=True).shape)
    ((2, 3), (2, 5))
    >>> len(tied.weights)  # one (5, 3) kernel and a bias for each direction
    3
    """

    def __init__(
        self,
        units,
        activation=None,
        transpose_activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"`units` must be an integer >= 1, got {units!r}.")
        self.units = units
        validation.check_activation(activation, "activation")
        validation.check_activation(transpose_activation, "transpose_activation")
        self.activation = keras.activations.get(activation)
        self.transpose_activation = keras.activations.get(transpose_activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            name="kernel",
        )
        self.bias = self.transpose_bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), initializer="zeros", name="bias"
            )
            self.transpose_bias = self.add_weight(
                shape=(input_dim,), initializer="zeros", name="transpose_bias"
            )

    def call(self, inputs, transpose=False):
        if transpose:  # (B, units) -> (B, input_dim)
            outputs = ops.matmul(inputs, ops.transpose(self.kernel))
            if self.use_bias:
                outputs = outputs + self.transpose_bias
            return self.transpose_activation(outputs)
        outputs = ops.matmul(inputs, self.kernel)  # (B, input_dim) -> (B, units)
        if self.use_bias:
            outputs = outputs + self.bias
        return self.activation(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "transpose_activation": keras.activations.serialize(
                self.transpose_activation
            ),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
        }
