"""Bidirectional RNN benchmarks on `japanese_vowels` (UCI/UEA Japanese Vowels).

- quality: the default model's test accuracy over 3 seeds, against the same
  model with `bidirectional=False` (target: >= 98.5% and better than the
  unidirectional model; Kudo et al. 1999 reported 94.1% on this data).
- speed: `bilstm.fit` throughput against the same network written by hand in
  plain Keras (`Masking`, `Bidirectional(GRU)`, `model.fit` on the padded
  arrays), and the recipe with `jit_compile` "auto", True and False.
"""

from __future__ import annotations

import statistics

import keras
import numpy as np

from benchmarks.bare_jax import bare_fit
from benchmarks.common import keras_fit, markdown_table, recipe_fit, speed_table
from recipes import bilstm, data

SEEDS = (0, 1, 2)
TARGET = 98.5


def quality():
    bundle = data.load("japanese_vowels")
    rows, means = [], {}
    for bidirectional in (True, False):
        accuracies = []
        for seed in SEEDS:
            keras.utils.set_random_seed(seed)
            model = bilstm.build(bidirectional=bidirectional, seed=seed)
            history = bilstm.fit(bilstm.compile(model), bundle, verbose=0)
            accuracy = 100 * bilstm.evaluate(model, bundle)["accuracy"]
            accuracies.append(accuracy)
            rows.append([bidirectional, seed, len(history.history["loss"]), accuracy])
        means[bidirectional] = statistics.mean(accuracies)
        rows.append([bidirectional, "mean", "", means[bidirectional]])
    met = means[True] >= TARGET and means[True] > means[False]
    return (
        "## Bidirectional GRU on japanese_vowels (quality)\n\n"
        "Default `bilstm.build()` (per-feature input standardisation that `fit` "
        "adapts on the unmasked training steps, with its causal time differences "
        "appended (`deltas=1`), one bidirectional GRU layer of 128 "
        "units per direction, dropout 0.3), default `bilstm.compile` (Adam, "
        "gradient clipping, cross-entropy with label smoothing 0.1) and default "
        "`bilstm.fit` (`refit=True`: "
        "the 270 training recordings, train and validation splits together, for a "
        "fixed 40 epochs of cosine-decayed learning rate, no early stopping); test "
        "accuracy on the 370 test recordings (Kudo et al. 1999: 94.1%). The "
        "unidirectional model differs only by `bidirectional=False`.\n\n"
        + markdown_table(["bidirectional", "seed", "epochs", "test accuracy (%)"], rows)
        + f"\n\nTarget: bidirectional mean >= {TARGET}% and above the unidirectional "
        f"mean ({'met' if met else 'NOT met'})."
    )


def hand_written(x_train, num_classes=9):
    """The default model as a keras-io example would write it."""
    steps = x_train[np.any(x_train != 0, axis=-1)]  # the unpadded frames
    inputs = keras.Input(shape=(None, x_train.shape[-1]))
    x = keras.layers.Masking(mask_value=0.0)(inputs)
    x = keras.layers.Normalization(mean=steps.mean(0), variance=steps.var(0))(x)
    x = bilstm.TimeDeltas(1)(x)  # the recipe's default deltas, same computation
    x = keras.layers.Bidirectional(keras.layers.GRU(128))(x)
    x = keras.layers.Dropout(0.3)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3, clipnorm=1.0),
        loss=bilstm.SmoothedSparseCrossentropy(0.1),  # the default loss
        metrics=["accuracy"],
    )
    return model


def speed():
    x, y = data.load("japanese_vowels").train
    batch_size = 32

    recipe = recipe_fit(bilstm, (x, y), batch_size=batch_size)

    table = speed_table(
        keras_fit(lambda: hand_written(x), x, y, batch_size=batch_size),
        recipe,
        samples_per_epoch=len(x),
        auto=bilstm.compile(bilstm.build()).jit_compile,
        bare=bare_fit(lambda: hand_written(x), x, y, batch_size=batch_size),
        baseline="hand-written Keras",
        unit="samples/s",
        repeats=5,
        epochs=11,  # an epoch is a quarter of a second: time many
    )
    return (
        "## Bidirectional GRU training speed\n\n"
        f"Default model on the japanese_vowels training split ({len(x)} sequences "
        f"zero-padded to {x.shape[1]} steps), batch {batch_size}; median over epochs "
        "2-11 of 5 interleaved repeats. The recipe cuts the steps that are padding in "
        "every sequence before training (exact under the mask) and runs its default "
        "8 steps per call; the hand-written model runs one.\n\n"
        + table
        + '\n\nTarget: recipe with `"auto"` >= 1.0x hand-written.'
    )
