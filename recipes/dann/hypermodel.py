"""The Keras Tuner search space of the DANN recipe."""

from __future__ import annotations

import keras_tuner

from recipes import validation
from recipes.dann.data import DomainData
from recipes.dann.model import build
from recipes.dann.training import compile
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the DANN recipe.

    The objective is `val_target_accuracy`: label accuracy on a labeled target
    validation split (`data.target.val` unless `fit` is given another
    `target_validation`); see docs/recipes/dann.md. `build` tunes the width,
    domain head and learning rate; `fit` tunes the batch size and the
    schedule's `gamma`. Defaults equal the recipe's.

    Args:
        input_shape: example shape `(height, width, channels)`, fixed for the
            search. Default `(8, 8, 3)`.
        num_classes: number of classes, fixed for the search. Default 10.
        **kwargs: passed to `keras_tuner.HyperModel` (`name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from recipes import dann
    >>> tuner = keras_tuner.RandomSearch(
    ...     dann.HyperModel(), objective=dann.HyperModel.objective, max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size, gamma join in `fit`
    ['domain_units', 'learning_rate', 'width']
    >>> tuner.search(dann.load_data("digits_m"), epochs=10)  # doctest: +SKIP
    """

    recipe = "dann"

    objective = keras_tuner.Objective("val_target_accuracy", direction="max")
    default_batch_size = 32

    def __init__(self, *, input_shape=(8, 8, 3), num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.input_shape = validation.check_image_shape(input_shape)
        validation.check_positive_int(num_classes, "num_classes", minimum=2)
        self.num_classes = num_classes

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            width=hp.Choice("width", [16, 32, 64], default=32),
            domain_units=hp.Choice("domain_units", [100, 200, 500], default=100),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-3, 1e-1, sampling="log", default=3e-2
        )
        return compile(model, learning_rate=learning_rate)

    def fit(self, hp, model, data, **kwargs):
        """Fits with a tuned `gamma` and batch size, scored on target labels.

        Args:
            hp: the trial's `keras_tuner.HyperParameters`.
            model: the model `build(hp)` returned.
            data: a `DomainData` from `dann.load_data`.
            **kwargs: passed to `dann.fit` (`epochs`, `callbacks`, ...);
                Hyperband's `initial_epoch` is handled as in
                `RecipeHyperModel.fit`.

        Returns:
            The `keras.callbacks.History` of the fit.
        """
        if not isinstance(data, DomainData):
            raise ValueError("`data` must be a DomainData from `dann.load_data`.")
        kwargs.setdefault("target_validation", data.target.val)
        kwargs["gamma"] = hp.Float("gamma", 1.0, 30.0, sampling="log", default=10.0)
        return super().fit(hp, model, data, **kwargs)
