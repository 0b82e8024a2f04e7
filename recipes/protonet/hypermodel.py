"""The Keras Tuner search space of the prototypical-network recipe."""

from __future__ import annotations

import keras_tuner

from recipes import validation
from recipes.protonet import training as protonet_training
from recipes.protonet.model import build
from recipes.protonet.training import DEFAULT_QUERIES, DEFAULT_SHOTS, DEFAULT_WAYS
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the prototypical-network recipe.

    `build` tunes the embedding width and the learning rate; `fit` tunes the
    episodes: ways and shots in training, and queries per episode (the
    batch size). Every default equals the recipe's. The objective is the query
    accuracy of the validation episodes, on classes never trained on.

    Args:
        input_shape: image shape, fixed for the search (default
            `(28, 28, 1)`).
        **kwargs: passed to `keras_tuner.HyperModel` (`name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from recipes import protonet
    >>> tuner = keras_tuner.RandomSearch(
    ...     protonet.HyperModel(), objective=protonet.HyperModel.objective,
    ...     max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # episodes join in `fit`
    ['learning_rate', 'width']
    """

    recipe = "protonet"
    default_batch_size = DEFAULT_QUERIES
    batch_sizes = (50, 100, 200)
    objective = keras_tuner.Objective("val_accuracy", direction="max")

    def __init__(self, *, input_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.input_shape = validation.check_image_shape(input_shape)

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            width=hp.Choice("width", [32, 64, 128], default=64),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return protonet_training.compile(model, learning_rate=learning_rate)

    def fit(self, hp, model, data, **kwargs):
        """Fits with tuned episodes: `n_way`, `k_shot` and queries per episode."""
        kwargs.setdefault(
            "n_way", hp.Choice("n_way", [5, 20, 60], default=DEFAULT_WAYS)
        )
        kwargs.setdefault("k_shot", hp.Choice("k_shot", [1, 5], default=DEFAULT_SHOTS))
        return super().fit(hp, model, data, **kwargs)
