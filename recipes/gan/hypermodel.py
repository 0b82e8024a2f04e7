"""The Keras Tuner `HyperModel` of the GAN recipe."""

from __future__ import annotations

import keras_tuner

from recipes.gan.networks import ARCHITECTURES, build, check_input_shape
from recipes.gan.sampling import sample
from recipes.gan.training import compile, split_images
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the GAN recipe, K included.

    `build(hp)` tunes the architecture, latent size, width, the two learning
    rates and the discriminator steps per batch `d_steps` (K, a compile-time
    choice of the training step); the shared `fit` tunes the batch size.
    Every default equals the recipe's. The objective is the Fréchet distance
    between samples and the validation images (lower is better), on the
    features of a judge classifier (trained once with `recipes.metrics.judge`
    unless one is given).

    Args:
        input_shape: image shape, fixed for the search (default `(8, 8, 1)`);
            `"dcgan"` joins the architectures when height and width are
            divisible by 4.
        judge: a classifier of the real images, or `None` (default).
        **kwargs: passed to `keras_tuner.HyperModel` (`name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from recipes import data, gan
    >>> tuner = keras_tuner.RandomSearch(
    ...     gan.HyperModel(input_shape=(8, 8, 1)),
    ...     objective=gan.HyperModel.objective, max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['arch', 'd_learning_rate', 'd_steps', 'g_learning_rate', 'latent_dim',
     'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "gan"

    default_batch_size = 64
    objective = keras_tuner.Objective("frechet_distance", direction="min")

    def __init__(self, *, input_shape=(8, 8, 1), judge=None, **kwargs):
        super().__init__(**kwargs)
        input_shape = check_input_shape(input_shape, "dense")
        divisible = input_shape[0] % 4 == 0 and input_shape[1] % 4 == 0
        self.architectures = list(ARCHITECTURES if divisible else ("dense",))
        self.input_shape = input_shape
        self.judge = judge

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            arch=hp.Choice("arch", self.architectures, default="dense"),
            latent_dim=hp.Choice("latent_dim", [16, 32, 64], default=32),
            width=hp.Choice("width", [128, 256, 512], default=512),
        )
        return compile(
            model,
            learning_rate=(
                hp.Float("d_learning_rate", 2e-5, 1e-3, sampling="log", default=1e-4),
                hp.Float("g_learning_rate", 1e-4, 5e-3, sampling="log", default=1.6e-3),
            ),
            d_steps=hp.Int("d_steps", 1, 3, default=1),
        )

    def fit(self, hp, model, data, **kwargs):
        """Fits `model` (see `RecipeHyperModel.fit`), then scores its samples.

        Returns:
            `{"frechet_distance": float}` between samples and the validation
            images (the training images when `data` has no validation split).
        """
        from recipes import metrics

        super().fit(hp, model, data, **kwargs)
        if self.judge is None:
            self.judge = metrics.judge(data)
        real = split_images(model, data, "val")
        if real is None:
            real = split_images(model, data, "train")
        generated = sample(model, max(len(real), 2), seed=0)
        return {
            "frechet_distance": metrics.frechet_distance(
                real, generated, metrics.penultimate_features(self.judge)
            )
        }
