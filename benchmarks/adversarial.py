"""Adversarial robustness on the fixed `digits` split, beside the Adversarial Robustness Toolbox.

- quality: the default ConvNet (`convnet.build`, `convnet.fit`) and the
  adversarially trained one (`adversarial.build`, `adversarial.fit`, the
  recipe's defaults), both seed 0, attacked on the 360 test digits by PGD
  (20 steps, random start, seed 0) and FGSM at the benchmark's epsilon,
  chosen on the validation split (docs/recipes/adversarial.md). Targets: the
  default ConvNet below 30% under PGD (the attack works); the robust one at
  least 80% under PGD with clean accuracy within 3 points of the default's.
- peer: the same models, data and epsilons attacked by the Adversarial
  Robustness Toolbox's `FastGradientMethod` and `ProjectedGradientDescent`
  (TensorFlow backend: ART wraps the model in its `TensorFlowV2Classifier`);
  target: robust accuracies within 1 point, and the recipe's attack at least
  as fast (seconds to attack the test split, after one warm-up run).
"""

from __future__ import annotations

import time

import keras
import numpy as np

from benchmarks.common import markdown_table
from recipes import adversarial, convnet, data
from recipes.adversarial.evaluation import EVALUATION_EPSILON, EVALUATION_STEPS

EPSILONS = (0.05, 0.1, 0.15, 0.2)
STANDARD_BELOW, ROBUST_AT_LEAST, CLEAN_GAP, PEER_GAP = 0.30, 0.80, 0.03, 0.01


def train(bundle, seed=0):
    """The default ConvNet and the adversarially trained one, with their times."""
    models = {}
    for name, recipe in (
        ("default ConvNet", convnet),
        ("adversarially trained", adversarial),
    ):
        keras.utils.set_random_seed(seed)
        start = time.perf_counter()
        model = recipe.compile(recipe.build(seed=seed))
        history = recipe.fit(model, bundle, verbose=0)
        models[name] = (
            model,
            len(history.history["loss"]),
            time.perf_counter() - start,
        )
    return models


def pgd_options(epsilon):
    return {"steps": EVALUATION_STEPS, "step_size": 2.5 * epsilon / EVALUATION_STEPS}


ATTACKS = {  # name: (recipe attack, its options, ART attack's random starts)
    "FGSM": ("fgsm", {}, None),
    "PGD, start at x": ("pgd", {"random_start": False}, 0),
    "PGD, random start": ("pgd", {}, 1),
}


def art_attack(model, name, epsilon):
    """ART's FGSM or PGD (L-infinity, the recipe's settings) on a Keras model."""
    from art.attacks.evasion import FastGradientMethod, ProjectedGradientDescent
    from art.estimators.classification import TensorFlowV2Classifier

    classifier = TensorFlowV2Classifier(
        model=model,
        nb_classes=model.output_shape[-1],
        input_shape=model.input_shape[1:],
        loss_object=keras.losses.SparseCategoricalCrossentropy(),
        clip_values=(0.0, 1.0),
    )
    random_starts = ATTACKS[name][2]
    if random_starts is None:
        return FastGradientMethod(classifier, norm=np.inf, eps=epsilon, batch_size=256)
    return ProjectedGradientDescent(
        classifier,
        norm=np.inf,
        eps=epsilon,
        eps_step=pgd_options(epsilon)["step_size"],
        max_iter=EVALUATION_STEPS,
        num_random_init=random_starts,
        batch_size=256,
        verbose=False,
    )


def recipe_options(name, epsilon):
    kind, options, _ = ATTACKS[name]
    return kind, {**(pgd_options(epsilon) if kind == "pgd" else {}), **options}


