"""The Keras Tuner search space of the siamese recipe."""

from __future__ import annotations

import keras_tuner

from recipes import validation
from recipes.siamese import training as siamese_training
from recipes.siamese.model import DEFAULT_WEIGHT_DECAY, DISTANCES, build
from recipes.siamese.training import DEFAULT_MARGINS
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the siamese recipe.

    Tunes the embedding size, tower width, weight decay, contrastive margin
    (for the margin losses) and learning rate in `build`, and the batch size
    in `fit`; every default equals the recipe's. The distance is fixed.

    Args:
        input_shape: input shape, fixed for the search (default `(8, 8, 1)`).
        distance: the distance (and so the loss), fixed for the search
            (default `"euclidean"`).

    Example:

    >>> import keras_tuner
    >>> from recipes import data, siamese
    >>> tuner = keras_tuner.RandomSearch(
    ...     siamese.HyperModel(input_shape=(8, 8, 1)),
    ...     objective=siamese.HyperModel.objective, max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['embedding_dim', 'learning_rate', 'margin', 'weight_decay', 'width']
    >>> tuner.search(data.load("digits"), epochs=10)  # doctest: +SKIP
    """

    recipe = "siamese"

    default_batch_size = 64
    objective = keras_tuner.Objective("val_loss", direction="min")

    def __init__(self, *, input_shape=(8, 8, 1), distance="euclidean", **kwargs):
        super().__init__(**kwargs)
        validation.check_choice(distance, "distance", DISTANCES)
        self.input_shape = validation.check_image_shape(input_shape)
        self.distance = distance

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            distance=self.distance,
            embedding_dim=hp.Choice("embedding_dim", [16, 32, 64], default=32),
            width=hp.Choice("width", [16, 32, 64], default=16),
            weight_decay=hp.Choice(
                "weight_decay",
                [0.0, 1e-4, 1e-3],
                default=DEFAULT_WEIGHT_DECAY.get(self.distance, 0.0),
            ),
        )
        margin = None
        if self.distance in DEFAULT_MARGINS:
            default = DEFAULT_MARGINS[self.distance]
            margin = hp.Float(
                "margin", default - 0.5, default + 0.5, step=0.25, default=default
            )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
        )
        return siamese_training.compile(
            model, learning_rate=learning_rate, margin=margin
        )
