"""Plots shared by the recipes and tutorials: image grids, scatter maps, curves.

Everything draws with matplotlib's non-interactive `Agg` backend and writes a
PNG, to a temporary name first and then renamed into place, so a plot never
needs a display and an interrupted run never leaves a truncated file. Every
figure says what it shows: `save` refuses a figure without a title, or with
an axis (one that is drawn) without both labels, and writes the title into
the PNG's `Title` text field, where an image viewer or a test can read it.

Example:

>>> import numpy as np
>>> from recipes import plots
>>> plots.image_grid(np.random.rand(16, 8, 8, 1), "grid.png", title="noise")
'grid.png'
"""

from __future__ import annotations

import os

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure(*args, **kwargs):
    """`matplotlib.pyplot.subplots` on the `Agg` backend, for figures `save` writes.

    Returns:
        `(figure, axes)`, as `subplots` returns them.
    """
    return _pyplot().subplots(*args, **kwargs)


def title_of(figure):
    """The figure's title: its `suptitle`, else its axes' titles joined by "; "."""
    heading = figure.get_suptitle().strip()
    if heading:
        return heading
    titles = [axis.get_title().strip() for axis in figure.axes]
    return "; ".join(title for title in titles if title)


def save(figure, path):
    """Writes `figure` to `path` as a PNG, atomically, and closes it.

    Args:
        figure: a matplotlib figure with a title (`suptitle` or on its axes)
            and, on every axis that is drawn, an x and a y label.
        path: the PNG file to write; its folder is created.

    Returns:
        `path`.

    Raises:
        ValueError: for a figure without a title or with an unlabelled axis
            (nothing is written, and the figure is closed).
    """
    plt = _pyplot()
    path = os.fspath(path)
    try:
        title = title_of(figure)
        if not title:
            raise ValueError(f"The figure for {path!r} has no title.")
        for axis in figure.axes:
            if axis.axison and not (
                axis.get_xlabel().strip() and axis.get_ylabel().strip()
            ):
                raise ValueError(
                    f"The figure for {path!r} has an axis without an x or y label "
                    f"({axis.get_title() or title!r})."
                )
        from recipes import saving

        saving.write_atomically(
            path,
            lambda temporary: figure.savefig(
                temporary, format="png", bbox_inches="tight", metadata={"Title": title}
            ),
        )
    finally:
        plt.close(figure)
    return path


def image_grid(images, path, *, title, columns=None, cmap="gray", scale=0.6):
    """Saves images as one grid, row by row.

    Args:
        images: `(N, H, W)`, `(N, H, W, 1)` or `(N, H, W, 3)` array with values
            in [0, 1].
        path: the PNG file to write.
        title: the title over the grid (what the images are).
        columns: images per row (default: about `sqrt(N)`).
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
    grid, axes = figure(rows, columns, figsize=(scale * columns, scale * rows + 0.4))
    axes = np.atleast_1d(axes).ravel()
    for axis in axes:
        axis.axis("off")
    for axis, image in zip(axes, images):
        axis.imshow(np.clip(image, 0, 1), cmap=cmap, vmin=0, vmax=1)
    grid.suptitle(title)
    grid.subplots_adjust(wspace=0.05, hspace=0.05)
    return save(grid, path)


def scatter(
    points,
    path,
    *,
    title,
    labels=None,
    xlabel="dimension 1",
    ylabel="dimension 2",
    size=8,
):
    """Saves a 2-D scatter plot, coloured by label when labels are given.

    Args:
        points: `(N, 2)` coordinates (a latent space, a t-SNE map ...).
        path: the PNG file to write.
        title: the plot's title.
        labels: `(N,)` integer labels for the colours and legend, or `None`.
        xlabel: the x axis label.
        ylabel: the y axis label.
        size: marker size.

    Returns:
        `path`.
    """
    points = np.asarray(points, dtype="float32")
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"`points` must have shape (N, 2), got {points.shape}.")
    plot, axis = figure(figsize=(6, 5))
    if labels is None:
        axis.scatter(points[:, 0], points[:, 1], s=size)
    else:
        labels = np.asarray(labels)
        if labels.shape != (len(points),):
            _pyplot().close(plot)
            raise ValueError(
                f"`labels` must have shape ({len(points)},), got {labels.shape}."
            )
        found = axis.scatter(points[:, 0], points[:, 1], c=labels, s=size, cmap="tab10")
        axis.legend(*found.legend_elements(), loc="best", fontsize="small")
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return save(plot, path)


def training_curves(history, path, *, title, keys=None, ylabel=None):
    """Saves the per-epoch curves of a Keras `History` (or its `.history` dict).

    Args:
        history: a `keras.callbacks.History` or a `{name: [values]}` dict.
        path: the PNG file to write.
        title: the plot's title.
        keys: the curves to draw (default: all).
        ylabel: the y axis label (default: the curves' names, when they are
            all losses "loss", else "value").

    Returns:
        `path`.
    """
    curves = getattr(history, "history", history)
    keys = list(keys or curves)
    missing = [key for key in keys if key not in curves]
    if missing:
        raise ValueError(f"`keys` {missing} are not in the history ({list(curves)}).")
    if ylabel is None:
        ylabel = "loss" if all("loss" in key for key in keys) else "value"
    plot, axis = figure(figsize=(6, 4))
    for key in keys:
        axis.plot(np.arange(1, len(curves[key]) + 1), curves[key], label=key)
    axis.set(title=title, xlabel="epoch", ylabel=ylabel)
    axis.legend(loc="best")
    return save(plot, path)
