"""Greedy layer-wise pretraining, then a classifier fine-tuned with labels.

Bengio, Lamblin, Popovici and Larochelle (2006); stacked denoising
autoencoders, Vincent et al. (2008, 2010).
"""

from __future__ import annotations

import os

import keras

from recipes import saving, training, validation
from recipes.autoencoder.latent import code_tensor, encode
from recipes.autoencoder.model import LOSSES, build, noise_layer
from recipes.autoencoder.training import compile, fit


def pretrain(
    data,
    *,
    layer_sizes=(256, 256, 256),
    noise="masking",
    noise_level=0.3,
    epochs_per_layer=60,
    batch_size=64,
    activation="sigmoid",
    tied=False,
    loss="binary_crossentropy",
    learning_rate=1e-3,
    jit_compile="auto",
    seed=None,
    verbose=0,
    name="autoencoder_encoder",
):
    """Greedy layer-wise pretraining of a stacked (denoising) autoencoder.

    Layer `k` is trained as a one-hidden-layer (denoising) autoencoder on the
    codes that the frozen layers `1..k-1` give for the unlabeled training
    inputs; the trained encoding layers are then stacked (without the noise).
    Defaults are chosen on validation data: see docs/recipes/autoencoder.md.

    Args:
        data: a `recipes.data.Bundle` or `(x, y)` (only the train `x` is
            used; labels are ignored), or an array `x`.
        layer_sizes: widths of the stacked layers, bottom first (non-empty,
            positive; default three layers of 256).
        noise: corruption of each layer's input, as in `build` (default
            `"masking"`).
        noise_level: the noise's level (default 0.3: 30% of the values
            dropped).
        epochs_per_layer: training epochs of each layer (default 60).
        batch_size: batch size (default 64).
        activation: activation of every layer (default `"sigmoid"`).
        tied: tie each layer's decoder to its encoder (default `False`).
        loss: reconstruction loss of the first layer (default
            `"binary_crossentropy"`, which needs inputs in [0, 1]; upper
            layers use `"mse"` unless `activation="sigmoid"`).
        learning_rate: as in `compile` (default 1e-3).
        jit_compile: as in `compile`.
        seed: seed of the noise.
        verbose: Keras's verbosity (default 0).
        name: the encoder's name.

    Returns:
        The stacked encoder: a Functional model (role `"encoder"`) from
        inputs to the top code.

    Raises:
        ValueError: before any training, for empty or non-positive
            `layer_sizes` (or a single number), an unknown noise, loss or
            activation, a bad size, seed or verbosity, or inputs that do not
            fit (NaN, huge values, outside [0, 1] for binary cross-entropy).

    Example:

    >>> from recipes import autoencoder, data
    >>> bundle = data.load("digits")
    >>> encoder = autoencoder.pretrain(bundle)  # 3 x 256, 60 epochs each  # doctest: +SKIP
    >>> encoder = autoencoder.pretrain(bundle, layer_sizes=(64, 32), epochs_per_layer=1)
    >>> encoder.output_shape
    (None, 32)
    >>> classifier = autoencoder.build_classifier(encoder, num_classes=10)
    >>> history = autoencoder.fine_tune(
    ...     classifier, bundle, head_epochs=0, epochs=1, verbose=0)
    >>> sorted(autoencoder.evaluate(classifier, bundle))
    ['accuracy', 'loss']
    """
    layer_sizes = validation.check_sizes(layer_sizes, "layer_sizes", allow_empty=False)
    seed = validation.check_seed(seed)
    noise_layer(noise, noise_level, seed)  # checks the noise arguments
    validation.check_positive_int(epochs_per_layer, "epochs_per_layer")
    training.check_fit(epochs=epochs_per_layer, batch_size=batch_size, verbose=verbose)
    validation.check_choice(loss, "loss", LOSSES)
    validation.check_activation(activation, "activation")
    in_unit = loss == "binary_crossentropy"
    x = training.require_split(data, "train")
    x = validation.check_array(
        x[0] if isinstance(x, (tuple, list)) else x,
        "data train x",
        low=0.0 if in_unit else None,
        high=1.0 if in_unit else None,
    )
    input_shape = x.shape[1:]
    codes = x.reshape(len(x), -1)  # (N, D)
    weights = []
    for i, units in enumerate(layer_sizes):
        first = i == 0
        layer_loss = loss if first or activation == "sigmoid" else "mse"
        model = build(
            input_shape=codes.shape[1:],
            hidden_units=(),
            code_size=units,
            code_activation=activation,
            output_activation="sigmoid" if first else activation,
            tied=tied,
            noise=noise,
            noise_level=noise_level,
            seed=None if seed is None else seed + i,
            name=f"autoencoder_layer_{i}",
        )
        compile(
            model, loss=layer_loss, learning_rate=learning_rate, jit_compile=jit_compile
        )
        fit(
            model,
            codes,
            epochs=epochs_per_layer,
            batch_size=batch_size,
            verbose=verbose,
        )
        projection = model.get_layer("code_projection")
        weights.append(
            [
                keras.ops.convert_to_numpy(projection.kernel),
                keras.ops.convert_to_numpy(projection.bias),
            ]
        )
        codes = encode(model, codes)
    inputs = keras.Input(shape=input_shape, name="input")
    h = keras.layers.Flatten()(inputs)
    for i, units in enumerate(layer_sizes):
        layer = keras.layers.Dense(units, activation=activation, name=f"pretrained_{i}")
        h = layer(h)
        layer.set_weights(weights[i])
    return saving.RecipeModel(
        inputs, h, name=name, recipe="autoencoder", role="encoder"
    )


