"""Text for the recurrent classifier: inside the model, or vectorized before `fit`.

Two routes from strings to a trained model:

- inside the model (TensorFlow backend only): `build(text=...)` puts an
  adapted `TextVectorization` layer in front of a masking `Embedding`, and the
  model takes one string per example;
- outside the model (any backend): `text_vectorizer` adapts a
  `TextVectorization` layer, `vectorize` maps the text of each split to
  integer token sequences as NumPy arrays, and `build(vocabulary_size=...)`
  builds a model on those tokens.

On JAX only the second route exists: a JAX model cannot carry strings, and
`TextVectorization` runs TensorFlow string operations, so `build(text=...)`
raises a `ValueError` that says how to vectorize first
(`require_string_backend`).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from recipes import data as data_module
from recipes import validation

OUT_OF_MODEL = (
    "vectorize outside the model instead: `vectorizer = "
    "bilstm.text_vectorizer(train_text)`, `tokens = bilstm.vectorize(vectorizer, "
    "data)`, then `model = bilstm.build(vocabulary_size="
    "vectorizer.vocabulary_size(), ...)` and `bilstm.fit(model, tokens)`"
)


def require_string_backend(name="text"):
    """Refuses a model that takes strings on a backend that cannot run it.

    Args:
        name: the argument that asked for strings, for the message.

    Raises:
        ValueError: on any backend but TensorFlow, saying how to vectorize the
            text outside the model instead.
    """
    backend = keras.backend.backend()
    if backend != "tensorflow":
        raise ValueError(
            f"`{name}` asks for a model that takes strings, which the {backend} "
            "backend cannot run (TextVectorization uses TensorFlow string "
            f"operations); {OUT_OF_MODEL}."
        )


def check_vocabulary(vocabulary):
    """`vocabulary` as a list of strings; an empty one is a `ValueError`."""
    vocabulary = [str(token) for token in vocabulary]
    if not vocabulary:
        raise ValueError("`vocabulary` is empty; it needs at least one token.")
    return vocabulary


def strings(x, name):
    """`x` as a 1-D object array of `str` (bytes decoded as UTF-8).

    Args:
        x: an array or list of strings (`str` or UTF-8 `bytes`).
        name: the argument's name for the error message.

    Returns:
        The 1-D object array of `str`.

    Raises:
        ValueError: `x` is not a non-empty 1-D array or list of strings.
    """
    x = np.asarray(x, dtype=object if isinstance(x, (list, tuple)) else None)
    if x.ndim != 1 or x.size == 0 or x.dtype.kind not in "USO":
        raise ValueError(
            f"`{name}` must be a non-empty 1-D array of strings, got shape "
            f"{x.shape} of {x.dtype}."
        )
    decoded = [s.decode("utf-8") if isinstance(s, bytes) else s for s in x]
    if not all(isinstance(s, str) for s in decoded):
        raise ValueError(f"`{name}` must hold strings only.")
    return np.array(decoded, dtype=object)


def _dataset_strings(dataset):
    """The strings of a `tf.data.Dataset` of strings or `(text, label)` pairs."""
    if isinstance(dataset.element_spec, tuple):
        dataset = dataset.map(lambda x, *_: x)
    if len(dataset.element_spec.shape) == 0:
        dataset = dataset.batch(256)
    return np.concatenate(list(dataset.as_numpy_iterator()))


def _adaptable(text):
    """The strings of `text` as something `TextVectorization.adapt` accepts."""
    if validation.is_dataset(text):
        return strings(_dataset_strings(text), "text").astype(str)
    if isinstance(text, tuple) and len(text) == 2:
        text = text[0]  # an (x, y) split
    return strings(text, "text").astype(str)


def text_vectorizer(
    text=None, *, vocabulary=None, max_tokens=20000, sequence_length=None
):
    """A `TextVectorization` layer adapted on `text` (or set to `vocabulary`).

    Token 0 is the padding and token 1 the out-of-vocabulary token; the
    layer lowercases, strips punctuation and splits on whitespace. Use it with
    `vectorize` to train on any backend.

    Args:
        text: training text: an array or list of strings, an `(x, y)` split of
            them, or a `tf.data.Dataset` of strings or of `(text, label)`
            pairs. Not needed with `vocabulary`.
        vocabulary: a list of tokens to use instead of adapting on `text`.
            Default `None`.
        max_tokens: the largest vocabulary (padding and out-of-vocabulary
            tokens included) when adapting (>= 3). Default 20000.
        sequence_length: tokens kept per text, the shorter ones padded (`None`,
            the default: each call pads to its longest text).

    Returns:
        The adapted `keras.layers.TextVectorization`, named `"vectorizer"`.

    Raises:
        ValueError: for text that is not strings, or an empty vocabulary.

    Example:

    >>> vectorizer = text_vectorizer(["a great film", "a dull plot"])
    >>> vectorizer.vocabulary_size(), "film" in vectorizer.get_vocabulary()
    (7, True)
    """
    validation.check_positive_int(max_tokens, "max_tokens", minimum=3)
    if sequence_length is not None:
        validation.check_positive_int(sequence_length, "sequence_length")
    if vocabulary is None and text is None:
        raise ValueError("`text` or `vocabulary` is required.")
    vectorizer = keras.layers.TextVectorization(
        max_tokens=None if vocabulary is not None else max_tokens,
        output_sequence_length=sequence_length,
        name="vectorizer",
    )
    if vocabulary is not None:
        vectorizer.set_vocabulary(check_vocabulary(vocabulary))
    else:
        vectorizer.adapt(_adaptable(text))
    # The vocabulary starts with the padding "" and the out-of-vocabulary "[UNK]".
    if vectorizer.vocabulary_size() <= 2:
        raise ValueError(
            "`text` gives an empty vocabulary: it holds no tokens to learn from."
        )
    return vectorizer


def _tokens(vectorizer, text, name, chunk=1024):
    """`vectorizer(text)` as int32 NumPy `(n, T)`, padded to one length `T`."""
    if validation.is_dataset(text):
        text = _dataset_strings(text)
    text = strings(text, name).astype(str)
    parts = [
        np.asarray(keras.ops.convert_to_numpy(vectorizer(text[i : i + chunk])))
        for i in range(0, len(text), chunk)
    ]  # each (chunk, T_i)
    steps = max(part.shape[1] for part in parts)
    padded = [np.pad(part, [(0, 0), (0, steps - part.shape[1])]) for part in parts]
    return np.concatenate(padded).astype("int32")  # (n, T)


def _split_tokens(vectorizer, split, name):
    """One split (strings, `(x, y)` or a dataset of pairs) with `x` vectorized."""
    if split is None:
        return None
    if validation.is_dataset(split):
        if not isinstance(split.element_spec, tuple):
            return _tokens(vectorizer, split, name)
        if len(split.element_spec[0].shape) == 0:
            split = split.batch(256)
        pairs = list(split.as_numpy_iterator())
        x = np.concatenate([x for x, *_ in pairs])
        y = np.concatenate([y for _, y, *_ in pairs])
        return _tokens(vectorizer, x, f"{name} x"), y
    if isinstance(split, tuple) and len(split) == 2:
        return _tokens(vectorizer, split[0], f"{name} x"), np.asarray(split[1])
    return _tokens(vectorizer, split, name)


def vectorize(vectorizer, data):
    """The text of `data` as integer token sequences (NumPy), for any backend.

    Args:
        vectorizer: a `TextVectorization` layer (from `text_vectorizer`).
        data: strings (an array or list), an `(x, y)` split of them, a
            `tf.data.Dataset` of strings or `(text, label)` pairs, a dict of
            such splits, or a `recipes.data.Bundle` of them.

    Returns:
        `data` of the same kind with every text replaced by an int32 `(n, T)`
        array of token ids, 0 for the padding at the end (`T` is the
        vectorizer's `sequence_length`, or the longest text of the split);
        labels become NumPy arrays. A `Bundle`'s `info.input_shape` becomes
        `(T,)` with `T` the vectorizer's `sequence_length` (`None` when
        open).

    Example:

    >>> vectorizer = text_vectorizer(vocabulary=["a", "great", "dull", "plot"])
    >>> vectorize(vectorizer, (["a great plot", "so dull"], [1, 0]))[0].tolist()
    [[2, 3, 5], [1, 4, 0]]
    """
    if isinstance(data, data_module.Bundle):
        splits = {
            split: _split_tokens(vectorizer, getattr(data, split), f"data {split}")
            for split in ("train", "val", "test")
        }
        length = vectorizer.get_config().get("output_sequence_length")
        info = data.info
        if info is not None:
            info = dataclasses.replace(info, input_shape=(length,))
        return dataclasses.replace(data, info=info, **splits)
    if isinstance(data, dict):
        return {
            split: _split_tokens(vectorizer, value, f"data {split}")
            for split, value in data.items()
        }
    return _split_tokens(vectorizer, data, "data")


def text_features(text, vocabulary, max_tokens, sequence_length, embedding_dim):
    """A string input and its masked embeddings, for a model that takes text.

    Args:
        text: the training text, as `text_vectorizer` takes it (or `None`).
        vocabulary: a token list instead of `text` (or `None`).
        max_tokens: the largest vocabulary when adapting.
        sequence_length: tokens kept per text (`None`: the batch's longest).
        embedding_dim: size of the token embeddings.

    Returns:
        `(inputs, embeddings)`: a `(B,)` string `keras.Input` and the `(B, T,
        embedding_dim)` embeddings of its tokens, padding masked.
    """
    validation.check_positive_int(embedding_dim, "embedding_dim")
    vectorizer = text_vectorizer(
        text,
        vocabulary=vocabulary,
        max_tokens=max_tokens,
        sequence_length=sequence_length,
    )
    inputs = keras.Input(shape=(), dtype="string", name="text")  # (B,)
    tokens = vectorizer(inputs)  # (B, T) integers, 0 = padding
    x = keras.layers.Embedding(
        vectorizer.vocabulary_size(), embedding_dim, mask_zero=True
    )(tokens)  # (B, T, embedding_dim), padding masked
    return inputs, x


def token_features(vocabulary_size, sequence_length, embedding_dim):
    """An integer token input and its masked embeddings (any backend).

    Args:
        vocabulary_size: the number of token ids (padding and
            out-of-vocabulary ids included; at least 3).
        sequence_length: the fixed number of tokens, or `None` for any.
        embedding_dim: size of the token embeddings.

    Returns:
        `(inputs, embeddings)`: a `(B, T)` int32 `keras.Input` (token 0 is the
        padding) and the `(B, T, embedding_dim)` embeddings, padding masked.
    """
    validation.check_positive_int(vocabulary_size, "vocabulary_size", minimum=3)
    validation.check_positive_int(embedding_dim, "embedding_dim")
    if sequence_length is not None:
        validation.check_positive_int(sequence_length, "sequence_length")
    inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True)(
        inputs
    )  # (B, T, embedding_dim), padding masked
    return inputs, x
