"""U-Net segmentation benchmarks on the `digits_loc` canvases.

- quality: the U-Net with its defaults (`recipes.unet.build()`, `compile`,
  `fit`, chosen on the validation split: docs/recipes/unet.md) is trained on
  the training canvases' pixel masks; the test IoU and Dice of the digit
  masks are averaged over the test canvases (target: IoU >= 0.90). Two
  references that need no training: the digit's exact bounding box filled in
  (what a perfect box detector would give as a mask) and an empty mask.
- speed: `unet.fit` throughput against the same U-Net written by hand in
  plain Keras the way the keras-io segmentation example does it (a
  functional model, `model.fit`), and the recipe with `jit_compile`
  "auto"/True/False.
"""

from __future__ import annotations

import inspect
import os
import time

import keras
import numpy as np

from benchmarks.bare_jax import bare_fit
from benchmarks.common import (
    keras_fit,
    markdown_table,
    recipe_fit,
    speed_table,
    steps_per_call,
)
from recipes import data, plots, unet
from recipes.data import localisation

TARGET = 0.90
FIGURE = os.path.join(os.path.dirname(__file__), "unet_digits_loc.png")
# The speed benchmark trains on the first canvases of the training split only:
# every repeat compiles a fresh model, and on two CPU cores the whole split
# would make one backend's measurement last several times longer. A multiple
# of 4 batches, so that every compiled call of the recipe runs its 4 steps.
SPEED_CANVASES = 128
# An epoch of them lasts about half a second: five repeats of six epochs, for
# a steadier median.
SPEED_REPEATS, SPEED_EPOCHS = 5, 6


def box_masks(canvases):
    """Each canvas's bounding box, filled in, as a mask."""
    masks = np.zeros(canvases.masks.shape, bool)
    for mask, (top, left, bottom, right) in zip(masks, canvases.boxes):
        mask[top:bottom, left:right] = True
    return masks


def quality(seed=0):
    bundle = data.load("digits_loc")
    parts = localisation.load(seed=0)
    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    model = unet.compile(unet.build(input_shape=bundle.info.input_shape))
    history = unet.fit(model, bundle, verbose=0)
    seconds = round(time.perf_counter() - start)
    val = unet.evaluate(model, {"test": bundle.val})
    test = unet.evaluate(model, bundle)
    truth = parts.test.masks > 0.5
    boxes = box_masks(parts.test)
    empty = np.zeros_like(truth)
    rows = [
        ["U-Net (defaults)", val["iou"], test["iou"], test["dice"]],
        [
            "filled bounding box (reference)",
            "",
            float(np.mean(unet.iou(truth, boxes))),
            float(np.mean(unet.dice(truth, boxes))),
        ],
        [
            "empty mask",
            "",
            float(np.mean(unet.iou(truth, empty))),
            float(np.mean(unet.dice(truth, empty))),
        ],
    ]
    predicted = unet.predict_masks(model, parts.test.images[:8])
    panels = np.concatenate(
        [
            parts.test.images[:8],
            np.repeat(parts.test.masks[:8], 3, axis=-1),
            np.repeat(predicted.astype("float32"), 3, axis=-1),
        ]
    )
    plots.image_grid(
        panels,
        FIGURE,
        title="Test canvases (top), true masks (middle), U-Net masks (bottom)",
        columns=8,
        scale=1.0,
    )
    verdict = "met" if test["iou"] >= TARGET else "NOT met"
    return (
        "### U-Net: digit masks on `digits_loc`\n\n"
        f"{model.count_params():,} parameters, {len(history.history['loss'])} "
        f"epochs, {seconds} s. Mean per-canvas scores of the digit masks:\n\n"
        + markdown_table(["masks", "validation IoU", "test IoU", "test Dice"], rows)
        + f"\n\nTest pixel accuracy {100 * test['pixel_accuracy']:.2f}%. Target: "
        f"test IoU >= {TARGET}: **{verdict}**. Masks: "
        f"`benchmarks/{os.path.basename(FIGURE)}`."
    )


def hand_written_unet(input_shape=(64, 64, 3), filters=8, depth=3):
    """The default U-Net as a keras-io example would write it.

    Three encoder stages of two 3x3 convolutions (batch normalisation, ReLU)
    and 2x2 max-pooling with 8, 16 and 32 filters, a bottleneck of 64, and a
    decoder of 2x2 transposed convolutions, each concatenated with the encoder
    stage of its resolution and followed by two 3x3 convolutions; a 1x1
    sigmoid head. Adam at 3e-3 on the recipe's Dice plus cross-entropy loss,
    with the binary IoU metric.
    """

    def conv_block(x, width):
        for _ in range(2):
            x = keras.layers.Conv2D(
                width,
                3,
                padding="same",
                use_bias=False,
                kernel_initializer="he_normal",
            )(x)
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.Activation("relu")(x)
        return x

    inputs = keras.Input(shape=input_shape)
    x = inputs
    encoder_features = []
    for level in range(depth):
        x = conv_block(x, filters * 2**level)
        encoder_features.append(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = conv_block(x, filters * 2**depth)
    for level in reversed(range(depth)):
        width = filters * 2**level
        x = keras.layers.Conv2DTranspose(
            width, 2, strides=2, kernel_initializer="he_normal"
        )(x)
        x = keras.layers.Concatenate()([encoder_features[level], x])
        x = conv_block(x, width)
    outputs = keras.layers.Conv2D(1, 1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=unet.make_loss("dice_crossentropy"),
        metrics=[keras.metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)],
    )
    return model


def speed():
    images, masks = data.load("digits_loc").train
    x, y = images[:SPEED_CANVASES], masks[:SPEED_CANVASES]
    batch_size = inspect.signature(unet.fit).parameters["batch_size"].default

    recipe = recipe_fit(unet, (x, y), batch_size=batch_size)

    table = speed_table(
        keras_fit(hand_written_unet, x, y, batch_size=batch_size),
        recipe,
        samples_per_epoch=len(x),
        auto=unet.compile(unet.build()).jit_compile,
        bare=bare_fit(hand_written_unet, x, y, batch_size=batch_size),
        repeats=SPEED_REPEATS,
        epochs=SPEED_EPOCHS,
    )
    return (
        "## U-Net training speed\n\n"
        "Default U-Net (8 filters, depth 3, transposed-convolution upsampling, "
        "batch normalisation; Adam at 3e-3 on the Dice plus cross-entropy loss, "
        "the IoU metric in both) on the first "
        f"{len(x)} of the {len(images)} `digits_loc` training canvases (64x64, "
        "with their pixel masks; a subset, as every repeat compiles a fresh "
        f"model), batch {batch_size} (the recipe's default). Median over epochs "
        f"2-{SPEED_EPOCHS} of {SPEED_REPEATS} interleaved repeats. "
        + steps_per_call(unet)
        + "\n\n"
        + table
        + '\n\nTarget: recipe with `"auto"` >= 1.0x hand-written.'
    )
