"""The ceiling on JAX: the benchmarks' networks trained by bare `jax.jit` steps.

No `fit`, no callbacks between steps, no metrics: the models' variables go
through `stateless_call`, `jax.value_and_grad` and the optimizers'
`stateless_apply` in one jitted function per batch, as the Keras guide on
writing a training loop in JAX does. What a recipe's `fit` costs on top of
this is its overhead on JAX.

Each builder returns `fit(epochs, callbacks)` as `benchmarks.common.compare`
takes it; only the callbacks' `on_epoch_begin` and `on_epoch_end` are
called, so `benchmarks.common.EpochTimer` works.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def variables(*models):
    """`[trainable, non_trainable]` value lists of each model, in order."""
    return [
        [
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
        ]
        for model in models
    ]


def optimizer_state(optimizer, *models):
    """Builds `optimizer` for the models' trainable variables; their values."""
    optimizer.build([v for model in models for v in model.trainable_variables])
    return [v.value for v in optimizer.variables]


def shuffled(arrays, batch_size):
    """`batches(generator)`: the rows of `arrays` in a fresh order, in batches.

    The last batch may be smaller, as in `fit`.
    """

    def batches(generator):
        order = generator.permutation(len(arrays[0]))
        for first in range(0, len(order), batch_size):
            rows = order[first : first + batch_size]
            yield [a[rows] for a in arrays]

    return batches


def loop(start, step, batches):
    """`fit(epochs, callbacks)` running `step` over each epoch's batches.

    Args:
        start: `start() -> state`, a fresh model's state (a pytree).
        step: `step(state, key, *batch) -> (state, loss)`, jitted here.
        batches: `batches(generator) -> iterable of lists of arrays`, one
            epoch's batches drawn with a NumPy generator.
    """

    def fit(epochs, callbacks):
        import jax

        jitted = jax.jit(step)
        state = start()
        generator = np.random.default_rng(0)
        key = jax.random.key(0)
        for epoch in range(epochs):
            for callback in callbacks:
                callback.on_epoch_begin(epoch)
            for batch in batches(generator):
                key, subkey = jax.random.split(key)
                state, loss = jitted(state, subkey, *batch)
            jax.block_until_ready(loss)
            for callback in callbacks:
                callback.on_epoch_end(epoch)

    return fit


def bare_fit(make_model, x, y, *, batch_size):
    """A compiled supervised model (its optimizer and loss; not its metrics)."""
    import jax

    inputs = list(x) if isinstance(x, (list, tuple)) else [x]
    model = None

    def start():
        nonlocal model
        model = make_model()
        return variables(model)[0] + [optimizer_state(model.optimizer, model)]

    def step(state, key, *batch):
        trainable, non_trainable, optimizer_variables = state
        *features, targets = batch
        features = features if len(features) > 1 else features[0]
        loss = keras.losses.get(model.loss)

        def value(trainable, non_trainable):
            predictions, non_trainable, losses = model.stateless_call(
                trainable, non_trainable, features, training=True, return_losses=True
            )
            total = ops.mean(loss(targets, predictions))  # () as `fit` reduces
            return total + sum(losses), non_trainable

        (total, non_trainable), grads = jax.value_and_grad(value, has_aux=True)(
            trainable, non_trainable
        )
        trainable, optimizer_variables = model.optimizer.stateless_apply(
            optimizer_variables, grads, trainable
        )
        return [trainable, non_trainable, optimizer_variables], total

    return loop(start, step, shuffled(inputs + [y], batch_size))


def bare_vae(make_model, x, *, batch_size):
    """A VAE with `encoder` (to mean, log-variance), `decoder` (to logits), `optimizer`.

    One step: the negative ELBO with a Bernoulli likelihood, one sample.
    """
    import jax

    model = None

    def start():
        nonlocal model
        model = make_model()
        return variables(model.encoder, model.decoder) + [
            optimizer_state(model.optimizer, model.encoder, model.decoder)
        ]

    def step(state, key, images):
        encoder_state, decoder_state, optimizer_variables = state

        def value(encoder_trainable, decoder_trainable):
            (z_mean, z_log_var), _ = model.encoder.stateless_call(
                encoder_trainable, encoder_state[1], images
            )  # (B, L) each
            epsilon = jax.random.normal(key, z_mean.shape)
            z = z_mean + ops.exp(0.5 * z_log_var) * epsilon
            logits, _ = model.decoder.stateless_call(
                decoder_trainable, decoder_state[1], z
            )  # (B, H, W, C)
            reconstruction = ops.sum(
                ops.binary_crossentropy(images, logits, from_logits=True),
                axis=(1, 2, 3),
            )
            kl = -0.5 * ops.sum(
                1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=1
            )
            return ops.mean(reconstruction + kl)

        loss, (encoder_grads, decoder_grads) = jax.value_and_grad(
            value, argnums=(0, 1)
        )(encoder_state[0], decoder_state[0])
        trainable, optimizer_variables = model.optimizer.stateless_apply(
            optimizer_variables,
            encoder_grads + decoder_grads,
            encoder_state[0] + decoder_state[0],
        )
        split = len(encoder_state[0])
        return [
            [trainable[:split], encoder_state[1]],
            [trainable[split:], decoder_state[1]],
            optimizer_variables,
        ], loss

    return loop(start, step, shuffled([x], batch_size))


