"""The domain pairs of the DANN benchmarks, the runs on each, and the tuning.

- `digits_runs` / `moons_runs`: the ways to train on a pair (source-only, the
  recipe's DANN, train-on-target, ADAPT's DANN), each `run(seed) -> target
  test accuracy in %`; `two_moons` is Ganin et al.'s toy pair.
- `networks` / `heads`: the default DANN's feature extractor with a label and
  a domain head, as separate models for the peers (ADAPT, hand-written).
- `validate`: one candidate's accuracy on the labeled target validation split
  of `syn_digits` -> `digits`, the split the defaults were chosen on
  (docs/recipes/dann.md):
  `python -m benchmarks.dann_pairs --learning-rate 0.03 --epochs 60`.
"""

from __future__ import annotations

import inspect

import keras
import numpy as np

from benchmarks import dann_adapt
from recipes import dann
from recipes.data import Bundle, Info


def _default(function, name):
    """The default value of `function`'s argument `name`."""
    return inspect.signature(function).parameters[name].default


EPOCHS = _default(dann.fit, "epochs")
BATCH_SIZE = _default(dann.fit, "batch_size")
GAMMA = _default(dann.fit, "gamma")
LEARNING_RATE = _default(dann.compile, "learning_rate")
DOMAIN_UNITS = _default(dann.build, "domain_units")
AUGMENT = _default(dann.build, "augment")


BASELINE_EPOCHS = 40  # with early stopping on the validation loss (patience 10)
MOONS_EPOCHS = 100  # the two-moons test's settings: Adam 0.01, batch 16, no annealing
MOONS_BATCH = 16
MOONS_UNITS = 15


def target_accuracy(model, domains):
    return 100 * dann.evaluate(model, domains)["target_accuracy"]


def digits_runs(domains):
    """The five ways to train on a digits pair: `{name: run(seed) -> %}`."""
    info = domains.info
    shape = {"input_shape": info.input_shape, "num_classes": info.num_classes}
    baseline = {"epochs": BASELINE_EPOCHS, "early_stopping_patience": 10}

    def source_only(seed):
        return target_accuracy(
            dann.source_only(domains, **baseline, seed=seed), domains
        )

    def recipe(seed):
        model = dann.compile(dann.build(**shape, seed=seed))
        dann.fit(model, domains, verbose=0, seed=seed)  # the default schedule
        return target_accuracy(model, domains)

    def on_target(seed):
        trained = dann.train_on_target(domains, **baseline, seed=seed)
        return target_accuracy(trained, domains)

    adapt = adapt_runs(
        domains,
        lambda seed: networks(info.input_shape, info.num_classes),
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        learning_rate=LEARNING_RATE,
        gamma=GAMMA,
    )
    return source_only, recipe, on_target, adapt


def adapt_runs(domains, make_networks, **options):
    """ADAPT's DANN on `domains`: `adapt(variant) -> run(seed) -> target test %`.

    `make_networks(seed)` gives the feature extractor, label head and domain
    head; `options` go to `dann_adapt.fit`.
    """

    def adapt(variant):
        def run(seed):
            model, _ = dann_adapt.fit(
                *make_networks(seed),
                domains.source.train,
                domains.target.train[0],
                variant=variant,
                seed=seed,
                **options,
            )
            return 100 * dann_adapt.accuracy(model, *domains.target.test)

        return run

    return adapt


def two_moons(angle=35.0):
    """Ganin et al.'s toy: two moons, the target rotated by `angle` degrees.

    Returns:
        A `dann.DomainData` of 300 training, 300 validation and 300 test
        points per domain (scikit-learn's `make_moons`, noise 0.1).
    """
    from sklearn.datasets import make_moons

    radians = np.deg2rad(angle)
    rotation = np.array(
        [[np.cos(radians), -np.sin(radians)], [np.sin(radians), np.cos(radians)]]
    )

    def moons(random_state, rotate):
        x, y = make_moons(300, noise=0.1, random_state=random_state)
        if rotate:
            x = (x - x.mean(0)) @ rotation.T + x.mean(0)
        return x.astype("float32"), y.astype("int32")

    info = Info(
        name="two_moons",
        input_shape=(2,),
        num_classes=2,
        class_names=("upper", "lower"),
        description=f"two moons; the target rotated by {angle:g} degrees",
        source="sklearn.datasets.make_moons",
    )
    source = Bundle(moons(0, False), moons(2, False), moons(4, False), info)
    target = Bundle(moons(1, True), moons(3, True), moons(5, True), info)
    return dann.DomainData(source=source, target=target, info=info)


def moons_extractor(seed):
    """The two-moons feature extractor: one ReLU layer of 15 units."""
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(
        MOONS_UNITS,
        activation="relu",
        kernel_initializer=keras.initializers.GlorotUniform(seed),
    )(inputs)  # (B, 15)
    return keras.Model(inputs, hidden, name="features")


