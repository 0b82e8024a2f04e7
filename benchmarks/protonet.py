"""Prototypical network speed benchmark on the `glyphs` background alphabets.

- speed: `protonet.fit` throughput, in episodes per second, against the same
  embedding network trained on the same episodes the way a prototypical
  network is written in plain Keras from Snell et al. (2017) (a
  `keras.Model` subclass whose `train_step` embeds the support and query
  images, averages each class's supports into a prototype and applies the
  cross-entropy of a softmax over minus the squared Euclidean distances,
  under `tf.GradientTape`), the same network and loss in a bare `jax.jit`
  step on JAX, and the recipe with `jit_compile` "auto"/True/False.

The few-shot quality of the recipe is measured in `benchmarks/fewshot.py`.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np
from keras import ops

from benchmarks.bare_jax import loop, optimizer_state, variables
from benchmarks.common import (
    on_tensorflow_only,
    recipe_fit,
    speed_table,
    tensorflow_only_target,
)
from recipes import data, protonet

# The recipe's default episodes: 20 classes, one support image and five
# query images of each (its default 100 queries shared among 20 ways).
N_WAY = protonet.DEFAULT_WAYS
K_SHOT = protonet.DEFAULT_SHOTS
N_QUERY = protonet.DEFAULT_QUERIES // protonet.DEFAULT_WAYS
LEARNING_RATE = 1e-3  # `protonet.compile`'s default (Adam)
SEED = 0  # `protonet.fit`'s default seed of the episodes
# Episodes per epoch, the same for every variant. The recipe's default of 100
# makes an epoch of 15 to 40 s on a 2-core CPU: too long to interleave
# repeats of every variant. A fixed cost per epoch (the recipe's `fit` starts
# a fresh pass over its `Episodes` every epoch) weighs five times more on 20
# episodes than on 100.
EPISODES = 20
REPEATS, EPOCHS = 3, 4


def draw(x, y, classes, epoch, index):
    """Episode `index` of epoch `epoch`, drawn as `protonet.Episodes` draws it.

    Returns:
        `(support, query)` images, `(N, K, H, W, C)` and `(N, Q, H, W, C)`,
        row `j` for the episode's class `j`.
    """
    rng = np.random.default_rng([SEED, epoch, index])
    chosen = rng.choice(classes, size=N_WAY, replace=False)
    rows = np.stack(
        [
            rng.choice(np.flatnonzero(y == label), K_SHOT + N_QUERY, replace=False)
            for label in chosen.tolist()
        ]
    )  # (N, K + Q)
    return x[rows[:, :K_SHOT]], x[rows[:, K_SHOT:]]


def episodes(x, y):
    """An endless generator of `(support, query)`, `EPISODES` an epoch."""
    classes = np.unique(y)
    for epoch in itertools.count():
        for index in range(EPISODES):
            yield draw(x, y, classes, epoch, index)


def episode_images(support, query):
    """The supports then the queries, class by class: `(N * (K + Q), H, W, C)`."""
    shape = tuple(support.shape[2:])
    return ops.concatenate(
        [ops.reshape(support, (-1,) + shape), ops.reshape(query, (-1,) + shape)]
    )


def episode_loss(embeddings, n_way=N_WAY, k_shot=K_SHOT, n_query=N_QUERY):
    """Snell et al.'s loss and query accuracy of one episode.

    Args:
        embeddings: `(N * (K + Q), D)`, the supports then the queries, class
            by class (as `episode_images` lays them out).

    Returns:
        `(loss, accuracy)`: the mean cross-entropy of a softmax over minus the
        squared Euclidean distances of each query to the class prototypes
        (the mean support embeddings), and the fraction of queries nearest to
        their own prototype.
    """
    supports = n_way * k_shot
    prototypes = ops.mean(
        ops.reshape(embeddings[:supports], (n_way, k_shot, -1)), axis=1
    )  # (N, D)
    queries = embeddings[supports:]  # (N * Q, D)
    distances = ops.sum(
        ops.square(queries[:, None, :] - prototypes[None, :, :]), axis=-1
    )  # (N * Q, N)
    labels = ops.repeat(ops.arange(n_way, dtype="int32"), n_query)  # (N * Q,)
    loss = ops.mean(
        ops.sparse_categorical_crossentropy(labels, -distances, from_logits=True)
    )
    nearest = ops.cast(ops.argmin(distances, axis=1), "int32")
    accuracy = ops.mean(ops.cast(ops.equal(nearest, labels), "float32"))
    return loss, accuracy


class HandWrittenProtoNet(keras.Model):
    """A prototypical network as written in plain Keras: one episode per step.

    Each batch is one episode `(support, query)`; the step embeds all its
    images together, averages each class's support embeddings into a
    prototype and descends the cross-entropy of a softmax over minus the
    squared distances of the queries to the prototypes.
    """

    def __init__(self, encoder, n_way=N_WAY, k_shot=K_SHOT, n_query=N_QUERY):
        super().__init__()
        self.encoder = encoder
        self.n_way, self.k_shot, self.n_query = n_way, k_shot, n_query
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy_tracker = keras.metrics.Mean(name="accuracy")

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy_tracker]

    def call(self, images, training=False):
        return self.encoder(images, training=training)

    def episode(self, support, query, training=False):
        """`(loss, accuracy)` of one episode (see `episode_loss`)."""
        embeddings = self.encoder(episode_images(support, query), training=training)
        return episode_loss(embeddings, self.n_way, self.k_shot, self.n_query)

    def train_step(self, data):
        import tensorflow as tf

        support, query, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            loss, accuracy = self.episode(support, query, training=True)
        weights = self.encoder.trainable_weights
        grads = tape.gradient(loss, weights)
        self.optimizer.apply_gradients(zip(grads, weights))
        self.loss_tracker.update_state(loss)
        self.accuracy_tracker.update_state(accuracy)
        return {m.name: m.result() for m in self.metrics}


def bare_loss(model, trainable, non_trainable, support, query):
    """`(loss, non_trainable)` of one episode through `model.stateless_call`."""
    embeddings, non_trainable = model.stateless_call(
        trainable, non_trainable, episode_images(support, query), training=True
    )  # (N * (K + Q), D)
    return episode_loss(embeddings)[0], non_trainable


def bare_protonet(x, y):
    """`fit(epochs, callbacks)` of the embedding network in a bare `jax.jit` step.

    The same episodes as `episodes`, Adam at `LEARNING_RATE`, one episode
    per step.
    """
    classes = np.unique(y)
    networks, epoch = {}, [0]

    def start():
        networks.update(
            model=protonet.build(), optimizer=keras.optimizers.Adam(LEARNING_RATE)
        )
        epoch[0] = 0
        return variables(networks["model"])[0] + [
            optimizer_state(networks["optimizer"], networks["model"])
        ]

    def step(state, key, support, query):
        import jax

        trainable, non_trainable, optimizer_variables = state

        def value(trainable, non_trainable):
            return bare_loss(
                networks["model"], trainable, non_trainable, support, query
            )

        (loss, non_trainable), grads = jax.value_and_grad(value, has_aux=True)(
            trainable, non_trainable
        )
        trainable, optimizer_variables = networks["optimizer"].stateless_apply(
            optimizer_variables, grads, trainable
        )
        return [trainable, non_trainable, optimizer_variables], loss

    def batches(generator):
        for index in range(EPISODES):
            yield list(draw(x, y, classes, epoch[0], index))
        epoch[0] += 1

    return loop(start, step, batches)


def speed():
    x, y = data.load("glyphs", seed=0).train
    recipe = recipe_fit(
        protonet,
        (x, y),
        batch_size=protonet.DEFAULT_QUERIES,
        episodes_per_epoch=EPISODES,
    )

    def hand_written(epochs, callbacks):
        model = HandWrittenProtoNet(protonet.build())
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        model.fit(
            episodes(x, y),
            steps_per_epoch=EPISODES,
            epochs=epochs,
            callbacks=callbacks,
            shuffle=False,  # a generator's episodes are already drawn at random
            verbose=0,
        )

    table = speed_table(
        on_tensorflow_only(hand_written),
        recipe,
        samples_per_epoch=EPISODES,
        auto=protonet.compile(protonet.build()).jit_compile,
        baseline="hand-written Keras (Snell et al. train_step)",
        unit="episodes/s",
        bare=bare_protonet(x, y),
        repeats=REPEATS,
        epochs=EPOCHS,
    )
    images = N_WAY * (K_SHOT + N_QUERY)
    measured = "epoch 2" if EPOCHS == 2 else f"epochs 2-{EPOCHS}"
    return (
        "## Prototypical network training speed\n\n"
        "Default embedding network (four blocks of 64 3x3 filters) on the "
        f"`glyphs` background train classes ({len(x):,} images of "
        f"{len(np.unique(y))} characters, seed 0), trained by {N_WAY}-way "
        f"{K_SHOT}-shot episodes with {N_QUERY} queries per class "
        f"({N_WAY * N_QUERY} queries, {images} images an episode) and Adam at "
        f"{LEARNING_RATE:g}: the recipe's defaults, but {EPISODES} episodes an "
        f"epoch for every variant (the default {protonet.DEFAULT_EPISODES} makes "
        "an epoch too long to interleave repeats; a fixed cost per epoch weighs "
        "more here). Every variant trains on the same episodes (drawn as "
        "`protonet.Episodes` draws them, seed 0), one episode per step and one "
        "step per compiled call. The recipe is `protonet.fit` on the train "
        "split alone (no validation episodes), fed by its `protonet.Episodes`; "
        "the hand-written model is a `keras.Model` whose `train_step` embeds "
        "the episode, averages the supports into prototypes and takes the "
        "cross-entropy of a softmax over minus the squared distances under "
        "`tf.GradientTape`, fed by an endless generator (Keras's own default "
        "`jit_compile`); on JAX the bare step trains the same network on the "
        "same loss. Throughput in episodes per second (one episode: "
        f"{N_WAY * N_QUERY} queries); median over {measured} of {REPEATS} "
        "interleaved repeats.\n\n" + table + tensorflow_only_target()
    )
