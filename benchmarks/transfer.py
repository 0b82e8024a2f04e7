"""Transfer learning on `glyphs`: background alphabets -> new alphabets, 5 labels per class.

A ConvNet is trained on the characters of the background alphabets (the
`glyphs` train split). Its representation is then transferred
(`transfer.build`, cut at the penultimate features, new head) to characters
it never saw, with 5 labeled images per class, and compared with the same
network trained from scratch on those 5 images per class. Whether to
fine-tune after training the head is chosen on the validation split (held-out
background alphabets, the same protocol); the test split is the evaluation
alphabets (414 classes, 5 training and 15 test images each). Target: transfer
beats scratch by at least 20 points on the test alphabets.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from benchmarks.common import markdown_table
from recipes import convnet, data, transfer

LABELS_PER_CLASS, SEED = 5, 0
NETWORK = {"arch": "lenet", "width": 16}  # one network for source, transfer and scratch
SOURCE_EPOCHS, HEAD_EPOCHS, FINE_TUNE_EPOCHS, SCRATCH_EPOCHS = 30, 60, 30, 100
TARGET = 0.20


def relabelled(x, y):
    """`(x, y)` with the labels made `0 .. classes - 1`."""
    classes, y = np.unique(y, return_inverse=True)
    return x, y.astype("int32"), len(classes)


def few_shot_task(split):
    """`LABELS_PER_CLASS` training images per class of `split`; the rest to test."""
    x, y, classes = relabelled(*split)
    train_x, train_y = transfer.labels_per_class(x, y, LABELS_PER_CLASS, seed=SEED)
    kept = np.zeros(len(y), bool)
    for image in train_x:  # the rest of each class is its test set
        kept |= np.all(x == image, axis=(1, 2, 3))
    return (train_x, train_y), (x[~kept], y[~kept]), classes


def train_source(bundle):
    x, y, classes = relabelled(*bundle.train)
    keras.utils.set_random_seed(SEED)
    source = convnet.build(
        input_shape=bundle.info.input_shape, num_classes=classes, seed=SEED, **NETWORK
    )
    convnet.fit(convnet.compile(source), (x, y), epochs=SOURCE_EPOCHS, verbose=0)
    return source, classes


def accuracies(source, split):
    """Test accuracy of scratch, transfer (head only) and transfer (fine-tuned)."""
    (train_x, train_y), test, classes = few_shot_task(split)
    results = {}
    keras.utils.set_random_seed(SEED)
    scratch = convnet.compile(
        convnet.build(
            input_shape=train_x.shape[1:], num_classes=classes, seed=SEED, **NETWORK
        )
    )
    convnet.fit(scratch, (train_x, train_y), epochs=SCRATCH_EPOCHS, verbose=0)
    results["from scratch"] = convnet.evaluate(scratch, test)["accuracy"]
    for name, fine_tune in (
        ("transfer, head only", 0),
        ("transfer, head then fine-tuned", FINE_TUNE_EPOCHS),
    ):
        keras.utils.set_random_seed(SEED)
        model = transfer.build(source, num_classes=classes, augment=True, seed=SEED)
        transfer.fit(
            model,
            (train_x, train_y),
            epochs=HEAD_EPOCHS,
            fine_tune_epochs=fine_tune,
            verbose=0,
        )
        results[name] = transfer.evaluate(model, test)["accuracy"]
    return results, classes, len(test[0])


def quality():
    start = time.perf_counter()
    bundle = data.load("glyphs")
    source, source_classes = train_source(bundle)
    val, val_classes, val_count = accuracies(source, bundle.val)
    chosen = max(
        ("transfer, head only", "transfer, head then fine-tuned"), key=lambda k: val[k]
    )
    test, test_classes, test_count = accuracies(source, bundle.test)
    rows = [
        [
            name,
            100 * val[name],
            100 * test[name],
            "chosen on val" if name == chosen else "",
        ]
        for name in test
    ]
    gain = test[chosen] - test["from scratch"]
    verdict = "met" if gain >= TARGET else "NOT met"
    return (
        "## Transfer learning on glyphs (quality)\n\n"
        f"Source: a ConvNet (`{NETWORK}`) trained {SOURCE_EPOCHS} epochs on the "
        f"{source_classes} characters of the background alphabets. Targets: "
        f"{LABELS_PER_CLASS} labeled images per class of characters it never saw; "
        f"val: {val_classes} characters of held-out background alphabets "
        f"({val_count} test images); test: {test_classes} characters of the "
        f"evaluation alphabets ({test_count} test images). Scratch: the same "
        f"network trained {SCRATCH_EPOCHS} epochs on the few labels; transfer: "
        f"new head {HEAD_EPOCHS} epochs, base frozen (then all layers "
        f"{FINE_TUNE_EPOCHS} epochs at a ten times lower learning rate).\n\n"
        + markdown_table(["model", "val accuracy (%)", "test accuracy (%)", ""], rows)
        + f"\n\nTarget: transfer beats scratch by >= {100 * TARGET:.0f} points on the "
        f"test alphabets ({verdict}: {100 * gain:+.1f} points). "
        f"Total time {time.perf_counter() - start:.0f} s."
    )
