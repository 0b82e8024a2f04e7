"""The siamese model: a shared embedding network and a distance between codes."""

from __future__ import annotations

import keras

from recipes import convnet, layers, saving, validation

DISTANCES = ("euclidean", "cosine", "weighted_l1")
TOWERS = ("convnet", "dense")
_DISTANCE_LAYERS = {
    "euclidean": layers.EuclideanDistance,
    "cosine": layers.CosineSimilarity,
    "weighted_l1": layers.WeightedL1Similarity,
}
DEFAULT_WEIGHT_DECAY = {"weighted_l1": 1e-3}  # Koch et al.; the others: none


def build(
    *,
    input_shape=(8, 8, 1),
    embedding_dim=32,
    distance="euclidean",
    tower="convnet",
    arch="vgg",
    width=16,
    depth=2,
    dropout_rate=0.0,
    batch_norm=True,
    augment=False,
    weight_decay=None,
    normalize=True,
    pixel_weight=0.0,
    seed=None,
    name="siamese",
):
    """Builds an (uncompiled) siamese network on pairs of inputs.

    Defaults are chosen on the validation classes of `glyphs` (held-out
    background characters): see docs/recipes/siamese.md.

    Args:
        input_shape: shape of one input, e.g. `(height, width, channels)`.
        embedding_dim: size of the embedding `z` (default 32).
        distance: `"euclidean"` (the default; output: `||z - z'||`, for
            `ContrastiveLoss`), `"cosine"` (output: cosine similarity, for
            `CosineContrastiveLoss`) or `"weighted_l1"` (output: Koch et al.'s
            probability of "same").
        tower: `"convnet"` (the default: the features of
            `recipes.convnet.build`, images only) or `"dense"` (a multilayer
            perceptron of `depth` layers).
        arch: the convnet tower's architecture, as in
            `recipes.convnet.build` (default `"vgg"`).
        width: filters of the convnet tower's first stage, or units of the
            first `"dense"` layer; each later one doubles them (default 16).
        depth: stages of the convnet tower, or `"dense"` layers (default 2).
        dropout_rate: dropout in the tower (default 0, none).
        batch_norm: batch normalisation in the convnet tower (default `True`).
        augment: random elastic-affine warps of image inputs in training
            (`RandomWarp`: rotation, scale, shear, shift and a smooth elastic
            field; compiles under XLA). Off by default: `glyphs` images are
            distorted already, and the warp slows TensorFlow training on the
            CPU about 17-fold.
        weight_decay: L2 penalty on every kernel of the embedding network (and
            on `alpha` of `weighted_l1`), as Koch et al. regularise; 0 for
            none. `None` (the default): 1e-3 for `weighted_l1`, 0 for
            `euclidean` and `cosine`.
        normalize: scale the learned code to unit length
            (`SafeUnitNormalization`), so that the contrastive margin has a
            fixed scale to work against (default `True`).
        pixel_weight: if positive, the embedding also holds the unit-length
            flattened input times this weight, beside the learned code: the
            distance is then the pixel distance plus a learned correction
            (it helped on 6 digit classes, e.g. 1.5). 0 (the default) for the
            learned code alone.
        seed: seed of the random warps of `augment`.
        name: the model's name.

    Returns:
        A Functional `keras.Model` from `[left, right]` to `(B, 1)` scores. Its
        layer `embedding` is the shared embedding network.

    Raises:
        ValueError: for an unknown `distance` or `tower`, an `input_shape` of
            non-positive or non-integer sizes (`(height, width, channels)`
            for the convnet tower), or a bad size, rate, weight or seed.

    Example:

    >>> model = build(distance="weighted_l1", embedding_dim=16)
    >>> model.output_shape
    (None, 1)
    """
    validation.check_choice(distance, "distance", DISTANCES)
    validation.check_choice(tower, "tower", TOWERS)
    validation.check_positive_int(embedding_dim, "embedding_dim")
    validation.check_positive_int(width, "width")
    validation.check_positive_int(depth, "depth")
    validation.check_fraction(dropout_rate, "dropout_rate")
    if weight_decay is None:
        weight_decay = DEFAULT_WEIGHT_DECAY.get(distance, 0.0)
    if weight_decay != 0:
        validation.check_positive(weight_decay, "weight_decay")
    if pixel_weight != 0:
        validation.check_positive(pixel_weight, "pixel_weight")
    if tower == "convnet":
        input_shape = validation.check_image_shape(input_shape)
    input_shape = validation.check_shape(input_shape)
    seed = validation.check_seed(seed)

    embedding = _embedding_network(
        input_shape,
        embedding_dim=embedding_dim,
        # Koch et al. squash the embedding with a sigmoid before the weighted L1.
        activation="sigmoid" if distance == "weighted_l1" else None,
        tower=tower,
        tower_kwargs=dict(
            arch=arch,
            width=width,
            depth=depth,
            dropout_rate=dropout_rate,
            batch_norm=batch_norm,
        ),
        augment=augment,
        normalize=normalize,
        pixel_weight=pixel_weight,
        seed=seed,
    )
    if weight_decay:
        embedding = _with_weight_decay(embedding, weight_decay)

    left = keras.Input(shape=input_shape, name="left")
    right = keras.Input(shape=input_shape, name="right")
    z_left, z_right = embedding(left), embedding(right)  # (B, D) each
    kwargs = {"name": "distance"}
    if distance == "weighted_l1" and weight_decay:
        kwargs["alpha_regularizer"] = keras.regularizers.L2(weight_decay)
    outputs = _DISTANCE_LAYERS[distance](**kwargs)([z_left, z_right])  # (B, 1)
    return saving.RecipeModel([left, right], outputs, name=name, recipe="siamese")


