"""A peer for the siamese recipe: the keras-io contrastive siamese example.

The network and loss of the keras-io example "Image similarity estimation
using a Siamese Network with a contrastive loss"
(examples/vision/siamese_contrastive.py), in its corrected form: the
Euclidean distance between the two embeddings goes straight into the
contrastive loss, with no batch normalisation, dense layer or sigmoid after
it (a sigmoid kept the distance below 1, the loss's margin, so dissimilar
pairs could never be pushed far enough apart).

- Embedding: batch normalisation of the input, a 5x5 convolution of 4
  filters (tanh), 2x2 average pooling, a 5x5 convolution of 16 filters
  (tanh), 2x2 average pooling, flatten, batch normalisation, a dense layer of
  10 units (tanh).
- Distance: `sqrt(max(sum((z - z')**2), epsilon))`.
- Loss: `mean((1 - y) * d**2 + y * max(margin - d, 0)**2)` with margin 1 and
  the example's labels (`y = 0` for a similar pair, 1 for a dissimilar one).
- Optimiser: RMSprop with its default learning rate; batches of 16.

`fit_for` trains it on the same pairs as the recipe for a given wall time, so
that the few-shot benchmark compares the two at equal cost.
"""

from __future__ import annotations

import time

import keras
from keras import layers, ops

MARGIN = 1.0
BATCH_SIZE = 16


def euclidean_distance(vectors):
    """`(B, D), (B, D) -> (B, 1)`: the Euclidean distance, kept above 0."""
    left, right = vectors
    squared = ops.sum(ops.square(left - right), axis=1, keepdims=True)  # (B, 1)
    return ops.sqrt(ops.maximum(squared, keras.backend.epsilon()))


def contrastive_loss(margin=MARGIN):
    """The example's loss on distances, with `y = 1` for a dissimilar pair."""

    def loss(y_true, y_pred):  # (B, 1) labels and distances
        similar = ops.square(y_pred)
        dissimilar = ops.square(ops.maximum(margin - y_pred, 0.0))
        return ops.mean((1.0 - y_true) * similar + y_true * dissimilar)

    return loss


def build(input_shape=(28, 28, 1)):
    """The example's siamese network, compiled; returns `(model, embedding)`.

    `model` maps `[left, right]` to `(B, 1)` distances; `embedding` is the
    shared network, `(B, *input_shape) -> (B, 10)`.
    """
    image = keras.Input(shape=input_shape)
    x = layers.BatchNormalization()(image)
    x = layers.Conv2D(4, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), activation="tanh")(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dense(10, activation="tanh")(x)  # (B, 10)
    embedding = keras.Model(image, x, name="keras_io_embedding")

    left = keras.Input(shape=input_shape)
    right = keras.Input(shape=input_shape)
    distance = layers.Lambda(euclidean_distance, output_shape=(1,))(
        [embedding(left), embedding(right)]
    )  # (B, 1)
    model = keras.Model([left, right], distance, name="keras_io_siamese")
    model.compile(optimizer="rmsprop", loss=contrastive_loss())
    return model, embedding


class WallClockStop(keras.callbacks.Callback):
    """Stops training once `seconds` of wall time have passed."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.start = None
        self.batches = 0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


def fit_for(pairs, seconds, input_shape=(28, 28, 1), max_epochs=1000):
    """Builds the peer and trains it on `pairs` for `seconds` of wall time.

    Args:
        pairs: `((left, right), labels)` from `recipes.siamese.make_pairs`
            (label 1 = similar); the peer is given the example's labels
            (`1 - labels`).
        seconds: the training time, e.g. the recipe's own fit time.
        input_shape: the shape of one image.
        max_epochs: a bound on the epochs (the clock stops training first).

    Returns:
        `(embedding, pairs_seen)`: the trained shared network and the number
        of pairs trained on.
    """
    (left, right), labels = pairs
    model, embedding = build(input_shape)
    stop = WallClockStop(seconds)
    model.fit(
        [left, right],
        1.0 - labels[:, None],
        batch_size=BATCH_SIZE,
        epochs=max_epochs,
        callbacks=[stop],
        shuffle=True,
        verbose=0,
    )
    return embedding, stop.batches * BATCH_SIZE
