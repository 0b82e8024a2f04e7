"""mSDA features as DANN inputs on `syn_digits` -> `digits`.

Ganin et al. (2016, Table 1) train DANN twice on the Amazon reviews: on the
raw bag-of-words and on mSDA features (Chen et al. 2012) fit on the unlabeled
text of both domains, and report that the two adaptations add up. The same
comparison on the typeset-to-handwritten digits: one network, a dense layer of
`UNITS` ReLU units under the recipe's label and domain heads (a convolution has
no use on concatenated feature vectors), trained on

- raw pixels: the 64 grey pixels of each image, standardised;
- mSDA features: the input and every layer's code side by side, from the mSDA
  setting chosen on the `digits` validation split for the logistic regression
  of `benchmarks.msda`, standardised.

The recipe's DANN defaults were chosen for its convolutional network, so
DANN's learning rate is chosen again for the dense network, for each input,
on the labeled `digits` validation split.

Both are standardised with the mean and standard deviation of the unlabeled
training images of both domains, the images mSDA is fit on. For each input:
the source-only network (Adam, early stopping on the source validation loss),
the recipe's DANN with its default optimizer and schedules at the chosen
rate, and the network
trained on the target's labels; target test accuracy over `SEEDS`.

`python -m benchmarks.quality msda_dann`.
"""

from __future__ import annotations

import statistics

import keras
import numpy as np

from benchmarks.common import markdown_table
from benchmarks.dann_pairs import BASELINE_EPOCHS
from recipes import dann, data
from recipes.data import Bundle, Info
from recipes.mda import MarginalizedDenoisingAutoencoder

SEEDS = (0, 1, 2)
UNITS = 100  # the dense feature layer (Ganin et al. use one hidden layer)
LEARNING_RATES = (0.001, 0.003, 0.01, 0.03)  # DANN's, chosen per input on validation


def feature_domains(transform, name):
    """`syn_digits` -> `digits` as a `dann.DomainData` of standardised features.

    Args:
        transform: `(n, 64)` grey pixels -> `(n, d)` features.
        name: the features' name, for `Info`.
    """
    source, target = data.load("syn_digits"), data.load("digits")

    def flat(split):  # (x, y) -> ((n, 64) pixels, y)
        return split[0].reshape(len(split[0]), -1), split[1]

    unlabeled = transform(
        np.concatenate([flat(source.train)[0], flat(target.train)[0]])
    )
    mean, std = unlabeled.mean(axis=0), unlabeled.std(axis=0) + 1e-6

    def features(bundle):
        splits = []
        for split in (bundle.train, bundle.val, bundle.test):
            x, y = flat(split)
            splits.append((((transform(x) - mean) / std).astype("float32"), y))
        return splits

    info = Info(
        name=name,
        input_shape=(unlabeled.shape[1],),
        num_classes=target.info.num_classes,
        class_names=target.info.class_names,
        description=f"{name} of syn_digits and digits",
        source="recipes.data",
    )
    return dann.DomainData(
        source=Bundle(*features(source), info),
        target=Bundle(*features(target), info),
        info=info,
    )


def dense_extractor(dim, seed):
    """One dense layer of `UNITS` ReLU units on `(dim,)` features."""
    inputs = keras.Input((dim,))
    hidden = keras.layers.Dense(
        UNITS, activation="relu", kernel_initializer=keras.initializers.HeNormal(seed)
    )(inputs)  # (B, UNITS)
    return keras.Model(inputs, hidden, name="features")


def train_dann(domains, learning_rate, seed, target_validation=None):
    """The recipe's DANN on the dense network, its defaults but the rate."""
    dim = domains.info.input_shape[0]
    keras.utils.set_random_seed(seed)
    model = dann.build(
        input_shape=(dim,),
        num_classes=domains.info.num_classes,
        feature_extractor=dense_extractor(dim, seed),
    )
    dann.compile(model, learning_rate=learning_rate)
    history = dann.fit(
        model, domains, target_validation=target_validation, verbose=0, seed=seed
    )
    return model, history


