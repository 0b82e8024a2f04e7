"""Adversarial training's step on the TensorFlow backend.

The PGD examples are made inside the step, in the same graph as the update
(`AdversarialModel.mixed_batch`, shared with JAX), then Keras's own step
trains on the mix. The JAX version is `recipes.adversarial.step_jax`.
"""

from __future__ import annotations

import keras


class AdversarialTrainingStep:
    """The TensorFlow `train_step` of `AdversarialModel` (mixed into the class)."""

    def train_step(self, data):
        """PGD examples of the batch, then one update on the clean/adversarial mix.

        Args:
            data: `(x, y)` or `(x, y, sample_weight)`.

        Returns:
            Keras's logs for the mixed batch.
        """
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        return super().train_step(self.mixed_batch(x, y, sample_weight))
