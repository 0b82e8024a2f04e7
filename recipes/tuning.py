"""Keras Tuner support shared by every recipe.

Each recipe's `HyperModel` subclasses `RecipeHyperModel`: its `build(hp)` calls
the recipe's own `build` and `compile` with `hp` choices whose defaults equal the
recipe's defaults, and the shared `fit(hp, model, data, ...)` tunes the batch
size and calls the recipe's own `fit`.
"""

from __future__ import annotations

import sys

import keras_tuner


class RecipeHyperModel(keras_tuner.HyperModel):
    """Base class of the recipes' hypermodels.

    Subclasses set `default_batch_size` (the recipe's `fit` default) and
    `objective` (what a search optimises by default), and implement `build(hp)`.
    `fit` looks up the recipe module the subclass is defined in.

    Args:
        name: the hypermodel's name (defaults to the recipe's name).
        tunable: whether the hyperparameters are tunable.
    """

    default_batch_size = 32
    batch_sizes = (16, 32, 64, 128)
    objective = keras_tuner.Objective("val_accuracy", direction="max")

    @property
    def recipe(self):
        """The recipe module this hypermodel belongs to."""
        return sys.modules[type(self).__module__]

    def fit(self, hp, model, data, **kwargs):
        """Fits `model` with the recipe's `fit` and a tuned batch size.

        Args:
            hp: the trial's `keras_tuner.HyperParameters`.
            model: the model `build(hp)` returned.
            data: the recipe's `data` argument (a `recipes.data.Bundle`, ...).
            **kwargs: passed to the recipe's `fit` (`epochs`, `callbacks`, ...).

        Returns:
            The `keras.callbacks.History` of the fit.
        """
        batch_size = hp.Choice(
            "batch_size", list(self.batch_sizes), default=self.default_batch_size
        )
        return self.recipe.fit(model, data, batch_size=batch_size, **kwargs)
