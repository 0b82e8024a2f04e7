"""N-way K-shot evaluation of any metric model, with a 95% confidence interval.

One evaluation for every way of comparing images: an embedding function, the
siamese recipe's model (its own similarity), a prototypical network (or any
Keras model that maps images to embeddings), or the raw pixels (`None`). Each
trial draws `n_way` classes, `k_shot` support images of each and one query
from one of them (never one of its supports); the query is given the class
whose supports it is most similar to. Over a fixed, seeded set of trials, on
classes never seen in training, the accuracy comes with the 95% confidence
interval of a proportion (`1.96 * sqrt(p * (1 - p) / trials)`), as Snell et
al. (2017) report theirs.

Two rules turn similarities to single images into a class:

- `"prototype"` (Snell et al.): similarity to the mean embedding of the
  class's supports (minus the squared Euclidean distance for embeddings and
  pixels, the model's own similarity for a siamese model);
- `"nearest"`: the best similarity to any one support (1-nearest-neighbour;
  Koch et al.'s rule at one shot).

At one shot the two are the same.

Example:

>>> from recipes import data, fewshot
>>> x, y = data.load("digits").test
>>> result = fewshot.accuracy(None, x, y, n_way=4, k_shot=1, classes=range(6, 10))
>>> result.accuracy  # pixel 1-NN, 4-way one-shot on the digits 6-9
0.756
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np

from recipes import saving, validation

RULES = ("prototype", "nearest")
Z_95 = 1.959964  # the standard normal's 97.5% quantile


@dataclasses.dataclass(frozen=True)
class Result:
    """The accuracy of one N-way K-shot evaluation.

    Attributes:
        accuracy: the fraction of trials answered right.
        ci95: half the width of its 95% confidence interval.
        n_way: classes per trial.
        k_shot: supports per class.
        trials: number of trials.
    """

    accuracy: float
    ci95: float
    n_way: int
    k_shot: int
    trials: int

    def __str__(self):
        return f"{100 * self.accuracy:.1f} ± {100 * self.ci95:.1f}%"


def confidence_interval(accuracy, trials):
    """Half the width of the 95% (normal) confidence interval of a proportion.

    Example:

    >>> round(confidence_interval(0.9, 1000), 4)
    0.0186
    """
    return Z_95 * math.sqrt(accuracy * (1.0 - accuracy) / trials)


def tasks(y, classes, n_way, k_shot, trials, seed):
    """The fixed N-way K-shot trials: queries, supports and right answers.

    Each trial draws `n_way` classes, `k_shot` support examples of each and
    one query of one of them, different from its supports. The same seed
    gives the same trials (at one shot, those of
    `recipes.siamese.one_shot_tasks`).

    Args:
        y: integer labels, `(n,)`.
        classes: the classes trials draw from (each with `k_shot + 1`
            examples).
        n_way: classes per trial.
        k_shot: supports per class.
        trials: number of trials.
        seed: seed of the draw.

    Returns:
        `(queries, supports, answers)`: indices `(trials,)`, indices
        `(trials, n_way, k_shot)` and the position of the query's class among
        the `n_way`, `(trials,)`.

    Raises:
        ValueError: for a bad `n_way`, `k_shot`, `trials` or `seed`.
    """
    validation.check_positive_int(n_way, "n_way", minimum=2)
    validation.check_positive_int(k_shot, "k_shot")
    validation.check_positive_int(trials, "trials")
    seed = validation.check_seed(seed)
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    classes = np.asarray(list(classes))
    queries = np.empty(trials, dtype="int64")
    supports = np.empty((trials, n_way, k_shot), dtype="int64")
    answers = rng.integers(0, n_way, size=trials)
    members = {c: np.flatnonzero(y == c) for c in classes.tolist()}
    for t in range(trials):
        chosen = rng.choice(classes, size=n_way, replace=False)
        for j, c in enumerate(chosen.tolist()):
            if j == answers[t]:
                picks = rng.choice(members[c], k_shot + 1, replace=False)
                supports[t, j], queries[t] = picks[:k_shot], picks[k_shot]
            elif k_shot == 1:
                supports[t, j, 0] = rng.choice(members[c])
            else:
                supports[t, j] = rng.choice(members[c], k_shot, replace=False)
    return queries, supports, answers


class _Metric:
    """Codes of images and similarities between codes, for one kind of model."""

    def __init__(self, model):
        self.model = model
        self.siamese = saving.recipe_of(model) == "siamese"
        if isinstance(model, keras.Model):
            shape = model.input_shape
            self.shape = shape[0][1:] if isinstance(shape, list) else shape[1:]
        elif model is None or callable(model):
            self.shape = None
        else:
            raise ValueError(
                "`model` must be None (pixels), a Keras model or a function from "
                f"images to embeddings, got {type(model).__name__}."
            )

    def codes(self, x):
        if self.model is None:
            return x.reshape(len(x), -1)
        if self.siamese:
            from recipes.siamese.evaluation import embed

            return embed(self.model, x)
        if isinstance(self.model, keras.Model):
            return np.asarray(self.model.predict(x, batch_size=256, verbose=0))
        codes = np.asarray(keras.ops.convert_to_numpy(self.model(x)))
        return codes.reshape(len(x), -1)

    def scores(self, z_query, z_support, chunk=65536):
        """Similarities of row-aligned codes `(m, D)`, larger for more alike."""
        if not self.siamese:
            return -np.sum(np.square(z_query - z_support), axis=-1)
        from recipes.siamese.evaluation import similarity

        return np.concatenate(
            [
                similarity(self.model, z_query[i : i + chunk], z_support[i : i + chunk])
                for i in range(0, len(z_query), chunk)
            ]
        )


def accuracy(
    model,
    x,
    y,
    *,
    n_way=5,
    k_shot=1,
    classes=None,
    trials=1000,
    seed=0,
    rule="prototype",
):
    """N-way K-shot accuracy of a metric model over fixed seeded trials.

    Args:
        model: `None` (raw pixels), a siamese model (its own similarity), a
            Keras model from images to embeddings (a prototypical network),
            or a function from an image batch to embeddings.
        x: images, `(n, ...)`.
        y: their integer labels, `(n,)`.
        n_way: classes per trial (at least 2, at most the classes; default 5).
        k_shot: supports per class (at least 1; default 1).
        classes: the classes trials draw from (default: all in `y`); for
            few-shot learning, classes never seen in training.
        trials: number of trials (default 1000).
        seed: seed of the trials; the same seed gives the same trials.
        rule: `"prototype"` (the default) or `"nearest"` (see the module).

    Returns:
        A `Result`.

    Raises:
        ValueError: for bad images or labels, `classes` missing from `y`,
            `n_way` < 2 or above the classes, `k_shot` < 1, classes with
            fewer than `k_shot + 1` examples, a bad `trials`, `seed`, `rule`
            or `model`.

    Example:

    >>> import numpy as np
    >>> from recipes import fewshot
    >>> x = np.repeat(np.eye(3), 4, axis=0)  # 3 classes, 4 identical images each
    >>> y = np.repeat([0, 1, 2], 4)
    >>> print(fewshot.accuracy(None, x, y, n_way=3, k_shot=2, trials=50))
    100.0 ± 0.0%
    """
    from recipes.protonet.episodes import check_episode
    from recipes.siamese.pairs import check_xy, restrict

    metric = _Metric(model)
    validation.check_choice(rule, "rule", RULES)
    validation.check_positive_int(trials, "trials")
    seed = validation.check_seed(seed)
    x, y = check_xy((x, y), "data", metric.shape)
    classes = np.unique(y) if classes is None else np.asarray(list(classes))
    x, y = restrict(x, y, classes)
    check_episode(y, n_way, k_shot, 1, classes, name="y")
    queries, supports, answers = tasks(y, classes, n_way, k_shot, trials, seed)
    used = np.unique(np.concatenate([queries, supports.reshape(-1)]))
    codes = np.zeros((len(x),) + metric.codes(x[used[:1]]).shape[1:], "float32")
    codes[used] = metric.codes(x[used])  # (n, D): only the images the trials use
    z_query = codes[queries]  # (trials, D)
    if rule == "prototype":
        z_support = codes[supports].mean(axis=2)  # (trials, n_way, D)
        repeats = n_way
    else:
        z_support = codes[supports].reshape(trials, n_way * k_shot, -1)
        repeats = n_way * k_shot
    flat_query = np.repeat(z_query, repeats, axis=0)  # (trials * repeats, D)
    flat_support = z_support.reshape(trials * repeats, -1)
    scores = metric.scores(flat_query, flat_support).reshape(trials, n_way, -1)
    guesses = np.argmax(scores.max(axis=2), axis=1)  # (trials,)
    value = float(np.mean(guesses == answers))
    return Result(value, confidence_interval(value, trials), n_way, k_shot, trials)


def evaluate(model, x, y, *, ways=(5, 20), shots=(1, 5), **options):
    """`accuracy` at every number of ways and shots.

    Args:
        model: as for `accuracy`.
        x: images.
        y: labels.
        ways: the `n_way` values (default 5 and 20).
        shots: the `k_shot` values (default 1 and 5).
        **options: more arguments of `accuracy` (`classes`, `trials`, `seed`,
            `rule`).

    Returns:
        `{(n_way, k_shot): Result}`.
    """
    return {
        (n_way, k_shot): accuracy(model, x, y, n_way=n_way, k_shot=k_shot, **options)
        for n_way in ways
        for k_shot in shots
    }
