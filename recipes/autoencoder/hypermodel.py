"""The autoencoder's Keras Tuner search space."""

from __future__ import annotations

import keras_tuner

from recipes import validation
from recipes.autoencoder.model import KINDS, build, check_input_shape
from recipes.autoencoder.training import compile
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the autoencoder recipe.

    Tunes the hidden width, the code size, the noise (none, Gaussian, masking)
    and its level, and the learning rate; the batch size in `fit`. Every
    default equals the recipe's; the objective is the validation loss.

    Args:
        input_shape: input shape, fixed for the search (default `(8, 8, 1)`).
        kind: `"dense"` (the default) or `"conv"`, fixed for the search.

    Example:

    >>> import keras_tuner
    >>> from recipes import autoencoder, data
    >>> tuner = keras_tuner.RandomSearch(
    ...     autoencoder.HyperModel(input_shape=(8, 8, 1)),
    ...     objective="val_loss", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['code_size', 'hidden_units', 'learning_rate', 'noise', 'noise_level']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "autoencoder"

    default_batch_size = 32
    objective = keras_tuner.Objective("val_loss", direction="min")

    def __init__(self, *, input_shape=(8, 8, 1), kind="dense", **kwargs):
        super().__init__(**kwargs)
        validation.check_choice(kind, "kind", KINDS)
        self.input_shape = check_input_shape(input_shape, kind)
        self.kind = kind

    def build(self, hp):
        noise = hp.Choice("noise", ["none", "gaussian", "masking"], default="none")
        model = build(
            input_shape=self.input_shape,
            kind=self.kind,
            hidden_units=(hp.Choice("hidden_units", [32, 48, 64], default=48),),
            code_size=hp.Choice("code_size", [8, 16, 32], default=16),
            noise=None if noise == "none" else noise,
            noise_level=hp.Float("noise_level", 0.1, 0.5, step=0.1, default=0.2),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return compile(model, learning_rate=learning_rate)