def bare_gan(make_networks, x, *, latent_dim, batch_size, learning_rate=2e-4):
    """One discriminator and one generator step per batch (Adam, beta_1 0.5).

    Args:
        make_networks: returns `(generator, discriminator)`; the discriminator
            outputs logits.
    """
    import jax

    networks = {}

    def bce(labels, logits):
        return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))

    def start():
        generator, discriminator = make_networks()
        networks.update(
            generator=generator,
            discriminator=discriminator,
            g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
            d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
        )
        return variables(generator, discriminator) + [
            optimizer_state(networks["g_optimizer"], generator),
            optimizer_state(networks["d_optimizer"], discriminator),
        ]

    def step(state, key, real):
        generator, discriminator = networks["generator"], networks["discriminator"]
        g_state, d_state, g_optimizer_variables, d_optimizer_variables = state
        d_key, g_key = jax.random.split(key)
        batch = real.shape[0]

        def generate(g_trainable, key):
            noise = jax.random.normal(key, (batch, latent_dim))
            images, _ = generator.stateless_call(g_trainable, g_state[1], noise)
            return images  # (B, H, W, C)

        def d_value(d_trainable):
            fake = jax.lax.stop_gradient(generate(g_state[0], d_key))
            logits, _ = discriminator.stateless_call(
                d_trainable, d_state[1], ops.concatenate([fake, real], axis=0)
            )  # (2B, 1)
            labels = ops.concatenate([ops.zeros((batch, 1)), ops.ones((batch, 1))])
            return bce(labels, logits)

        d_loss, d_grads = jax.value_and_grad(d_value)(d_state[0])
        d_trainable, d_optimizer_variables = networks["d_optimizer"].stateless_apply(
            d_optimizer_variables, d_grads, d_state[0]
        )

        def g_value(g_trainable):
            logits, _ = discriminator.stateless_call(
                d_trainable, d_state[1], generate(g_trainable, g_key)
            )
            return bce(ops.ones((batch, 1)), logits)

        g_loss, g_grads = jax.value_and_grad(g_value)(g_state[0])
        g_trainable, g_optimizer_variables = networks["g_optimizer"].stateless_apply(
            g_optimizer_variables, g_grads, g_state[0]
        )
        state = [
            [g_trainable, g_state[1]],
            [d_trainable, d_state[1]],
            g_optimizer_variables,
            d_optimizer_variables,
        ]
        return state, d_loss + g_loss

    return loop(start, step, shuffled([x], batch_size))


def bare_dann(make_networks, x_source, y_source, x_target, *, batch_size, epochs):
    """DANN's step: label loss on source rows, domain loss on both, reversed.

    The feature extractor descends `label_loss - lambda * domain_loss` (a
    gradient reversal on the features), each head its own loss, one SGD (momentum 0.9, rate 0.01) over all variables;
    `lambda` follows Ganin et al.'s ramp over `epochs`. Each epoch pairs every
    full source batch with a random target batch.

    Args:
        make_networks: returns `(extractor, label_head, domain_head)`; the
            label head outputs class probabilities, the domain head the
            probability of the target domain.
    """
    import jax

    networks = {}
    steps = len(x_source) // batch_size

    def start():
        models = make_networks()
        epoch[0] = 0
        networks.update(
            models=models, optimizer=keras.optimizers.SGD(0.01, momentum=0.9)
        )
        return variables(*models) + [optimizer_state(networks["optimizer"], *models)]

    def step(state, key, progress, x_s, y_s, x_t):
        extractor, label_head, domain_head = networks["models"]
        (f_state, l_state, d_state, optimizer_variables) = state
        lam = 2 / (1 + ops.exp(-10 * progress)) - 1
        domains = ops.concatenate(
            [ops.zeros((batch_size, 1)), ops.ones((batch_size, 1))]
        )

        def value(trainable):
            f_trainable, l_trainable, d_trainable = trainable
            features, _ = extractor.stateless_call(
                f_trainable, f_state[1], ops.concatenate([x_s, x_t]), training=True
            )  # (2B, F)
            probabilities, _ = label_head.stateless_call(
                l_trainable, l_state[1], features[:batch_size], training=True
            )  # (B, classes)
            # Identity forward, gradient times -lambda backward.
            reversed_features = -lam * features + jax.lax.stop_gradient(
                (1 + lam) * features
            )
            domain, _ = domain_head.stateless_call(
                d_trainable, d_state[1], reversed_features, training=True
            )  # (2B, 1)
            label_loss = ops.mean(
                ops.sparse_categorical_crossentropy(y_s, probabilities)
            )
            domain_loss = ops.mean(ops.binary_crossentropy(domains, domain))
            return label_loss + domain_loss

        loss, (f_grads, l_grads, d_grads) = jax.value_and_grad(value)(
            [f_state[0], l_state[0], d_state[0]]
        )
        trainable, optimizer_variables = networks["optimizer"].stateless_apply(
            optimizer_variables,
            f_grads + l_grads + d_grads,
            f_state[0] + l_state[0] + d_state[0],
        )
        first, second = len(f_state[0]), len(f_state[0]) + len(l_state[0])
        state = [
            [trainable[:first], f_state[1]],
            [trainable[first:second], l_state[1]],
            [trainable[second:], d_state[1]],
            optimizer_variables,
        ]
        return state, loss

    epoch = [0]

    def batches(generator):
        sources = generator.permutation(len(x_source))
        for index in range(steps):
            rows = sources[index * batch_size : (index + 1) * batch_size]
            targets = generator.choice(len(x_target), batch_size, replace=False)
            progress = np.float32((epoch[0] * steps + index) / (epochs * steps))
            yield [progress, x_source[rows], y_source[rows], x_target[targets]]
        epoch[0] += 1

    return loop(start, step, batches)
