"""The Keras Tuner search space of the VAE recipe."""

from __future__ import annotations

import keras_tuner

from recipes.tuning import RecipeHyperModel
from recipes.vae.model import build
from recipes.vae.networks import ARCHITECTURES
from recipes.vae.training import compile


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the VAE recipe.

    Tunes the architecture, latent size, widths and learning rate; every
    default equals the recipe's. `likelihood` and `beta` are fixed for the
    search (see docs/recipes/vae.md).

    Args:
        input_shape: image shape, fixed for the search.
        likelihood: `"bernoulli"` (default) or `"gaussian"`, fixed for the
            search.
        beta: KL weight (>= 0; default 1), fixed for the search.
        **kwargs: passed to `keras_tuner.HyperModel` (`name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from recipes import data, vae
    >>> tuner = keras_tuner.RandomSearch(
    ...     vae.HyperModel(input_shape=(8, 8, 1)), objective="val_loss", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['arch', 'hidden_units', 'latent_dim', 'learning_rate', 'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "vae"

    default_batch_size = 32
    objective = keras_tuner.Objective("val_loss", direction="min")

    def __init__(
        self, *, input_shape=(8, 8, 1), likelihood="bernoulli", beta=1.0, **kwargs
    ):
        super().__init__(**kwargs)
        # build() refuses bad facts with the same messages as the recipe.
        build(input_shape=input_shape, arch="dense", likelihood=likelihood, beta=beta)
        self.input_shape = tuple(input_shape)
        self.likelihood = likelihood
        self.beta = beta

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            arch=hp.Choice("arch", list(ARCHITECTURES), default="conv"),
            latent_dim=hp.Choice("latent_dim", [2, 4, 8, 16], default=8),
            width=hp.Choice("width", [8, 16, 32], default=16),
            hidden_units=hp.Choice("hidden_units", [64, 128, 256], default=128),
            likelihood=self.likelihood,
            beta=self.beta,
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return compile(model, learning_rate=learning_rate)
