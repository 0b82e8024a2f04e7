"""The losses of style transfer: Gram matrices, style, content, total variation.

Notation of Gatys et al. (2016, "Image Style Transfer Using Convolutional
Neural Networks"): a layer `l` with `N_l` filters gives feature maps of
`M_l = height x width` positions, written as the `N_l x M_l` matrix `F^l`
(the image being optimised), `P^l` (the content image) or `S^l` (the style
image).

- Gram matrix, normalised by the number of positions:
  `G^l = F^l (F^l)^T / M_l`, so `G^l_ij` is the mean over positions of the
  product of filters `i` and `j`, and images of different sizes compare.
- Style loss of a layer: `E_l = (1 / N_l^2) sum_ij (G^l_ij - A^l_ij)^2`, the
  mean squared difference from the style image's Gram matrix `A^l`; over the
  style layers `L_s`, `L_style = sum_l w_l E_l` with weights `w_l` (by default
  `1 / |L_s|`). Gatys et al.'s `1 / (4 N_l^2 M_l^2)` on unnormalised Gram
  matrices is this `E_l` divided by 4.
- Content loss of a layer: `(1 / (N_l M_l)) sum_ij (F^l_ij - P^l_ij)^2`, the
  mean squared difference (Gatys et al.'s `1/2 sum` up to that factor),
  averaged over the content layers.
- Total variation (Mahendran & Vedaldi 2015, with exponent 2): the mean of
  the squared differences between vertically and horizontally neighbouring
  pixels, summed over the two directions.
- Total: `alpha L_content + beta L_style + tv L_tv`.

Features are `(batch, height, width, filters)` tensors (channels last); every
loss returns one value per image, `(batch,)`.

Example:

>>> import numpy as np
>>> from recipes.style import losses
>>> features = np.ones((1, 2, 2, 3), "float32")
>>> np.asarray(losses.gram_matrix(features))[0]
array([[1., 1., 1.],
       [1., 1., 1.],
       [1., 1., 1.]], dtype=float32)
"""

from __future__ import annotations

from keras import ops


def gram_matrix(features):
    """`G = F F^T / M`: filter correlations averaged over the `M` positions.

    Args:
        features: `(batch, height, width, filters)` feature maps.

    Returns:
        `(batch, filters, filters)` Gram matrices.
    """
    shape = ops.shape(features)
    positions = shape[1] * shape[2]
    flat = ops.reshape(features, (shape[0], positions, shape[3]))  # (B, M, N): F^T
    gram = ops.einsum("bmi,bmj->bij", flat, flat)  # (B, N, N)
    return gram / ops.cast(positions, gram.dtype)


def style_layer_loss(features, target_gram):
    """`E_l`: mean squared difference of `features`' Gram matrix from `target_gram`.

    Args:
        features: `(batch, height, width, filters)` of the image.
        target_gram: `(filters, filters)` or `(batch, filters, filters)` Gram
            matrix of the style image.

    Returns:
        `(batch,)` losses.
    """
    difference = gram_matrix(features) - target_gram  # (B, N, N)
    return ops.mean(ops.square(difference), axis=(1, 2))


def style_loss(features, target_grams, weights=None):
    """`sum_l w_l E_l` over the style layers.

    Args:
        features: `{layer: (batch, height, width, filters)}` of the image.
        target_grams: `{layer: (filters, filters)}` of the style image; its
            keys are the style layers.
        weights: `{layer: w_l}`, or `None` for `1 / (number of layers)` each.

    Returns:
        `(batch,)` losses.
    """
    layers = list(target_grams)
    total = 0.0
    for layer in layers:
        weight = 1.0 / len(layers) if weights is None else weights[layer]
        total = total + weight * style_layer_loss(features[layer], target_grams[layer])
    return total


def content_loss(features, target_features):
    """Mean squared feature difference, averaged over the content layers.

    Args:
        features: `{layer: (batch, height, width, filters)}` of the image.
        target_features: `{layer: (1 or batch, height, width, filters)}` of the
            content image; its keys are the content layers.

    Returns:
        `(batch,)` losses.
    """
    layers = list(target_features)
    total = 0.0
    for layer in layers:
        squared = ops.square(features[layer] - target_features[layer])  # (B, H, W, N)
        total = total + ops.mean(squared, axis=(1, 2, 3))
    return total / len(layers)


def total_variation(images):
    """Mean squared difference between neighbouring pixels, both directions summed.

    Args:
        images: `(batch, height, width, channels)`.

    Returns:
        `(batch,)` losses.
    """
    vertical = images[:, 1:, :, :] - images[:, :-1, :, :]  # (B, H - 1, W, C)
    horizontal = images[:, :, 1:, :] - images[:, :, :-1, :]  # (B, H, W - 1, C)
    return ops.mean(ops.square(vertical), axis=(1, 2, 3)) + ops.mean(
        ops.square(horizontal), axis=(1, 2, 3)
    )