def _embedding_network(
    input_shape,
    *,
    embedding_dim,
    activation,
    tower,
    tower_kwargs,
    augment,
    normalize,
    pixel_weight,
    seed,
):
    """The shared network `embedding`: `(B, *input_shape)` to `(B, D [+ P])`."""
    if tower == "convnet":
        classifier = convnet.build(
            input_shape=input_shape,
            num_classes=2,  # its softmax head is dropped below
            augment=False,  # the warp below replaces its shifts
            **tower_kwargs,
        )
        features = keras.Model(
            classifier.input, classifier.get_layer("label").input, name="tower"
        )  # (B, F)
    inputs = keras.Input(shape=input_shape, name="image")
    warped = inputs
    if augment and len(input_shape) == 3:
        warped = layers.RandomWarp(seed=seed, name="warp")(inputs)  # (B, H, W, C)
    if tower == "convnet":
        x = features(warped)
    else:
        x = keras.layers.Flatten()(warped)  # (B, prod(input_shape))
        for i in range(tower_kwargs["depth"]):
            x = keras.layers.Dense(
                tower_kwargs["width"] * 2**i,
                activation="relu",
                kernel_initializer="he_normal",
            )(x)
            if tower_kwargs["dropout_rate"]:
                x = keras.layers.Dropout(tower_kwargs["dropout_rate"])(x)
    x = keras.layers.Dense(embedding_dim, activation=activation, name="head")(x)
    if normalize:
        x = layers.SafeUnitNormalization(name="unit_code")(x)  # (B, embedding_dim)
    if pixel_weight:
        pixels = keras.layers.Flatten(name="pixels")(warped)  # (B, P)
        pixels = keras.layers.UnitNormalization(name="unit_pixels")(pixels)
        pixels = keras.layers.Rescaling(pixel_weight, name="pixel_weight")(pixels)
        x = keras.layers.Concatenate(name="code_and_pixels")([x, pixels])  # (B, D + P)
    return keras.Model(inputs, x, name="embedding")  # (B, D [+ P])


def _with_weight_decay(model, weight_decay):
    """A copy of `model` with an L2 regularizer on every kernel."""
    config = model.get_config()
    regularizer = keras.regularizers.serialize(keras.regularizers.L2(weight_decay))

    def regularize(layer_configs):  # nested models (the convnet tower) included
        for layer in layer_configs:
            if "kernel_regularizer" in layer["config"]:
                layer["config"]["kernel_regularizer"] = regularizer
            regularize(layer["config"].get("layers", []))

    regularize(config["layers"])
    return keras.Model.from_config(config)


def distance_of(model):
    """The distance name (`"euclidean"`, `"cosine"`, `"weighted_l1"`) of a model.

    Example:

    >>> from recipes import siamese
    >>> siamese.distance_of(siamese.build(tower="dense", distance="cosine"))
    'cosine'
    """
    layer = model.get_layer("distance")
    for name, cls in _DISTANCE_LAYERS.items():
        if isinstance(layer, cls):
            return name
    raise ValueError(f"`model` has no siamese distance layer, got {type(layer)}.")
