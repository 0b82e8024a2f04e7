"""The GAN's training and test steps on the JAX backend, stateless.

The algorithm is the TensorFlow step's (`recipes.gan.step_tensorflow`): for
every batch of real images the discriminator takes `d_steps` (K) updates on
the real batch and on freshly generated images, then the generator takes
`g_steps` (M) updates on fresh noise, with the same losses
(`recipes.gan.losses`), label smoothing and instance noise, and the noise
drawn in the same order from `GAN.draw_normal`.

On JAX, Keras calls `train_step(state, data)` with the values of the model's
variables, `(trainable_variables, non_trainable_variables,
optimizer_variables, metrics_variables)`, and the step returns `(logs,
new_state)` without changing any variable. The model's optimizer is an
`OptimizerPair`, so `optimizer_variables` holds both networks' optimizers'
variables. Each update runs the networks with `stateless_call`,
differentiates the loss with respect to one network's trainable variables
with `jax.value_and_grad`, and applies the gradients with that network's
optimizer's `stateless_apply`. The noise is drawn with `keras.random` from
an explicit seed, the value of the model's `SeedGenerator` state carried in
`non_trainable_variables`, which moves on by `[0, 1]` a draw as the
`SeedGenerator` itself does; the loss trackers change through
`stateless_update_state`. Keras compiles the step with XLA (`jax.jit`) when
the model is compiled with `jit_compile=True`, which the recipe's
`jit_compile="auto"` means on JAX.
"""

from __future__ import annotations

import jax
import numpy as np
from keras import ops

from recipes.gan.losses import discriminator_loss, generator_loss


def _gather(values, variables):
    """The current values of `variables`, from `values` (by variable id)."""
    return [values[id(variable)] for variable in variables]


def _scatter(values, variables, new_values):
    """`values` with `variables` set to `new_values` (a new dict)."""
    return {
        **values,
        **{id(variable): value for variable, value in zip(variables, new_values)},
    }


