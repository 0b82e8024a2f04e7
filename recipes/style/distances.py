"""Distances between images' features, and the targets of the optimisation.

`style_distance` and `content_distance` are the style and content losses of
`recipes.style.losses` between two images, the measures the benchmark and the
tutorial report; `targets` computes what the optimisation matches (the style
image's Gram matrices, the content image's features) once, before the steps.
The feature maps come from the extractor's compiled `predict`, the losses
from functions compiled with XLA on this backend (`backend_step().compile`):
on JAX, running them operation by operation compiles each operation first,
which took seconds.

Example:

>>> import numpy as np
>>> from recipes.style import distances, features
>>> extractor = features.layer_outputs(features.random_convnet(widths=(8,)),
...                                    ["block1_conv1"])
>>> image = np.random.rand(16, 16, 3).astype("float32")
>>> distances.style_distance(image, image, extractor) < 1e-9
True
"""

from __future__ import annotations

import functools

import keras
from keras import ops

from recipes.style import losses


def backend_step():
    """The module of this backend's compiled step: `step_tensorflow` or `step_jax`."""
    if keras.backend.backend() == "jax":
        from recipes.style import step_jax as step

        return step
    if keras.backend.backend() == "tensorflow":
        from recipes.style import step_tensorflow as step

        return step
    raise ValueError(
        f"Style transfer runs on the tensorflow and jax backends, not "
        f"{keras.backend.backend()!r}."
    )


def features_of(extractor, image):
    """`{layer: (1, height, width, filters)}` of one `(height, width, channels)` image."""
    return extractor.predict(image[None], verbose=0)  # compiled forward pass


@functools.cache
def _compiled(name):
    """The compiled function `name`: the Gram matrices, the style or the content loss."""
    functions = {
        "grams": lambda features: {
            layer: losses.gram_matrix(value) for layer, value in features.items()
        },
        "style_loss": losses.style_loss,
        "content_loss": losses.content_loss,
    }
    return backend_step().compile(functions[name])


def style_distance(image, style, extractor, *, weights=None):
    """`L_style` of `image` against the Gram matrices of `style`.

    Args:
        image: `(height, width, channels)` image.
        style: the style image, of the same channel count.
        extractor: the `layer_outputs` extractor; its layers are the style
            layers.
        weights: `{layer: w_l}` or `None` (equal weights).

    Returns:
        The distance, a float (0 for `image` equal to `style`).
    """
    targets = _compiled("grams")(features_of(extractor, style))
    if weights is None:
        value = _compiled("style_loss")(features_of(extractor, image), targets)
    else:
        value = losses.style_loss(features_of(extractor, image), targets, weights)
    return float(ops.convert_to_numpy(value)[0])


def content_distance(image, content, extractor):
    """`L_content` of `image` against the features of `content` (the extractor's layers)."""
    value = _compiled("content_loss")(
        features_of(extractor, image), features_of(extractor, content)
    )
    return float(ops.convert_to_numpy(value)[0])


def targets(extractor, content, style, content_layers, style_layers):
    """`(content features, style Gram matrices)` of the target images."""
    style_features = features_of(extractor, style)
    grams = _compiled("grams")({layer: style_features[layer] for layer in style_layers})
    if content is None:
        return {}, grams
    content_features = features_of(extractor, content)
    return {layer: content_features[layer] for layer in content_layers}, grams
