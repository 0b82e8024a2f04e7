"""How a classifier holds up under attack: accuracy per epsilon, and `evaluate`."""

from __future__ import annotations

import numpy as np

from recipes import training, validation
from recipes.adversarial import attacks

EVALUATION_EPSILON = (
    0.125  # chosen on the validation split: docs/recipes/adversarial.md
)
EVALUATION_STEPS = 20


def robust_accuracy(
    model,
    data,
    attack="pgd",
    epsilons=(0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
    *,
    split="test",
    **attack_options,
):
    """Accuracy of `model` on adversarial examples, one figure per epsilon.

    Args:
        model: a classifier outputting probabilities or logits.
        data: a `recipes.data.Bundle` or dict of splits (`split` is used), or
            `(x, y)` arrays.
        attack: `"fgsm"`, `"pgd"`, or a function `attack(model, x, y, *,
            epsilon) -> adversarial x` (then the model's predictions on them
            are made with `model.predict`).
        epsilons: the perturbation sizes, each >= 0 (0 is clean accuracy).
        split: which split of a bundle to attack (default `"test"`).
        **attack_options: further arguments of `attacks.fgsm` or
            `attacks.pgd` (`steps`, `seed`, `clip`, `from_logits`, ...).

    Returns:
        `{epsilon: accuracy}`, accuracies in [0, 1], in the order given.

    Raises:
        ValueError: for an unknown attack, no or negative epsilons, a model
            without class outputs or data that does not fit it.

    Example:

    >>> from recipes import convnet, data
    >>> bundle = data.load("digits")
    >>> model = convnet.build(arch="lenet", width=4)
    >>> sorted(robust_accuracy(model, bundle, "fgsm", [0.0, 0.1]))
    [0.0, 0.1]
    """
    num_classes = attacks.check_classifier(model)
    if not callable(attack):
        validation.check_choice(attack, "attack", attacks.ATTACKS)
    try:
        epsilons = [float(epsilon) for epsilon in epsilons]
    except (TypeError, ValueError):
        raise ValueError(
            f"`epsilons` must be a list of numbers, got {epsilons!r}."
        ) from None
    if not epsilons:
        raise ValueError("`epsilons` must hold at least one value.")
    for epsilon in epsilons:
        validation.check_non_negative(epsilon, "epsilons")
    split_data = training.require_split(data, split)
    if validation.is_dataset(split_data) or validation.is_py_dataset(split_data):
        raise ValueError(
            f"`data` {split} must be (x, y) arrays for an attack, not a dataset."
        )
    x, y = validation.check_supervised(
        split_data,
        f"data {split}",
        shape=model.input_shape[1:],
        num_classes=num_classes,
    )
    results = {}
    for epsilon in epsilons:
        results[epsilon] = float(
            np.mean(_predicted(model, x, y, attack, epsilon, attack_options) == y)
        )
    return results


def _predicted(model, x, y, attack, epsilon, options):
    """The model's labels on the adversarial examples of `(x, y)`."""
    if callable(attack):
        adversarial = attack(model, x, y, epsilon=epsilon, **options)
        return np.argmax(model.predict(adversarial, verbose=0), axis=-1)
    defaults = {
        "targeted": False,
        "from_logits": "auto",
        "clip": (0.0, 1.0),
        "batch_size": 256,
    }
    if attack == "pgd":
        defaults.update(
            steps=attacks.PGD_STEPS, step_size=None, random_start=True, seed=0
        )
        run = attacks.pgd_with_predictions
    else:
        run = attacks.fgsm_with_predictions
    unknown = set(options) - set(defaults)
    if unknown:
        raise ValueError(f"`{attack}` does not take {sorted(unknown)}.")
    return run(model, x, y, epsilon=epsilon, **{**defaults, **options})[1]


def evaluate(model, data, *, epsilon=EVALUATION_EPSILON, steps=EVALUATION_STEPS):
    """Clean and PGD test accuracy of a classifier, with its clean loss.

    Args:
        model: a compiled classifier (an adversarially trained one or any).
        data: a `recipes.data.Bundle` (its test split) or `(x, y)`.
        epsilon: PGD's radius (default: the benchmark's, chosen on the
            validation split).
        steps: PGD steps (default 20, twice the training attack's).

    Returns:
        `{"accuracy", "loss", "pgd_accuracy"}` as floats.

    Raises:
        ValueError: for an uncompiled model or data that does not fit it.
    """
    training.check_compiled(model)
    test = training.supervised_split(model, data, "test")
    if test is None:
        raise ValueError("`data` has no 'test' split.")
    metrics = training.evaluate(model, test)
    attacked = robust_accuracy(model, test, "pgd", [epsilon], steps=steps)
    return {**metrics, "pgd_accuracy": attacked[float(epsilon)]}
