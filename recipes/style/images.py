"""Images for style transfer: the sample photographs, image files, resizing, checks.

Images are float32 arrays `(height, width, channels)` with values in [0, 1].
`load_image` reads scikit-learn's bundled sample photographs by name
(`"china"`, `"flower"`, both 427x640 RGB, through
`sklearn.datasets.load_sample_image`) or any image file a user passes, and
resizes it; `check_image` and `check_pair` refuse what the optimisation
cannot use, before any work is done.

Example:

>>> from recipes.style import images
>>> images.load_image("china", size=96).shape
(96, 144, 3)
"""

from __future__ import annotations

import os

import numpy as np

from recipes import validation

SAMPLES = ("china", "flower")  # scikit-learn's bundled photographs
MIN_SIDE = 8  # the default feature extractor pools three times (8 -> 1)


def check_image(image, name, *, min_side=MIN_SIDE):
    """Checks one image and returns it as float32 NumPy.

    Args:
        image: array-like `(height, width, channels)` with values in [0, 1],
            1 or 3 channels.
        name: the argument's name for the error message.
        min_side: the smallest height and width accepted.

    Returns:
        The image as a float32 `np.ndarray`.

    Raises:
        ValueError: naming `name`, for another rank, a channel count other
            than 1 or 3, a side under `min_side`, NaN or infinity, or values
            outside [0, 1].
    """
    shape = np.shape(image)
    if len(shape) != 3:
        raise ValueError(
            f"`{name}` must be one image (height, width, channels), got shape {shape}."
        )
    if shape[-1] not in (1, 3):
        raise ValueError(
            f"`{name}` must have 1 (grey) or 3 (RGB) channels, got shape {shape}."
        )
    if min(shape[:2]) < min_side:
        raise ValueError(
            f"`{name}` must be at least {min_side}x{min_side} pixels, got shape "
            f"{shape}."
        )
    return validation.check_array(image, name, rank=3, low=0.0, high=1.0)


def check_pair(content, style, *, content_name="content", style_name="style"):
    """Checks a content and a style image: each an image, the same channel count.

    Returns:
        `(content, style)` as float32 arrays.

    Raises:
        ValueError: naming the argument, for a bad image or for images with
            different channel counts.
    """
    content = check_image(content, content_name)
    style = check_image(style, style_name)
    if content.shape[-1] != style.shape[-1]:
        raise ValueError(
            f"`{style_name}` has {style.shape[-1]} channels but `{content_name}` has "
            f"{content.shape[-1]}: give both images the same channel count (see "
            "`load_image(..., channels=...)`)."
        )
    return content, style


def _size(size, height, width):
    """`(height, width)` for `size`: a shorter side (int) or `(height, width)`."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        validation.check_positive_int(size, "size", minimum=MIN_SIDE)
        scale = size / min(height, width)
        return max(round(height * scale), MIN_SIDE), max(round(width * scale), MIN_SIDE)
    shape = validation.check_shape(size, "size", ranks=(2,))
    if min(shape) < MIN_SIDE:
        raise ValueError(f"`size` sides must be at least {MIN_SIDE}, got {size!r}.")
    return shape


def resize(image, size):
    """Resizes an image with bilinear interpolation (antialiased when shrinking).

    Args:
        image: `(height, width, channels)` array with values in [0, 1].
        size: the shorter side in pixels (the aspect ratio is kept), or
            `(height, width)`.

    Returns:
        The resized float32 image, values in [0, 1].

    Example:

    >>> resize(np.zeros((40, 60, 3)), 20).shape
    (20, 30, 3)
    """
    import keras

    image = validation.check_array(image, "image", rank=3)
    height, width = _size(size, *image.shape[:2])
    resized = keras.ops.image.resize(
        image[None], (height, width), interpolation="bilinear", antialias=True
    )  # (1, height, width, channels)
    return np.clip(keras.ops.convert_to_numpy(resized)[0], 0.0, 1.0)


def load_image(source, *, size=None, channels=3):
    """Loads a sample photograph or an image file as a float32 array in [0, 1].

    Args:
        source: `"china"` or `"flower"` (scikit-learn's bundled photographs,
            427x640), or the path of an image file (any format Pillow reads).
        size: `None` (as stored), the shorter side in pixels (the aspect ratio
            is kept) or `(height, width)`.
        channels: 3 (RGB) or 1 (grey).

    Returns:
        `(height, width, channels)` float32 array.

    Raises:
        ValueError: for an unknown name, a path that is not a readable image,
            a bad `size` or `channels`.

    Example:

    >>> load_image("flower", size=(64, 64), channels=1).shape
    (64, 64, 1)
    """
    validation.check_choice(channels, "channels", (1, 3))
    if size is not None:
        _size(size, MIN_SIDE, MIN_SIDE)  # refuse a bad size before reading
    if source in SAMPLES:
        from sklearn.datasets import load_sample_image

        pixels = load_sample_image(f"{source}.jpg")  # (427, 640, 3) uint8
        if channels == 1:
            from PIL import Image

            pixels = np.asarray(Image.fromarray(pixels).convert("L"))[..., None]
    else:
        if not isinstance(source, (str, os.PathLike)) or not os.path.isfile(source):
            raise ValueError(
                f"`source` must be one of {SAMPLES} or the path of an image file, "
                f"got {source!r}."
            )
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(source) as opened:
                pixels = np.asarray(opened.convert("RGB" if channels == 3 else "L"))
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(
                f"`source` {source!r} is not a readable image: {error}"
            ) from None
        if channels == 1:
            pixels = pixels[..., None]
    image = pixels.astype("float32") / 255.0  # (height, width, channels)
    return image if size is None else resize(image, size)
