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

- quality (`python -m benchmarks.quality cam`): the chosen classifier, its
  maps on the validation and test canvases, and the two references.
- validation (`python -m benchmarks.cam validation`): how the classifier's
  settings were chosen: each of `CANDIDATES` trained with seed 0 and scored by
  accuracy and peak-in-box on the validation canvases, never on the test
  canvases. Writes its own section of RESULTS.md.
"""

from __future__ import annotations

import functools
import os
import sys
import time

import keras
import numpy as np

from benchmarks.common import markdown_table, update_results
from recipes import cam, convnet
from recipes.data import localisation

TARGET = 0.90
# Classifier settings, chosen on the validation canvases (`validation` below;
# docs/recipes/cam.md): a strided stem gives 16x16 last feature maps at a
# quarter of the cost, so that many more canvases fit the budget.
CLASSIFIER = {
    "arch": "resnet",
    "width": 16,
    "depth": 2,
    "blocks_per_stage": 1,
    "stem_strides": 2,
}
LEARNING_RATE = 3e-3
EPOCHS, BATCH_SIZE, PATIENCE = 20, 32, 6
# Canvases drawn per training digit (each at a new position, scale and patch);
# 1 is the data set as it is (see docs/recipes/cam.md).
TRAIN_COPIES = 6
# The settings compared on the validation canvases: overrides of the above.
CANDIDATES = {
    "chosen": {},
    "learning rate 1e-3": {"learning_rate": 1e-3},
    "1 canvas per training digit": {"copies": 1},
}
FIGURE = os.path.join(os.path.dirname(__file__), "cam_digits_loc.png")


def train_classifier(
    parts,
    *,
    seed=0,
    verbose=0,
    epochs=EPOCHS,
    learning_rate=LEARNING_RATE,
    copies=TRAIN_COPIES,
    **settings,
):
    """A ConvNet trained on the canvases' digit labels (no boxes, no masks).

    Args:
        parts: a `recipes.data.localisation.Localisation`.
        seed: the random seed.
        verbose: Keras's verbosity.
        epochs: the most epochs to train.
        learning_rate: Adam's learning rate.
        copies: canvases drawn per training digit.
        **settings: overrides of `CLASSIFIER`.

    Returns:
        `(model, history)`.
    """
    settings = {**CLASSIFIER, **settings}
    keras.utils.set_random_seed(seed)
    size = parts.train.images.shape[1:]
    model = convnet.compile(
        convnet.build(input_shape=size, num_classes=10, seed=seed, **settings),
        learning_rate=learning_rate,
    )
    train = localisation.load(seed=0, train_copies=copies).train
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
        f"ResNet `{CLASSIFIER}` (Adam at {LEARNING_RATE:g}) trained on the "
        "`digits_loc` digit labels "
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


def validation(candidates=CANDIDATES, seed=0, write=None):
    """Each candidate classifier's accuracy and peak-in-box on the validation canvases.

    `write(section)`, when given, receives the table after each candidate.
    """
    parts = localisation.load(seed=0)
    rows = []
    for name, overrides in candidates.items():
        start = time.perf_counter()
        model, history = train_classifier(parts, seed=seed, **overrides)
        seconds = round(time.perf_counter() - start)
        scores = localisation_scores(model, parts.val)
        rows.append(
            [
                name,
                len(history.history["loss"]),
                seconds,
                100 * history.history["accuracy"][-1],
                100 * scores["accuracy"],
                100 * scores["cam"],
                100 * scores["grad_cam"],
            ]
        )
        if write and len(rows) < len(candidates):
            write(_validation_table(rows, seed))
    return _validation_table(rows, seed)


def _validation_table(rows, seed):
    return (
        "### Class activation maps: choosing the classifier (validation canvases)\n\n"
        f"Chosen: ResNet `{CLASSIFIER}`, Adam at {LEARNING_RATE:g}, batch "
        f"{BATCH_SIZE}, {TRAIN_COPIES} canvases per training digit, at most {EPOCHS} "
        f"epochs with early stopping (patience {PATIENCE}); each row changes that "
        f"(seed {seed}). Scored on the validation canvases only:\n\n"
        + markdown_table(
            [
                "classifier",
                "epochs",
                "seconds",
                "train accuracy, last epoch (%)",
                "val accuracy (%)",
                "val CAM peak in box (%)",
                "val Grad-CAM peak in box (%)",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["validation"]:
        command = "python -m benchmarks.cam validation"
        write = functools.partial(update_results, "validation:cam", command=command)
        write(validation(write=write))
    else:
        print(quality())
