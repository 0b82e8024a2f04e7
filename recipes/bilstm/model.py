"""The recurrent classifier: `build`, its numeric and text inputs, and queries.

`build` returns a Functional `saving.RecipeModel`. Numeric sequences pass
through `Masking`, an input `Normalization`, optional Gaussian noise and
`TimeDeltas`; text passes through `TextVectorization` and a masking
`Embedding` (TensorFlow only), and integer token sequences (text vectorized
before `fit`, on any backend) through a masking `Embedding`. The queries
(`is_text_model`, `is_token_model`, `has_masking`, `recurrent_layers`) let
`compile`, `fit` and `evaluate` find what a given model holds.
"""

from __future__ import annotations

import keras

from recipes import saving, validation
from recipes.bilstm.text import require_string_backend, text_features, token_features
from recipes.layers import TimeDeltas

CELLS = ("lstm", "gru")
OUTPUTS = ("sequence", "per_step")
MERGE_MODES = ("concat", "sum", "mul", "ave")
POOLINGS = ("last", "mean", "max")
INPUT_NORM = "input_norm"  # the name of the input `Normalization` layer
DELTAS = 1  # time-derivative orders appended to numeric input


def build(
    *,
    input_shape=(None, 12),
    num_classes=9,
    units=128,
    num_layers=1,
    cell="gru",
    bidirectional=True,
    merge_mode="concat",
    dropout_rate=0.3,
    output="sequence",
    masking=True,
    input_norm=True,
    noise_stddev=0.0,
    deltas=DELTAS,
    pooling="last",
    text=None,
    vocabulary=None,
    vocabulary_size=None,
    max_tokens=20000,
    sequence_length=None,
    embedding_dim=64,
    seed=None,
    name="bilstm",
):
    """Builds an (uncompiled) recurrent classifier for sequences or text.

    Numeric sequences have shape `(time, features)` with `time` free (`None`)
    or fixed; `(height, width, 1)` images are read row by row as `height`
    steps of `width` features. Text models are built when `text` or
    `vocabulary` is given; they take one string per example and run on the
    TensorFlow backend only (elsewhere they are a `ValueError`). Token models
    are built when `vocabulary_size` is given; they take integer token
    sequences (0 = padding), such as `vectorize` makes from text, and run on
    any backend: on JAX, text is vectorized before `fit` this way. Defaults
    are chosen on validation data: see docs/recipes/bilstm.md.

    Args:
        input_shape: `(time, features)` of one sequence, or `(height, width, 1)`
            of one image (ignored for text and token models). Default
            `(None, 12)`.
        num_classes: number of classes (at least 2). Default 9.
        units: units of each recurrent layer (per direction). Default 128.
        num_layers: stacked recurrent layers. Default 1.
        cell: `"gru"` (the default) or `"lstm"`.
        bidirectional: read the sequence in both directions. Default True.
        merge_mode: how the two directions are merged: `"concat"` (the
            default), `"sum"`, `"mul"` or `"ave"`.
        dropout_rate: dropout after each recurrent layer, in [0, 1).
            Default 0.3.
        output: `"sequence"` (the default: one label per sequence) or
            `"per_step"` (one label per time step).
        masking: mask all-zero time steps (the end padding) of numeric input
            (text and token models always mask their padding). Default True.
        input_norm: standardise each input feature with a `Normalization`
            layer (numeric input only). `fit` adapts it, the first time, on the
            training split's unmasked steps (per-feature mean and variance);
            the statistics are weights, so they are saved with the model.
            Default True.
        noise_stddev: standard deviation of the Gaussian noise added to the
            (normalised) numeric input while training, a data augmentation
            for small data sets; 0 (the default) turns it off.
        deltas: time differences appended to each (normalised, numeric)
            input step by a `TimeDeltas` layer inside the model, as speech
            recognisers append "delta" features: 1 (the default) appends the
            first differences `x[t] - x[t - 1]`, 2 also the second, 0 none.
            They are backward differences over the unmasked steps only, so
            neither the padding nor the future leaks into them (the
            unidirectional model stays causal), and the model still takes the
            raw sequences.
        pooling: for `output="sequence"`, how the last recurrent layer's
            outputs become one vector: `"last"` (the default: its final
            state), `"mean"` (the mean over the unmasked steps) or `"max"`.
        text: training text to adapt the `TextVectorization` layer on: an array
            or list of strings, an `(x, y)` split of them, or a
            `tf.data.Dataset` of strings or of `(text, label)` pairs (see
            `text_vectorizer`). TensorFlow backend only. Default `None` (a
            numeric model).
        vocabulary: a list of tokens to use instead of adapting on `text`.
            TensorFlow backend only. Default `None`.
        vocabulary_size: builds a token model instead: the number of token
            ids (`vectorizer.vocabulary_size()`, padding and out-of-vocabulary
            ids included; at least 3). Default `None`.
        max_tokens: the largest vocabulary (padding and out-of-vocabulary
            tokens included) when adapting. Default 20000.
        sequence_length: tokens kept per text (`None`, the default: the
            longest in the batch), or the token model's fixed length (`None`:
            any); required for per-step text models.
        embedding_dim: size of the token embeddings. Default 64.
        seed: seed of the dropout and noise layers. Default `None`.
        name: the model's name. Default `"bilstm"`.

    Returns:
        A Functional `keras.Model` from sequences (or strings) to class
        probabilities, `(B, num_classes)` or `(B, time, num_classes)`.

    Raises:
        ValueError: for an unknown `cell`, `merge_mode`, `output` or
            `pooling`, an `input_shape` whose sizes are not positive integers
            (`time` may be `None`), a text model on a backend other than
            TensorFlow, or a bad size, rate or seed.

    Example:

    >>> model = build(input_shape=(None, 12), num_classes=9, units=32)
    >>> model.output_shape
    (None, 9)
    """
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_positive_int(units, "units")
    validation.check_positive_int(num_layers, "num_layers")
    validation.check_choice(cell, "cell", CELLS)
    validation.check_choice(merge_mode, "merge_mode", MERGE_MODES)
    validation.check_choice(output, "output", OUTPUTS)
    validation.check_choice(pooling, "pooling", POOLINGS)
    validation.check_fraction(dropout_rate, "dropout_rate")
    validation.check_choice(deltas, "deltas", (0, 1, 2))
    validation.check_positive_int(max_tokens, "max_tokens", minimum=3)
    seed = validation.check_seed(seed)
    if noise_stddev:
        validation.check_positive(noise_stddev, "noise_stddev")
    if vocabulary_size is not None:
        if text is not None or vocabulary is not None:
            raise ValueError(
                "`vocabulary_size` builds a model on token ids; it cannot be "
                "combined with `text` or `vocabulary` (a model on strings)."
            )
        inputs, x = token_features(vocabulary_size, sequence_length, embedding_dim)
    elif text is not None or vocabulary is not None:
        require_string_backend("text" if text is not None else "vocabulary")
        if sequence_length is None and output == "per_step":
            raise ValueError(
                "`sequence_length` must be set for per-step text models, so "
                "that labels line up with tokens."
            )
        inputs, x = text_features(
            text, vocabulary, max_tokens, sequence_length, embedding_dim
        )
    else:
        inputs = keras.Input(shape=sequence_shape(input_shape), name="sequence")
        x = keras.layers.Masking(mask_value=0.0)(inputs) if masking else inputs
        if input_norm:
            # The identity until `fit` adapts it on the training split's
            # unmasked steps; its mean and variance are saved with the model.
            x = keras.layers.Normalization(axis=-1, name=INPUT_NORM)(x)  # (B, T, F)
        if noise_stddev:
            x = keras.layers.GaussianNoise(noise_stddev, seed=seed)(x)  # (B, T, F)
        if deltas:
            x = TimeDeltas(deltas, name="time_deltas")(x)  # (B, T, F * (1 + deltas))
    recurrent = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU
    for index in range(num_layers):
        last = index == num_layers - 1
        sequences = output == "per_step" or not last or pooling != "last"
        layer = recurrent(units, return_sequences=sequences)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, merge_mode=merge_mode)
        x = layer(x)  # (B, T, D) or, for the last many-to-one layer, (B, D)
        if output == "sequence" and last and pooling == "mean":
            x = keras.layers.GlobalAveragePooling1D()(x)  # (B, D), unmasked mean
        elif output == "sequence" and last and pooling == "max":
            x = keras.layers.GlobalMaxPooling1D()(x)  # (B, D)
        if dropout_rate:
            x = keras.layers.Dropout(dropout_rate, seed=seed)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="label")(x)
    return saving.RecipeModel(inputs, outputs, name=name, recipe="bilstm")


