"""Domain-adversarial training (DANN): from grey digits to digits on photographs.

Run: `python tutorials/dann.py [--epochs N] [--quick] [--out DIR]`.

A classifier trained on one kind of images (the *source* domain) often fails
on images of the same classes that look different (the *target* domain). When
the target images come without labels, Ganin et al. (2016) suggest learning
features that (1) predict the source labels well and (2) do not reveal which
domain an image comes from. A *domain classifier* tries to tell the domains
apart from the features; a *gradient reversal layer* between them flips the
sign of its gradient, so the feature extractor learns to defeat it.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import keras
import numpy as np

from recipes import dann


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument(
        "--quick", action="store_true", help="2 epochs, for a smoke run"
    )
    parser.add_argument("--out", default=os.path.join("tutorials", "output"))
    args = parser.parse_args(argv)
    epochs = 2 if args.quick else args.epochs
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(0)  # a repeatable run on the CPU

    # ## Data
    # The source is scikit-learn's 8x8 grey digits, the target the same kind of
    # digits blended with patches of photographs (an offline MNIST-M).
    # `load_data` repeats the grey channel three times, so one network reads
    # both domains. The target's labels are never used for training DANN; we
    # use them only to measure how well the adaptation worked.
    domains = dann.load_data("digits_m")
    print("source train:", domains.source.train[0].shape)
    print("target train:", domains.target.train[0].shape)

    # ## The problem: a source-only classifier
    # The same network trained on source labels only is our lower reference.
    source_only = dann.source_only(domains, epochs=4 * epochs, seed=0)
    baseline = dann.evaluate(source_only, domains)
    print("source-only:", baseline)

    # ## The model
    # `build` gives one Functional model with two outputs: `label` (the digit)
    # and `domain` (the probability that an image is from the target). The
    # domain head sits behind `GradientReversal`, whose `lambda` the fit
    # schedules; no custom training step is needed.
    model = dann.compile(dann.build(seed=0))
    model.summary(line_length=90)

    # ## Training
    # Every batch pairs 32 labeled source images with 32 unlabeled target
    # images. The label loss counts source rows only (target rows get weight
    # 0); the domain loss counts all rows. `lambda` grows from 0 to 1 as
    # `2 / (1 + exp(-10 p)) - 1`, so the domain classifier first learns while
    # the features are still being formed, and the learning rate is annealed.
    # Both schedules run inside the compiled step (32 steps per call), so we
    # read `lambda` off the layer once per epoch for the plot.
    reversal = model.get_layer("gradient_reversal")
    lambdas = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: lambdas.append(float(reversal.lambda_))
    )
    history = dann.fit(
        model,
        domains,
        epochs=epochs,
        verbose=0,
        callbacks=[record],
        target_validation=domains.target.val,
    )

    # ## Evaluation
    # Label accuracy in both domains, the domain classifier's accuracy (near
    # 0.5 when the features do not reveal the domain) and the proxy A-distance
    # of the features (2: perfectly separable domains, 0: indistinguishable).
    adapted = dann.evaluate(model, domains)
    print("DANN:       ", adapted)
    plot(lambdas, history.history, os.path.join(args.out, "dann.png"))

    # ## Save and load
    # The model, including the current `lambda`, saves to one `.keras` file and
    # loads back without any custom objects.
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "dann.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        same = np.allclose(
            loaded.predict(domains.target.test[0], verbose=0)["label"],
            model.predict(domains.target.test[0], verbose=0)["label"],
            atol=1e-6,
        )
        print("reloaded model gives the same predictions:", same)

    # ## Conclusion
    # DANN needs no target labels and one extra layer. How much of the gap to a
    # classifier trained on target labels it closes depends on how different
    # the domains are: `benchmarks/dann.py` measures it over three seeds.


def plot(lambdas, history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    left.plot(lambdas)
    left.set(title="lambda at the end of each epoch", xlabel="epoch", ylabel="lambda")
    for key in ("label_accuracy", "domain_accuracy", "val_target_accuracy"):
        right.plot(history[key], label=key)
    right.set(title="training", xlabel="epoch")
    right.legend()
    figure.tight_layout()
    figure.savefig(path)
    print("wrote", path)


if __name__ == "__main__":
    main()
