"""Convolutional image classifiers: LeNet-5, VGG-style and ResNet.

- LeNet-5 (LeCun et al. 1998): two 5x5 convolution + pooling stages, then dense
  layers of 120 and 84 units.
- VGG-style (Simonyan & Zisserman 2015): stages of two 3x3 convolutions and a
  max-pooling, the filters doubling from stage to stage.
- ResNet (He et al. 2016): stages of residual blocks `relu(x + F(x))`, where
  `F` is two 3x3 convolutions with batch normalisation, and a 1x1 projection on
  the shortcut when the shape changes; global average pooling before the head.

Every convolution and dense layer uses He initialisation (He et al. 2015), made
for ReLU networks. All three run under XLA. The defaults and the reasons for
them are in the design note, docs/recipes/convnet.md.

Example:

>>> from recipes import convnet, data
>>> bundle = data.load("digits")
>>> model = convnet.compile(convnet.build(input_shape=(8, 8, 1), num_classes=10))
>>> history = convnet.fit(model, bundle, epochs=1, verbose=0)
>>> sorted(convnet.evaluate(model, bundle))
['accuracy', 'loss']
"""

from __future__ import annotations

import keras

from recipes import layers, saving, training, validation
from recipes.data import load as load_data  # noqa: F401 (the recipe interface)
from recipes.tuning import RecipeHyperModel

DATASET = "digits"
# The dataset facts that `build` and `HyperModel` take from a dataset's info.
FACTS = ("input_shape", "num_classes")

ARCHITECTURES = ("resnet", "vgg", "lenet")
# Training steps per compiled call: fewer host round trips per epoch, the same
# updates (measured in docs/recipes/convnet.md).
STEPS_PER_EXECUTION = 8


def build(
    *,
    input_shape=(8, 8, 1),
    num_classes=10,
    arch="resnet",
    width=32,
    depth=2,
    blocks_per_stage=2,
    dropout_rate=0.3,
    batch_norm=True,
    augment=True,
    stem_strides=1,
    seed=None,
    name="convnet",
):
    """Builds an (uncompiled) image classifier.

    Args:
        input_shape: `(height, width, channels)` of one image.
        num_classes: number of classes (at least 2).
        arch: `"resnet"`, `"vgg"` or `"lenet"`.
        width: filters of the first stage; each later stage doubles them.
        depth: number of stages (`"lenet"` always has two).
        blocks_per_stage: residual blocks per stage (`"resnet"` only).
        dropout_rate: dropout before the classifier, in [0, 1).
        batch_norm: batch normalisation after each convolution.
        augment: random shifts of up to one pixel, active in training only
            (`recipes.layers.RandomShift`, which compiles under XLA).
        stem_strides: strides of the ResNet's first convolution; 2 halves
            the feature maps' sides and cuts the cost about fourfold on large
            images (as He et al.'s ImageNet stem does). `"resnet"` only.
        seed: seed of the augmentation's random shifts.
        name: the model's name.

    Returns:
        A Functional `keras.Model` from images to class probabilities.

    Raises:
        ValueError: for an unknown `arch`, an `input_shape` that is not
            `(height, width, channels)` of positive sizes, or a bad size,
            rate or seed.
    """
    validation.check_choice(arch, "arch", ARCHITECTURES)
    input_shape = validation.check_image_shape(input_shape)
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_positive_int(width, "width")
    validation.check_positive_int(depth, "depth")
    validation.check_positive_int(blocks_per_stage, "blocks_per_stage")
    validation.check_fraction(dropout_rate, "dropout_rate")
    validation.check_positive_int(stem_strides, "stem_strides")
    if stem_strides != 1 and arch != "resnet":
        raise ValueError(f"`stem_strides` applies to arch='resnet' only, got {arch!r}.")
    seed = validation.check_seed(seed)

    inputs = keras.Input(shape=input_shape, name="image")  # (B, H, W, C)
    x = inputs
    if augment:
        x = layers.RandomShift(max_shift=1, seed=seed)(x)
    if arch == "lenet":
        x = _lenet_features(x, width, batch_norm)
    elif arch == "vgg":
        x = _vgg_features(x, width, depth, batch_norm, dropout_rate)
    else:
        x = _resnet_features(
            x, width, depth, blocks_per_stage, batch_norm, stem_strides
        )
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="label")(x)
    return saving.RecipeModel(  # (B, num_classes)
        inputs, outputs, name=name, recipe="convnet"
    )


def _conv(x, filters, kernel_size, batch_norm, strides=1, activation="relu"):
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding="same",
        use_bias=not batch_norm,
        kernel_initializer="he_normal",
    )(x)
    if batch_norm:
        x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation(activation)(x) if activation else x


def _dense(x, units):
    return keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal")(
        x
    )


