"""The reparameterised sampling of a variational autoencoder's code."""

from __future__ import annotations

import keras
from keras import ops

from recipes import validation
from recipes.saving import register


@register
class Sampling(keras.layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps`, `eps ~ N(0, I)`.

    The reparameterisation trick of the variational autoencoder (Kingma &
    Welling 2014): the randomness sits in `eps`, so gradients flow to both the
    mean and the log-variance. It samples in training and inference alike (the
    ELBO is estimated with a sample at evaluation too). The state of its
    random stream is saved with the model, so a reloaded model draws the same
    `eps` as the model it was saved from would have drawn next.

    Args:
        seed: seed of the `SeedGenerator` that draws `eps`.

    Example:

    >>> sampling = Sampling(seed=0)
    >>> tuple(sampling([keras.ops.zeros((2, 3)), keras.ops.zeros((2, 3))]).shape)
    (2, 3)
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = validation.check_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs  # (B, latent_dim) each
        epsilon = keras.random.normal(
            ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon  # (B, latent_dim)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}

    def save_own_variables(self, store):
        # The layer has no weights; its random stream's state is all it keeps.
        store["seed_state"] = ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        if "seed_state" in store.keys():  # files saved before it was kept
            self.seed_generator.state.assign(store["seed_state"])
