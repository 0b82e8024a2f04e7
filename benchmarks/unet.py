"""U-Net segmentation benchmark on the `digits_loc` canvases.

The U-Net with its defaults (`recipes.unet.build()`, `compile`, `fit`, chosen
on the validation split: docs/recipes/unet.md) is trained on the training
canvases' pixel masks; the test IoU and Dice of the digit masks are averaged
over the test canvases (target: IoU >= 0.90). Two references that need no
training: the digit's exact bounding box filled in (what a perfect box
detector would give as a mask) and an empty mask.
"""

from __future__ import annotations

import os
import time

import keras
import numpy as np

from benchmarks.common import markdown_table
from recipes import data, plots, unet
from recipes.data import localisation

TARGET = 0.90
FIGURE = os.path.join(os.path.dirname(__file__), "unet_digits_loc.png")


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
