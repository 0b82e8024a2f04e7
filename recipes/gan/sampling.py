"""Images from a trained generator: `noise`, `sample`, `interpolate`, `GANMonitor`."""

from __future__ import annotations

import os

import keras
import numpy as np

from recipes import validation
from recipes.gan.model import check_model


def noise(model, n, seed=0):
    """`(n, latent_dim)` standard normal noise, fixed by `seed` (NumPy).

    Args:
        model: a `GAN`.
        n: number of noise vectors (at least 1).
        seed: seed of the draw (default 0).

    Returns:
        A float32 NumPy array.

    Raises:
        ValueError: for a model that is not a `GAN`, or a bad `n` or `seed`.
    """
    check_model(model)
    validation.check_positive_int(n, "n")
    seed = validation.check_seed(seed)
    return (
        np.random.default_rng(seed)
        .standard_normal((n, model.latent_dim))
        .astype("float32")
    )


def sample(model, n, seed=0, *, batch_size=256):
    """`n` generated images from the noise that `seed` fixes.

    Args:
        model: a `GAN`.
        n: number of images.
        seed: seed of the noise (default 0; the same seed gives the same
            images).
        batch_size: generation batch size (default 256).

    Returns:
        `(n, H, W, C)` NumPy images in the generator's output range.

    Raises:
        ValueError: for a model that is not a `GAN`, or a bad `n`, `seed` or
            `batch_size`.

    Example:

    >>> from recipes.gan import build
    >>> model = build(input_shape=(8, 8, 1))  # untrained here, for brevity
    >>> images = sample(model, 64, seed=1)
    >>> images.shape
    (64, 8, 8, 1)
    >>> bool(np.array_equal(images, sample(model, 64, seed=1)))
    True
    """
    validation.check_positive_int(batch_size, "batch_size")
    z = noise(model, n, seed)  # checks the model, `n` and `seed`
    return np.asarray(model.generator.predict(z, batch_size=batch_size, verbose=0))


def interpolate(model, steps=8, seed=0, *, spherical=True):
    """Images along a path between two noise vectors drawn from `seed`.

    Args:
        model: a `GAN`.
        steps: number of images along the path (at least 2; default 8).
        seed: seed of the two end points (default 0).
        spherical: slerp (default `True`; it keeps the path at the typical
            norm of Gaussian noise) instead of a straight line.

    Returns:
        `(steps, H, W, C)` NumPy images.

    Raises:
        ValueError: for a model that is not a `GAN`, or a bad `steps` or
            `seed`.
    """
    check_model(model)
    validation.check_positive_int(steps, "steps", minimum=2)
    start, end = noise(model, 2, seed).astype("float64")  # (latent_dim,) each
    t = np.linspace(0.0, 1.0, steps)[:, None]  # (steps, 1)
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    angle = np.arccos(np.clip(cosine, -1.0, 1.0))
    if spherical and angle > 1e-6:
        path = (np.sin((1 - t) * angle) * start + np.sin(t * angle) * end) / np.sin(
            angle
        )
    else:
        path = (1 - t) * start + t * end  # (steps, latent_dim)
    images = model.generator.predict(path.astype("float32"), verbose=0)
    return np.asarray(images)


def _to_unit_range(model, images):
    low, high = model.output_range
    return (np.asarray(images) - low) / (high - low)


class GANMonitor(keras.callbacks.Callback):
    """Writes a PNG grid of samples from fixed noise every `every` epochs.

    The noise is drawn once, so successive grids show how the same latent
    points change as the generator learns.

    Args:
        directory: where `epoch_XXXX.png` files are written.
        num_images: images per grid (default 64).
        every: epochs between grids (default 10; the last epoch always gets
            one).
        seed: seed of the fixed noise (default 0).

    Example:

    >>> from recipes import data
    >>> from recipes.gan import build, compile, fit
    >>> model = compile(build(input_shape=(8, 8, 1)))
    >>> monitor = GANMonitor("samples", num_images=16, every=10)
    >>> history = fit(
    ...     model, data.load("digits"), epochs=1, callbacks=[monitor], verbose=0)
    >>> monitor.paths  # the last epoch always gets a grid
    ['samples/epoch_0001.png']
    """

    def __init__(self, directory, num_images=64, every=10, seed=0):
        super().__init__()
        validation.check_positive_int(num_images, "num_images")
        validation.check_positive_int(every, "every")
        seed = validation.check_seed(seed, allow_none=False)
        self.directory = os.fspath(directory)
        self.num_images, self.every, self.seed = num_images, every, seed
        self.paths = []

    def on_epoch_end(self, epoch, logs=None):
        last = epoch + 1 == self.params.get("epochs")
        if (epoch + 1) % self.every and not last:
            return
        from recipes import plots

        images = sample(self.model, self.num_images, self.seed)
        path = os.path.join(self.directory, f"epoch_{epoch + 1:04d}.png")
        plots.image_grid(
            _to_unit_range(self.model, images), path, title=f"epoch {epoch + 1}"
        )
        self.paths.append(path)