class AdversarialStep:
    """The JAX steps of `recipes.gan.GAN` (mixed into the model class).

    Inside a step, the variables' current values travel in a dict keyed by
    the variable's id (`values`), so each network, optimizer and tracker
    takes its own from the state whatever their order in it. They use the
    model's `generator`, `discriminator`, `d_optimizer`, `g_optimizer`,
    `latent_dim`, `seed_generator`, `d_steps`, `g_steps`, `label_smoothing`,
    `instance_noise` and its `draw_normal`, `loss_updates` and `test_losses`
    methods.
    """

    def _normal(self, values, shape):
        """Standard normal noise of `shape` from the seed state in `values`.

        Returns:
            `(noise, values)`, the seed state moved on by one draw.
        """
        state = self.seed_generator.state
        seed = values[id(state)]
        noise = self.draw_normal(shape, seed)
        step = np.array([0, 1], dtype=seed.dtype)  # as SeedGenerator.next does
        return noise, {**values, id(state): seed + step}

    def _discriminator_input(self, values, images):
        """`(images plus instance noise, values)`, noise when `instance_noise` is set."""
        if not self.instance_noise:
            return images, values
        noise, values = self._normal(values, ops.shape(images))
        return images + self.instance_noise * noise, values

    @staticmethod
    def _run(network, values, inputs, training):
        """`(network(inputs), values)` by `stateless_call`, its updates kept."""
        outputs, non_trainable = network.stateless_call(
            _gather(values, network.trainable_variables),
            _gather(values, network.non_trainable_variables),
            inputs,
            training=training,
        )
        return outputs, _scatter(values, network.non_trainable_variables, non_trainable)

    @staticmethod
    def _update(values, network, optimizer, loss_and_values):
        """One gradient step of `network` on `loss_and_values`'s loss.

        Args:
            values: the current values of the variables.
            network: the network whose trainable variables are differentiated.
            optimizer: that network's optimizer.
            loss_and_values: `f(values) -> (mean loss, values)`, the values
                updated by the forward pass (batch statistics).

        Returns:
            `(mean loss, values)` after the update.
        """
        variables = network.trainable_variables

        def loss_of(trainable):
            return loss_and_values(_scatter(values, variables, trainable))

        (loss, values), gradients = jax.value_and_grad(loss_of, has_aux=True)(
            _gather(values, variables)
        )
        trainable, optimizer_values = optimizer.stateless_apply(
            _gather(values, optimizer.variables),
            gradients,
            _gather(values, variables),
        )
        values = _scatter(values, variables, trainable)
        return loss, _scatter(values, optimizer.variables, optimizer_values)

    def discriminator_step(self, values, real):
        """One discriminator update on `real` images and as many generated ones.

        Loss: `-log D(x) - log(1 - D(G(z)))` per example, with the real target
        `1 - label_smoothing`. Only the discriminator's weights change (and
        the generator's batch statistics, as it runs in training mode).

        Args:
            values: the current values of the variables, by variable id.
            real: `(B, H, W, C)` real images.

        Returns:
            `(mean discriminator loss, values)` after the update.
        """
        batch = ops.shape(real)[0]
        noise, values = self._normal(values, (batch, self.latent_dim))  # (B, latent)
        fake, values = self._run(self.generator, values, noise, training=True)
        fake = ops.stop_gradient(fake)  # (B, H, W, C)
        real_input, values = self._discriminator_input(values, real)
        fake_input, values = self._discriminator_input(values, fake)
        # One call on real and generated images together, as on TensorFlow.
        both = ops.concatenate([real_input, fake_input], axis=0)  # (2B, H, W, C)

        def loss_and_values(values):
            logit, values = self._run(self.discriminator, values, both, training=True)
            per_example = discriminator_loss(
                logit[:batch], logit[batch:], self.label_smoothing
            )  # (B,)
            return ops.mean(per_example), values

        return self._update(
            values, self.discriminator, self.d_optimizer, loss_and_values
        )

    def generator_step(self, values, batch_size):
        """One generator update with the non-saturating loss `-log D(G(z))`.

        Only the generator's weights change.

        Args:
            values: the current values of the variables, by variable id.
            batch_size: number of noise vectors.

        Returns:
            `(mean generator loss, values)` after the update.
        """
        noise, values = self._normal(values, (batch_size, self.latent_dim))
        image_shape = (batch_size, *self.generator.output_shape[1:])
        if self.instance_noise:
            blur, values = self._normal(values, image_shape)  # (B, H, W, C)

        def loss_and_values(values):
            fake, values = self._run(self.generator, values, noise, training=True)
            if self.instance_noise:
                fake = fake + self.instance_noise * blur  # (B, H, W, C)
            logit, values = self._run(self.discriminator, values, fake, training=True)
            return ops.mean(generator_loss(logit)), values  # mean of (B,)

        return self._update(values, self.generator, self.g_optimizer, loss_and_values)

    def _record_losses(self, metrics_values, d_losses, g_losses, batch):
        """Adds a batch's update losses to the trackers, statelessly.

        Returns:
            `(logs, metrics_values)`.
        """
        weight = ops.cast(batch, "float32")
        values = dict(zip(map(id, self.metrics_variables), metrics_values))
        logs = {}
        for tracker, losses in self.loss_updates(d_losses, g_losses):
            tracker_values = _gather(values, tracker.variables)
            for loss in losses:
                tracker_values = tracker.stateless_update_state(
                    tracker_values, loss, sample_weight=weight
                )
            values = _scatter(values, tracker.variables, tracker_values)
            logs[tracker.name] = tracker.stateless_result(tracker_values)
        return logs, _gather(values, self.metrics_variables)

    def train_step(self, state, data):
        """K discriminator updates then M generator updates on a batch.

        Args:
            state: `(trainable_variables, non_trainable_variables,
                optimizer_variables, metrics_variables)` values.
            data: `(B, H, W, C)` real images, or a tuple whose first item is.

        Returns:
            `(logs, new_state)`: `loss`, `d_loss` and `g_loss` so far in the
            epoch, and the state after the updates.
        """
        trainable, non_trainable, optimizer_values, metrics_values = state
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        values = _scatter({}, self.trainable_variables, trainable)
        values = _scatter(values, self.non_trainable_variables, non_trainable)
        values = _scatter(values, self.optimizer.variables, optimizer_values)
        d_losses, g_losses = [], []
        for _ in range(self.d_steps):
            loss, values = self.discriminator_step(values, real)
            d_losses.append(loss)
        for _ in range(self.g_steps):
            loss, values = self.generator_step(values, batch)
            g_losses.append(loss)
        logs, metrics_values = self._record_losses(
            metrics_values, d_losses, g_losses, batch
        )
        return logs, (
            _gather(values, self.trainable_variables),
            _gather(values, self.non_trainable_variables),
            _gather(values, self.optimizer.variables),
            metrics_values,
        )

    def test_step(self, state, data):
        """Both losses on a batch, with plain labels (no smoothing or noise).

        Args:
            state: `(trainable_variables, non_trainable_variables,
                metrics_variables)` values.
            data: `(B, H, W, C)` real images, or a tuple whose first item is.

        Returns:
            `(logs, new_state)`: `loss`, `d_loss` and `g_loss` so far in the
            evaluation, and the state with the seed and trackers moved on.
        """
        trainable, non_trainable, metrics_values = state
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        values = _scatter({}, self.trainable_variables, trainable)
        values = _scatter(values, self.non_trainable_variables, non_trainable)
        noise, values = self._normal(values, (batch, self.latent_dim))  # (B, latent)
        fake, values = self._run(self.generator, values, noise, training=False)
        fake_logit, values = self._run(self.discriminator, values, fake, False)
        real_logit, values = self._run(self.discriminator, values, real, False)
        d_loss, g_loss = self.test_losses(real_logit, fake_logit)  # (B, 1) logits
        logs, metrics_values = self._record_losses(
            metrics_values, [d_loss], [g_loss], batch
        )
        return logs, (
            _gather(values, self.trainable_variables),
            _gather(values, self.non_trainable_variables),
            metrics_values,
        )
