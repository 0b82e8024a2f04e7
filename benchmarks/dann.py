"""DANN benchmarks: three domain pairs, ADAPT's DANN beside the recipe.

- quality: target test accuracy of the source-only baseline, the recipe's
  DANN, ADAPT's DANN (`benchmarks.dann_adapt`: Ganin et al.'s lambda ramp,
  and ADAPT's default fixed lambda 0.1) and the same network trained on the
  target's labels, for each seed of `SEEDS`, on `syn_digits` -> `digits`
  (typeset to handwritten digits, the pair the defaults were tuned for on
  the target validation split), `digits` -> `digits_m` (the hard case) and
  two moons rotated by 35 degrees (Ganin et al.'s toy). Targets on `syn_digits`
  -> `digits`: a gap of at least 20 points between source-only and
  train-on-target, DANN closes at least 50% of it (Ganin et al.: 56% on MNIST
  -> MNIST-M, 79% on Syn Numbers -> SVHN), no seed ends below source-only,
  and the recipe's DANN beats ADAPT's on every pair.
- speed: `dann.fit` throughput against the same network trained the way other
  libraries write DANN, a custom `train_step` with three gradient tapes
  (feature extractor, label head, domain head), and the recipe with
  `jit_compile` "auto"/True/False.

The pairs, the runs on each and the tuning on the target validation split
are in `benchmarks.dann_pairs`.
"""

from __future__ import annotations

import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from benchmarks import dann_adapt
from benchmarks.bare_jax import bare_dann
from benchmarks.common import (
    markdown_table,
    on_tensorflow_only,
    ratio_table,
    speed_table,
    tensorflow_only_target,
    throughput,
)
from benchmarks.dann_pairs import (
    BASELINE_EPOCHS,
    BATCH_SIZE,
    DOMAIN_UNITS,
    EPOCHS,
    GAMMA,
    LEARNING_RATE,
    MOONS_BATCH,
    MOONS_EPOCHS,
    digits_runs,
    moons_runs,
    networks,
    two_moons,
)
from recipes import dann

SEEDS = (0, 1, 2)
MOONS_NOTES = (
    "One ReLU layer of 15 units as features, domain head of 15 units, Adam "
    f"0.01 without annealing, {MOONS_EPOCHS} epochs of batches of {MOONS_BATCH} "
    "(the settings of the two-moons test), for every method; 300 points "
    "per split and domain, the target rotated by 35 degrees."
)


def pair_section(title, runs, seeds, notes):
    """Runs every method for every seed; a Markdown section and the means."""
    source_only, recipe, on_target, adapt = runs
    methods = {"source-only": source_only, "DANN (recipe)": recipe}
    skipped = dann_adapt.unavailable()
    if skipped is None:
        methods.update({label: adapt(v) for v, label in dann_adapt.VARIANTS.items()})
    methods["train-on-target"] = on_target
    results = {name: [] for name in methods}
    seconds = {name: [] for name in methods}
    start = time.perf_counter()
    for seed in seeds:
        for name, run in methods.items():
            keras.utils.set_random_seed(seed)
            began = time.perf_counter()
            results[name].append(run(seed))
            seconds[name].append(time.perf_counter() - began)
    minutes = (time.perf_counter() - start) / 60
    rows = [
        [seed, *(results[name][i] for name in methods)] for i, seed in enumerate(seeds)
    ]
    means = {name: statistics.mean(values) for name, values in results.items()}
    spread = {
        name: statistics.stdev(values) if len(values) > 1 else 0.0
        for name, values in results.items()
    }
    rows.append(["mean", *means.values()])
    rows.append(["std", *spread.values()])
    rows.append(["seconds per run", *(statistics.mean(v) for v in seconds.values())])
    gap = means["train-on-target"] - means["source-only"]
    lines = []
    summary = {"gap": gap, "means": means, "closed": {}, "below": {}}
    for name in methods:
        if name in ("source-only", "train-on-target"):
            continue
        closed = (means[name] - means["source-only"]) / gap if gap > 0 else float("nan")
        below = sum(
            a < s for a, s in zip(results[name], results["source-only"], strict=True)
        )
        summary["closed"][name], summary["below"][name] = closed, below
        lines.append(
            f"- {name}: closes {100 * closed:.1f}% of the gap; {below} of "
            f"{len(seeds)} seeds below source-only."
        )
    text = (
        f"### {title}\n\n{notes}\n\n"
        + markdown_table(["seed", *(f"{name} (%)" for name in methods)], rows)
        + f"\n\nGap (train-on-target minus source-only): {gap:.1f} points.\n"
        + "\n".join(lines)
        + f"\n\n{len(seeds)} seeds, {minutes:.1f} minutes in all; seconds per run "
        "is the mean wall time of one training with its evaluation (the "
        "baselines stop early)." + (f"\n\n{skipped}" if skipped else "")
    )
    return text, summary