def choose_learning_rate(domains, seed=SEEDS[0]):
    """DANN's learning rate from `LEARNING_RATES` with the best target
    validation accuracy after the last epoch: `(rate, {rate: accuracy %})`."""
    scores = {}
    for learning_rate in LEARNING_RATES:
        _, history = train_dann(domains, learning_rate, seed, domains.target.val)
        scores[learning_rate] = 100 * history.history["val_target_accuracy"][-1]
    return max(scores, key=scores.get), scores


def accuracies(domains, learning_rate):
    """`{method: [target test % per seed]}` for the dense network on `domains`,
    DANN trained at `learning_rate`."""
    dim = domains.info.input_shape[0]
    baseline = {"epochs": BASELINE_EPOCHS, "early_stopping_patience": 10}
    results = {"source-only": [], "DANN": [], "train-on-target": []}
    for seed in SEEDS:
        keras.utils.set_random_seed(seed)
        model = dann.source_only(
            domains, feature_extractor=dense_extractor(dim, seed), **baseline
        )
        results["source-only"].append(accuracy(model, domains))
        model, _ = train_dann(domains, learning_rate, seed)
        results["DANN"].append(accuracy(model, domains))
        keras.utils.set_random_seed(seed)
        model = dann.train_on_target(
            domains, feature_extractor=dense_extractor(dim, seed), **baseline
        )
        results["train-on-target"].append(accuracy(model, domains))
    return results


def accuracy(model, domains):
    return 100 * dann.evaluate(model, domains)["target_accuracy"]


def section(num_layers, noise_level):
    """Markdown: DANN on raw pixels and on mSDA features (`num_layers`,
    `noise_level`: the setting `benchmarks.msda` chose on the `digits`
    validation split)."""
    pair = ("syn_digits", "digits")
    msda = MarginalizedDenoisingAutoencoder(
        num_layers=num_layers, noise_level=noise_level
    )
    source, target = (data.load(name).train[0] for name in pair)
    msda.fit(np.concatenate([source, target]).reshape(len(source) + len(target), -1))
    inputs = {
        "raw pixels": feature_domains(lambda x: x, "pixels"),
        f"mSDA ({num_layers} layers, p={noise_level})": feature_domains(
            msda.transform, "mSDA features"
        ),
    }
    rows, choices = [], []
    for name, domains in inputs.items():
        learning_rate, scores = choose_learning_rate(domains)
        choices.append(
            f"{name}: "
            + ", ".join(f"{rate:g}: {score:.2f}" for rate, score in scores.items())
            + f" (chosen: {learning_rate:g})"
        )
        results = accuracies(domains, learning_rate)
        low, high = (
            statistics.mean(results[key]) for key in ("source-only", "train-on-target")
        )
        gain = statistics.mean(results["DANN"]) - low
        rows.append(
            [name, domains.info.input_shape[0], f"{learning_rate:g}"]
            + [
                f"{statistics.mean(values):.2f} ({statistics.pstdev(values):.1f})"
                for values in results.values()
            ]
            + [f"{100 * gain / (high - low):.1f}%"]
        )
    return (
        "### mSDA features as DANN inputs, syn_digits -> digits\n\n"
        f"One dense layer of {UNITS} ReLU units under the recipe's label and "
        "domain heads, on standardised raw pixels or mSDA features fit on the "
        "unlabeled training images of both domains (the setting chosen on the "
        "`digits` validation split in the section on mSDA). "
        "Source-only and train-on-target: Adam, at most "
        f"{BASELINE_EPOCHS} epochs, early stopping; DANN: `dann.compile` and "
        "`dann.fit` defaults but the learning rate, chosen for each input on "
        "the labeled `digits` validation split (seed 0, accuracy after the last "
        "epoch; "
        + "; ".join(choices)
        + "). `digits` test accuracy (%), mean (standard "
        f"deviation) over seeds {', '.join(map(str, SEEDS))}.\n\n"
        + markdown_table(
            [
                "inputs",
                "features",
                "DANN learning rate",
                "source-only",
                "DANN",
                "train-on-target",
                "gap closed by DANN",
            ],
            rows,
        )
        + "\n\n"
    )


def quality():
    from benchmarks import msda

    return section(*msda.best_setting(msda.syn_digits_search()))
