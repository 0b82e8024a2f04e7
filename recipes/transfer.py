"""Transfer learning: reuse a trained classifier's representation for a new task.

A network trained on task A computes, at its inner layers, a representation
of its inputs; a new task B on similar data can start from it (Yosinski et
al. 2014, "How transferable are features in deep neural networks?"). The
recipe: take a trained classifier (a model or a saved `.keras` file), cut it
at a named layer, put a new head for the new classes on the cut, train the
head with the base frozen, then optionally fine-tune all layers with a lower
learning rate, so the representation adapts without being overwritten by the
large gradients of a random head (Chollet, "Transfer learning and
fine-tuning", keras.io).

The base is called in inference mode (`training=False`): its batch
normalisation keeps the statistics of task A, while fine-tuning and
afterwards (the Keras guide's advice), and its dropout and augmentation are
off. Augmentation for the new task is the head's own (`augment`).

The cases of the course notes, and what to do (docs/recipes/transfer.md):

- same task, same domain: reuse the model as it is;
- same task, other domain (`syn_digits` rendered digits -> the handwritten
  `digits`): keep every layer, new head, fine-tune;
- similar data, other task (`glyphs`: background alphabets -> new
  alphabets): cut before the old classifier, new head for the new classes,
  train the head, then fine-tune.

Example:

>>> from recipes import convnet, data, transfer
>>> source = convnet.build(arch="lenet", width=4)
>>> model = transfer.build(source, num_classes=3)
>>> model.get_layer("new_label").output.shape
(None, 3)
"""

from __future__ import annotations

import os

import keras
import numpy as np

from recipes import layers, saving, training, validation

HEAD_LEARNING_RATE = 1e-3
FINE_TUNE_LEARNING_RATE = 1e-4  # ten times lower: docs/recipes/transfer.md


def load_source(source, name="source"):
    """A trained model from `source`: a `keras.Model` or a `.keras` path.

    Raises:
        ValueError: for anything else, or a path that does not load.
    """
    if isinstance(source, keras.Model):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not path.endswith(".keras") or not os.path.isfile(path):
            raise ValueError(f"`{name}` {path!r} is not a .keras file.")
        try:  # safe mode: a file that would run code (a Lambda layer) is refused
            return keras.saving.load_model(path, safe_mode=True)
        except Exception as error:  # Keras raises many kinds for a bad file
            raise ValueError(f"`{name}` {path!r} cannot be loaded: {error}") from None
    raise ValueError(
        f"`{name}` must be a keras.Model or the path of a .keras file, got "
        f"{type(source).__name__}."
    )


def copy_of(model):
    """A copy of `model` with its own layers and the same weights.

    The transfer model trains a copy, so fine-tuning never changes `source`.
    """
    copy = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(model)
    )
    copy.set_weights(model.get_weights())
    return copy


def cut(source, layer=None):
    """The part of `source` from its inputs to the output of `layer`.

    Args:
        source: a Functional model (or a `.keras` path).
        layer: name of the layer whose output is the representation
            (default `None`: the input of the last layer, the penultimate
            features).

    Returns:
        A Functional `keras.Model` sharing `source`'s layers and weights.

    Raises:
        ValueError: for an unknown layer name (the message lists the names),
            a model that is not Functional, or a cut at the inputs.
    """
    source = load_source(source)
    try:
        inputs = source.inputs
    except (AttributeError, ValueError):  # a subclassed model has no graph
        inputs = None
    if not inputs:
        raise ValueError("`source` must be a Functional or Sequential model.")
    names = [item.name for item in source.layers]
    if layer is None:
        outputs = source.layers[-1].input
    else:
        if not isinstance(layer, str) or layer not in names:
            raise ValueError(
                f"`layer` must name a layer of `source`, got {layer!r}; its "
                f"layers: {', '.join(names)}."
            )
        found = source.get_layer(layer)
        if isinstance(found, keras.layers.InputLayer):
            raise ValueError(f"`layer` {layer!r} is the input: nothing to transfer.")
        outputs = found.output
    return keras.Model(inputs, outputs, name="base")


def build(
    source,
    *,
    num_classes,
    layer=None,
    head_units=(),
    dropout_rate=0.0,
    augment=False,
    seed=None,
    name="transfer",
):
    """A new classifier: `source` cut at `layer`, frozen, under a new head.

    Args:
        source: a trained Functional model or the path of its `.keras` file.
        num_classes: classes of the new task (at least 2).
        layer: where to cut (see `cut`; default: the penultimate features).
        head_units: sizes of hidden ReLU layers of the head (default none: a
            linear softmax classifier on the representation).
        dropout_rate: dropout before the new classifier, in [0, 1).
        augment: random one-pixel shifts of image inputs in training
            (`recipes.layers.RandomShift`), for a new task with few labels.
        seed: seed of the augmentation and dropout.
        name: the model's name.

    Returns:
        An uncompiled `recipes.saving.RecipeModel` (recipe `"transfer"`) whose
        layer `"base"` is frozen.

    Raises:
        ValueError: for a bad source or layer (see `cut`), `num_classes`,
            head size or rate.
    """
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    head_units = validation.check_sizes(head_units, "head_units")
    validation.check_fraction(dropout_rate, "dropout_rate")
    seed = validation.check_seed(seed)
    base = cut(copy_of(load_source(source)), layer)
    base.trainable = False
    inputs = keras.Input(shape=base.input_shape[1:], name="image")
    x = inputs
    if augment:
        if len(base.input_shape) != 4:
            raise ValueError("`augment` needs image inputs (batch, H, W, C).")
        x = layers.RandomShift(max_shift=1, seed=seed)(x)
    x = base(x, training=False)  # representation; batch statistics of task A
    if len(x.shape) > 2:
        x = keras.layers.Flatten()(x)  # (B, features)
    for units in head_units:
        x = keras.layers.Dense(
            units, activation="relu", kernel_initializer="he_normal"
        )(x)
    if dropout_rate:
        x = keras.layers.Dropout(dropout_rate, seed=seed)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="new_label")(x)
    return saving.RecipeModel(inputs, outputs, name=name, recipe="transfer")


