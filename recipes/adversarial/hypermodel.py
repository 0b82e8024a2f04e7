"""The Keras Tuner search space of adversarial training."""

from __future__ import annotations

from recipes import validation
from recipes.adversarial.model import (
    ADVERSARIAL_FRACTION,
    EPSILON,
    STEPS,
    build,
)
from recipes.adversarial.training import compile
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of adversarial training.

    Tunes the ConvNet's width and dropout rate, the learning rate, the PGD
    steps and the clean/adversarial mix in `build`, and the batch size in
    `fit`; every default equals the recipe's. The training epsilon is fixed
    (it defines the threat the model is trained against), as are the input
    shape and classes.

    Args:
        input_shape: image shape, fixed for the search.
        num_classes: number of classes, fixed for the search.
        epsilon: the training attack's radius, fixed for the search.

    Example:

    >>> import keras_tuner
    >>> from recipes import adversarial
    >>> tuner = keras_tuner.RandomSearch(
    ...     adversarial.HyperModel(input_shape=(8, 8, 1), num_classes=10),
    ...     objective="val_accuracy", max_trials=2)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['adversarial_fraction', 'dropout_rate', 'learning_rate', 'steps', 'width']
    """

    recipe = "adversarial"

    def __init__(
        self, *, input_shape=(8, 8, 1), num_classes=10, epsilon=EPSILON, **kwargs
    ):
        super().__init__(**kwargs)
        self.input_shape = validation.check_image_shape(input_shape)
        validation.check_positive_int(num_classes, "num_classes", minimum=2)
        validation.check_non_negative(epsilon, "epsilon")
        self.num_classes, self.epsilon = num_classes, epsilon

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            width=hp.Choice("width", [16, 32, 64], default=32),
            dropout_rate=hp.Float("dropout_rate", 0.0, 0.5, step=0.1, default=0.3),
        )
        return compile(
            model,
            epsilon=self.epsilon,
            steps=hp.Int("steps", 3, 10, default=STEPS),
            adversarial_fraction=hp.Float(
                "adversarial_fraction",
                0.25,
                1.0,
                step=0.25,
                default=ADVERSARIAL_FRACTION,
            ),
            learning_rate=hp.Float(
                "learning_rate", 1e-4, 1e-2, sampling="log", default=1e-3
            ),
        )
