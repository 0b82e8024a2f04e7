"""TFDS `omniglot` in the form of `glyphs`: 28x28 grey ink in [0, 1], split by alphabet.

Omniglot (Lake, Salakhutdinov and Tenenbaum, 2015) comes from TensorFlow
Datasets as 105x105 RGB drawings, black on white, in a `train` split (the 30
background alphabets) and a `test` split (the 20 evaluation alphabets).
`bundle` turns a prepared builder of that form (any builder whose features
have an `alphabet` and a `label`) into what `recipes.data.load("glyphs")`
returns: ink 1 on 0, averaged down to 28x28, train and val from the
background alphabets (val a seeded fifth of their classes), test from the
evaluation alphabets, and `info.alphabets` / `info.class_alphabets`.

Example:

>>> import numpy as np
>>> from recipes.data import omniglot
>>> drawing = np.full((1, 105, 105, 3), 255, dtype=np.uint8)  # white
>>> drawing[0, 40:60, 40:60] = 0  # a black square
>>> ink = omniglot.to_ink(drawing)
>>> ink.shape, float(ink.max())
((1, 28, 28, 1), 1.0)

With the dataset prepared, `recipes.data.load("omniglot")` gives its 50
alphabets in this form.
"""

from __future__ import annotations

import numpy as np

SIZE = 28


def is_character_dataset(builder):
    """Whether a TFDS builder holds Omniglot-like characters (alphabet, label)."""
    features = builder.info.features
    keys = getattr(features, "keys", lambda: ())()
    return "alphabet" in keys and "label" in keys and "image" in keys


def to_ink(images, size=SIZE):
    """Black-on-white images to `(n, size, size, 1)` float32 ink in [0, 1].

    The grey level is the mean of the channels; ink is one minus it. The
    side is padded with white to a multiple of `size`, then averaged down.

    Args:
        images: `(n, h, h, channels)` uint8.
        size: the output side.

    Returns:
        `(n, size, size, 1)` float32.
    """
    ink = 1.0 - np.asarray(images, "float32").mean(axis=-1) / 255.0  # (n, h, h)
    n, side = ink.shape[0], ink.shape[1]
    factor = -(-side // size)  # ceil
    pad = factor * size - side
    ink = np.pad(ink, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2)))
    ink = ink.reshape(n, size, factor, size, factor).mean(axis=(2, 4))
    return np.clip(ink, 0.0, 1.0).astype("float32")[..., None]


def _read(builder, split):
    """`(x, labels, alphabets)` of one split, read in batches."""
    import tensorflow_datasets as tfds

    xs, labels, alphabets = [], [], []
    dataset = builder.as_dataset(split=split, batch_size=512, shuffle_files=False)
    for batch in tfds.as_numpy(dataset):
        xs.append(to_ink(batch["image"]))
        labels.append(batch["label"].astype("int32"))
        alphabets.append(batch["alphabet"].astype("int32"))
    return np.concatenate(xs), np.concatenate(labels), np.concatenate(alphabets)


def bundle(builder, seed, val_fraction=0.2):
    """A prepared Omniglot-like TFDS builder as a `recipes.data.Bundle`.

    Args:
        builder: a prepared `tfds` builder with `image`, `alphabet` and
            `label` features and `train` (background) and `test`
            (evaluation) splits.
        seed: seed of the validation classes.
        val_fraction: the fraction of background classes held out as val.

    Returns:
        A `Bundle` of `(x, y)` NumPy splits as `glyphs` gives.
    """
    from recipes import data

    x, y, alphabet = _read(builder, "train")
    x_test, y_test, alphabet_test = _read(builder, "test")
    background = np.unique(y)
    rng = np.random.default_rng([seed, len(background)])
    val_classes = rng.choice(
        background, round(val_fraction * len(background)), replace=False
    )
    val = np.isin(y, val_classes)
    features = builder.info.features
    num_classes = int(features["label"].num_classes)
    class_alphabets = np.full(num_classes, -1, dtype="int32")
    class_alphabets[np.concatenate([y, y_test])] = np.concatenate(
        [alphabet, alphabet_test]
    )
    names = tuple(features["label"].names or ())
    info = data.Info(
        name=builder.name,
        input_shape=(SIZE, SIZE, 1),
        num_classes=num_classes,
        class_names=names
        if len(names) == num_classes
        else tuple(map(str, range(num_classes))),
        description=(builder.info.description or "").strip().split("\n")[0],
        source=f"tensorflow_datasets:{builder.name}",
        alphabets=tuple(features["alphabet"].names),
        class_alphabets=tuple(int(a) for a in class_alphabets),
    )
    return data.Bundle(
        train=(x[~val], y[~val]),
        val=(x[val], y[val]),
        test=(x_test, y_test),
        info=info,
    )
