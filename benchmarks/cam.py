"""Class activation map benchmark on the `digits_loc` canvases.

A ResNet of `recipes.convnet` (global average pooling, one dense layer) is
trained to name the digit on each 64x64 canvas, with the labels only: it never
sees a box or a mask. Its class activation map (Zhou et al. 2016) for the
predicted class, and Grad-CAM (Selvaraju et al. 2017) at its last feature
maps, are then asked where the digit is: the share of test canvases whose
map's peak falls inside the digit's bounding box (target: >= 90%). Beside
them, two references that use no image at all: a uniformly random point
(it lands in the box with probability the box's share of the canvas) and the
canvas's centre. The classifier's settings and what they measured:
docs/recipes/cam.md.
"""

from __future__ import annotations

import os
import time

import keras
import numpy as np

from benchmarks.common import markdown_table
from recipes import cam, convnet
from recipes.data import embedded, localisation

TARGET = 0.90
# Classifier settings: the one configuration measured (docs/recipes/cam.md).
CLASSIFIER = {"arch": "resnet", "width": 16, "depth": 3, "blocks_per_stage": 1}
EPOCHS, BATCH_SIZE, PATIENCE = 40, 32, 6
# Canvases drawn per training digit (each at a new position, scale and patch);
# 1 is the data set as it is (see docs/recipes/cam.md).
TRAIN_COPIES = 1
FIGURE = os.path.join(os.path.dirname(__file__), "cam_digits_loc.png")


def more_training_canvases(parts, copies, *, split=(0.6, 0.2, 0.2), seed=0):
    """The training canvases plus `copies - 1` new draws of the same digits.

    Validation and test canvases are left as they are.
    """
    x, y = embedded.digits_images()
    train_indices, _, _ = embedded.stratified_split(y, split, seed)
    draws = [parts.train] + [
        localisation.make_canvases(x[train_indices], seed=1000 + copy)._replace(
            labels=y[train_indices]
        )
        for copy in range(1, copies)
    ]
    return localisation.Canvases(
        *(np.concatenate(arrays) for arrays in zip(*draws, strict=True))
    )


def train_classifier(parts, *, seed=0, verbose=0, **settings):
    """A ConvNet trained on the canvases' digit labels (no boxes, no masks).

    Args:
        parts: a `recipes.data.localisation.Localisation`.
        seed: the random seed.
        verbose: Keras's verbosity.
        **settings: overrides of `CLASSIFIER` (and `epochs`).

    Returns:
        `(model, history)`.
    """
    settings = {**CLASSIFIER, **settings}
    epochs = settings.pop("epochs", EPOCHS)
    keras.utils.set_random_seed(seed)
    size = parts.train.images.shape[1:]
    model = convnet.compile(
        convnet.build(input_shape=size, num_classes=10, seed=seed, **settings)
    )
    train = more_training_canvases(parts, TRAIN_COPIES)
    data = {
        "train": (train.images, train.labels),
        "val": (parts.val.images, parts.val.labels),
    }
    history = convnet.fit(
        model,
        data,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        early_stopping_patience=PATIENCE,
        verbose=verbose,
    )
    return model, history


def localisation_scores(model, canvases):
    """Accuracy and peak-in-box rates of CAM and Grad-CAM on `canvases`."""
    predicted = np.argmax(model.predict(canvases.images, verbose=0), axis=-1)
    maps = cam.class_activation_maps(model, canvases.images)
    true_class_maps = cam.class_activation_maps(
        model, canvases.images, class_index=canvases.labels
    )
    gradient_maps = cam.grad_cam(model, canvases.images)
    return {
        "accuracy": float(np.mean(predicted == canvases.labels)),
        "cam": float(np.mean(cam.peak_in_box(maps, canvases.boxes))),
        "cam_true_class": float(
            np.mean(cam.peak_in_box(true_class_maps, canvases.boxes))
        ),
        "grad_cam": float(np.mean(cam.peak_in_box(gradient_maps, canvases.boxes))),
        "maps": maps,
    }


def baselines(canvases):
    """Peak-in-box rates of a uniformly random point and of the canvas centre."""
    boxes = canvases.boxes.astype("float64")
    size = canvases.images.shape[1]
    share = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) / size**2
    centre = np.full((len(boxes), size, size), 0.0, "float32")
    centre[:, size // 2, size // 2] = 1.0
    return float(share.mean()), float(np.mean(cam.peak_in_box(centre, boxes)))


def quality(seed=0):
    parts = localisation.load(seed=0)
    start = time.perf_counter()
    model, history = train_classifier(parts, seed=seed)
    seconds = round(time.perf_counter() - start)
    val = localisation_scores(model, parts.val)
    test = localisation_scores(model, parts.test)
    random_point, centre = baselines(parts.test)
    show = slice(0, 16)
    cam.overlay(
        parts.test.images[show],
        test["maps"][show],
        FIGURE,
        title="Class activation maps of a ResNet trained on labels only (test canvases)",
        boxes=parts.test.boxes[show],
        captions=[f"digit {label}" for label in parts.test.labels[show]],
    )
    rows = [
        ["CAM, predicted class", 100 * val["cam"], 100 * test["cam"]],
        ["CAM, true class", 100 * val["cam_true_class"], 100 * test["cam_true_class"]],
        [
            "Grad-CAM at the last feature maps",
            100 * val["grad_cam"],
            100 * test["grad_cam"],
        ],
        ["random point (the box's share of the canvas)", "", 100 * random_point],
        ["canvas centre", "", 100 * centre],
    ]
    verdict = "met" if test["cam"] >= TARGET else "NOT met"
    return (
        "### Class activation maps: localisation from labels only\n\n"
        f"ResNet `{CLASSIFIER}` trained on the `digits_loc` digit labels "
        + (f"({TRAIN_COPIES} canvases per training digit) " if TRAIN_COPIES > 1 else "")
        + f"({len(history.history['loss'])} epochs, {seconds} s; test accuracy "
        f"{100 * test['accuracy']:.1f}%, validation {100 * val['accuracy']:.1f}%). "
        "Share of canvases whose map's peak lies inside the digit's box:\n\n"
        + markdown_table(
            ["localiser", "validation peak in box (%)", "test peak in box (%)"], rows
        )
        + f"\n\nTarget: CAM peak in the box on >= {100 * TARGET:.0f}% of the test "
        f"canvases: **{verdict}**. Overlays: `benchmarks/{os.path.basename(FIGURE)}`."
    )
