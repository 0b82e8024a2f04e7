"""Datasets for the recipes: the embedded ones that work offline, and TFDS.

`load(name)` returns a `Bundle` with `train`, `val` and `test` splits and an
`info` record. The embedded datasets are built from files that installed
packages ship (scikit-learn's digits and sample photographs, sktime's Japanese
Vowels), so tests, tutorials and benchmarks run without a network. Any other
name is looked up in TensorFlow Datasets: its splits are `tf.data.Dataset`s on
the TensorFlow backend and NumPy arrays on the others (`as_numpy`), so that
training on JAX never runs a `tf.data` pipeline.

Example:

>>> from recipes import data
>>> bundle = data.load("digits")
>>> x_train, y_train = bundle.train
>>> x_train.shape, bundle.info.num_classes
((1077, 8, 8, 1), 10)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import keras
import numpy as np

from recipes import validation
from recipes.data import downloads, embedded

EMBEDDED = (
    "digits",
    "digits_m",
    "digits_loc",
    "japanese_vowels",
    "glyphs",
    "syn_digits",
)


@dataclasses.dataclass(frozen=True)
class Info:
    """What a recipe needs to know about a dataset.

    Attributes:
        name: the dataset's name as given to `load`.
        input_shape: shape of one example, without the batch axis (`None` for a
            variable-length axis).
        num_classes: number of label classes.
        class_names: one name per class.
        description: one sentence on what the data is.
        source: where the data comes from.
        alphabets: for character datasets (`glyphs`, TFDS `omniglot`), the
            names of the alphabets; empty otherwise.
        class_alphabets: for character datasets, the index in `alphabets` of
            each class's alphabet; empty otherwise.
    """

    name: str
    input_shape: tuple
    num_classes: int
    class_names: tuple
    description: str
    source: str
    alphabets: tuple = ()
    class_alphabets: tuple = ()


@dataclasses.dataclass(frozen=True)
class Bundle:
    """Train, validation and test splits with their `Info`.

    Each split is an `(x, y)` tuple of NumPy arrays for the embedded datasets
    and for TFDS datasets loaded with `as_numpy`, or an unbatched
    `tf.data.Dataset` of `(x, y)` pairs for the other TFDS datasets.

    Attributes:
        train: the training split.
        val: the validation split.
        test: the test split.
        info: the dataset's `Info`.
    """

    train: Any
    val: Any
    test: Any
    info: Info


def load(
    name,
    *,
    split=(0.6, 0.2, 0.2),
    seed=0,
    data_dir=None,
    download=True,
    as_numpy="auto",
):
    """Loads a dataset by name.

    Args:
        name: one of `EMBEDDED` (`"digits"`, `"digits_m"`, `"digits_loc"`,
            `"japanese_vowels"`, `"glyphs"`, `"syn_digits"`) or a TensorFlow
            Datasets name such as `"mnist"`.
        split: train/validation/test fractions for `digits`, `digits_m` and
            `digits_loc`
            (they must sum to 1). `japanese_vowels` keeps its own train/test
            split and carves the validation set out of train with the ratio
            `split[1] / (split[0] + split[1])`. `syn_digits` is split like
            `digits`. Ignored for `glyphs`, which is split by alphabet
            (`recipes.data.glyphs`), and for TFDS datasets (TFDS `omniglot`
            comes split by alphabet as `glyphs` is: `recipes.data.omniglot`).
        seed: seed of the split (and of the photo patches of `digits_m`, and
            of the renderings of `glyphs` and `syn_digits`).
        data_dir: TFDS data directory (TFDS datasets only).
        download: whether TFDS may try to download and prepare a dataset that
            is not found in `data_dir`.
        as_numpy: how TFDS splits come: `"auto"` (the default: as
            `tf.data.Dataset`s on the TensorFlow backend, as NumPy arrays on
            any other), `True` (`(x, y)` NumPy arrays, each split read whole
            into memory; text as `str` objects, images with their stored
            dtype and values) or `False` (`tf.data.Dataset`s). The embedded
            datasets and TFDS `omniglot` are NumPy arrays either way.

    Returns:
        A `Bundle`.

    Raises:
        ValueError: for a bad `split` (not three positive fractions summing
            to 1, or one that leaves a part with fewer examples than
            classes), `seed` or `as_numpy`, or a name that is neither
            embedded nor available through TFDS (the message lists the
            embedded names). Offline, a TFDS download is refused after one
            connection attempt of a few seconds (`recipes.data.downloads`),
            and a download that fails leaves nothing in `data_dir`.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a non-empty string, got {name!r}.")
    split = _check_split(split)
    seed = validation.check_seed(seed, allow_none=False)
    if as_numpy == "auto":
        as_numpy = keras.backend.backend() != "tensorflow"
    if not isinstance(as_numpy, bool):
        raise ValueError(f"`as_numpy` must be 'auto', True or False, got {as_numpy!r}.")
    if name == "digits":
        return _digits_bundle(split, seed, photos=False)
    if name == "digits_m":
        return _digits_bundle(split, seed, photos=True)
    if name == "japanese_vowels":
        return _vowels_bundle(split, seed)
    if name == "digits_loc":
        return _localisation_bundle(split, seed)
    if name == "glyphs":
        from recipes.data import glyphs

        return glyphs.load(seed=seed)
    if name == "syn_digits":
        from recipes.data import syn_digits

        train, val, test = split
        _check_parts(
            split,
            syn_digits.SIZE,
            10,
            [("test", test, "train and val"), ("val", val / (train + val), "train")],
        )
        return syn_digits.load(split=split, seed=seed)
    return _tfds_bundle(
        name, data_dir=data_dir, download=download, as_numpy=as_numpy, seed=seed
    )


