"""Plots shared by the recipes: image grids, scatter maps, training curves.

Everything draws with matplotlib's non-interactive `Agg` backend and writes a
PNG, to a temporary name first and then renamed into place, so a plot never
needs a display and an interrupted run never leaves a truncated file.

Example:

>>> import numpy as np
>>> from recipes import plots
>>> plots.image_grid(np.random.rand(16, 8, 8, 1), "grid.png", columns=4)
'grid.png'
"""

from __future__ import annotations

import os
import tempfile

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path):
    """Writes `figure` to `path` (PNG) atomically and closes it."""
    plt = _pyplot()
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=directory)
    os.close(handle)
    try:
        figure.savefig(temporary, format="png", bbox_inches="tight")
        os.chmod(temporary, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(temporary, path)
    finally:
        plt.close(figure)
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def image_grid(images, path, *, columns=None, title=None, cmap="gray", scale=0.6):
    """Saves images as one grid, row by row.

    Args:
        images: `(N, H, W)`, `(N, H, W, 1)` or `(N, H, W, 3)` array with values
            in [0, 1].
        path: the PNG file to write.
        columns: images per row (default: about `sqrt(N)`).
        title: a title over the grid, or `None`.
        cmap: colour map of one-channel images.
        scale: inches per image.

    Returns:
        `path`.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(
            f"`images` must be a non-empty (N, H, W[, C]) array, got {images.shape}."
        )
    count = len(images)
    columns = columns or int(np.ceil(np.sqrt(count)))
    rows = int(np.ceil(count / columns))
    plt = _pyplot()
    figure, axes = plt.subplots(
        rows, columns, figsize=(scale * columns, scale * rows + (0.4 if title else 0))
    )
    axes = np.atleast_1d(axes).ravel()
    for axis in axes:
        axis.axis("off")
    for axis, image in zip(axes, images):
        axis.imshow(np.clip(image, 0, 1), cmap=cmap, vmin=0, vmax=1)
    if title:
        figure.suptitle(title)
    figure.subplots_adjust(wspace=0.05, hspace=0.05)
    return _save(figure, path)


def scatter(points, path, *, labels=None, title=None, size=8):
    """Saves a 2-D scatter plot, coloured by label when labels are given.

    Args:
        points: `(N, 2)` coordinates (a latent space, a t-SNE map ...).
        path: the PNG file to write.
        labels: `(N,)` integer labels for the colours and legend, or `None`.
        title: the plot's title, or `None`.
        size: marker size.

    Returns:
        `path`.
    """
    points = np.asarray(points, dtype="float32")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"`points` must have shape (N, 2), got {points.shape}.")
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 5))
    if labels is None:
        axis.scatter(points[:, 0], points[:, 1], s=size)
    else:
        labels = np.asarray(labels)
        if labels.shape != (len(points),):
            raise ValueError(
                f"`labels` must have shape ({len(points)},), got {labels.shape}."
            )
        found = axis.scatter(points[:, 0], points[:, 1], c=labels, s=size, cmap="tab10")
        axis.legend(*found.legend_elements(), loc="best", fontsize="small")
    if title:
        axis.set_title(title)
    return _save(figure, path)


def training_curves(history, path, *, keys=None, title=None):
    """Saves the per-epoch curves of a Keras `History` (or its `.history` dict).

    Args:
        history: a `keras.callbacks.History` or a `{name: [values]}` dict.
        path: the PNG file to write.
        keys: the curves to draw (default: all).
        title: the plot's title, or `None`.

    Returns:
        `path`.
    """
    curves = getattr(history, "history", history)
    keys = list(keys or curves)
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6, 4))
    for key in keys:
        axis.plot(np.arange(1, len(curves[key]) + 1), curves[key], label=key)
    axis.set_xlabel("epoch")
    axis.legend(loc="best")
    if title:
        axis.set_title(title)
    return _save(figure, path)
