"""The DANN model: a feature extractor, a label head and a reversed domain head."""

from __future__ import annotations

import keras

from recipes import convnet, saving, validation
from recipes.layers import GradientReversal


def build(
    *,
    input_shape=(8, 8, 3),
    num_classes=10,
    feature_extractor=None,
    arch="lenet",
    width=32,
    depth=2,
    dropout_rate=0.0,
    batch_norm=False,
    augment=True,
    domain_units=100,
    lambda_=0.0,
    seed=None,
    name="dann",
):
    """Builds the DANN: feature extractor, label head, reversed domain head.

    Defaults are chosen on validation data: see docs/recipes/dann.md.

    Args:
        input_shape: shape of one example (source and target alike). Default
            `(8, 8, 3)`.
        num_classes: number of classes (at least 2). Default 10.
        feature_extractor: a Keras model from examples to features; when `None`
            (the default), the ConvNet recipe's feature layers are used
            (`arch`, `width`, `depth`, `dropout_rate`, `batch_norm`, `augment`,
            `seed` as in `convnet.build`).
        arch: `"lenet"` (the default), `"vgg"` or `"resnet"`, as in
            `convnet.build`.
        width: filters of the first stage; each later stage doubles them.
            Default 32.
        depth: number of stages (`"lenet"` always has two). Default 2.
        dropout_rate: dropout before the heads, in [0, 1). Default 0.0.
        batch_norm: batch normalisation after each convolution. Default
            `False`.
        augment: random shifts of up to one pixel, active in training only
            (source and target rows alike). Default `True`.
        seed: seed of the augmentation's random shifts. Default `None`.
        domain_units: hidden units of the domain head. Default 100.
        lambda_: initial `lambda` of the `GradientReversal` layer (`fit`'s
            schedule overwrites it in every training step). Default 0.0.
        name: the model's name. Default `"dann"`.

    Returns:
        An uncompiled Functional model with outputs `{"label": (B, classes)
        probabilities, "domain": (B, 1) probability of the target domain}`.

    Raises:
        ValueError: for an `input_shape` of non-positive or non-integer
            sizes, a `feature_extractor` that is not a Keras model or takes
            another shape, or a bad size, `lambda_` or seed (and the
            `convnet.build` arguments as there).

    Example:

    >>> model = build(input_shape=(8, 8, 3), num_classes=10, width=8)
    >>> sorted(model.output)
    ['domain', 'label']
    """
    input_shape = validation.check_shape(input_shape, allow_none=True)
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_positive_int(domain_units, "domain_units")
    seed = validation.check_seed(seed)
    if feature_extractor is None:
        base = convnet.build(
            input_shape=input_shape,
            num_classes=num_classes,
            arch=arch,
            width=width,
            depth=depth,
            dropout_rate=dropout_rate,
            batch_norm=batch_norm,
            augment=augment,
            seed=seed,
            name="convnet_base",
        )
        feature_extractor = keras.Model(
            base.input, base.get_layer("label").input, name="features"
        )
    elif not isinstance(feature_extractor, keras.Model):
        raise ValueError(
            "`feature_extractor` must be a keras.Model or None, "
            f"got {type(feature_extractor).__name__}."
        )
    elif tuple(feature_extractor.input_shape[1:]) != input_shape:
        raise ValueError(
            f"`feature_extractor` takes inputs of shape "
            f"{tuple(feature_extractor.input_shape[1:])}, but `input_shape` is "
            f"{input_shape}."
        )

    inputs = keras.Input(shape=input_shape, name="image")  # (B, ...)
    features = feature_extractor(inputs)
    if len(features.shape) > 2:
        features = keras.layers.Flatten()(features)  # (B, F)
    label = keras.layers.Dense(num_classes, activation="softmax", name="label")(
        features
    )  # (B, num_classes)
    reversed_features = GradientReversal(lambda_=lambda_, name="gradient_reversal")(
        features
    )
    hidden = keras.layers.Dense(
        domain_units, activation="relu", kernel_initializer="he_normal"
    )(reversed_features)  # (B, domain_units)
    domain = keras.layers.Dense(1, activation="sigmoid", name="domain")(hidden)
    return saving.RecipeModel(
        inputs, {"label": label, "domain": domain}, name=name, recipe="dann"
    )


def label_units(model):
    """The number of classes of a DANN's label head."""
    return model.get_layer("label").output.shape[-1]


def label_classifier(model):
    """A model sharing `model`'s layers, from its input to its label head."""
    return keras.Model(model.inputs, model.get_layer("label").output)


def reversal_layers(model):
    """Every `GradientReversal` in `model`, nested models included, once each."""
    found, seen, pending = [], set(), list(model.layers)
    while pending:
        layer = pending.pop(0)
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, GradientReversal):
            found.append(layer)
        pending.extend(getattr(layer, "layers", ()))  # a nested model's layers
    return found
