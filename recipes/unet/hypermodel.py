"""The Keras Tuner search space of the U-Net recipe."""

from __future__ import annotations

import keras_tuner

from recipes import validation
from recipes.tuning import RecipeHyperModel
from recipes.unet import training as unet_training
from recipes.unet.model import UPSAMPLINGS, build


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the U-Net recipe.

    Tunes the first stage's filters, the depth, the upsampling, the loss and
    the learning rate in `build`, and the batch size in `fit`; every default
    equals the recipe's. The search maximises the validation IoU.

    Args:
        input_shape: image shape, fixed for the search.
        num_classes: 1 (binary masks) or the number of classes, fixed.

    Example:

    >>> import keras_tuner
    >>> from recipes import unet
    >>> tuner = keras_tuner.RandomSearch(
    ...     unet.HyperModel(input_shape=(64, 64, 3)),
    ...     objective=unet.HyperModel.objective, max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['depth', 'filters', 'learning_rate', 'loss', 'upsampling']
    """

    recipe = "unet"
    default_batch_size = 16
    batch_sizes = (8, 16, 32, 64)
    objective = keras_tuner.Objective("val_iou", direction="max")

    def __init__(self, *, input_shape=(64, 64, 3), num_classes=1, **kwargs):
        super().__init__(**kwargs)
        self.input_shape = validation.check_shape(
            input_shape, "input_shape", ranks=(3,)
        )
        validation.check_positive_int(num_classes, "num_classes")
        self.num_classes = num_classes

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            filters=hp.Choice("filters", [8, 16, 32], default=8),
            depth=hp.Int("depth", 2, 4, default=3),
            upsampling=hp.Choice("upsampling", list(UPSAMPLINGS), default="transpose"),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=3e-3
        )
        loss = hp.Choice(
            "loss", list(unet_training.LOSSES), default="dice_crossentropy"
        )
        return unet_training.compile(model, learning_rate=learning_rate, loss=loss)
