"""The autoencoder's architecture: `build` and the layers it is made of."""

from __future__ import annotations

import keras

from recipes import layers, saving, validation

KINDS = ("dense", "conv")
NOISES = (None, "gaussian", "masking")
LOSSES = ("mse", "binary_crossentropy")
CODE = "code"  # name of the layer whose output is the code


def check_units(units, name):
    """Refuses layer widths that are not a sequence of positive integers; returns a tuple."""
    return validation.check_sizes(units, name)


def noise_layer(noise, noise_level, seed):
    """The corruption layer for `noise` (checked), or `None` for no noise."""
    validation.check_choice(noise, "noise", NOISES)
    if noise is None:
        return None
    if noise == "masking":
        validation.check_fraction(noise_level, "noise_level")
        return layers.MaskingNoise(noise_level, seed=seed, name="masking_noise")
    validation.check_positive(noise_level, "noise_level")
    return keras.layers.GaussianNoise(noise_level, seed=seed, name="gaussian_noise")


def check_input_shape(input_shape, kind):
    """Refuses a shape that `kind` cannot take; returns it as a tuple."""
    ranks = (3,) if kind == "conv" else (1, 3)
    try:
        rank = len(tuple(input_shape))
    except TypeError:
        rank = None
    if rank is not None and rank not in ranks:
        accepted = "(height, width, channels)"
        if kind != "conv":
            accepted += " or (features,)"
        raise ValueError(
            f"`input_shape` must be {accepted} for kind={kind!r}, got {input_shape!r}."
        )
    return validation.check_shape(input_shape, ranks=ranks)


def build(
    *,
    input_shape=(8, 8, 1),
    kind="dense",
    hidden_units=(48,),
    filters=(16, 32),
    code_size=16,
    activation="relu",
    code_activation="linear",
    output_activation="sigmoid",
    tied=False,
    noise=None,
    noise_level=0.2,
    sparsity=0.0,
    seed=None,
    name="autoencoder",
):
    """Builds an (uncompiled) autoencoder from inputs to their reconstruction.

    Args:
        input_shape: shape of one example: `(height, width, channels)`, or
            `(features,)` for `kind="dense"`.
        kind: `"dense"` (fully connected) or `"conv"` (strided convolutions,
            then a dense bottleneck; transposed convolutions back).
        hidden_units: widths of the dense encoder layers before the code
            (`"dense"`); the decoder mirrors them.
        filters: filters of the stride-2 convolutions (`"conv"`).
        code_size: size of the bottleneck code.
        activation: activation of the hidden layers.
        code_activation: activation of the code (`"linear"` suits latent
            maps and interpolation; `"relu"` suits sparse codes).
        output_activation: activation of the reconstruction (`"sigmoid"` for
            inputs in [0, 1]).
        tied: decoder dense layers use the transposed encoder kernels
            (`TiedDense`); for `"conv"` the dense bottleneck is tied.
        noise: `None`, `"gaussian"` (standard deviation `noise_level`) or
            `"masking"` (drop probability `noise_level` in [0, 1)); the
            input is corrupted in training only.
        noise_level: the noise's standard deviation or drop probability.
        sparsity: weight of the L1 penalty on the code activations (the
            mean over the batch of `sum |code|`); 0 turns it off.
        seed: seed of the noise.
        name: the model's name.

    Returns:
        A Functional `keras.Model` (a `recipes.saving.RecipeModel`); its
        layer named `"code"` outputs the code.

    Raises:
        ValueError: for an unknown `kind`, `noise` or activation name, an
            `input_shape` of non-positive or non-integer sizes, widths that
            are not a sequence of positive integers (`hidden_units=16`), or a
            bad size, level or seed.

    Example:

    >>> model = build(kind="conv", filters=(8, 16), code_size=4, tied=True)
    >>> model.output_shape
    (None, 8, 8, 1)
    >>> model.get_layer("code").output.shape
    (None, 4)
    """
    validation.check_choice(kind, "kind", KINDS)
    input_shape = check_input_shape(input_shape, kind)
    hidden_units = check_units(hidden_units, "hidden_units")
    filters = check_units(filters, "filters")
    if kind == "conv" and not filters:
        raise ValueError("`filters` must not be empty for kind='conv'.")
    validation.check_positive_int(code_size, "code_size")
    validation.check_non_negative(sparsity, "sparsity")
    for value, argument in (
        (activation, "activation"),
        (code_activation, "code_activation"),
        (output_activation, "output_activation"),
    ):
        validation.check_activation(value, argument)
    seed = validation.check_seed(seed)
    corrupt = noise_layer(noise, noise_level, seed)

    inputs = keras.Input(shape=input_shape, name="input")  # (B, *input_shape)
    x = corrupt(inputs) if corrupt else inputs
    if kind == "conv":
        for i, f in enumerate(filters):  # each halves H and W
            x = keras.layers.Conv2D(
                f, 3, strides=2, padding="same", activation=activation, name=f"conv_{i}"
            )(x)
        feature_shape = tuple(x.shape[1:])  # (H', W', filters[-1])
        hidden_units = ()
    x = keras.layers.Flatten()(x)  # (B, D)
    dims = [x.shape[-1], *hidden_units]
    out_activation = activation if kind == "conv" else output_activation
    encoders = []
    for i, units in enumerate((*hidden_units, code_size)):
        last = i == len(hidden_units)  # the code projection
        back = out_activation if i == 0 else activation  # its decoding direction
        encoders.append(
            _dense(
                units,
                None if last else activation,
                tied,
                back,
                "code_projection" if last else f"encoder_{i}",
            )
        )
        x = encoders[-1](x)  # (B, units)
    regularizer = keras.regularizers.L1(sparsity) if sparsity else None
    x = keras.layers.Activation(
        code_activation, activity_regularizer=regularizer, name=CODE
    )(x)
    for i, layer in reversed(list(enumerate(encoders))):  # the mirror image
        act = out_activation if i == 0 else activation
        if tied:
            x = layer(x, transpose=True)  # (B, dims[i])
        else:
            x = keras.layers.Dense(dims[i], activation=act, name=f"decoder_{i}")(x)
    if kind == "conv":
        x = keras.layers.Reshape(feature_shape)(x)
        for i, f in reversed(list(enumerate((input_shape[-1], *filters[:-1])))):
            act = output_activation if i == 0 else activation
            x = keras.layers.Conv2DTranspose(
                f, 3, strides=2, padding="same", activation=act, name=f"deconv_{i}"
            )(x)  # doubles H and W
        extra = (x.shape[1] - input_shape[0], x.shape[2] - input_shape[1])
        if any(extra):
            x = keras.layers.Cropping2D(((0, extra[0]), (0, extra[1])))(x)
    else:
        x = keras.layers.Reshape(input_shape, name="reconstruction")(x)
    # (B, *input_shape)
    return saving.RecipeModel(inputs, x, name=name, recipe="autoencoder")


def _dense(units, activation, tied, transpose_activation, name):
    if tied:
        return layers.TiedDense(
            units,
            activation=activation,
            transpose_activation=transpose_activation,
            name=name,
        )
    return keras.layers.Dense(units, activation=activation, name=name)
