"""The embedding network of prototypical networks: four convolutional blocks."""

from __future__ import annotations

import keras

from recipes import saving, validation


def build(
    *,
    input_shape=(28, 28, 1),
    width=64,
    blocks=4,
    batch_norm_momentum=0.9,
    name="protonet",
):
    """Builds the (uncompiled) embedding network of Snell et al. (2017).

    Each block is a 3x3 convolution of `width` filters, batch normalisation,
    ReLU and 2x2 max pooling (Vinyals et al.'s embedding, used by Snell et
    al.); the output is the flattened last block. On 28x28 images the four
    blocks leave a 1x1 map: a 64-dimensional embedding.

    Prototypical Networks for Few-shot Learning (Snell, Swersky & Zemel,
    2017). Defaults: docs/recipes/protonet.md.

    Args:
        input_shape: `(height, width, channels)` of one image (default
            `(28, 28, 1)`, the `glyphs` images).
        width: filters of every convolution (default 64).
        blocks: convolutional blocks (default 4); each halves the image, so
            height and width must be at least `2**blocks`.
        batch_norm_momentum: momentum of the batch normalisation's moving
            statistics, which inference uses (default 0.9, PyTorch's 0.1 in
            Snell et al.'s code; Keras's 0.99 leaves them far behind the
            weights after a few hundred episodes).
        name: the model's name.

    Returns:
        A Functional `keras.Model` from `(B, height, width, channels)` images
        to `(B, D)` embeddings.

    Raises:
        ValueError: for a bad `input_shape`, `width` or `blocks`, or images
            too small for `blocks` poolings.

    Example:

    >>> from recipes import protonet
    >>> model = protonet.build()
    >>> model.output_shape
    (None, 64)
    """
    input_shape = validation.check_image_shape(input_shape)
    validation.check_positive_int(width, "width")
    validation.check_positive_int(blocks, "blocks")
    validation.check_fraction(batch_norm_momentum, "batch_norm_momentum")
    height, across = input_shape[:2]
    if height is None or across is None or min(height, across) < 2**blocks:
        raise ValueError(
            f"`input_shape` {input_shape} must have a known height and width of "
            f"at least 2**blocks = {2**blocks} for `blocks`={blocks} poolings."
        )
    inputs = keras.Input(input_shape, name="images")
    x = inputs  # (B, H, W, C)
    for block in range(blocks):
        x = keras.layers.Conv2D(
            width, 3, padding="same", use_bias=False, name=f"conv_{block + 1}"
        )(x)
        x = keras.layers.BatchNormalization(
            momentum=batch_norm_momentum, name=f"norm_{block + 1}"
        )(x)
        x = keras.layers.ReLU(name=f"relu_{block + 1}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool_{block + 1}")(x)
        # (B, H / 2**(block + 1), W / 2**(block + 1), width)
    outputs = keras.layers.Flatten(name="embedding")(x)  # (B, D)
    return saving.RecipeModel(inputs, outputs, recipe="protonet", name=name)