def base_of(model):
    """The transferred part (the layer named `"base"`) of a model from `build`."""
    try:
        return model.get_layer("base")
    except ValueError:
        raise ValueError(
            "`model` has no layer 'base': build it with transfer.build."
        ) from None


def compile(
    model, *, learning_rate=HEAD_LEARNING_RATE, optimizer="auto", jit_compile="auto"
):
    """Compiles a transfer model with cross-entropy and accuracy."""
    model.compile(
        **training.classification_objective(),
        **training.compile_options(
            model,
            optimizer=optimizer,
            learning_rate=learning_rate,
            jit_compile=jit_compile,
        ),
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=100,
    fine_tune_epochs=0,
    learning_rate=HEAD_LEARNING_RATE,
    fine_tune_learning_rate=FINE_TUNE_LEARNING_RATE,
    batch_size=32,
    early_stopping_patience=20,
    verbose="auto",
):
    """Trains the head with the base frozen, then optionally fine-tunes everything.

    Args:
        model: a model from `build`.
        data: a `recipes.data.Bundle` of the new task (train, and val for
            early stopping), or `(x, y)`.
        epochs: the most epochs of head training.
        fine_tune_epochs: the most epochs of fine-tuning all layers (default
            0: none).
        learning_rate: the head's learning rate.
        fine_tune_learning_rate: the fine-tuning learning rate (default ten
            times lower).
        batch_size: batch size.
        early_stopping_patience: epochs without a better validation loss
            before a phase stops (the best weights are restored).
        verbose: Keras's verbosity.

    Returns:
        `{"head": History, "fine_tune": History or None}`.

    Raises:
        ValueError: before any training, for a model not from `build`, a bad
            option, or data that does not fit the model.
    """
    base = base_of(model)
    validation.check_non_negative(fine_tune_epochs, "fine_tune_epochs")
    if fine_tune_epochs:
        validation.check_positive_int(fine_tune_epochs, "fine_tune_epochs")
        validation.check_positive(fine_tune_learning_rate, "fine_tune_learning_rate")
    training.check_fit(
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    train = training.supervised_split(model, data, "train")
    val = training.supervised_split(model, data, "val")
    options = {
        "epochs": epochs,
        "batch_size": batch_size,
        "verbose": verbose,
        "early_stopping_patience": early_stopping_patience,
    }
    base.trainable = False
    compile(model, learning_rate=learning_rate, jit_compile=_jit(model))
    histories = {"head": training.fit(model, train, val, **options), "fine_tune": None}
    if fine_tune_epochs:
        base.trainable = True
        compile(model, learning_rate=fine_tune_learning_rate, jit_compile=_jit(model))
        options["epochs"] = fine_tune_epochs
        histories["fine_tune"] = training.fit(model, train, val, **options)
    return histories


def _jit(model):
    """The model's `jit_compile` if it was compiled, else `"auto"`."""
    return bool(model.jit_compile) if getattr(model, "compiled", False) else "auto"


def evaluate(model, data, *, batch_size=256):
    """Test accuracy and cross-entropy of a transfer model.

    Returns:
        `{"accuracy": float, "loss": float}`.
    """
    training.check_compiled(model)
    return training.evaluate(
        model, training.supervised_split(model, data, "test"), batch_size=batch_size
    )


def labels_per_class(x, y, count, *, seed=0):
    """`count` examples of each class of `(x, y)`, drawn without replacement.

    Args:
        x: examples.
        y: their integer labels.
        count: examples kept per class (at least 1; a class with fewer is
            an error).
        seed: seed of the draw.

    Returns:
        `(x, y)` of the kept examples, in a seeded random order.

    Raises:
        ValueError: for a `count` below 1 or above a class's size, or a bad
            `seed`.
    """
    validation.check_positive_int(count, "count")
    seed = validation.check_seed(seed, allow_none=False)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    kept = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        if len(rows) < count:
            raise ValueError(
                f"`count` {count} is more than the {len(rows)} examples of class {label}."
            )
        kept.append(rng.choice(rows, count, replace=False))
    kept = rng.permutation(np.concatenate(kept))
    return np.asarray(x)[kept], y[kept]