def peer_rows(model_name, model, x, y):
    """Recipe against ART: accuracies per epsilon and the time of one attack.

    Returns:
        `(rows, {attack: largest gap}, {(model, attack): (recipe s, ART s)})`.
    """
    rows, gaps, times = [], {}, {}
    one_hot = np.eye(model.output_shape[-1])[y]
    for name in ATTACKS:
        for epsilon in EPSILONS:
            kind, options = recipe_options(name, epsilon)
            ours = adversarial.robust_accuracy(
                model, (x, y), kind, [epsilon], **options
            )
            x_art = art_attack(model, name, epsilon).generate(x, one_hot)
            theirs = float(np.mean(np.argmax(model.predict(x_art, verbose=0), -1) == y))
            gap = abs(ours[epsilon] - theirs)
            gaps[name] = max(gaps.get(name, 0.0), gap)
            rows.append([model_name, name, epsilon, 100 * ours[epsilon], 100 * theirs])
        kind, options = recipe_options(name, EVALUATION_EPSILON)
        attack = adversarial.fgsm if kind == "fgsm" else adversarial.pgd
        attack(model, x, y, epsilon=EVALUATION_EPSILON, **options)  # warm-up
        start = time.perf_counter()
        attack(model, x, y, epsilon=EVALUATION_EPSILON, **options)
        ours_time = time.perf_counter() - start
        peer = art_attack(model, name, EVALUATION_EPSILON)
        peer.generate(x[:8], one_hot[:8])  # warm-up
        start = time.perf_counter()
        peer.generate(x, one_hot)
        times[(model_name, name)] = (ours_time, time.perf_counter() - start)
    return rows, gaps, times


def quality():
    bundle = data.load("digits")
    x, y = bundle.test
    models = train(bundle)
    rows = []
    accuracy = {}
    for name, (model, epochs, seconds) in models.items():
        clean = adversarial.robust_accuracy(model, bundle, "fgsm", [0.0])[0.0]
        fgsm = adversarial.robust_accuracy(model, bundle, "fgsm", [EVALUATION_EPSILON])
        pgd = adversarial.robust_accuracy(
            model,
            bundle,
            "pgd",
            [EVALUATION_EPSILON],
            **pgd_options(EVALUATION_EPSILON),
        )
        accuracy[name] = (clean, pgd[EVALUATION_EPSILON])
        rows.append(
            [
                name,
                epochs,
                round(seconds),
                100 * clean,
                100 * fgsm[EVALUATION_EPSILON],
                100 * pgd[EVALUATION_EPSILON],
            ]
        )
    (standard_clean, standard_pgd), (robust_clean, robust_pgd) = accuracy.values()
    met = (
        standard_pgd < STANDARD_BELOW
        and robust_pgd >= ROBUST_AT_LEAST
        and standard_clean - robust_clean <= CLEAN_GAP
    )
    text = (
        "## Adversarial examples and adversarial training on digits (quality)\n\n"
        f"Test split (360 digits); epsilon {EVALUATION_EPSILON} (inputs in [0, 1]), "
        f"PGD {EVALUATION_STEPS} steps of 2.5 epsilon / {EVALUATION_STEPS} from a "
        "random start (seed 0), FGSM one step of epsilon. Both models: the "
        "recipes' defaults, seed 0, early stopping on the clean validation loss.\n\n"
        + markdown_table(
            ["model", "epochs", "train s", "clean (%)", "FGSM (%)", "PGD (%)"], rows
        )
        + f"\n\nTargets: default ConvNet < {100 * STANDARD_BELOW:.0f}% under PGD; "
        f"adversarially trained >= {100 * ROBUST_AT_LEAST:.0f}% under PGD with clean "
        f"accuracy within {100 * CLEAN_GAP:.0f} points of the default's "
        f"({'met' if met else 'NOT met'}: {100 * standard_pgd:.1f}%, "
        f"{100 * robust_pgd:.1f}%, clean gap {100 * (standard_clean - robust_clean):.2f} points)."
    )
    if keras.backend.backend() != "tensorflow":
        return text + "\n\nThe ART comparison runs on the TensorFlow backend only."
    return text + "\n\n" + peer_section(models, x, y)


