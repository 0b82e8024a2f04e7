"""Few-shot benchmarks on `glyphs`: classes of alphabets never seen in training.

- quality (`python -m benchmarks.quality fewshot`): the prototypical network
  (its defaults), the siamese recipe and pixel-space nearest neighbours, on
  the evaluation alphabets, 20-way and 5-way, 1-shot and 5-shot, 1000 fixed
  trials per cell (seed 0) for each of three training seeds, mean with a 95%
  confidence interval over all 3000 trials (target: protonet >= 96% and
  siamese >= 92% at 20-way one-shot, the figures of Snell et al. 2017 and
  Koch et al. 2015 on Omniglot).
- validation (`python -m benchmarks.fewshot validation`): how protonet's
  training length was chosen: its learning curve, scored by 20-way one-shot
  accuracy on the validation classes (held-out background classes), never on
  the evaluation alphabets. Writes its own section of RESULTS.md.
"""

from __future__ import annotations

import sys
import time

import keras
import numpy as np

from benchmarks.common import markdown_table, update_results
from recipes import data, fewshot, protonet, siamese

SEEDS = (0, 1, 2)
TRIALS, TRIAL_SEED = 1000, 0
WAYS, SHOTS = (20, 5), (1, 5)
TARGETS = {"protonet": 0.96, "siamese": 0.92}


def load():
    """The `glyphs` bundle (seed 0): background train/val, evaluation test."""
    return data.load("glyphs", seed=0)


def train_protonet(bundle, seed, **fit_options):
    """A prototypical network with the recipe's defaults, and its fit time."""
    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    model = protonet.compile(protonet.build(input_shape=bundle.info.input_shape))
    history = protonet.fit(model, bundle, seed=seed, verbose=0, **fit_options)
    return model, history, time.perf_counter() - start


def train_siamese(bundle, seed):
    """The siamese recipe with its defaults, and its fit time."""
    keras.utils.set_random_seed(seed)
    start = time.perf_counter()
    model = siamese.compile(
        siamese.build(input_shape=bundle.info.input_shape, seed=seed)
    )
    history = siamese.fit(model, bundle, seed=seed, verbose=0)
    return model, history, time.perf_counter() - start


def pooled(results):
    """Mean accuracy and 95% interval over the trials of several `Result`s."""
    trials = sum(r.trials for r in results)
    mean = sum(r.accuracy * r.trials for r in results) / trials
    return fewshot.Result(
        mean, fewshot.confidence_interval(mean, trials), results[0].n_way,
        results[0].k_shot, trials,
    )  # fmt: skip


def cells(model, x, y, rule):
    """`fewshot.evaluate` at every way and shot of the table."""
    return fewshot.evaluate(
        model, x, y, ways=WAYS, shots=SHOTS, trials=TRIALS, seed=TRIAL_SEED, rule=rule
    )


def quality(seeds=SEEDS, with_siamese=False):
    bundle = load()
    x, y = bundle.test
    rows, per_seed, notes = [], {"protonet": [], "siamese": []}, []
    trainers = {"protonet": train_protonet}
    if with_siamese:
        trainers["siamese"] = train_siamese
    for name, train in trainers.items():
        for seed in seeds:
            model, history, seconds = train(bundle, seed)
            rule = "prototype" if name == "protonet" else "nearest"
            per_seed[name].append(cells(model, x, y, rule))
            notes.append(
                f"{name} seed {seed}: {len(history.history['loss'])} epochs, "
                f"{seconds:.0f} s, 20-way 1-shot "
                f"{per_seed[name][-1][(20, 1)]}"
            )
    pixels = cells(None, x, y, "nearest")
    for name, results in per_seed.items():
        if results:
            rows.append(
                [f"{name} (mean of {len(results)} seeds)"]
                + [
                    str(pooled([r[(w, k)] for r in results]))
                    for w in WAYS
                    for k in SHOTS
                ]
            )
    rows.append(
        ["pixel 1-nearest-neighbour"]
        + [str(pixels[(w, k)]) for w in WAYS for k in SHOTS]
    )
    verdicts = []
    for name, target in TARGETS.items():
        if per_seed[name]:
            value = pooled([r[(20, 1)] for r in per_seed[name]]).accuracy
            verdicts.append(
                f"{name} {100 * value:.1f}% against {100 * target:.0f}% "
                f"({'met' if value >= target else 'NOT met'})"
            )
    headers = ["model"] + [f"{w}-way {k}-shot" for w in WAYS for k in SHOTS]
    return (
        "## Few-shot classification of unseen alphabets (quality)\n\n"
        "`glyphs` (seed 0): trained on the background alphabets' train classes "
        "(the val classes for early stopping), tested on the evaluation "
        "alphabets, whose classes are never seen in training. N-way K-shot "
        f"accuracy by `recipes.fewshot` over {TRIALS} fixed trials (seed "
        f"{TRIAL_SEED}) per cell and model, pooled over the training seeds "
        f"{list(seeds)}, ± the 95% confidence interval. Prototypical network: "
        "`protonet.build()` + `protonet.fit(model, bundle)` with the recipe's "
        "defaults (10 epochs of 100 20-way episodes), class means "
        "(`rule='prototype'`); "
        + (
            "siamese: the recipe's defaults, its own similarity, nearest support "
            "(`rule='nearest'`); "
            if with_siamese
            else ""
        )
        + "pixels: nearest support in pixel space.\n\n"
        + markdown_table(headers, rows)
        + "\n\nTarget at 20-way one-shot: "
        + "; ".join(verdicts)
        + ".\n\n"
        + "\n".join(f"- {note}" for note in notes)
        + "\n\n"
        + SHORTFALL
    )


