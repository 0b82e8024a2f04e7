"""Measuring a DANN: label accuracy per domain, the domain head, proxy A-distance."""

from __future__ import annotations

import keras
import numpy as np

from recipes import validation
from recipes.dann.data import source_split, split_domains, target_split


def _outputs(model, x, batch_size=256):
    """`(label probabilities, domain probabilities, features)` of `x`."""
    probe = keras.Model(
        model.inputs,
        [
            model.get_layer("label").output,  # (N, classes)
            model.get_layer("domain").output,  # (N, 1)
            model.get_layer("label").input,  # (N, F)
        ],
    )
    outputs = probe.predict(x, batch_size=batch_size, verbose=0)
    return tuple(np.asarray(part) for part in outputs)


def features(model, x, batch_size=256):
    """The learned representation (the input of the label head) of `x`.

    Args:
        model: a model from `build`.
        x: examples of the model's input shape.
        batch_size: examples per prediction batch. Default 256.

    Returns:
        The `(N, F)` NumPy features.

    Raises:
        ValueError: for examples that do not fit the model, or a bad
            `batch_size`.
    """
    validation.check_positive_int(batch_size, "batch_size")
    x = validation.check_array(x, "x", shape=model.input_shape[1:])
    return _outputs(model, x, batch_size)[2]


def proxy_a_distance(features_source, features_target, *, seed=0):
    """Proxy A-distance `2 (1 - 2 err)` between two sets of features.

    `err` is the held-out error of a linear classifier (logistic regression on
    standardised features, 2-fold cross-validation) that tells the two sets
    apart (Ben-David et al. 2007; used by Ganin et al. 2016). 2 means the
    domains are perfectly separable, 0 that they are indistinguishable.

    Args:
        features_source: `(N, F)` features of the source domain.
        features_target: `(M, F)` features of the target domain.
        seed: seed of the folds. Default 0.

    Returns:
        The float proxy A-distance.

    Raises:
        ValueError: for a set with fewer than 2 examples (an empty one
            included), NaN or infinite features, sets of different feature
            sizes, or a bad `seed`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> apart = proxy_a_distance(rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 9)
    >>> round(apart, 2)
    2.0
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    seed = validation.check_seed(seed, allow_none=False)
    sets = []
    for values, name in (
        (features_source, "features_source"),
        (features_target, "features_target"),
    ):
        values = validation.check_array(values, name, max_magnitude=None)
        if len(values) < 2:  # each of the 2 folds needs one example of each set
            raise ValueError(f"`{name}` needs at least 2 examples, got {len(values)}.")
        sets.append(values.reshape(len(values), -1))  # (N, F)
    features_source, features_target = sets
    if features_source.shape[1] != features_target.shape[1]:
        raise ValueError(
            f"`features_source` has {features_source.shape[1]} features per "
            f"example, `features_target` {features_target.shape[1]}."
        )
    x = np.concatenate([features_source, features_target])
    y = np.concatenate([np.zeros(len(features_source)), np.ones(len(features_target))])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(2, shuffle=True, random_state=seed)
    error = 1.0 - float(np.mean(cross_val_score(classifier, x, y, cv=folds)))
    return 2.0 * (1.0 - 2.0 * error)


def evaluate(model, data, target=None):
    """Headline metrics of a DANN on the test splits of both domains.

    Args:
        model: a model from `build` (trained).
        data: a `DomainData`, or the source `Bundle` / `(x, y)` test arrays.
        target: the target `Bundle`, `(x, y)` or `x` (when `data` is not a
            `DomainData`).

    Returns:
        `{"source_accuracy", "target_accuracy" (when target labels are given),
        "domain_accuracy" (the domain head on both test sets),
        "proxy_a_distance" (of the learned features)}` as floats.
    """
    source, target = split_domains(data, target)
    source_test = source_split(model, source, "test")
    if source_test is None:
        raise ValueError("`source` has no 'test' split.")
    target_test = target_split(model, target, "test")
    if target_test is None:
        raise ValueError("`target` has no 'test' split.")
    (x_s, y_s), (x_t, y_t) = source_test, target_test
    labels, domains, learned = _outputs(model, np.concatenate([x_s, x_t]))
    n = len(x_s)
    predicted = np.argmax(labels, axis=-1)  # (N_s + N_t,)
    results = {"source_accuracy": float(np.mean(predicted[:n] == y_s))}
    if y_t is not None:
        results["target_accuracy"] = float(np.mean(predicted[n:] == y_t))
    is_target = domains[:, 0] >= 0.5  # (N_s + N_t,)
    results["domain_accuracy"] = float(
        np.mean(np.concatenate([~is_target[:n], is_target[n:]]))
    )
    results["proxy_a_distance"] = proxy_a_distance(learned[:n], learned[n:])
    return dict(sorted(results.items()))
