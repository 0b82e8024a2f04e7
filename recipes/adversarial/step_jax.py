"""Adversarial training's step on the JAX backend, stateless.

Keras's JAX trainer passes the variables' values in `state` and expects them
back updated; the model's variables themselves are not read inside the step.
So the PGD examples (`AdversarialModel.mixed_batch`, shared with TensorFlow)
are made inside a `keras.StatelessScope` that maps every variable to its
value in `state`; the random start's `SeedGenerator` moves on in that scope,
and its new value goes back into the state. Keras's own step then trains on
the mix. The TensorFlow version is `recipes.adversarial.step_tensorflow`.
"""

from __future__ import annotations

import keras


class AdversarialTrainingStep:
    """The JAX `train_step` of `AdversarialModel` (mixed into the class)."""

    def train_step(self, state, data):
        """PGD examples of the batch, then one update on the clean/adversarial mix.

        Args:
            state: `(trainable_variables, non_trainable_variables,
                optimizer_variables, metrics_variables)` values.
            data: `(x, y)` or `(x, y, sample_weight)`.

        Returns:
            `(logs, new_state)` of Keras's step on the mixed batch.
        """
        trainable, non_trainable, optimizer_values, metrics_values = state
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += list(zip(self.non_trainable_variables, non_trainable))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            batch = self.mixed_batch(x, y, sample_weight)
            non_trainable = [
                scope.get_current_value(variable)
                for variable in self.non_trainable_variables
            ]
        state = (trainable, non_trainable, optimizer_values, metrics_values)
        return super().train_step(state, batch)
