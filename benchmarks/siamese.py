"""Siamese benchmarks: `digits` (quality, speed) and the glyphs defaults.

- quality: with the settings chosen for the digits (not the recipe's
  defaults, which are chosen for glyphs), train on classes 0-5 only, then
  4-way one-shot accuracy on the
  unseen classes 6-9 of the test split (1000 fixed trials, seed 0), beside
  pixel-space 1-nearest-neighbour on the same trials (target: >= 92%, the
  figure of Koch et al. 2015 for 20-way one-shot on Omniglot).
- speed: `siamese.fit` throughput against the same network written by hand
  the way the keras-io siamese example does it (a `Lambda` layer computing the
  Euclidean distance, a contrastive loss closure, `model.fit` on pairs), and
  the recipe with `jit_compile` "auto"/True/False.
- validation (`python -m benchmarks.siamese validation`): how the recipe's
  defaults for `glyphs` were chosen, by 20-way one-shot accuracy on the
  validation classes (held-out background characters), never on the
  evaluation alphabets. Writes its own section of RESULTS.md.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from keras import ops

from benchmarks.bare_jax import bare_fit
from benchmarks.common import markdown_table, recipe_fit, speed_table
from recipes import data, fewshot, siamese

SEEN, UNSEEN = tuple(range(6)), tuple(range(6, 10))
N_WAY, TRIALS, TRIAL_SEED = 4, 1000, 0
TARGET = 0.92
EPOCHS = 5  # chosen on held-out training classes: see docs/recipes/siamese.md
# The settings chosen for the digits (the recipe's defaults are chosen for
# glyphs): the unit-length pixels beside the code, random warps, 4 similar
# pairs per training image.
DIGITS_BUILD = dict(input_shape=(8, 8, 1), pixel_weight=1.5, augment=True)
DIGITS_POSITIVES = 4


def shift_tolerant_pixel_accuracy(x, y, classes, max_shift=1):
    """One-shot accuracy of pixel 1-NN whose distance is the smallest over the
    query's translations by up to `max_shift` pixels (zero padding), on the
    trials `siamese.one_shot_accuracy` draws. A reference, not a recipe: it
    measures how much of the task is alignment."""
    x, y = np.asarray(x)[..., 0], np.asarray(y)  # (n, H, W)
    keep = np.isin(y, classes)
    x, y = x[keep], y[keep]
    queries, supports, answers = siamese.one_shot_tasks(
        y, classes, N_WAY, TRIALS, TRIAL_SEED
    )
    r, (height, width) = max_shift, x.shape[1:]
    padded = np.pad(x[queries], ((0, 0), (r, r), (r, r)))  # (T, H + 2r, W + 2r)
    shifted = [
        padded[:, r + dy : r + dy + height, r + dx : r + dx + width]
        for dy in range(-r, r + 1)
        for dx in range(-r, r + 1)
    ]  # each (T, H, W)
    distances = np.stack(
        [
            np.min(
                [np.sum((q - x[supports[:, j]]) ** 2, axis=(1, 2)) for q in shifted], 0
            )
            for j in range(N_WAY)
        ],
        axis=1,
    )  # (T, N_WAY)
    return float(np.mean(np.argmin(distances, axis=1) == answers))


def embedding_spread(model, x):
    """Mean pairwise Euclidean distance between the embeddings of `x`, in the
    learned code and in the pixel part of the default embedding."""
    z = siamese.embed(model, x)  # (n, embedding_dim + pixels)
    code_dim = model.get_layer("embedding").get_layer("unit_code").output.shape[-1]

    def mean_distance(part):  # (n, D) -> mean over pairs i != j
        squared = np.sum(part**2, axis=1)
        gram = squared[:, None] + squared[None, :] - 2 * part @ part.T  # (n, n)
        distances = np.sqrt(np.maximum(gram, 0.0))
        return distances.sum() / (len(part) * (len(part) - 1))

    return mean_distance(z[:, :code_dim]), mean_distance(z[:, code_dim:])


def quality(seeds=(0,)):
    bundle = data.load("digits")
    x, y = bundle.test
    pixels = siamese.one_shot_accuracy(
        None, x, y, classes=UNSEEN, n_way=N_WAY, trials=TRIALS, seed=TRIAL_SEED
    )
    shifted_pixels = shift_tolerant_pixel_accuracy(x, y, UNSEEN)
    rows = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        start = time.perf_counter()
        model = siamese.compile(siamese.build(seed=seed, **DIGITS_BUILD))
        history = siamese.fit(
            model, bundle, classes=SEEN, epochs=EPOCHS, seed=seed, verbose=0,
            positives_per_example=DIGITS_POSITIVES,
        )  # fmt: skip
        accuracy = siamese.one_shot_accuracy(
            model, x, y, classes=UNSEEN, n_way=N_WAY, trials=TRIALS, seed=TRIAL_SEED
        )
        seen = siamese.one_shot_accuracy(
            model, x, y, classes=SEEN, n_way=N_WAY, trials=TRIALS, seed=TRIAL_SEED
        )
        spread = embedding_spread(model, x)
        rows.append(
            [
                f"siamese (seed {seed})",
                len(history.history["loss"]),
                100 * accuracy,
                100 * seen,
                round(time.perf_counter() - start),
            ]
        )
    rows.append(["pixel-space 1-nearest-neighbour", "", 100 * pixels, "", ""])
    rows.append(
        [
            "pixel 1-NN, best of the query's +-1-pixel shifts (reference)",
            "",
            100 * shifted_pixels,
            "",
            "",
        ]
    )
    mean = float(np.mean([row[2] for row in rows[:-2]])) / 100
    verdict = "met" if mean >= TARGET else "NOT met"
    return (
        "## Siamese one-shot on unseen digits (quality)\n\n"
        "`siamese.build(pixel_weight=1.5, augment=True)` (VGG-style tower of "
        "width 16, no dropout or weight decay, random elastic-affine warps; "
        "Euclidean distance, contrastive loss; embedding = unit-length learned "
        "code beside 1.5 x the unit-length pixels: the settings chosen for the "
        "digits, the recipe's defaults being chosen for glyphs), "
        f"`siamese.fit(..., classes=range(6), epochs={EPOCHS}, "
        f"positives_per_example={DIGITS_POSITIVES})` on pairs of the train split (early "
        "stopping on pairs of the val split, classes 0-5 only); "
        f"{N_WAY}-way one-shot accuracy over {TRIALS} fixed trials (seed {TRIAL_SEED}) "
        "on the test split's classes 6-9, never seen in training. The seen-class "
        "column runs the same protocol on classes 0-5 of the test split.\n\n"
        + markdown_table(
            [
                "model",
                "epochs",
                "one-shot, unseen 6-9 (%)",
                "one-shot, seen 0-5 (%)",
                "seconds",
            ],
            rows,
        )
        + f"\n\nTarget: one-shot accuracy on unseen classes >= {100 * TARGET:.0f}% "
        f"({verdict}).\n\n"
        "Mean pairwise distance over the test images: "
        f"{spread[0]:.3g} in the learned code, {spread[1]:.3g} in the pixel part "
        f"(seed {seeds[-1]}). With the earlier default of dropout 0.3 the code "
        "collapsed (0.025 against 1.17 in this benchmark; seen classes 76.5%): each "
        "branch drew its own dropout mask, and the contrastive loss answered by "
        "making the code constant. Held-out training classes (train on 4 of the "
        "classes 0-5, 2-way one-shot on the other 2) chose the defaults; of the "
        "variants tried there (learned code alone, one-stage towers, rotated and mirrored "
        "classes as new classes via `class_augmentation`, classifier-pretrained "
        "towers, more "
        "negatives, Koch's weighted L1), none beat unit-pixel 1-NN reliably (not "
        "reproduced by a command in this repository; see docs/recipes/siamese.md). The "
        "last row, pixel matching that forgives a one-pixel misalignment, shows "
        "how much of the task is alignment rather than learned features."
    )


def hand_written_siamese(input_shape=(8, 8, 1), width=32, embedding_dim=32):
    """The default siamese network as the keras-io example would write it."""

    def conv(x, filters):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        return keras.layers.Activation("relu")(x)

    image = keras.Input(shape=input_shape)
    x = image
    for filters in (width, 2 * width):
        x = keras.layers.MaxPooling2D(padding="same")(conv(conv(x, filters), filters))
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(4 * width, activation="relu")(x)
    tower = keras.Model(image, keras.layers.Dense(embedding_dim)(x))

    def euclidean_distance(vectors):
        a, b = vectors
        squared = ops.sum(ops.square(a - b), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(squared, keras.backend.epsilon()))

    left, right = keras.Input(shape=input_shape), keras.Input(shape=input_shape)
    distance = keras.layers.Lambda(euclidean_distance)([tower(left), tower(right)])
    model = keras.Model([left, right], distance)

    def contrastive_loss(margin=1.0):
        def loss(y_true, y_pred):
            similar = ops.square(y_pred)
            dissimilar = ops.square(ops.maximum(margin - y_pred, 0.0))
            return ops.mean(0.5 * (y_true * similar + (1 - y_true) * dissimilar))

        return loss

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=contrastive_loss())
    return model


def speed():
    x, y = data.load("digits").train
    batch_size = 64
    (left, right), labels = siamese.make_pairs(
        x, y, negatives_per_positive=3, seed=0, positives_per_example=1
    )
    labels = labels[:, None]

    recipe = recipe_fit(
        siamese,
        (x, y),
        batch_size=batch_size,
        build_kwargs=dict(
            width=32,
            dropout_rate=0.0,
            augment=False,
            weight_decay=0,
            normalize=False,
            pixel_weight=0,
        ),
        positives_per_example=1,
    )

    def hand_written(epochs, callbacks):
        model = hand_written_siamese()
        model.fit(
            [left, right],
            labels,
            epochs=epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            verbose=0,
        )

    table = speed_table(
        hand_written,
        recipe,
        samples_per_epoch=len(labels),
        auto=siamese.compile(siamese.build()).jit_compile,
        bare=bare_fit(
            hand_written_siamese, [left, right], labels, batch_size=batch_size
        ),
        baseline="hand-written Keras (Lambda distance)",
        unit="pairs/s",
        repeats=3,
        epochs=6,
    )
    return (
        "## Siamese training speed\n\n"
        f"Siamese network (VGG-style tower of width 32, Euclidean distance, "
        f"contrastive loss; augmentation, dropout, weight decay, unit normalisation "
        f"and the pixel part of the embedding off on both sides) on {len(labels)} pairs "
        f"of the digits training split, batch {batch_size}; median over epochs 2-6 "
        "of 3 interleaved repeats. The recipe runs its default "
        f"{siamese.STEPS_PER_EXECUTION} steps per call; the hand-written model "
        "and the bare step run one.\n\n"
        + table
        + '\n\nTarget: recipe with `"auto"` >= 1.0x hand-written.'
    )


# Candidates of the glyphs validation search: `build` (and `compile`) options
# beside the recipe's other defaults; `augment=False` for all (see the note).
CANDIDATES = {
    "pixels beside the code (pixel_weight=1.5), width 16": dict(pixel_weight=1.5),
    "learned code alone, width 16": dict(pixel_weight=0.0),
    "learned code alone, width 32": dict(pixel_weight=0.0, width=32),
    "learned code alone, width 16, margin 1.0": dict(pixel_weight=0.0, margin=1.0),
}


class OneShotProbe(keras.callbacks.Callback):
    """After each epoch, 20-way one-shot accuracy on the validation classes."""

    def __init__(self, x, y, trials=500):
        super().__init__()
        self.x, self.y, self.trials = x, y, trials
        self.scores, self.seconds, self._start = [], [], None

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)
        self.scores.append(
            fewshot.accuracy(
                self.model, self.x, self.y, n_way=20, k_shot=1,
                trials=self.trials, rule="nearest",
            )
        )  # fmt: skip
        print(epoch + 1, self.scores[-1], round(self.seconds[-1]), flush=True)


def validation(candidates=None, epochs=1, long_epochs=3, seed=0):
    """The glyphs defaults, chosen on the validation classes of `glyphs`.

    Each candidate trains on pairs of the background train classes (one
    similar pair per image, 3 dissimilar per similar; no early stopping) and
    is scored after every epoch by 20-way one-shot accuracy on the validation
    classes (held-out background classes; 500 trials, seed 0). The second
    candidate trains `long_epochs` for the learning curve. The evaluation
    alphabets are not used.
    """
    bundle = data.load("glyphs", seed=0)
    selection = data.Bundle(bundle.train, None, None, bundle.info)
    candidates = CANDIDATES if candidates is None else candidates
    rows = []
    for index, (name, options) in enumerate(candidates.items()):
        options = dict(options)
        margin = options.pop("margin", None)
        keras.utils.set_random_seed(seed)
        model = siamese.build(
            input_shape=bundle.info.input_shape, augment=False, seed=seed, **options
        )
        model = siamese.compile(model, margin=margin)
        probe = OneShotProbe(*bundle.val)
        siamese.fit(
            model, selection, epochs=long_epochs if index == 1 else epochs,
            positives_per_example=1, early_stopping_patience=None, seed=seed,
            callbacks=[probe], verbose=0,
        )  # fmt: skip
        for epoch, (score, seconds) in enumerate(zip(probe.scores, probe.seconds)):
            rows.append([name, epoch + 1, round(seconds), str(score)])
    pixels = fewshot.accuracy(
        None, *bundle.val, n_way=20, k_shot=1, trials=500, rule="nearest"
    )
    return (
        "## Siamese defaults for glyphs, chosen on validation classes\n\n"
        "`glyphs` (seed 0): `siamese.build(augment=False, ...)` + `siamese.fit` "
        "on pairs of the background train classes (one similar pair per image, "
        "3 dissimilar per similar: 59,680 pairs an epoch; no early stopping), "
        "seed 0; after each epoch, 20-way one-shot accuracy on the validation "
        "classes (held-out background classes; 500 trials, seed 0). The "
        f"evaluation alphabets are not used. Pixel 1-NN on the same trials: "
        f"{pixels}.\n\n"
        + markdown_table(["candidate", "epochs", "seconds", "val 20-way 1-shot"], rows)
    )


if __name__ == "__main__":
    import sys

    from benchmarks.common import update_results

    if sys.argv[1:] == ["validation"]:
        update_results(
            "validation:siamese",
            validation(),
            "python -m benchmarks.siamese validation",
        )
