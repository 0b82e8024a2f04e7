"""The U-Net: a contracting encoder, an expanding decoder, skips by concatenation."""

from __future__ import annotations

import keras

from recipes import saving, validation

UPSAMPLINGS = ("transpose", "bilinear")


def build(
    *,
    input_shape=(64, 64, 3),
    num_classes=1,
    filters=8,
    depth=3,
    upsampling="transpose",
    batch_norm=True,
    dropout_rate=0.0,
    name="unet",
):
    """Builds an (uncompiled) U-Net (Ronneberger, Fischer & Brox 2015).

    The encoder has `depth` stages of two 3x3 convolutions (ReLU) followed by
    2x2 max-pooling, the filters doubling from stage to stage; a bottleneck of
    two convolutions; and a decoder of `depth` stages, each upsampling by 2,
    concatenating the encoder's features of the same resolution (the skip
    connection) and applying two 3x3 convolutions. A 1x1 convolution gives
    per-pixel probabilities. Convolutions are padded ("same"), so an input
    whose sides are multiples of `2**depth` comes out at its own size; other
    sizes are zero-padded at the bottom and right to the next multiple, and
    the output is cropped back, so the output always has the input's height
    and width. Runs under XLA. Defaults: docs/recipes/unet.md.

    Args:
        input_shape: `(height, width, channels)` of one image; sizes must be
            known (not `None`).
        num_classes: 1 for a binary mask (sigmoid output), or the number of
            classes (at least 2; softmax output over them).
        filters: filters of the first stage (doubled at each deeper stage).
        depth: number of pooling stages (at least 1).
        upsampling: `"transpose"` (a learned 2x2 transposed convolution, the
            paper's "up-convolution") or `"bilinear"` (bilinear upsampling then
            a 1x1 convolution).
        batch_norm: batch normalisation after each 3x3 convolution.
        dropout_rate: dropout at the bottleneck, in [0, 1).
        name: the model's name.

    Returns:
        A Functional `keras.Model` from images `(B, H, W, C)` to probabilities
        `(B, H, W, num_classes)`.

    Raises:
        ValueError: for an `input_shape` that is not `(height, width,
            channels)` of positive known sizes, or a bad size, choice or rate.

    Example:

    >>> from recipes import unet
    >>> model = unet.build(input_shape=(30, 45, 3), filters=4, depth=2)
    >>> model.output_shape
    (None, 30, 45, 1)
    """
    input_shape = validation.check_shape(input_shape, "input_shape", ranks=(3,))
    validation.check_positive_int(num_classes, "num_classes")
    validation.check_positive_int(filters, "filters")
    validation.check_positive_int(depth, "depth")
    validation.check_choice(upsampling, "upsampling", UPSAMPLINGS)
    validation.check_fraction(dropout_rate, "dropout_rate")
    height, width, _ = input_shape
    multiple = 2**depth
    pad_height, pad_width = -height % multiple, -width % multiple

    inputs = keras.Input(shape=input_shape, name="image")  # (B, H, W, C)
    x = inputs
    if pad_height or pad_width:  # (B, H', W', C), H' and W' multiples of 2**depth
        x = keras.layers.ZeroPadding2D(((0, pad_height), (0, pad_width)))(x)
    skips = []
    for stage in range(depth):  # (B, h, w, f) -> (B, h/2, w/2, 2f)
        x = _double_conv(x, filters * 2**stage, batch_norm, f"down{stage}")
        skips.append(x)
        x = keras.layers.MaxPooling2D(2, name=f"down{stage}_pool")(x)
    x = _double_conv(x, filters * 2**depth, batch_norm, "bottleneck")
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate, name="bottleneck_dropout")(x)
    for stage in reversed(range(depth)):  # (B, h, w, 2f) -> (B, 2h, 2w, f)
        stage_filters = filters * 2**stage
        x = _upsample(x, stage_filters, upsampling, f"up{stage}")
        x = keras.layers.Concatenate(name=f"up{stage}_skip")([skips[stage], x])
        x = _double_conv(x, stage_filters, batch_norm, f"up{stage}")
    if pad_height or pad_width:  # back to (B, H, W, filters)
        x = keras.layers.Cropping2D(((0, pad_height), (0, pad_width)))(x)
    outputs = keras.layers.Conv2D(
        num_classes,
        1,
        activation="sigmoid" if num_classes == 1 else "softmax",
        name="mask",
    )(x)  # (B, H, W, num_classes)
    return saving.RecipeModel(inputs, outputs, name=name, recipe="unet")


def _double_conv(x, filters, batch_norm, name):
    """Two 3x3 convolutions, each followed by batch normalisation and ReLU."""
    for index in (1, 2):
        x = keras.layers.Conv2D(
            filters,
            3,
            padding="same",
            use_bias=not batch_norm,
            kernel_initializer="he_normal",
            name=f"{name}_conv{index}",
        )(x)
        if batch_norm:
            x = keras.layers.BatchNormalization(name=f"{name}_norm{index}")(x)
        x = keras.layers.Activation("relu", name=f"{name}_relu{index}")(x)
    return x


def _upsample(x, filters, upsampling, name):
    """Doubles the height and width, with `filters` channels."""
    if upsampling == "transpose":
        return keras.layers.Conv2DTranspose(
            filters, 2, strides=2, kernel_initializer="he_normal", name=f"{name}_up"
        )(x)
    x = keras.layers.UpSampling2D(2, interpolation="bilinear", name=f"{name}_up")(x)
    return keras.layers.Conv2D(
        filters, 1, kernel_initializer="he_normal", name=f"{name}_project"
    )(x)