def peer_section(models, x, y):
    import art

    rows, gaps, times = [], {}, {}
    for model_name, (model, _, _) in models.items():
        model_rows, model_gaps, model_times = peer_rows(model_name, model, x, y)
        rows += model_rows
        for name, gap in model_gaps.items():
            gaps[name] = max(gaps.get(name, 0.0), gap)
        times.update(model_times)
    time_rows = [
        [model_name, name, ours, theirs, theirs / ours]
        for (model_name, name), (ours, theirs) in times.items()
    ]
    faster = all(ours <= theirs for ours, theirs in times.values())
    deterministic = max(gaps["FGSM"], gaps["PGD, start at x"])
    return (
        f"### Beside the Adversarial Robustness Toolbox {art.__version__}\n\n"
        "Same models, test digits, epsilons and attack settings (ART's "
        "`FastGradientMethod` and `ProjectedGradientDescent`, L-infinity, on "
        "its `TensorFlowV2Classifier` with Keras's cross-entropy). FGSM and PGD "
        "started at x are deterministic; with a random start each library "
        "draws its own noise, so those rows also differ by the luck of the "
        "draw.\n\n"
        + markdown_table(["model", "attack", "epsilon", "recipe (%)", "ART (%)"], rows)
        + "\n\nLargest gap per attack (points): "
        + ", ".join(f"{name} {100 * gap:.2f}" for name, gap in gaps.items())
        + ".\n\nSeconds to attack the 360 test digits at epsilon "
        f"{EVALUATION_EPSILON} (after one warm-up run):\n\n"
        + markdown_table(
            ["model", "attack", "recipe s", "ART s", "ART / recipe"], time_rows
        )
        + f"\n\nTargets: within {100 * PEER_GAP:.0f} point of ART on the "
        f"deterministic attacks (largest gap {100 * deterministic:.2f} points: "
        f"{'met' if deterministic <= PEER_GAP else 'NOT met'}); recipe at least "
        f"as fast ({'met' if faster else 'NOT met'})."
    )


VALIDATION_EPSILONS = (0.0, 0.1, 0.125, 0.15, 0.2)
TRAINING_EPSILONS = (0.15, 0.2)


def validation():
    """How the defaults were chosen: PGD accuracy on the validation split.

    The default ConvNet, and the adversarially trained one for each training
    epsilon of `TRAINING_EPSILONS` (5 PGD steps, adversarial fraction 0.5,
    100 epochs, seed 0), attacked by 20-step PGD on the validation split.
    The benchmark's epsilon is the smallest of `VALIDATION_EPSILONS` at which
    the default ConvNet falls below 30%; the training epsilon, the one whose
    model is most accurate under attack there.

    Run: `python -m benchmarks.adversarial validation`.
    """
    bundle = data.load("digits")
    rows = []
    keras.utils.set_random_seed(0)
    model = convnet.compile(convnet.build(seed=0))
    convnet.fit(model, bundle, verbose=0)
    rows.append(["default ConvNet", *_validation_accuracies(model, bundle)])
    for epsilon in TRAINING_EPSILONS:
        keras.utils.set_random_seed(0)
        model = adversarial.compile(
            adversarial.build(seed=0),
            epsilon=epsilon,
            steps=5,
            adversarial_fraction=0.5,
        )
        adversarial.fit(model, bundle, epochs=100, verbose=0)
        rows.append(
            [f"trained at epsilon {epsilon}", *_validation_accuracies(model, bundle)]
        )
    headers = ["model"] + [
        f"PGD {e} (%)" if e else "clean (%)" for e in VALIDATION_EPSILONS
    ]
    return markdown_table(headers, rows)


def _validation_accuracies(model, bundle):
    accuracy = adversarial.robust_accuracy(
        model, bundle, "pgd", VALIDATION_EPSILONS, split="val", steps=EVALUATION_STEPS
    )
    return [100 * value for value in accuracy.values()]


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["validation"]:
        raise SystemExit("usage: python -m benchmarks.adversarial validation")
    print(validation())
