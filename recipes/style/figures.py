"""Pictures of style transfer: images side by side, loss curves per step.

Both draw through `recipes.plots` (`figure`, `save`): titled PNGs written
atomically, every drawn axis labelled.

Example:

>>> import numpy as np
>>> from recipes.style import figures
>>> figures.save_images([np.zeros((8, 8, 3)), np.ones((8, 8, 3))], "pair.png",
...                     captions=["black", "white"], title="two images")
'pair.png'
"""

from __future__ import annotations

import numpy as np

from recipes import plots


def save_images(images, path, *, captions, title, scale=2.5):
    """Saves images in one row, each with its caption.

    Args:
        images: a list of `(height, width, channels)` images in [0, 1].
        path: the PNG file to write.
        captions: one caption per image.
        title: the figure's title.
        scale: inches per image.

    Returns:
        `path`.
    """
    if len(images) != len(captions) or not images:
        raise ValueError(
            f"`captions` must give one caption per image: {len(images)} images, "
            f"{len(captions)} captions."
        )
    figure, axes = plots.figure(1, len(images), figsize=(scale * len(images), scale))
    for axis, image, caption in zip(np.atleast_1d(axes), images, captions):
        image = np.clip(np.asarray(image, dtype="float32"), 0.0, 1.0)
        grey = image.shape[-1] == 1
        axis.imshow(image[..., 0] if grey else image, cmap="gray" if grey else None)
        axis.set_title(caption, fontsize="small")
        axis.axis("off")
    figure.suptitle(title)
    return plots.save(figure, path)


def save_curves(history, path, *, title, keys=None):
    """Saves the per-step loss curves of a `Result.history`, log scale.

    Args:
        history: `{name: [one value per step]}`.
        path: the PNG file to write.
        title: the plot's title.
        keys: the curves to draw (default: those with a positive value).

    Returns:
        `path`.
    """
    keys = keys or [key for key, values in history.items() if max(values) > 0]
    missing = [key for key in keys if key not in history]
    if missing:
        raise ValueError(f"`keys` {missing} are not in the history ({list(history)}).")
    figure, axis = plots.figure(figsize=(6, 4))
    lowest = []
    for key in keys:
        values = np.asarray(history[key], dtype="float64")
        axis.plot(np.arange(1, len(values) + 1), values, label=key)
        later = values[1:][values[1:] > 0]
        lowest.append(later.min() if later.size else values.max())
    axis.set_yscale("log")
    # The content loss starts at 0 from the content image: the axis starts at
    # the curves' lowest value after the first step, not at float rounding.
    axis.set_ylim(bottom=0.5 * min(lowest))
    axis.set(title=title, xlabel="step", ylabel="loss (log scale)")
    axis.legend(loc="best")
    return plots.save(figure, path)
