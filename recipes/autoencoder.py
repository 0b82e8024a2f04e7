"""Autoencoders: dense and convolutional, denoising, sparse and tied.

- Autoencoder: an encoder maps the input to a small code, a decoder maps the
  code back; training minimises the reconstruction error (squared error or
  binary cross-entropy). A linear one-layer autoencoder finds the principal
  subspace; nonlinear, stacked ones learn richer codes.
- Denoising autoencoder (Vincent, Larochelle, Bengio and Manzagol 2008): the
  input is corrupted in training only (Gaussian noise, or masking noise that
  zeroes values without rescaling, `recipes.layers.MaskingNoise`) and the
  clean input is the target.
- Sparse autoencoder: an L1 penalty on the code activations.
- Tied weights: the decoder uses the transposed encoder kernels
  (`recipes.layers.TiedDense`: one shared variable, half the kernel
  parameters).
- Greedy layer-wise pretraining (Bengio, Lamblin, Popovici and Larochelle
  2006; stacked denoising autoencoders, Vincent et al. 2008/2010): `pretrain`
  trains each layer as a denoising autoencoder on the codes of the frozen
  layers below; `build_classifier` + `fine_tune` then train the whole stack
  with labels.
- Marginalized denoising autoencoder (Chen, Xu, Weinberger and Sha 2012):
  closed form, in `recipes.mda`, re-exported here.
- Latent tools: `encode`, `decode`, `latent_map` (PCA or t-SNE scatter),
  `interpolate` (morphing) and `attribute_vector`/`apply_attribute`.

Every model is Functional and runs under XLA.

Example:

>>> from recipes import autoencoder, data
>>> bundle = data.load("digits")
>>> model = autoencoder.compile(autoencoder.build(noise="masking", noise_level=0.2))
>>> history = autoencoder.fit(model, bundle, epochs=5, verbose=0)
>>> sorted(autoencoder.evaluate(model, bundle))
['binary_crossentropy', 'loss', 'mse']
"""

from __future__ import annotations

import math
import os

import keras
import keras_tuner
import numpy as np

from recipes import layers, saving, training, validation
from recipes.data import load as load_data  # noqa: F401 (the recipe interface)
from recipes.mda import MarginalizedDenoisingAutoencoder, mda_weights  # noqa: F401
from recipes.tuning import RecipeHyperModel

DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

KINDS = ("dense", "conv")
NOISES = (None, "gaussian", "masking")
LOSSES = ("mse", "binary_crossentropy")
CODE = "code"  # name of the layer whose output is the code


# ------------------------------------------------------------------ build ---


def _check_units(units, name):
    units = tuple(units)
    for value in units:
        validation.check_positive_int(value, name)
    return units


