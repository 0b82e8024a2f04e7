"""Embeddings, similarity search and N-way one-shot evaluation."""

from __future__ import annotations

import keras
import numpy as np

from recipes import fewshot, training, validation
from recipes.siamese.model import distance_of
from recipes.siamese.pairs import check_xy, pair_indices, restrict
from recipes.siamese.training import DEFAULT_MARGINS

DEFAULT_WAYS = 20  # `evaluate`'s N-way one-shot test (Koch et al. 2015)


def embed(model, x, *, batch_size=256):
    """The embeddings of `x` from a siamese model's shared network.

    Args:
        model: a model from `build`.
        x: inputs, `(n, ...)`.
        batch_size: prediction batch size (default 256).

    Returns:
        A float32 array `(n, embedding_dim)`, or `(n, embedding_dim + P)` with
        the `P` input values when the model was built with `pixel_weight`.

    Raises:
        ValueError: for inputs that do not fit `model`, or a bad `batch_size`.

    Example:

    >>> import numpy as np
    >>> from recipes import siamese
    >>> model = siamese.build(tower="dense", embedding_dim=4, pixel_weight=0)
    >>> siamese.embed(model, np.zeros((3, 8, 8, 1))).shape
    (3, 4)
    """
    validation.check_positive_int(batch_size, "batch_size")
    x = validation.check_array(x, "x", shape=model.input_shape[0][1:])
    return np.asarray(
        model.get_layer("embedding").predict(x, batch_size=batch_size, verbose=0)
    )


def similarity(model, z_left, z_right):
    """How alike pairs of embeddings are, by the model's distance layer.

    Args:
        model: a siamese model.
        z_left: embeddings from `embed`, `(n, D)`.
        z_right: the embeddings they are compared with, `(n, D)`.

    Returns:
        `(n,)` scores, larger for more similar pairs (minus the Euclidean
        distance, the cosine similarity, or Koch et al.'s probability).
    """
    scores = _outputs(model, z_left, z_right)
    return -scores if distance_of(model) == "euclidean" else scores


def _outputs(model, z_left, z_right, chunk=65536):
    """The distance layer's outputs `(n,)` for row-aligned embeddings."""
    layer = model.get_layer("distance")
    return np.concatenate(
        [
            np.asarray(layer([z_left[i : i + chunk], z_right[i : i + chunk]]))[:, 0]
            for i in range(0, len(z_left), chunk)
        ]
    )


def _codes(model, x, name):
    """`embed(model, x)`, or the flattened inputs for `model=None` (pixels)."""
    if model is None:
        x = validation.check_array(x, name)
        return x.reshape(len(x), -1)
    return embed(model, x)


def _pair_scores(model, z_left, z_right):
    """`similarity` of row-aligned codes, or minus their distance for `None`."""
    if model is None:  # pixel space: minus the Euclidean distance
        return -np.sqrt(np.sum(np.square(z_left - z_right), axis=-1))
    return similarity(model, z_left, z_right)


def nearest_neighbors(model, queries, gallery, *, k=1):
    """Indices of the `k` gallery items most similar to each query.

    Similarity is the model's own (`similarity`) between embeddings; with
    `model=None`, the Euclidean distance between raw inputs (the pixel-space
    baseline).

    Args:
        model: a siamese model, or `None`.
        queries: `(q, ...)` inputs.
        gallery: `(g, ...)` inputs.
        k: neighbours per query (at most `g`; default 1).

    Returns:
        An int array `(q, k)`, most similar first.

    Example:

    >>> import numpy as np
    >>> from recipes import siamese
    >>> gallery = np.arange(4.0).reshape(4, 1)
    >>> siamese.nearest_neighbors(None, gallery[[2]], gallery, k=2).tolist()
    [[2, 1]]
    """
    zq, zg = _codes(model, queries, "queries"), _codes(model, gallery, "gallery")
    validation.check_positive_int(k, "k")
    if k > len(zg):
        raise ValueError(f"`k` must be at most the gallery size {len(zg)}, got {k}.")
    scores = _pair_scores(model, np.repeat(zq, len(zg), 0), np.tile(zg, (len(zq), 1)))
    scores = scores.reshape(len(zq), len(zg))  # (q, g)
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


def one_shot_tasks(y, classes, n_way, trials, seed):
    """The fixed N-way one-shot trials used by `one_shot_accuracy`.

    Each trial draws `n_way` classes, one support example of each, and one
    query from one of them (a different example from its support).

    Args:
        y: integer labels, `(n,)`.
        classes: the classes trials draw from.
        n_way: supports per trial.
        trials: number of trials.
        seed: seed of the draw; the same seed gives the same trials.

    Returns:
        `(queries, supports, answers)`: indices `(trials,)`, `(trials, n_way)`
        and the position of the right support `(trials,)`.

    Raises:
        ValueError: for a bad `n_way`, `trials` or `seed`.
    """
    queries, supports, answers = fewshot.tasks(y, classes, n_way, 1, trials, seed)
    return queries, supports[:, :, 0], answers


