"""The GAN's training and test steps on the TensorFlow backend.

For every batch of real images the discriminator takes `d_steps` (K) updates
on the real batch and on freshly generated images, then the generator takes
`g_steps` (M) updates on fresh noise (Algorithm 1 of Goodfellow et al. 2014).
Each update differentiates one network's loss with a `tf.GradientTape` and
applies the gradients with that network's own optimizer; the variables, the
`SeedGenerator` and the loss trackers change in place. The JAX version of the
same steps, stateless, is `recipes.gan.step_jax`; the two draw their noise in
the same order from `GAN.draw_normal` and share the losses of
`recipes.gan.losses`.

Under `tf.distribute.MirroredStrategy`, each replica draws the noise of the
whole global batch and keeps its own rows, so a distributed step uses the
same noise as a single-device step; losses are summed per replica and divided
by the global batch size.
"""

from __future__ import annotations

import keras
from keras import ops

from recipes.gan.losses import discriminator_loss, generator_loss


def replicas():
    """`(replica index, number of replicas)` of the running `tf.distribute` step."""
    if keras.backend.backend() != "tensorflow":
        return 0, 1
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None:  # cross-replica context: no step is running
        return 0, 1
    return context.replica_id_in_sync_group, context.num_replicas_in_sync


class AdversarialStep:
    """The TensorFlow steps of `recipes.gan.GAN` (mixed into the model class).

    They use the model's `generator`, `discriminator`, `d_optimizer`,
    `g_optimizer`, `latent_dim`, `seed_generator`, `d_steps`, `g_steps`,
    `label_smoothing`, `instance_noise` and its `draw_normal`,
    `loss_updates` and `test_losses` methods.
    """

    def _normal(self, shape):
        """Standard normal noise of `shape`, the same whatever the replica count.

        Each replica draws the noise of the global batch from the shared seed
        and keeps its own rows, so that a distributed step sees exactly the
        noise a single-device step would.
        """
        replica, count = replicas()
        if count == 1:
            return self.draw_normal(shape, self.seed_generator)
        batch = shape[0]
        draw = self.draw_normal((batch * count, *shape[1:]), self.seed_generator)
        start = [replica * batch] + [0] * (len(shape) - 1)
        return ops.slice(draw, start, shape)  # (B, ...)

    def _discriminator_input(self, images):
        """`images` plus instance noise, when `instance_noise` is set."""
        if not self.instance_noise:
            return images
        return images + self.instance_noise * self._normal(ops.shape(images))

    @staticmethod
    def _global_mean(per_example):
        """Sum over this replica's examples divided by the global batch size."""
        _, count = replicas()
        batch = ops.cast(ops.shape(per_example)[0], per_example.dtype)
        return ops.sum(per_example) / (batch * count)

    def _update(self, per_example_loss, network, optimizer):
        """One gradient step of `network` on `per_example_loss()`'s mean.

        Returns:
            The mean loss over this replica's batch.
        """
        import tensorflow as tf  # the tape is the TensorFlow backend's step

        variables = network.trainable_variables
        with tf.GradientTape() as tape:
            per_example = per_example_loss()  # (B,)
            loss = self._global_mean(per_example)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))
        return ops.mean(per_example)

    def discriminator_step(self, real):
        """One discriminator update on `real` images and as many generated ones.

        Loss: `-log D(x) - log(1 - D(G(z)))` per example, with the real target
        `1 - label_smoothing`. Only the discriminator's weights change.

        Args:
            real: `(B, H, W, C)` real images.

        Returns:
            The mean discriminator loss over this replica's batch.
        """
        batch = ops.shape(real)[0]
        noise = self._normal((batch, self.latent_dim))  # (B, latent_dim)
        fake = ops.stop_gradient(self.generator(noise, training=True))  # (B, H, W, C)

        def per_example_loss():
            # One discriminator call on real and generated images together:
            # the discriminator has no batch statistics, so this equals two
            # calls and costs one.
            both = ops.concatenate(
                [self._discriminator_input(real), self._discriminator_input(fake)],
                axis=0,
            )  # (2B, H, W, C)
            logit = self.discriminator(both, training=True)  # (2B, 1)
            return discriminator_loss(
                logit[:batch], logit[batch:], self.label_smoothing
            )  # (B,)

        return self._update(per_example_loss, self.discriminator, self.d_optimizer)

    def generator_step(self, batch_size):
        """One generator update with the non-saturating loss `-log D(G(z))`.

        Only the generator's weights change.

        Args:
            batch_size: number of noise vectors (this replica's batch size).

        Returns:
            The mean generator loss over this replica's batch.
        """
        noise = self._normal((batch_size, self.latent_dim))  # (B, latent_dim)

        def per_example_loss():
            fake = self.generator(noise, training=True)  # (B, H, W, C)
            logit = self.discriminator(self._discriminator_input(fake), training=True)
            return generator_loss(logit)  # (B,)

        return self._update(per_example_loss, self.generator, self.g_optimizer)

    def train_step(self, data):
        """K discriminator updates then M generator updates on a batch.

        Args:
            data: `(B, H, W, C)` real images, or a tuple whose first item is.

        Returns:
            The logs: `loss`, `d_loss` and `g_loss` so far in the epoch.
        """
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        d_losses = [self.discriminator_step(real) for _ in range(self.d_steps)]
        g_losses = [self.generator_step(batch) for _ in range(self.g_steps)]
        return self._record_losses(d_losses, g_losses, batch)

    def test_step(self, data):
        """Both losses on a batch, with plain labels (no smoothing or noise).

        Args:
            data: `(B, H, W, C)` real images, or a tuple whose first item is.

        Returns:
            The logs: `loss`, `d_loss` and `g_loss` so far in the evaluation.
        """
        real = data[0] if isinstance(data, (tuple, list)) else data  # (B, H, W, C)
        batch = ops.shape(real)[0]
        noise = self._normal((batch, self.latent_dim))  # (B, latent_dim)
        fake_logit = self.discriminator(self.generator(noise))  # (B, 1)
        real_logit = self.discriminator(real)  # (B, 1)
        d_loss, g_loss = self.test_losses(real_logit, fake_logit)
        return self._record_losses([d_loss], [g_loss], batch)

    def _record_losses(self, d_losses, g_losses, batch):
        """Adds a batch's update losses to the trackers; returns the metrics."""
        weight = ops.cast(batch, "float32")
        for tracker, losses in self.loss_updates(d_losses, g_losses):
            for loss in losses:
                tracker.update_state(loss, sample_weight=weight)
        return {metric.name: metric.result() for metric in self.metrics}
