"""The code space of an autoencoder: its two halves, codes, maps and morphs."""

from __future__ import annotations

import keras
import numpy as np

from recipes import saving, validation
from recipes.autoencoder.model import CODE


def has_code_layer(model):
    """Whether `model` has the `"code"` layer of an autoencoder from `build`."""
    return any(layer.name == CODE for layer in model.layers)


def code_tensor(model):
    """The symbolic code of `model`: its `"code"` layer's output, or the output
    of a model without one (a stacked encoder from `pretrain`)."""
    return model.get_layer(CODE).output if has_code_layer(model) else model.outputs[0]


def encoder_of(model):
    """The encoder half of an autoencoder (inputs -> code), sharing its layers.

    Noise layers are inactive at inference, so the encoder is deterministic.
    A model without a `"code"` layer (a stacked encoder) is returned as is.
    """
    if not has_code_layer(model):
        return model
    return saving.RecipeModel(
        model.input,
        code_tensor(model),
        name=f"{model.name}_encoder",
        recipe="autoencoder",
        role="encoder",
    )


def decoder_of(model):
    """The decoder half of an autoencoder (code -> reconstruction)."""
    return saving.RecipeModel(
        code_tensor(model),
        model.outputs[0],
        name=f"{model.name}_decoder",
        recipe="autoencoder",
        role="decoder",
    )


def encode(model, x, *, batch_size=256):
    """Codes of `x` (an autoencoder's `"code"` layer, or an encoder's output).

    Returns:
        `(N, code_size)` float32 NumPy array.

    Raises:
        ValueError: for inputs that do not fit `model`, or a bad `batch_size`.
    """
    validation.check_positive_int(batch_size, "batch_size")
    x = validation.check_array(x, "x", shape=model.input_shape[1:])
    return _run(encoder_of(model), x, batch_size)


def decode(model, codes, *, batch_size=256):
    """Reconstructions of `codes` by an autoencoder's decoder half.

    Returns:
        `(N, *input_shape)` float32 NumPy array.

    Example:

    >>> import numpy as np
    >>> from recipes import autoencoder
    >>> model = autoencoder.build(code_size=4)
    >>> decode(model, np.zeros((3, 4))).shape
    (3, 8, 8, 1)
    """
    validation.check_positive_int(batch_size, "batch_size")
    decoder = decoder_of(model)
    codes = validation.check_array(codes, "codes", shape=decoder.input_shape[1:])
    return _run(decoder, codes, batch_size)


def _run(model, x, batch_size):
    """Inference by direct calls, batch by batch (no `predict` function is
    traced for each sub-model)."""
    outputs = [
        keras.ops.convert_to_numpy(model(x[i : i + batch_size], training=False))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(outputs).astype("float32")


def latent_map(model, x, y=None, *, method="pca", path=None, seed=0):
    """2-D map of the codes of `x`, by PCA or t-SNE, optionally saved as a PNG.

    Args:
        model: an autoencoder or encoder.
        x: inputs.
        y: labels for the colours, or `None`.
        method: `"pca"` (the default) or `"tsne"` (scikit-learn's; perplexity
            capped for small `x`). Codes of size 2 are used as they are.
        path: PNG file for a scatter coloured by class, or `None`.
        seed: seed of t-SNE (default 0).

    Returns:
        `(N, 2)` coordinates.
    """
    validation.check_choice(method, "method", ("pca", "tsne"))
    seed = validation.check_seed(seed)
    codes = encode(model, x)
    if codes.shape[1] == 2:
        points = codes
    elif method == "pca":
        from sklearn.decomposition import PCA

        points = PCA(n_components=2).fit_transform(codes)
    else:
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(2, (len(codes) - 1) // 3)))
        points = TSNE(2, perplexity=perplexity, random_state=seed).fit_transform(codes)
    if path is not None:
        from recipes import plots

        plots.scatter(points, path, labels=y, title=f"Autoencoder codes ({method})")
    return points


def interpolate(model, x_start, x_end, *, steps=8, path=None):
    """Morphs one input into another: decodes codes on the line between them.

    Args:
        model: an autoencoder.
        x_start: the first input (one example, shape `input_shape`).
        x_end: the last input (one example).
        steps: number of images, ends included (at least 2; default 8).
        path: PNG file for the strip of images, or `None`.

    Returns:
        `(steps, *input_shape)` decoded images.
    """
    validation.check_positive_int(steps, "steps", minimum=2)
    codes = encode(model, np.stack([x_start, x_end]))  # (2, code_size)
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    return _decoded(
        model,
        (1 - weights) * codes[0] + weights * codes[1],
        path,
        title="decoded codes on the line between two images",
    )


def attribute_vector(model, x, y, *, to_class, from_class):
    """Mean code of class `to_class` minus mean code of class `from_class`."""
    y = np.asarray(y)
    codes = encode(model, x)
    for value, name in ((to_class, "to_class"), (from_class, "from_class")):
        if not np.any(y == value):
            raise ValueError(f"`{name}`={value!r} has no example in `y`.")
    return codes[y == to_class].mean(axis=0) - codes[y == from_class].mean(axis=0)


def apply_attribute(model, x, vector, *, scale=1.0, path=None):
    """Decodes `encode(x) + scale * vector` (with `vector` from
    `attribute_vector`; `scale` defaults to 1); saves the images in a row when
    `path` is given."""
    codes = encode(model, x) + scale * np.asarray(vector, "float32")
    return _decoded(
        model, codes, path, title=f"decoded codes plus {scale:g} x the attribute vector"
    )


def _decoded(model, codes, path, *, title):
    """`decode(model, codes)`, drawn in one row titled `title` to `path` unless it is `None`."""
    images = decode(model, codes)
    if path is not None:
        from recipes import plots

        plots.image_grid(images, path, columns=len(images), title=title)
    return images