def one_shot_accuracy(model, x, y, classes=None, n_way=4, trials=1000, seed=0):
    """N-way one-shot accuracy (Koch et al. 2015).

    In each trial the query is matched to the most similar of `n_way` support
    examples, one per class; the trial succeeds when that support has the
    query's class. With `model=None`, similarity is minus the Euclidean
    distance in input space (1-nearest-neighbour on pixels).

    Args:
        model: a siamese model, or `None` for the pixel-space baseline.
        x: examples, `(n, ...)`.
        y: their integer labels, `(n,)`.
        classes: the classes trials draw from (default: all in `y`); for
            one-shot learning, classes never used in training.
        n_way: supports per trial (at least 2, at most the number of classes;
            default 4).
        trials: number of trials (default 1000).
        seed: seed of the trials; the same seed gives the same trials.

    Returns:
        The fraction of trials answered right, a float.

    Raises:
        ValueError: for bad examples or labels, `classes` missing from `y`
            or with fewer than two examples, or a bad `n_way`, `trials` or
            `seed`.

    Example:

    >>> from recipes import data, siamese
    >>> x, y = data.load("digits").test
    >>> siamese.one_shot_accuracy(None, x, y, classes=range(6, 10))  # pixel 1-NN
    0.756
    >>> model = siamese.build(input_shape=(8, 8, 1))  # untrained, for brevity
    >>> 0.0 <= siamese.one_shot_accuracy(model, x, y, classes=range(6, 10)) <= 1.0
    True
    """
    shape = None if model is None else model.input_shape[0][1:]
    seed = validation.check_seed(seed)
    x, y = check_xy((x, y), "data", shape)
    classes = np.unique(y) if classes is None else np.asarray(list(classes))
    x, y = restrict(x, y, classes)
    validation.check_positive_int(n_way, "n_way", minimum=2)
    validation.check_positive_int(trials, "trials")
    if n_way > len(classes):
        raise ValueError(
            f"`n_way` must be at most {len(classes)} classes, got {n_way}."
        )
    if min(np.sum(y == c) for c in classes) < 2:
        raise ValueError("each of `classes` needs at least two examples in `y`.")
    result = fewshot.accuracy(
        model, x, y, n_way=n_way, k_shot=1, classes=classes, trials=trials, seed=seed
    )
    return result.accuracy


def evaluate(
    model, data, *, classes=None, n_way=None, trials=1000, seed=0, batch_size=256
):
    """One-shot accuracy and pair metrics on the test split.

    Args:
        model: a compiled model.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        classes: the classes to evaluate on (default: all of the test split).
        n_way: supports per trial, as in `one_shot_accuracy` (default
            `None`: 20, Koch et al.'s test, or all the classes when fewer).
        trials: number of one-shot trials (default 1000).
        seed: seed of the trials and of the pairs (default 0).
        batch_size: evaluation batch size (default 256).

    Returns:
        `{"one_shot_accuracy", "pair_accuracy", "loss"}` as floats; pair
        metrics are on `make_pairs(..., seed=seed)` of the test split. Pairs
        count as similar below half the margin (`euclidean`), above the middle
        of margin and 1 (`cosine`), or above probability 0.5 (`weighted_l1`).

    Raises:
        ValueError: for an uncompiled model, a bad `batch_size`, `seed`,
            `n_way` or `trials`, or test data that does not fit the model.
    """
    training.check_compiled(model)
    validation.check_positive_int(batch_size, "batch_size")
    seed = validation.check_seed(seed)
    shape = model.input_shape[0][1:]
    x, y = check_xy(training.require_split(data, "test"), "data test", shape)
    if n_way is None:
        present = np.unique(y) if classes is None else list(classes)
        n_way = min(DEFAULT_WAYS, len(present))
    accuracy = one_shot_accuracy(model, x, y, classes, n_way, trials, seed)
    x, y = restrict(x, y, classes)
    left, right, labels = pair_indices(y, seed=seed)  # `make_pairs`' pairs
    codes = embed(model, x, batch_size=batch_size)  # (n, D): each example once
    scores = _outputs(model, codes[left], codes[right])  # (p,) the model's outputs
    distance = distance_of(model)
    margin = getattr(model.loss, "margin", DEFAULT_MARGINS.get(distance))
    if distance == "euclidean":
        predicted = scores < margin / 2
    elif distance == "cosine":
        predicted = scores > (1 + margin) / 2
    else:
        predicted = scores > 0.5
    # The compiled loss with its regularisers, as `model.evaluate` reports it.
    loss = model.compute_loss(y=labels, y_pred=scores[:, None], training=False)
    return {
        "one_shot_accuracy": accuracy,
        "pair_accuracy": float(np.mean(predicted == (labels > 0.5))),
        "loss": float(keras.ops.convert_to_numpy(loss)),
    }