SHORTFALL = (
    "Why the target is out of reach on this budget: on the validation classes "
    "(`python -m benchmarks.fewshot validation`), 20-way one-shot accuracy "
    "climbs with training episodes (61.8% after 200, 83.2% after 1,000, "
    "85.6% after 1,600, moving within its confidence interval after 1,000 "
    "while the validation loss still falls); each "
    "100 episodes cost 26 to 100 s on the shared 2-core CPU. Snell et al. "
    "halve the learning rate every 2,000 episodes and train 60-way episodes, "
    "about five times the cost of a 20-way one here. The siamese recipe is "
    "not in this table: its defaults were chosen for `digits` and have not "
    "been re-chosen for `glyphs`."
)


class ValidationProbe(keras.callbacks.Callback):
    """Every `every` epochs, 20-way one-shot accuracy on the validation classes."""

    def __init__(self, x, y, every=2, trials=500):
        super().__init__()
        self.x, self.y, self.every, self.trials = x, y, every, trials
        self.rows, self.start = [], time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            result = fewshot.accuracy(
                self.model, self.x, self.y, n_way=20, k_shot=1, trials=self.trials
            )
            self.rows.append(
                [
                    epoch + 1,
                    100 * (epoch + 1),
                    round(time.perf_counter() - self.start),
                    logs["loss"],
                    logs["val_loss"],
                    str(result),
                ]
            )
            print(self.rows[-1], flush=True)


def validation(epochs=16, seed=0):
    """The learning curve that chose protonet's epochs, on the validation classes.

    Trains with the recipe's defaults (and no early stopping) for `epochs`
    epochs of 100 episodes on the background train classes and scores 20-way
    one-shot accuracy on the validation classes every 2 epochs (500 trials,
    seed 0). The evaluation alphabets are not used.
    """
    bundle = load()
    selection = data.Bundle(bundle.train, bundle.val, None, bundle.info)
    probe = ValidationProbe(*bundle.val)
    pixels = fewshot.accuracy(
        None, *bundle.val, n_way=20, k_shot=1, trials=500, rule="nearest"
    )
    train_protonet(
        selection,
        seed,
        epochs=epochs,
        early_stopping_patience=None,
        callbacks=[probe],
    )
    return (
        "## Prototypical network epochs, chosen on validation classes\n\n"
        "`glyphs` (seed 0): `protonet.fit` with the recipe's defaults (20-way "
        "1-shot episodes, 100 queries, 100 episodes an epoch, Adam 1e-3) and no "
        "early stopping, on the background train classes; every 2 epochs, "
        "20-way one-shot accuracy on the validation classes (held-out "
        "background classes; 500 trials, seed 0). The evaluation alphabets "
        f"are not used. Pixel 1-NN on the same trials: {pixels}.\n\n"
        + markdown_table(
            ["epochs", "episodes", "seconds", "loss", "val_loss", "val 20-way 1-shot"],
            probe.rows,
        )
    )


def batch_norm_momentum(momenta=(0.99, 0.9), seed=0):
    """Training-mode against inference accuracy after a short episodic run.

    8 classes of 8 images of 16x16 (the left half a class pattern, the right
    half noise), 80 4-way 1-shot episodes; then 4-way one-shot accuracy on
    the same images through `predict` (moving statistics), beside the query
    accuracy of the last epoch in training mode (batch statistics).
    """
    rng = np.random.default_rng(seed)
    patterns = rng.random((8, 16, 16, 1))
    y = np.repeat(np.arange(8), 8)
    x = patterns[y] + 0.2 * rng.standard_normal((64, 16, 16, 1))
    x[:, :, 8:] = rng.random((64, 16, 8, 1))
    x = np.clip(x, 0, 1).astype("float32")
    rows = []
    for momentum in momenta:
        keras.utils.set_random_seed(seed)
        model = protonet.build(
            input_shape=(16, 16, 1), width=8, batch_norm_momentum=momentum
        )
        model = protonet.compile(model, learning_rate=3e-3)
        history = protonet.fit(
            model, (x, y), epochs=4, n_way=4, batch_size=8, episodes_per_epoch=20,
            verbose=0,
        )  # fmt: skip
        inference = protonet.evaluate(model, (x, y), n_way=4, trials=500)
        rows.append(
            [
                momentum,
                100 * history.history["accuracy"][-1],
                100 * inference["accuracy"],
            ]
        )
    return markdown_table(
        [
            "batch norm momentum",
            "training-mode episodes (%)",
            "predict, 4-way 1-shot (%)",
        ],
        rows,
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["momentum"]:
        print(batch_norm_momentum())
    elif sys.argv[1:] == ["validation"]:
        update_results(
            "validation:protonet",
            validation(),
            "python -m benchmarks.fewshot validation",
        )
    else:
        print(quality())