def quality():
    digits_notes = (
        "Default `dann.build()` (LeNet-style ConvNet features, width 32, "
        "random shifts of up to one pixel of every training image, domain "
        f"head of {DOMAIN_UNITS} units) and `dann.fit` ({EPOCHS} epochs, batches of "
        f"{BATCH_SIZE} source + {BATCH_SIZE} target images, SGD momentum 0.9, "
        f"rate {LEARNING_RATE:g} annealed, lambda ramp gamma {GAMMA:g}); ADAPT's "
        "DANN on copies of the same three networks with the same data, batches, "
        "optimizer, annealed rate and epochs; baselines: the same network trained "
        f"on source labels only and on target labels ({BASELINE_EPOCHS} epochs at "
        "most, Adam, early stopping). Target test accuracy; the splits are "
        "fixed (data seed 0), the seed sets the weights and the batch order."
    )
    pairs = [
        (
            "syn_digits -> digits (the tuned pair)",
            digits_runs(dann.load_data("digits", source="syn_digits")),
            digits_notes,
        ),
        (
            "digits -> digits_m (the hard case)",
            digits_runs(dann.load_data("digits_m")),
            digits_notes,
        ),
        ("two moons, 35 degrees", moons_runs(two_moons()), MOONS_NOTES),
    ]
    sections, summaries = [], []
    for title, runs, notes in pairs:
        text, summary = pair_section(title, runs, SEEDS, notes)
        sections.append(text)
        summaries.append(summary)
    typeset = summaries[0]
    recipe_name = "DANN (recipe)"
    beats = all(
        summary["means"][recipe_name] > summary["means"][name]
        for summary in summaries
        for name in summary["closed"]
        if name != recipe_name
    )
    checks = [
        (f"gap >= 20 points ({typeset['gap']:.1f})", typeset["gap"] >= 20),
        (
            f"DANN closes >= 50% of it ({100 * typeset['closed'][recipe_name]:.1f}%)",
            typeset["closed"][recipe_name] >= 0.5,
        ),
        (
            f"no seed below source-only ({typeset['below'][recipe_name]} below)",
            typeset["below"][recipe_name] == 0,
        ),
    ]
    if dann_adapt.unavailable() is None:
        checks.append(("the recipe's DANN beats ADAPT's on every pair (means)", beats))
    verdicts = "\n".join(
        f"- {claim}: {'met' if ok else 'NOT met'}" for claim, ok in checks
    )
    return (
        "## DANN domain adaptation (quality)\n\n"
        + "\n\n".join(sections)
        + "\n\n### Targets on syn_digits -> digits\n\n"
        + verdicts
    )


class HandWrittenDANN(keras.Model):
    """DANN written the usual way: three gradient tapes in `train_step`."""

    def __init__(self, extractor, label_head, domain_head, **kwargs):
        super().__init__(**kwargs)
        self.extractor = extractor
        self.label_head = label_head
        self.domain_head = domain_head
        self.lam = tf.Variable(0.0, trainable=False)

    def compile(self, optimizer):
        super().compile()
        self.optimizer = optimizer
        self.label_loss = keras.losses.SparseCategoricalCrossentropy()
        self.domain_loss = keras.losses.BinaryCrossentropy()

    def call(self, x):
        return self.label_head(self.extractor(x))

    def train_step(self, batch):
        (x_source, y_source), x_target = batch
        x = tf.concat([x_source, x_target], 0)
        domain = tf.concat(
            [tf.zeros([tf.shape(x_source)[0], 1]), tf.ones([tf.shape(x_target)[0], 1])],
            0,
        )
        with (
            tf.GradientTape() as feature_tape,
            tf.GradientTape() as label_tape,
            tf.GradientTape() as domain_tape,
        ):
            features = self.extractor(x, training=True)
            n = tf.shape(x_source)[0]
            label_loss = self.label_loss(
                y_source, self.label_head(features[:n], training=True)
            )
            domain_loss = self.domain_loss(
                domain, self.domain_head(features, training=True)
            )
            feature_loss = label_loss - self.lam * domain_loss
        variables = (
            self.extractor.trainable_variables,
            self.label_head.trainable_variables,
            self.domain_head.trainable_variables,
        )
        gradients = (
            feature_tape.gradient(feature_loss, variables[0])
            + label_tape.gradient(label_loss, variables[1])
            + domain_tape.gradient(domain_loss, variables[2])
        )
        self.optimizer.apply_gradients(zip(gradients, sum(variables, [])))
        return {"loss": label_loss + domain_loss}


