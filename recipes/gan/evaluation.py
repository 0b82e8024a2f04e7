"""`evaluate`: the test losses and, with a judge classifier, sample quality."""

from __future__ import annotations

from recipes import training, validation
from recipes.gan.sampling import sample
from recipes.gan.training import check_model, split_images


def evaluate(model, data, *, judge=None, num_samples=1000, seed=0, batch_size=256):
    """Discriminator and generator losses on the test split; sample quality.

    Args:
        model: a compiled `GAN`.
        data: a `recipes.data.Bundle` (its test split), `(x, y)` or images.
        judge: a classifier of the real data (`recipes.metrics.judge`); when
            given, `num_samples` samples are scored with it (default `None`).
        num_samples: samples scored by the judge (default 1000).
        seed: seed of the samples' noise (default 0).
        batch_size: evaluation batch size (default 256).

    Returns:
        `{"d_loss", "g_loss", "loss"}` (plain labels, no smoothing or noise),
        plus `"classifier_score"` and `"frechet_distance"` (to the test images,
        on the judge's penultimate features) when `judge` is given.

    Raises:
        ValueError: for a model that is not a compiled `GAN`, images that do
            not fit it, or a bad `num_samples`, `seed` or `batch_size`.

    Example:

    >>> from recipes import data
    >>> from recipes.gan import build, compile
    >>> model = compile(build(input_shape=(8, 8, 1), width=16, seed=0))
    >>> sorted(evaluate(model, data.load("digits")))
    ['d_loss', 'g_loss', 'loss']
    """
    from recipes import metrics

    check_model(model)
    training.check_compiled(model)
    validation.check_positive_int(batch_size, "batch_size")
    validation.check_positive_int(num_samples, "num_samples", minimum=2)
    validation.check_seed(seed)
    test = split_images(model, data, "test")
    results = training.evaluate(
        model, test, batch_size=batch_size, keys=("d_loss", "g_loss", "loss")
    )
    if judge is not None:
        images = sample(model, num_samples, seed=seed)
        results["classifier_score"] = metrics.classifier_score(images, judge)
        results["frechet_distance"] = metrics.frechet_distance(
            test, images, metrics.penultimate_features(judge)
        )
    return results