def sequence_shape(input_shape):
    """The `(time, features)` shape a numeric model takes for `input_shape`.

    Args:
        input_shape: `(time, features)` with `time` an integer or `None`, or
            `(height, width, 1)` for images read row by row.

    Returns:
        `(time, features)` as a tuple.

    Raises:
        ValueError: for any other shape.

    Example:

    >>> sequence_shape((8, 8, 1))
    (8, 8)
    """
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if shape is not None and len(shape) == 3 and shape[-1] == 1:
        shape = shape[:2]  # an image read row by row: (height, width)
    if shape is None or len(shape) != 2 or isinstance(input_shape, (str, bytes)):
        raise ValueError(
            "`input_shape` must be (time, features) with `time` an integer or "
            f"None, or (height, width, 1) for images, got {input_shape!r}."
        )
    time, features = shape
    if time is not None:
        validation.check_positive_int(time, "input_shape time")
    validation.check_positive_int(features, "input_shape features")
    return shape


def is_text_model(model):
    """Whether `model` takes strings (it has a `TextVectorization` layer)."""
    return any(
        isinstance(layer, keras.layers.TextVectorization) for layer in model.layers
    )


def is_token_model(model):
    """Whether `model` takes integer token ids (`build(vocabulary_size=...)`)."""
    dtype = str(model.inputs[0].dtype)
    return not is_text_model(model) and dtype.startswith(("int", "uint"))


def vocabulary_size_of(model):
    """The number of token ids a token model's `Embedding` takes."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Embedding):
            return layer.input_dim
    raise ValueError("`model` has no Embedding layer: it is not a token model.")


def has_masking(model):
    """Whether `model` masks all-zero input steps (it has a `Masking` layer)."""
    return any(isinstance(layer, keras.layers.Masking) for layer in model.layers)


def recurrent_layers(model):
    """The LSTM and GRU layers of `model`, both directions of a `Bidirectional`."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            yield from (layer.forward_layer, layer.backward_layer)
        elif isinstance(layer, (keras.layers.LSTM, keras.layers.GRU)):
            yield layer