def hand_written(input_shape=(8, 8, 3)):
    model = HandWrittenDANN(*networks(input_shape))
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9))
    return model


def adapt_speed(recipe_fit, x_s, y_s, x_t, batch_size, *, repeats=3, epochs=6):
    """Throughput of the recipe's default fit beside ADAPT's DANN (lambda ramp).

    Each candidate trains a fresh model for `epochs`; the median epoch time
    after the first, over `repeats` interleaved runs. ADAPT's epoch runs
    `ceil(max(source, target) / batch_size)` full batches, the recipe's
    `len(source) // batch_size`: samples per second counts each one's own.
    """
    recipe_samples = 2 * (len(x_s) // batch_size) * batch_size
    adapt_samples = 2 * int(np.ceil(max(len(x_s), len(x_t)) / batch_size)) * batch_size

    def adapt(epochs, callbacks):
        dann_adapt.fit(
            *networks(),
            (x_s, y_s),
            x_t,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=LEARNING_RATE,
            callbacks=callbacks,
        )

    measured = {"recipe, defaults": [], dann_adapt.VARIANTS["ramp"]: []}
    for repeat in range(repeats):
        keras.utils.set_random_seed(repeat)
        measured["recipe, defaults"].append(
            throughput(recipe_fit, recipe_samples, epochs)
        )
        keras.utils.set_random_seed(repeat)
        measured[dann_adapt.VARIANTS["ramp"]].append(
            throughput(adapt, adapt_samples, epochs)
        )
    results = {name: statistics.median(values) for name, values in measured.items()}
    return ratio_table(results, "samples/s", {"ADAPT": dann_adapt.VARIANTS["ramp"]})


def speed():
    domains = dann.load_data("digits_m")
    x_s, y_s = domains.source.train
    x_t = domains.target.train[0]
    batch_size = 32
    steps = len(x_s) // batch_size

    def recipe(jit_compile):
        def fit(epochs, callbacks):
            model = dann.compile(dann.build(), jit_compile=jit_compile)
            dann.fit(
                model,
                (x_s, y_s),
                x_t,
                epochs=epochs,
                batch_size=batch_size,
                callbacks=callbacks,
                verbose=0,
            )

        return fit

    def by_hand(epochs, callbacks):
        model = hand_written()
        sources = tf.data.Dataset.from_tensor_slices((x_s, y_s)).shuffle(len(x_s))
        targets = tf.data.Dataset.from_tensor_slices(x_t).shuffle(len(x_t)).repeat()
        dataset = tf.data.Dataset.zip(
            (
                sources.batch(batch_size, drop_remainder=True),
                targets.batch(batch_size, drop_remainder=True),
            )
        ).prefetch(tf.data.AUTOTUNE)

        class Schedule(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None):
                p = (self.epoch * steps + batch) / (epochs * steps)
                model.lam.assign(2 / (1 + np.exp(-10 * p)) - 1)

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

        model.fit(dataset, epochs=epochs, callbacks=[Schedule(), *callbacks], verbose=0)

    auto = dann.compile(dann.build()).jit_compile
    table = speed_table(
        on_tensorflow_only(by_hand),
        recipe,
        samples_per_epoch=2 * steps * batch_size,
        auto=auto,
        baseline="hand-written Keras (three tapes)",
        repeats=5,
        epochs=11,  # an epoch is a fraction of a second: time many
        bare=bare_dann(networks, x_s, y_s, x_t, batch_size=batch_size, epochs=11),
    )
    skipped = dann_adapt.unavailable()
    if skipped is None:
        peer = (
            "\n\nBeside ADAPT's DANN (same networks, data and batches, SGD "
            "momentum 0.9 with the annealed rate, `UpdateLambda` ramp; ADAPT "
            "runs one step per call; median over epochs 2-6 of 3 interleaved "
            "repeats):\n\n" + adapt_speed(recipe("auto"), x_s, y_s, x_t, batch_size)
        )
    else:
        peer = f"\n\n{skipped}"
    return (
        "## DANN training speed\n\n"
        f"Default DANN on digits -> digits_m ({steps} batches of {batch_size} source + "
        f"{batch_size} target images per epoch); median over epochs 2-11 of 5 "
        "interleaved repeats; samples counts source and target rows. The recipe "
        "runs its default 32 steps per call (`lambda` and the learning rate are "
        "scheduled inside the step); the hand-written model sets `lambda` from a "
        "callback before every batch, one step per call.\n\n"
        + table
        + tensorflow_only_target()
        + peer
    )