def moons_runs(domains):
    """As `digits_runs`, with the two-moons test's network and settings."""
    common = {
        "epochs": MOONS_EPOCHS,
        "batch_size": MOONS_BATCH,
        "domain_units": MOONS_UNITS,
        "learning_rate": 0.01,
        "early_stopping_patience": None,
    }

    def source_only(seed):
        model = dann.source_only(
            domains, feature_extractor=moons_extractor(seed), **common
        )
        return target_accuracy(model, domains)

    def recipe(seed):
        model = dann.build(
            input_shape=(2,),
            num_classes=2,
            feature_extractor=moons_extractor(seed),
            domain_units=MOONS_UNITS,
        )
        dann.compile(model, learning_rate=0.01, optimizer="adam")
        dann.fit(
            model,
            domains,
            epochs=MOONS_EPOCHS,
            batch_size=MOONS_BATCH,
            anneal_learning_rate=False,
            verbose=0,
            seed=seed,
        )
        return target_accuracy(model, domains)

    def on_target(seed):
        model = dann.train_on_target(
            domains, feature_extractor=moons_extractor(seed), **common
        )
        return target_accuracy(model, domains)

    adapt = adapt_runs(
        domains,
        lambda seed: heads(moons_extractor(seed), 2, MOONS_UNITS),
        epochs=MOONS_EPOCHS,
        batch_size=MOONS_BATCH,
        learning_rate=0.01,
        optimizer="adam",
        anneal_learning_rate=False,
    )
    return source_only, recipe, on_target, adapt


def heads(extractor, num_classes=10, domain_units=100):
    """A label head and a domain head on `extractor`'s features, as `build`'s."""
    features = extractor.output.shape[1:]
    label_head = keras.Sequential(
        [keras.Input(features), keras.layers.Dense(num_classes, activation="softmax")]
    )
    domain_head = keras.Sequential(
        [
            keras.Input(features),
            keras.layers.Dense(
                domain_units, activation="relu", kernel_initializer="he_normal"
            ),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    return extractor, label_head, domain_head


def networks(input_shape=(8, 8, 3), num_classes=10):
    """The default DANN's feature extractor, with a label and a domain head."""
    base = dann.build(input_shape=input_shape, num_classes=num_classes)
    extractor = keras.Model(base.input, base.get_layer("label").input)
    return heads(extractor, num_classes, DOMAIN_UNITS)


def validate(
    *,
    learning_rate=LEARNING_RATE,
    epochs=EPOCHS,
    gamma=GAMMA,
    domain_units=DOMAIN_UNITS,
    domain_weight=1.0,
    augment=AUGMENT,
    dropout_rate=0.0,
    seed=0,
    source_only=False,
    source="syn_digits",
    target="digits",
):
    """One candidate's accuracy on the labeled target validation split.

    The tuning of the defaults on `syn_digits` -> `digits`
    (docs/recipes/dann.md): the data split and the weights from `seed`, and
    the target's test split untouched. `augment` and `dropout_rate` go to
    `dann.build` (and to the baseline's network). With `source_only`, the
    source-only baseline (Adam, at most 40 epochs, early stopping) instead of
    DANN. `source` and `target` name another pair of `dann.load_data`
    (`--source digits --target digits_m`: the hard case, checked for
    collapse).

    Returns:
        `{"last": accuracy after the last epoch, "best": the best epoch's,
        "best_epoch": its number}` in percent (`last` only for source-only).
    """
    domains = dann.load_data(target, source=source, seed=seed)
    x_val, y_val = domains.target.val
    keras.utils.set_random_seed(seed)
    if source_only:
        model = dann.source_only(
            domains,
            epochs=BASELINE_EPOCHS,
            early_stopping_patience=10,
            augment=augment,
            dropout_rate=dropout_rate,
            seed=seed,
        )
        predicted = np.argmax(model.predict(x_val, verbose=0)["label"], axis=-1)
        return {"last": 100 * float(np.mean(predicted == y_val))}
    model = dann.build(
        input_shape=domains.info.input_shape,
        num_classes=domains.info.num_classes,
        domain_units=domain_units,
        augment=augment,
        dropout_rate=dropout_rate,
        seed=seed,
    )
    dann.compile(model, learning_rate=learning_rate, domain_weight=domain_weight)
    history = dann.fit(
        model,
        domains,
        epochs=epochs,
        gamma=gamma,
        target_validation=(x_val, y_val),
        verbose=0,
        seed=seed,
    )
    curve = history.history["val_target_accuracy"]  # one value per epoch
    return {
        "last": 100 * curve[-1],
        "best": 100 * max(curve),
        "best_epoch": int(np.argmax(curve)) + 1,
    }


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        description="Target validation accuracy of one DANN candidate on "
        "syn_digits -> digits."
    )
    parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--gamma", type=float, default=GAMMA)
    parser.add_argument("--domain-units", type=int, default=DOMAIN_UNITS)
    parser.add_argument("--domain-weight", type=float, default=1.0)
    parser.add_argument(
        "--augment", action=argparse.BooleanOptionalAction, default=AUGMENT
    )
    parser.add_argument("--dropout-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source-only", action="store_true")
    parser.add_argument("--source", default="syn_digits")
    parser.add_argument("--target", default="digits")
    print(validate(**vars(parser.parse_args())))
