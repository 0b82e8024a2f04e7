"""What a trained VAE is for: new images, codes, reconstructions, latent maps."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recipes import validation
from recipes.vae.model import check_images, check_model


def decode(model, z):
    """The decoder's mean images of codes `z` `(N, L)`, as a NumPy array."""
    decoded = model.decoder(ops.convert_to_tensor(z, "float32"), training=False)
    return ops.convert_to_numpy(model.mean_image(decoded))


def sample(model, n, seed=None):
    """Draws `n` new images: `z ~ N(0, I)`, then the decoder's mean image.

    Args:
        model: a trained `VAE`.
        n: number of images (at least 1).
        seed: seed of the latent draws (the same seed gives the same images;
            default `None`, fresh draws).

    Returns:
        `(n, H, W, C)` NumPy array (pixel probabilities for Bernoulli).

    Raises:
        ValueError: for a model that is not a `VAE`, or a bad `n` or `seed`.

    Example:

    >>> import numpy as np
    >>> from recipes import vae
    >>> model = vae.build(latent_dim=2)  # untrained here, for brevity
    >>> images = sample(model, 16, seed=0)
    >>> images.shape
    (16, 8, 8, 1)
    >>> bool(np.array_equal(images, sample(model, 16, seed=0)))
    True
    """
    check_model(model)
    validation.check_positive_int(n, "n")
    seed = validation.check_seed(seed)
    z = keras.random.normal((n, model.latent_dim), seed=seed)  # (n, L)
    return decode(model, z)


def encode(model, x):
    """The posterior means and log-variances of `x`, `(N, L)` NumPy arrays each."""
    check_model(model)
    z_mean, z_log_var = model.encoder(check_images(model, x, "x"), training=False)
    return ops.convert_to_numpy(z_mean), ops.convert_to_numpy(z_log_var)


def reconstruct(model, x, *, seed=None):
    """Encodes and decodes `x`.

    Args:
        model: a trained `VAE`.
        x: `(N, H, W, C)` images.
        seed: `None` (default) decodes the posterior mean `z_mean`
            (deterministic); an integer decodes one sample `z ~ q(z | x)`
            drawn with that seed.

    Returns:
        `(N, H, W, C)` NumPy array of mean images.

    Example:

    >>> import numpy as np
    >>> from recipes import vae
    >>> model = vae.build(latent_dim=2)  # untrained here, for brevity
    >>> x = np.zeros((3, 8, 8, 1), "float32")
    >>> reconstruct(model, x).shape  # decodes z_mean
    (3, 8, 8, 1)
    >>> same = reconstruct(model, x, seed=1)  # decodes one sample of q(z | x)
    >>> bool(np.array_equal(same, reconstruct(model, x, seed=1)))
    True
    """
    seed = validation.check_seed(seed)
    z_mean, z_log_var = encode(model, x)  # (N, L) each
    if seed is not None:
        epsilon = ops.convert_to_numpy(
            keras.random.normal(z_mean.shape, seed=seed)
        )  # (N, L)
        z_mean = z_mean + np.exp(0.5 * z_log_var) * epsilon
    return decode(model, z_mean)


def interpolate(model, x_a, x_b, steps=8):
    """Decodes the straight line between the latent means of two images.

    Args:
        model: a trained `VAE`.
        x_a: the first image, `(H, W, C)` or `(1, H, W, C)`.
        x_b: the last image, of the same shape.
        steps: number of points on the line, both ends included (at least 2;
            default 8).

    Returns:
        `(steps, H, W, C)` NumPy array, from `x_a`'s code to `x_b`'s.

    Example:

    >>> import numpy as np
    >>> from recipes import vae
    >>> model = vae.build(latent_dim=2)  # untrained here, for brevity
    >>> x = np.random.default_rng(0).random((2, 8, 8, 1), "float32")
    >>> frames = interpolate(model, x[0], x[1], steps=10)
    >>> frames.shape
    (10, 8, 8, 1)
    """
    check_model(model)
    validation.check_positive_int(steps, "steps", minimum=2)
    codes = []
    for name, image in (("x_a", x_a), ("x_b", x_b)):
        image = np.asarray(image, dtype="float32")
        if image.shape == model.image_shape:
            image = image[None]
        if image.shape != (1, *model.image_shape):
            raise ValueError(
                f"`{name}` must be one image of shape {model.image_shape}, "
                f"got {image.shape}."
            )
        codes.append(encode(model, image)[0][0])  # (L,)
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]  # (steps, 1)
    return decode(model, (1 - weights) * codes[0] + weights * codes[1])


def latent_map(model, path, *, x=None, labels=None, grid=15, span=2.5, seed=0):
    """Saves a picture of the latent space as a PNG.

    With `latent_dim == 2`: a `grid x grid` array of images decoded from the
    latent plane `[-span, span]**2` (`z_1` left to right, `z_2` bottom to top).
    Otherwise: a t-SNE map (van der Maaten & Hinton 2008) of the posterior
    means of `x`, coloured by `labels`.

    Args:
        model: a trained `VAE`.
        path: the PNG file to write.
        x: images to embed (needed when `latent_dim != 2`).
        labels: their integer labels, or `None`.
        grid: images per side of the grid (at least 2; default 15).
        span: half-width of the latent square drawn (default 2.5).
        seed: seed of t-SNE (default 0).

    Returns:
        `path`.

    Example:

    >>> from recipes import data, vae
    >>> latent_map(vae.build(latent_dim=2), "plane.png", grid=5)  # 5 x 5 images
    'plane.png'
    >>> x, y = data.load("digits").test
    >>> latent_map(vae.build(latent_dim=8), "tsne.png", x=x, labels=y)  # doctest: +SKIP
    'tsne.png'
    """
    from recipes import plots

    check_model(model)
    seed = validation.check_seed(seed)
    if model.latent_dim == 2:
        validation.check_positive_int(grid, "grid", minimum=2)
        validation.check_positive(span, "span")
        values = np.linspace(-span, span, grid, dtype="float32")
        z = np.array([[z1, z2] for z2 in values[::-1] for z1 in values], "float32")
        return plots.image_grid(
            decode(model, z), path, columns=grid, title="decoded latent plane"
        )
    if x is None:
        raise ValueError("`x` is required for a t-SNE map when latent_dim != 2.")
    from sklearn.manifold import TSNE

    z_mean, _ = encode(model, x)
    perplexity = float(min(30.0, max(2.0, (len(z_mean) - 1) / 3)))
    points = TSNE(
        n_components=2, perplexity=perplexity, random_state=seed, init="pca"
    ).fit_transform(z_mean)
    return plots.scatter(
        points, path, labels=labels, title="t-SNE of the posterior means"
    )