def build_classifier(
    encoder, num_classes, *, dropout_rate=0.5, name="autoencoder_classifier"
):
    """A softmax head on top of an encoder (its layers are shared, not copied).

    Args:
        encoder: a stacked encoder from `pretrain`, or an autoencoder from
            `build` (its encoder half up to the code is used).
        num_classes: number of classes (at least 2).
        dropout_rate: dropout before the head, in [0, 1) (default 0.5; 0
            adds no layer). Chosen on validation data: see
            docs/recipes/autoencoder.md.
        name: the model's name.

    Returns:
        An uncompiled Functional classifier (role `"classifier"`); train it
        with `fine_tune`.
    """
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_fraction(dropout_rate, "dropout_rate")
    h = code_tensor(encoder)
    if dropout_rate:
        h = keras.layers.Dropout(dropout_rate)(h)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="label")(h)
    return saving.RecipeModel(  # (B, num_classes)
        encoder.input, outputs, name=name, recipe="autoencoder", role="classifier"
    )


def fine_tune(
    model,
    data,
    *,
    epochs=200,
    head_epochs=30,
    batch_size=32,
    learning_rate=1e-3,
    optimizer="auto",
    jit_compile="auto",
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=20,
):
    """Trains a classifier from `build_classifier` with labels.

    First `head_epochs` epochs train the head only (encoder frozen), then all
    layers train together for up to `epochs` epochs. Defaults are chosen on
    validation data: see docs/recipes/autoencoder.md.

    Args:
        model: a model from `build_classifier`.
        data: a `recipes.data.Bundle` (train, and val for early stopping) or
            `(x, y)`.
        epochs: the most epochs of the full fine-tuning (default 200; without
            a validation split all of them run).
        head_epochs: head-only epochs first (default 30; 0 skips them).
        batch_size: batch size (default 32).
        learning_rate: the optimizer's learning rate (default 1e-3).
        optimizer: as in `compile` (`"auto"`: Adam).
        jit_compile: as in `compile`.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from (one
            subfolder per phase).
        verbose: Keras's verbosity.
        early_stopping_patience: as in `fit` (default 20).

    Returns:
        The `keras.callbacks.History` of the full fine-tuning.

    Raises:
        ValueError: before any training, for a bad option or data that does
            not fit the classifier (as in `convnet.fit`).
    """
    training.check_fit(
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    validation.check_positive_int(head_epochs, "head_epochs", minimum=0)
    train = training.supervised_split(model, data, "train")
    val = training.supervised_split(model, data, "val")
    if train is None:
        raise ValueError("`data` has no 'train' split.")
    phases = [("head", head_epochs, False)] if head_epochs else []
    for phase, phase_epochs, encoder_trainable in [*phases, ("all", epochs, True)]:
        for layer in model.layers:
            layer.trainable = encoder_trainable or layer.name == "label"
        model.compile(
            **training.classification_objective(),
            **training.compile_options(
                model,
                optimizer=optimizer,
                learning_rate=learning_rate,
                jit_compile=jit_compile,
            ),
        )
        directory = checkpoint_dir and os.path.join(os.fspath(checkpoint_dir), phase)
        history = training.fit(
            model,
            train,
            val,
            epochs=phase_epochs,
            batch_size=batch_size,
            callbacks=callbacks,
            checkpoint_dir=directory,
            verbose=verbose,
            early_stopping_patience=early_stopping_patience,
        )
    return history
