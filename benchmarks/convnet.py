"""ConvNet benchmarks on the fixed `digits` split.

- quality: the default ConvNet's test accuracy over 3 seeds (target: >= 99.0%).
- speed: `convnet.fit` throughput against the same ResNet written by hand in
  plain Keras the way the keras-io examples do it (Keras's
  `RandomTranslation` for the shifts, `model.fit`), and the recipe with
  `jit_compile` on and off.
"""

from __future__ import annotations

import statistics

import keras

from benchmarks.bare_jax import bare_fit
from benchmarks.common import (
    keras_fit,
    markdown_table,
    recipe_fit,
    speed_table,
    steps_per_call,
)
from recipes import convnet, data

SEEDS = (0, 1, 2)


def quality():
    bundle = data.load("digits")
    rows = []
    for seed in SEEDS:
        keras.utils.set_random_seed(seed)
        model = convnet.compile(convnet.build(seed=seed))
        history = convnet.fit(model, bundle, verbose=0)
        metrics = convnet.evaluate(model, bundle)
        rows.append([seed, len(history.history["loss"]), 100 * metrics["accuracy"]])
    mean = statistics.mean(row[2] for row in rows)
    rows.append(["mean", "", mean])
    verdict = "met" if mean >= 99.0 else "NOT met"
    return (
        "## ConvNet on digits (quality)\n\n"
        "Default `convnet.build()` (ResNet, width 32, depth 2, random one-pixel shifts), "
        "`convnet.fit` with early stopping on the validation loss; test accuracy on the "
        "fixed 360-image test split.\n\n"
        + markdown_table(["seed", "epochs", "test accuracy (%)"], rows)
        + f"\n\nTarget: mean test accuracy >= 99.0% ({verdict})."
    )


def hand_written_resnet(input_shape=(8, 8, 1), num_classes=10):
    """The default ConvNet as a keras-io example would write it."""
    inputs = keras.Input(shape=input_shape)
    x = keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant")(inputs)
    x = keras.layers.Conv2D(
        32, 3, padding="same", use_bias=False, kernel_initializer="he_normal"
    )(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    for filters, first_strides in ((32, 1), (64, 2)):
        for strides in (first_strides, 1):
            shortcut = x
            if strides != 1 or x.shape[-1] != filters:
                shortcut = keras.layers.Conv2D(
                    filters,
                    1,
                    strides=strides,
                    padding="same",
                    use_bias=False,
                    kernel_initializer="he_normal",
                )(x)
                shortcut = keras.layers.BatchNormalization()(shortcut)
            y = keras.layers.Conv2D(
                filters,
                3,
                strides=strides,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
            )(x)
            y = keras.layers.BatchNormalization()(y)
            y = keras.layers.Activation("relu")(y)
            y = keras.layers.Conv2D(
                filters,
                3,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
            )(y)
            y = keras.layers.BatchNormalization()(y)
            x = keras.layers.Activation("relu")(keras.layers.Add()([shortcut, y]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.3)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def speed():
    x, y = data.load("digits").train
    batch_size = 32

    recipe = recipe_fit(convnet, (x, y), batch_size=batch_size)

    table = speed_table(
        keras_fit(hand_written_resnet, x, y, batch_size=batch_size),
        recipe,
        samples_per_epoch=len(x),
        auto=convnet.compile(convnet.build()).jit_compile,
        bare=bare_fit(hand_written_resnet, x, y, batch_size=batch_size),
    )
    return (
        "## ConvNet training speed\n\n"
        f"Default ResNet on the digits training split ({len(x)} images), batch {batch_size}; "
        "median over epochs 2-5 of 3 interleaved repeats. "
        + steps_per_call(convnet)
        + "\n\n"
        + table
        + '\n\nTarget: recipe with `"auto"` >= 1.0x hand-written.'
    )