def _noise_layer(noise, noise_level, seed):
    validation.check_choice(noise, "noise", NOISES)
    if noise is None:
        return None
    if noise == "masking":
        validation.check_fraction(noise_level, "noise_level")
        return layers.MaskingNoise(noise_level, seed=seed, name="masking_noise")
    validation.check_positive(noise_level, "noise_level")
    return keras.layers.GaussianNoise(noise_level, seed=seed, name="gaussian_noise")


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
        A Functional `keras.Model`; its layer named `"code"` outputs the code.
    """
    validation.check_choice(kind, "kind", KINDS)
    input_shape = tuple(input_shape)
    if kind == "conv" and len(input_shape) != 3:
        raise ValueError(
            f"`input_shape` must be (height, width, channels) for kind='conv', got {input_shape!r}."
        )
    if len(input_shape) not in (1, 3):
        raise ValueError(
            f"`input_shape` must be (height, width, channels) or (features,), got {input_shape!r}."
        )
    hidden_units = _check_units(hidden_units, "hidden_units")
    filters = _check_units(filters, "filters")
    if kind == "conv" and not filters:
        raise ValueError("`filters` must not be empty for kind='conv'.")
    validation.check_positive_int(code_size, "code_size")
    if not isinstance(sparsity, (int, float)) or not 0 <= sparsity < math.inf:
        raise ValueError(f"`sparsity` must be a finite number >= 0, got {sparsity!r}.")
    noise_layer = _noise_layer(noise, noise_level, seed)

    inputs = keras.Input(shape=input_shape, name="input")  # (B, *input_shape)
    x = noise_layer(inputs) if noise_layer else inputs
    if kind == "conv":
        for i, f in enumerate(filters):  # each halves H and W
            x = keras.layers.Conv2D(
                f, 3, strides=2, padding="same", activation=activation, name=f"conv_{i}"
            )(x)
        feature_shape = tuple(x.shape[1:])  # (H', W', filters[-1])
        x = keras.layers.Flatten()(x)
        hidden_units = ()
    else:
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
    return saving.RecipeModel(
        inputs, x, name=name, recipe="autoencoder"
    )  # (B, *input_shape)


def _dense(units, activation, tied, transpose_activation, name):
    if tied:
        return layers.TiedDense(
            units,
            activation=activation,
            transpose_activation=transpose_activation,
            name=name,
        )
    return keras.layers.Dense(units, activation=activation, name=name)


# -------------------------------------------------------- compile and fit ---


def compile(
    model, *, loss="mse", learning_rate=1e-3, optimizer="auto", jit_compile="auto"
):
    """Compiles an autoencoder with a reconstruction loss.

    Args:
        model: a model from `build`.
        loss: `"mse"` or `"binary_crossentropy"` (inputs must lie in [0, 1]).
        learning_rate: the optimizer's learning rate.
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.

    Returns:
        The compiled model. No extra metrics are tracked in training (they
        would slow every step); `evaluate` computes both reconstruction errors.
    """
    validation.check_choice(loss, "loss", LOSSES)
    model.compile(
        optimizer=training.make_optimizer(optimizer, learning_rate),
        loss=loss,
        jit_compile=training.resolve_jit_compile(jit_compile),
    )
    return model


def _inputs(model, split, name):
    """The `x` of one split, checked, as float32 (datasets: mapped to (x, x))."""
    if split is None:
        return None
    if validation.is_dataset(split):
        if isinstance(split.element_spec, tuple):
            return split.map(lambda x, *rest: (x, x))  # data pipeline only
        return split.map(lambda x: (x, x))
    if isinstance(split, (tuple, list)):
        split = split[0]
    in_unit = model.loss == "binary_crossentropy"
    return validation.check_array(
        split,
        f"{name} x",
        shape=model.input_shape[1:],
        low=0.0 if in_unit else None,
        high=1.0 if in_unit else None,
    )


def fit(
    model,
    data,
    *,
    epochs=100,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=10,
):
    """Trains an autoencoder to reconstruct its inputs (labels are ignored).

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val `x` used), `(x, y)`, or
            an array `x`.
        epochs: the most epochs to train.
        batch_size: batch size.
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored).

    Returns:
        The `keras.callbacks.History`.
    """
    train = _inputs(model, training.require_split(data, "train"), "data train")
    val = _inputs(model, training.get_split(data, "val"), "data val")
    pair = lambda x: x if x is None or validation.is_dataset(x) else (x, x)  # noqa: E731
    return training.fit(
        model,
        pair(train),
        pair(val),
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


def evaluate(model, data, *, batch_size=256):
    """Test metrics: reconstruction errors of an autoencoder, or accuracy of a
    classifier from `build_classifier`.

    Args:
        model: a compiled autoencoder or classifier.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        batch_size: evaluation batch size.

    Returns:
        `{"loss", "mse", "binary_crossentropy"}` for an autoencoder,
        `{"accuracy", "loss"}` for a classifier (plain floats).
    """
    test = training.require_split(data, "test")
    if _is_classifier(model):
        test = validation.check_supervised(
            test,
            "data test",
            shape=model.input_shape[1:],
            num_classes=model.output_shape[-1],
        )
        return training.evaluate(model, test, batch_size=batch_size)
    test = _inputs(model, test, "data test")
    if validation.is_dataset(test):
        loss = model.evaluate(test, verbose=0, return_dict=True)["loss"]
        batches = (x for x, _ in test)
    else:
        loss = model.evaluate(test, test, batch_size=batch_size, verbose=0)
        loss = loss[0] if isinstance(loss, list) else loss
        batches = (test[i : i + batch_size] for i in range(0, len(test), batch_size))
    errors = [keras.metrics.MeanSquaredError(), keras.metrics.BinaryCrossentropy()]
    for x in batches:  # reconstruction errors, batch by batch
        reconstruction = model.predict_on_batch(x)
        for error in errors:
            error.update_state(x, reconstruction)
    mse, bce = (float(error.result()) for error in errors)
    return {"loss": float(loss), "mse": mse, "binary_crossentropy": bce}


def _is_classifier(model):
    return saving.role_of(model) == "classifier"


# ------------------------------------------- greedy layer-wise pretraining ---


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

    The defaults are the benchmarked setting (chosen on the `digits`
    validation split with 10% of the training labels, see
    `benchmarks/autoencoder.py`): three sigmoid layers of 256, masking noise
    0.3, 60 epochs per layer, binary cross-entropy (inputs in [0, 1]). With
    the defaults of `build_classifier` (dropout 0.5 before the head) and
    `fine_tune` (30 head-only epochs, then 200 of the whole network) and 108
    labels it beat the same network from a random initialisation by 5.0
    points of validation accuracy (mean of 5 label draws). A sigmoid network
    is the classic case where greedy pretraining helps; a ReLU network from
    random initialisation (256-128) is about as accurate as the pretrained
    sigmoid one.

    Args:
        data: a `recipes.data.Bundle` or `(x, y)` (only the train `x` is
            used; labels are ignored), or an array `x`.
        layer_sizes: widths of the stacked layers, bottom first (non-empty,
            positive).
        noise, noise_level: corruption of each layer's input (see `build`).
        epochs_per_layer: training epochs of each layer.
        batch_size: batch size.
        activation: activation of every layer.
        tied: tie each layer's decoder to its encoder.
        loss: reconstruction loss of the first layer (upper layers use
            `"mse"` unless `activation="sigmoid"`); `"binary_crossentropy"`
            needs inputs in [0, 1].
        learning_rate, jit_compile: as in `compile`.
        seed: seed of the noise.
        verbose: Keras's verbosity.
        name: the encoder's name.

    Returns:
        The stacked encoder: a Functional model from inputs to the top code.

    Example:

    >>> from recipes import data
    >>> bundle = data.load("digits")
    >>> encoder = pretrain(bundle)  # 3 x 256 units, 60 epochs each  # doctest: +SKIP
    >>> encoder = pretrain(bundle, layer_sizes=(64, 32), epochs_per_layer=1)  # quicker
    >>> encoder.output_shape
    (None, 32)
    >>> classifier = build_classifier(encoder, num_classes=10)
    >>> history = fine_tune(classifier, bundle, head_epochs=0, epochs=1, verbose=0)
    >>> sorted(evaluate(classifier, bundle))
    ['accuracy', 'loss']
    """
    layer_sizes = tuple(layer_sizes)
    if not layer_sizes:
        raise ValueError("`layer_sizes` must not be empty.")
    _check_units(layer_sizes, "layer_sizes")
    _noise_layer(noise, noise_level, seed)  # checks the noise arguments
    validation.check_positive_int(epochs_per_layer, "epochs_per_layer")
    validation.check_choice(loss, "loss", LOSSES)
    x = training.require_split(data, "train")
    x = validation.check_array(
        x[0] if isinstance(x, (tuple, list)) else x, "data train x"
    )
    input_shape = x.shape[1:]
    codes = x.reshape(len(x), -1)  # (N, D)
    weights = []
    for i, units in enumerate(layer_sizes):
        first = i == 0
        layer_loss = loss if first or activation == "sigmoid" else "mse"
        out_activation = "sigmoid" if first else activation
        model = build(
            input_shape=codes.shape[1:],
            hidden_units=(),
            code_size=units,
            code_activation=activation,
            output_activation=out_activation,
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
    return keras.Model(inputs, h, name=name)


def build_classifier(
    encoder, num_classes, *, dropout_rate=0.5, name="autoencoder_classifier"
):
    """A softmax head on top of an encoder (its layers are shared, not copied).

    Args:
        encoder: a stacked encoder from `pretrain`, or an autoencoder from
            `build` (its encoder half up to the code is used).
        num_classes: number of classes (at least 2).
        dropout_rate: dropout before the head, in [0, 1) (0 adds no
            layer). The default 0.5 (Hinton et al. 2012) was chosen on the
            `digits` validation split with 10% of the training labels, with
            `fine_tune`'s head-only epochs, for the gain of a pretrained
            encoder over the same network from random initialisation.
        name: the model's name.

    Returns:
        An uncompiled Functional classifier; train it with `fine_tune`.
    """
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_fraction(dropout_rate, "dropout_rate")
    h = _code_tensor(encoder)
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
    layers train together for up to `epochs` epochs.

    Args:
        model: a model from `build_classifier`.
        data: a `recipes.data.Bundle` (train, and val for early stopping) or
            `(x, y)`.
        epochs: the most epochs of the full fine-tuning (without a
            validation split all of them run; 200 was chosen on the `digits`
            validation split with 10% of the training labels).
        head_epochs: head-only epochs first (0 skips them); 30, chosen
            with `build_classifier`'s dropout on the `digits` validation
            split with 10% of the training labels.
        batch_size, learning_rate, optimizer, jit_compile: as in `compile`
            and `fit`.
        callbacks, checkpoint_dir, verbose, early_stopping_patience: as in
            `fit`.

    Returns:
        The `keras.callbacks.History` of the full fine-tuning.
    """
    validation.check_positive_int(head_epochs, "head_epochs", minimum=0)
    checked = {
        split: validation.check_supervised(
            training.get_split(data, split),
            f"data {split}",
            shape=model.input_shape[1:],
            num_classes=model.output_shape[-1],
        )
        for split in ("train", "val")
    }
    if checked["train"] is None:
        raise ValueError("`data` has no 'train' split.")
    kwargs = dict(
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    phases = [("head", head_epochs, False)] if head_epochs else []
    for phase, phase_epochs, encoder_trainable in [*phases, ("all", epochs, True)]:
        for layer in model.layers:
            layer.trainable = encoder_trainable or layer.name == "label"
        model.compile(
            optimizer=training.make_optimizer(optimizer, learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            jit_compile=training.resolve_jit_compile(jit_compile),
        )
        directory = checkpoint_dir and os.path.join(os.fspath(checkpoint_dir), phase)
        history = training.fit(
            model,
            checked["train"],
            checked["val"],
            epochs=phase_epochs,
            checkpoint_dir=directory,
            **kwargs,
        )
    return history


# ----------------------------------------------------------- latent tools ---


def _code_tensor(model):
    names = [layer.name for layer in model.layers]
    return model.get_layer(CODE).output if CODE in names else model.outputs[0]


def encoder_of(model):
    """The encoder half of an autoencoder (inputs -> code), sharing its layers.

    Noise layers are inactive at inference, so the encoder is deterministic.
    A model without a `"code"` layer (a stacked encoder) is returned as is.
    """
    if CODE not in [layer.name for layer in model.layers]:
        return model
    return keras.Model(model.input, _code_tensor(model), name=f"{model.name}_encoder")


def decoder_of(model):
    """The decoder half of an autoencoder (code -> reconstruction)."""
    return keras.Model(
        _code_tensor(model), model.outputs[0], name=f"{model.name}_decoder"
    )


def encode(model, x, *, batch_size=256):
    """Codes of `x` (an autoencoder's `"code"` layer, or an encoder's output).

    Returns:
        `(N, code_size)` float32 NumPy array.
    """
    x = validation.check_array(x, "x", shape=model.input_shape[1:])
    return _run(encoder_of(model), x, batch_size)


def decode(model, codes, *, batch_size=256):
    """Reconstructions of `codes` by an autoencoder's decoder half.

    Returns:
        `(N, *input_shape)` float32 NumPy array.
    """
    decoder = decoder_of(model)
    codes = validation.check_array(codes, "codes", shape=decoder.input_shape[1:])
    return _run(decoder, codes, batch_size)


def _run(model, x, batch_size):
    """Inference by direct calls, batch by batch: for the small arrays these
    tools see, this avoids tracing a `predict` function for each sub-model."""
    outputs = [
        keras.ops.convert_to_numpy(model(x[i : i + batch_size], training=False))
        for i in range(0, len(x), batch_size)
    ]
    return np.concatenate(outputs).astype("float32")


def latent_map(model, x, y=None, *, method="pca", path=None, seed=0):
    """2-D map of the codes of `x`, by PCA or t-SNE, optionally saved as a PNG.

    Args:
        model: an autoencoder or encoder.
        x: inputs; `y`: labels for the colours (or `None`).
        method: `"pca"` or `"tsne"` (scikit-learn's; perplexity capped for
            small `x`). Codes of size 2 are used as they are.
        path: PNG file for a scatter coloured by class, or `None`.
        seed: seed of t-SNE.

    Returns:
        `(N, 2)` coordinates.
    """
    validation.check_choice(method, "method", ("pca", "tsne"))
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
        x_start, x_end: two single inputs (shape `input_shape`).
        steps: number of images, ends included (at least 2).
        path: PNG file for the strip of images, or `None`.

    Returns:
        `(steps, *input_shape)` decoded images.
    """
    validation.check_positive_int(steps, "steps", minimum=2)
    codes = encode(model, np.stack([x_start, x_end]))  # (2, code_size)
    weights = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
    images = decode(model, (1 - weights) * codes[0] + weights * codes[1])
    if path is not None:
        from recipes import plots

        plots.image_grid(images, path, columns=steps)
    return images


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
    `attribute_vector`); saves the images in a row when `path` is given."""
    images = decode(model, encode(model, x) + scale * np.asarray(vector, "float32"))
    if path is not None:
        from recipes import plots

        plots.image_grid(images, path, columns=len(images))
    return images


# ------------------------------------------------------------------ tuner ---


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the autoencoder recipe.

    Tunes the hidden width, the code size, the noise (none, Gaussian, masking)
    and its level, and the learning rate; the batch size in `fit`. Every
    default equals the recipe's; the objective is the validation loss.

    Args:
        input_shape: input shape, fixed for the search.
        kind: `"dense"` or `"conv"`, fixed for the search.

    Example:

    >>> import keras_tuner
    >>> from recipes import autoencoder, data
    >>> tuner = keras_tuner.RandomSearch(
    ...     autoencoder.HyperModel(input_shape=(8, 8, 1)),
    ...     objective="val_loss", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['code_size', 'hidden_units', 'learning_rate', 'noise', 'noise_level']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "autoencoder"

    default_batch_size = 32
    objective = keras_tuner.Objective("val_loss", direction="min")

    def __init__(self, *, input_shape=(8, 8, 1), kind="dense", **kwargs):
        super().__init__(**kwargs)
        validation.check_choice(kind, "kind", KINDS)
        input_shape = tuple(input_shape)
        if len(input_shape) not in (1, 3) or (kind == "conv" and len(input_shape) != 3):
            raise ValueError(
                f"`input_shape` must be (H, W, C) or (features,), got {input_shape!r}."
            )
        self.input_shape = input_shape
        self.kind = kind

    def build(self, hp):
        noise = hp.Choice("noise", ["none", "gaussian", "masking"], default="none")
        model = build(
            input_shape=self.input_shape,
            kind=self.kind,
            hidden_units=(hp.Choice("hidden_units", [32, 48, 64], default=48),),
            code_size=hp.Choice("code_size", [8, 16, 32], default=16),
            noise=None if noise == "none" else noise,
            noise_level=hp.Float("noise_level", 0.1, 0.5, step=0.1, default=0.2),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return compile(model, learning_rate=learning_rate)