def _check_split(split):
    try:
        fractions = tuple(float(f) for f in split)
    except (TypeError, ValueError):
        raise ValueError(f"`split` must be three fractions, got {split!r}.") from None
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(
            "`split` must be three positive train/val/test fractions summing to 1, "
            f"got {split!r}."
        )
    return fractions


def _check_parts(split, n, num_classes, parts):
    """Refuses a `split` that leaves a part of a stratified split too small.

    scikit-learn's stratified `train_test_split` puts `ceil(fraction * n)`
    examples in the held-out part and the rest in the other, and needs at
    least one example per class in each; `parts` is a list of
    `(name of the held-out part, its fraction, name of the rest)`, applied
    in turn to what the previous one left.
    """
    for held_out, fraction, rest in parts:
        n_held = math.ceil(fraction * n)
        for part, count in ((held_out, n_held), (rest, n - n_held)):
            if count < num_classes:
                raise ValueError(
                    f"`split` {tuple(split)!r} leaves {count} {part} examples "
                    f"for {num_classes} classes; a stratified split needs at "
                    "least one example of each class in every part."
                )
        n -= n_held


def _digits_bundle(split, seed, photos):
    x, y = embedded.digits_images()
    train, val, test = split
    _check_parts(
        split,
        len(y),
        10,
        [("test", test, "train and val"), ("val", val / (train + val), "train")],
    )
    train_idx, val_idx, test_idx = embedded.stratified_split(y, split, seed)
    name = "digits_m" if photos else "digits"
    description = "scikit-learn's 8x8 handwritten digits, scaled to [0, 1]"
    if photos:
        x = embedded.blend_with_photos(x, seed=seed)
        description += ", blended with patches of real photographs as MNIST-M was"
    info = Info(
        name=name,
        input_shape=tuple(x.shape[1:]),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        description=description,
        source="sklearn.datasets.load_digits"
        + (" + sklearn.datasets.load_sample_images" if photos else ""),
    )
    return Bundle(
        train=(x[train_idx], y[train_idx]),
        val=(x[val_idx], y[val_idx]),
        test=(x[test_idx], y[test_idx]),
        info=info,
    )


def _localisation_bundle(split, seed):
    """`digits_loc`: `(canvas, mask)` pairs; see `recipes.data.localisation`."""
    from recipes.data import localisation

    train, val, test = split
    _check_parts(
        split,
        len(embedded.digits_images()[1]),
        10,
        [("test", test, "train and val"), ("val", val / (train + val), "train")],
    )
    parts = localisation.load(split=split, seed=seed)
    info = Info(
        name=localisation.NAME,
        input_shape=tuple(parts.train.images.shape[1:]),
        num_classes=10,
        class_names=tuple(str(d) for d in range(10)),
        description=(
            "scikit-learn's digits upsampled and placed at a random position and "
            "scale on 64x64 photo patches; y is the digit's pixel mask (boxes and "
            "labels: recipes.data.localisation.load)"
        ),
        source="sklearn.datasets.load_digits + sklearn.datasets.load_sample_images",
    )
    return Bundle(
        *((part.images, part.masks) for part in (parts.train, parts.val, parts.test)),
        info=info,
    )