def _lenet_features(x, width, batch_norm):
    for filters in (width, 2 * width):  # (B, H, W, C) -> (B, H/4, W/4, 2 * width)
        x = _conv(x, filters, 5, batch_norm)
        x = keras.layers.MaxPooling2D(padding="same")(x)
    x = keras.layers.Flatten()(x)
    return _dense(_dense(x, 120), 84)  # (B, 84)


def _vgg_features(x, width, depth, batch_norm, dropout_rate):
    for stage in range(depth):  # each stage halves H and W, doubles the filters
        filters = width * 2**stage
        x = _conv(x, filters, 3, batch_norm)
        x = _conv(x, filters, 3, batch_norm)
        x = keras.layers.MaxPooling2D(padding="same")(x)
    x = keras.layers.Flatten()(x)
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate)(x)
    return _dense(x, 4 * width)  # (B, 4 * width)


def _resnet_features(x, width, depth, blocks_per_stage, batch_norm, stem_strides=1):
    # stem: (B, H / stem_strides, W / stem_strides, width)
    x = _conv(x, width, 3, batch_norm, strides=stem_strides)
    for stage in range(depth):
        filters = width * 2**stage
        for block in range(blocks_per_stage):
            strides = 2 if stage > 0 and block == 0 else 1
            x = _residual_block(x, filters, strides, batch_norm)
    return keras.layers.GlobalAveragePooling2D()(x)  # (B, width * 2**(depth-1))


def _residual_block(x, filters, strides, batch_norm):
    """`relu(shortcut(x) + F(x))` with `F` two 3x3 convolutions (He et al. 2016)."""
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = _conv(x, filters, 1, batch_norm, strides=strides, activation=None)
    y = _conv(x, filters, 3, batch_norm, strides=strides)
    y = _conv(y, filters, 3, batch_norm, activation=None)
    return keras.layers.Activation("relu")(keras.layers.Add()([shortcut, y]))


def compile(
    model,
    *,
    learning_rate=1e-3,
    optimizer="auto",
    jit_compile="auto",
    steps_per_execution="auto",
):
    """Compiles a classifier with sparse cross-entropy and accuracy.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION` on one replica, 1 under a multi-replica
            strategy) or a positive int. The updates are the same; batch-level
            callbacks run once per call. See docs/recipes/convnet.md.

    Returns:
        The compiled model.
    """
    model.compile(
        **training.classification_objective(),
        **training.compile_options(
            model,
            optimizer=optimizer,
            learning_rate=learning_rate,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            auto_steps=STEPS_PER_EXECUTION,
        ),
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=150,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=30,
):
    """Trains a compiled classifier; validation data enables early stopping.

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), or `(x, y)`.
        epochs: the most epochs to train.
        batch_size: batch size.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored).

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for an uncompiled model, a bad
            option, or data that does not fit the model: wrong shapes or
            ranks, NaN, infinite or huge values, labels out of range, an
            unbatched `tf.data.Dataset` (datasets are checked on their
            `element_spec` and first batch).
    """
    return training.fit(
        model,
        training.supervised_split(model, data, "train"),
        training.supervised_split(model, data, "val"),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


def evaluate(model, data, *, batch_size=256):
    """Test accuracy and cross-entropy of a trained classifier.

    Args:
        model: a compiled model.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        batch_size: evaluation batch size.

    Returns:
        `{"accuracy": float, "loss": float}`.

    Raises:
        ValueError: for an uncompiled model, a bad `batch_size`, or data that
            does not fit the model (as in `fit`).
    """
    training.check_compiled(model)
    return training.evaluate(
        model, training.supervised_split(model, data, "test"), batch_size=batch_size
    )


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the ConvNet recipe.

    Tunes the architecture, width, depth, dropout rate and learning rate in
    `build`, and the batch size in `fit`; every default equals the recipe's.

    Args:
        input_shape: image shape, fixed for the search.
        num_classes: number of classes, fixed for the search.

    Example:

    >>> import keras_tuner
    >>> from recipes import convnet, data
    >>> tuner = keras_tuner.RandomSearch(
    ...     convnet.HyperModel(input_shape=(8, 8, 1), num_classes=10),
    ...     objective="val_accuracy", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['arch', 'depth', 'dropout_rate', 'learning_rate', 'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "convnet"

    def __init__(self, *, input_shape=(8, 8, 1), num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.input_shape = validation.check_image_shape(input_shape)
        validation.check_positive_int(num_classes, "num_classes", minimum=2)
        self.num_classes = num_classes

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            arch=hp.Choice("arch", list(ARCHITECTURES), default="resnet"),
            width=hp.Choice("width", [16, 32, 64], default=32),
            depth=hp.Int("depth", 1, 3, default=2),
            dropout_rate=hp.Float("dropout_rate", 0.0, 0.5, step=0.1, default=0.3),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return compile(model, learning_rate=learning_rate)
