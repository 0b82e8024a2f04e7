"""The Keras Tuner search space of the bidirectional RNN recipe."""

from __future__ import annotations

from recipes import validation
from recipes.bilstm.model import (
    CELLS,
    DELTAS,
    MERGE_MODES,
    OUTPUTS,
    POOLINGS,
    build,
    sequence_shape,
)
from recipes.bilstm.text import check_vocabulary, require_string_backend
from recipes.bilstm.training import LABEL_SMOOTHING, compile
from recipes.tuning import RecipeHyperModel


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the bidirectional RNN recipe.

    Tunes the cell, units, depth, merge mode, dropout rate, pooling, input
    noise and time deltas in `build`, the learning rate and label smoothing
    in `compile`, and the batch size in `fit`; every default equals the
    recipe's. Trials train with `fit(refit=False)`: on the training split
    only, with early stopping, so that the validation split that scores them
    stays unseen.

    Args:
        input_shape: sequence shape, fixed for the search. Default
            `(None, 12)`.
        num_classes: number of classes, fixed for the search. Default 9.
        output: `"sequence"` (the default) or `"per_step"`, fixed for the
            search.
        vocabulary: a token list for text models (adapt once with `build`,
            then pass `model.get_layer("vectorizer").get_vocabulary()[2:]`);
            TensorFlow backend only. Default `None` (numeric models).
        vocabulary_size: the number of token ids for token models (text
            vectorized before `fit` with `bilstm.vectorize`; any backend).
            Default `None`.
        sequence_length: tokens kept per text (text and token models only).
            Default `None`.
        **kwargs: passed to `keras_tuner.HyperModel` (`name`, `tunable`).

    Example:

    >>> import keras_tuner
    >>> from recipes import bilstm, data
    >>> tuner = keras_tuner.RandomSearch(
    ...     bilstm.HyperModel(input_shape=(None, 12), num_classes=9),
    ...     objective="val_accuracy", max_trials=3)
    >>> sorted(tuner.oracle.hyperparameters.values)  # batch_size joins in `fit`
    ['cell', 'deltas', 'dropout_rate', 'label_smoothing', 'learning_rate',
     'merge_mode', 'noise_stddev', 'num_layers', 'pooling', 'units']
    >>> tuner.search(data.load("japanese_vowels"), epochs=10)  # doctest: +SKIP
    """

    recipe = "bilstm"

    def __init__(
        self,
        *,
        input_shape=(None, 12),
        num_classes=9,
        output="sequence",
        vocabulary=None,
        vocabulary_size=None,
        sequence_length=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        validation.check_positive_int(num_classes, "num_classes", minimum=2)
        validation.check_choice(output, "output", OUTPUTS)
        if vocabulary is not None:
            require_string_backend("vocabulary")
            check_vocabulary(vocabulary)
        elif vocabulary_size is not None:
            validation.check_positive_int(vocabulary_size, "vocabulary_size", minimum=3)
        else:
            sequence_shape(input_shape)  # refuses a bad shape now, not per trial
        self.input_shape = input_shape
        self.num_classes = num_classes
        self.output = output
        self.vocabulary = vocabulary
        self.vocabulary_size = vocabulary_size
        self.sequence_length = sequence_length

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            output=self.output,
            vocabulary=self.vocabulary,
            vocabulary_size=self.vocabulary_size,
            sequence_length=self.sequence_length,
            cell=hp.Choice("cell", list(CELLS), default="gru"),
            units=hp.Choice("units", [32, 64, 128, 256], default=128),
            num_layers=hp.Int("num_layers", 1, 3, default=1),
            merge_mode=hp.Choice("merge_mode", list(MERGE_MODES), default="concat"),
            dropout_rate=hp.Float("dropout_rate", 0.0, 0.5, step=0.1, default=0.3),
            pooling=hp.Choice("pooling", list(POOLINGS), default="last"),
            noise_stddev=hp.Choice("noise_stddev", [0.0, 0.05, 0.1], default=0.0),
            deltas=hp.Int("deltas", 0, 2, default=DELTAS),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-4, 1e-2, sampling="log", default=3e-3
        )
        label_smoothing = hp.Choice(
            "label_smoothing", [0.0, 0.1, 0.2], default=LABEL_SMOOTHING
        )
        return compile(
            model, learning_rate=learning_rate, label_smoothing=label_smoothing
        )

    def fit(self, hp, model, data, **kwargs):
        """Fits with `refit=False`: the trial is scored on the validation split,
        so it must not train on it (early stopping on it as usual)."""
        kwargs.setdefault("refit", False)
        return super().fit(hp, model, data, **kwargs)