def _vowels_bundle(split, seed):
    (x_train, y_train), (x_test, y_test) = embedded.japanese_vowels()
    val_fraction = split[1] / (split[0] + split[1])
    _check_parts(split, len(y_train), 9, [("val", val_fraction, "train")])
    train_idx, val_idx = embedded.stratified_holdout(y_train, val_fraction, seed)
    info = Info(
        name="japanese_vowels",
        input_shape=(None, x_train.shape[-1]),
        num_classes=9,
        class_names=tuple(f"speaker {i + 1}" for i in range(9)),
        description=(
            "UCI/UEA Japanese Vowels: 12 LPC cepstrum coefficients per frame, "
            "7 to 29 frames, zero-padded at the end to 29; label is the speaker"
        ),
        source="sktime.datasets.load_japanese_vowels",
    )
    return Bundle(
        train=(x_train[train_idx], y_train[train_idx]),
        val=(x_train[val_idx], y_train[val_idx]),
        test=(x_test, y_test),
        info=info,
    )


def _tfds_bundle(name, data_dir, download, as_numpy, seed=0):
    import tensorflow_datasets as tfds

    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except Exception as error:  # tfds raises its own DatasetNotFoundError
        raise ValueError(_unavailable(name, error)) from error
    if not builder.is_prepared():
        if not download:
            raise ValueError(_unavailable(name, "not prepared and download=False"))
        if not downloads.reachable():
            raise ValueError(
                _unavailable(
                    name,
                    f"no network: {downloads.HOST[0]} did not answer within "
                    f"{downloads.TIMEOUT:g} s",
                )
            )
        try:
            with downloads.nothing_left_on_failure(builder.data_dir_root):
                builder.download_and_prepare()
        except Exception as error:
            raise ValueError(_unavailable(name, error)) from error
    from recipes.data import omniglot

    if omniglot.is_character_dataset(builder):  # Omniglot: in the form of glyphs
        return omniglot.bundle(builder, seed)
    splits = builder.info.splits
    if "validation" in splits:
        names = ("train", "validation", "test" if "test" in splits else "validation")
    elif "test" in splits:
        names = ("train[:90%]", "train[90%:]", "test")
    else:
        names = ("train[:80%]", "train[80%:90%]", "train[90%:]")
    if as_numpy:
        train, val, test = (_numpy_split(builder, part) for part in names)
    else:
        train, val, test = builder.as_dataset(split=list(names), as_supervised=True)
    features = builder.info.features
    label = features[builder.info.supervised_keys[1]]
    inputs = features[builder.info.supervised_keys[0]]
    info = Info(
        name=name,
        input_shape=tuple(getattr(inputs, "shape", ()) or ()),
        num_classes=int(getattr(label, "num_classes", 0) or 0),
        class_names=tuple(getattr(label, "names", ()) or ()),
        description=(builder.info.description or "").strip().split("\n")[0],
        source=f"tensorflow_datasets:{name}",
    )
    return Bundle(train=train, val=val, test=test, info=info)


def _numpy_split(builder, split):
    """One TFDS split, read whole, as `(x, y)` NumPy arrays (text as `str`)."""
    import tensorflow_datasets as tfds

    dataset = builder.as_dataset(split=split, as_supervised=True, batch_size=-1)
    x, y = tfds.as_numpy(dataset)
    if x.dtype == object or x.dtype.kind == "S":  # text, as bytes
        x = np.array([s.decode("utf-8") for s in x.reshape(-1)], dtype=object)
    return x, y


def _unavailable(name, reason):
    reason = (str(reason).strip().splitlines() or ["unknown reason"])[0]
    return (
        f"Dataset {name!r} is not available: it is not embedded, and TensorFlow "
        f"Datasets could not provide it ({reason}). Embedded datasets that work "
        f"offline: {', '.join(EMBEDDED)}."
    )


__all__ = ["Bundle", "EMBEDDED", "Info", "load"]
