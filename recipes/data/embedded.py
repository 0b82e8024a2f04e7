"""The embedded datasets, built from files that installed packages ship."""

from __future__ import annotations

import functools

import numpy as np


@functools.cache
def digits_images():
    """scikit-learn's 1,797 handwritten digits as `(n, 8, 8, 1)` floats in [0, 1]."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")[..., None]  # (n, 8, 8, 1)
    y = digits.target.astype("int32")
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def stratified_split(y, fractions, seed):
    """Indices of a stratified train/val/test split with the given fractions."""
    from sklearn.model_selection import train_test_split

    indices = np.arange(len(y))
    train_fraction, val_fraction, test_fraction = fractions
    rest, test = train_test_split(
        indices, test_size=test_fraction, stratify=y, random_state=seed
    )
    train, val = train_test_split(
        rest,
        test_size=val_fraction / (train_fraction + val_fraction),
        stratify=y[rest],
        random_state=seed,
    )
    return np.sort(train), np.sort(val), np.sort(test)


def stratified_holdout(y, fraction, seed):
    """Indices `(keep, holdout)` with `fraction` of each class held out."""
    from sklearn.model_selection import train_test_split

    keep, holdout = train_test_split(
        np.arange(len(y)), test_size=fraction, stratify=y, random_state=seed
    )
    return np.sort(keep), np.sort(holdout)


@functools.cache
def _photos():
    """scikit-learn's two sample photographs as float arrays in [0, 1]."""
    from sklearn.datasets import load_sample_images

    return tuple(
        image.astype("float32") / 255.0 for image in load_sample_images().images
    )


def blend_with_photos(images, *, seed, patch_scale=4):
    """Blends grey digits with random photo patches, as MNIST-M was made.

    Each digit `d` in [0, 1] becomes `|patch - d|` per colour channel, where
    `patch` is a random crop of one of the photographs, `8 * patch_scale` pixels
    square, averaged down to the digit's size so that it keeps some texture.

    Args:
        images: `(n, h, w, 1)` digits in [0, 1].
        seed: seed of the photo, crop position and crop choice.
        patch_scale: how many photo pixels make one digit pixel.

    Returns:
        `(n, h, w, 3)` float32 images in [0, 1].
    """
    rng = np.random.default_rng(seed)
    photos = _photos()
    n, height, width, _ = images.shape
    crop_h, crop_w = height * patch_scale, width * patch_scale
    patches = np.empty((n, height, width, 3), dtype="float32")
    which = rng.integers(len(photos), size=n)
    for i in range(n):
        photo = photos[which[i]]
        top = rng.integers(photo.shape[0] - crop_h + 1)
        left = rng.integers(photo.shape[1] - crop_w + 1)
        crop = photo[top : top + crop_h, left : left + crop_w]  # (crop_h, crop_w, 3)
        patches[i] = crop.reshape(height, patch_scale, width, patch_scale, 3).mean(
            axis=(1, 3)
        )
    return np.abs(patches - images).astype("float32")  # (n, h, w, 3)


@functools.cache
def japanese_vowels(max_length=29):
    """sktime's Japanese Vowels, zero-padded at the end to `max_length` frames.

    Returns:
        `((x_train, y_train), (x_test, y_test))` with `x` of shape
        `(n, max_length, 12)` and integer speaker labels 0..8.
    """
    from sktime.datasets import load_japanese_vowels

    def split(name):
        frame, labels = load_japanese_vowels(split=name, return_X_y=True)
        n, channels = frame.shape
        x = np.zeros((n, max_length, channels), dtype="float32")
        for i in range(n):
            for c in range(channels):
                values = np.asarray(frame.iloc[i, c], dtype="float32")
                x[i, : len(values), c] = values
        y = np.asarray(labels).astype("int32") - 1
        return x, y

    return split("train"), split("test")
