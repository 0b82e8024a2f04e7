"""Embeddings and few-shot accuracy of a prototypical network."""

from __future__ import annotations

import numpy as np

from recipes import fewshot, training, validation
from recipes.protonet.training import default_ways
from recipes.siamese.pairs import check_xy


def embed(model, x, *, batch_size=256):
    """The embeddings of images `x`, `(n, D)` float32.

    Raises:
        ValueError: for images that do not fit `model`, or a bad `batch_size`.

    Example:

    >>> import numpy as np
    >>> from recipes import protonet
    >>> protonet.embed(protonet.build(), np.zeros((2, 28, 28, 1))).shape
    (2, 64)
    """
    validation.check_positive_int(batch_size, "batch_size")
    x = validation.check_array(x, "x", shape=model.input_shape[1:])
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def evaluate(model, data, *, n_way=None, k_shot=1, trials=1000, seed=0):
    """N-way K-shot accuracy on the test split's classes, never seen in training.

    Each query goes to the class of the nearest prototype (the mean embedding
    of the class's supports), as `recipes.fewshot.accuracy` with its
    `"prototype"` rule computes it.

    Args:
        model: a compiled model from `compile`.
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        n_way: classes per trial; `None` (the default) for 20, or all the
            test classes with `k_shot + 1` images when fewer.
        k_shot: supports per class (default 1).
        trials: number of trials (default 1000).
        seed: seed of the trials (default 0).

    Returns:
        `{"accuracy", "accuracy_ci95"}`: the accuracy and half the width of
        its 95% confidence interval, as floats.

    Raises:
        ValueError: for an uncompiled model, test data that does not fit the
            model, or impossible `n_way`, `k_shot`, `trials` or `seed`.
    """
    training.check_compiled(model)
    test = training.require_split(data, "test")
    x, y = check_xy(test, "data test", model.input_shape[1:])
    n_way = default_ways(n_way, y, k_shot, 1)
    result = fewshot.accuracy(
        model, x, y, n_way=n_way, k_shot=k_shot, trials=trials, seed=seed
    )
    return {"accuracy": result.accuracy, "accuracy_ci95": result.ci95}
