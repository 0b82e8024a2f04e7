"""Compiling and training the recurrent classifier.

`compile` sets the loss (label-smoothed cross-entropy), accuracy, gradient
clipping and the XLA policy; `fit` trains either on the training and
validation splits together for a fixed cosine-decayed schedule
(`refit=True`) or on the training split with early stopping (`refit=False`).
"""

from __future__ import annotations

import math

import keras

from recipes import training, validation
from recipes.bilstm import splits
from recipes.bilstm.model import is_text_model, recurrent_layers
from recipes.bilstm.normalization import adapt_input_norm
from recipes.bilstm.text import require_string_backend
from recipes.losses import SmoothedSparseCrossentropy

# Training steps per compiled call (Keras's `steps_per_execution`).
STEPS_PER_EXECUTION = 8
EPOCHS = 40  # the epochs of `fit` with `refit=True`
LABEL_SMOOTHING = 0.1  # of `compile`'s loss


def compile(
    model,
    *,
    learning_rate=3e-3,
    optimizer="auto",
    clipnorm=1.0,
    label_smoothing=LABEL_SMOOTHING,
    jit_compile="auto",
    steps_per_execution="auto",
):
    """Compiles a recurrent classifier: cross-entropy, accuracy, clipping.

    Defaults are chosen on validation data: see docs/recipes/bilstm.md.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate. Default 3e-3.
        optimizer: `"auto"` (the default: Adam), an optimizer name or instance
            (an instance keeps its own clipping; `clipnorm` is then ignored).
        clipnorm: the largest gradient norm (each variable's gradient is
            rescaled to at most this norm); `None` turns clipping off.
            Default 1.0.
        label_smoothing: the loss is the cross-entropy against targets that
            move this much probability from the true class to all classes
            evenly (`SmoothedSparseCrossentropy`); 0 gives the plain sparse
            cross-entropy. Default `LABEL_SMOOTHING` (0.1). The `loss` that
            `fit` and `evaluate` report is this smoothed cross-entropy.
        jit_compile: `"auto"` (the default: on TensorFlow no XLA, so cuDNN
            kernels run on a GPU; on JAX XLA, as every JAX step is compiled;
            see the `recipes.bilstm` docstring), `True` (XLA; the recurrent
            layers then stop using cuDNN) or `False`.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION`, 8, on one replica, 1 under a multi-replica
            strategy) or a positive int. Batch-level callbacks then run once
            per call.

    Returns:
        The compiled model.

    Example:

    >>> from recipes.bilstm import build
    >>> model = compile(build(units=8), learning_rate=1e-3)
    >>> model.optimizer.clipnorm, model.loss.label_smoothing
    (1.0, 0.1)
    """
    if is_text_model(model):
        require_string_backend("model")
    if is_text_model(model) and jit_compile is True:
        raise ValueError(
            "`jit_compile=True` is impossible for text models: XLA cannot compile "
            "the string operations of TextVectorization. Use 'auto' or False."
        )
    extra = {}
    if clipnorm is not None:
        validation.check_positive(clipnorm, "clipnorm")
        extra["clipnorm"] = clipnorm
    validation.check_fraction(label_smoothing, "label_smoothing")
    options = training.compile_options(
        model,
        optimizer=optimizer,
        learning_rate=learning_rate,
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
        auto_steps=STEPS_PER_EXECUTION,
        supports_xla=False,
        **extra,
    )
    if options["jit_compile"]:
        for layer in recurrent_layers(model):
            layer.use_cudnn = False  # the generic loop, which XLA compiles
            layer.supports_jit = True
    if label_smoothing:
        loss = SmoothedSparseCrossentropy(label_smoothing)
    else:
        loss = keras.losses.SparseCategoricalCrossentropy()
    model.compile(
        loss=loss,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        **options,
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=EPOCHS,
    batch_size=32,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    refit=True,
    early_stopping_patience=30,
):
    """Trains a compiled model, by default on the training and validation splits.

    Two policies:

    - `refit=True` (the default): the validation split joins the training
      split, and the model trains for exactly `epochs` epochs while the
      learning rate falls from `compile`'s rate to zero along a cosine, one
      step per epoch (and is set back afterwards). No early stopping, and the
      history has no validation entries.
    - `refit=False`: trains on the training split only, at a constant learning
      rate, with early stopping on the validation loss (best weights
      restored); `epochs` is then an upper bound. The tuner's `HyperModel`
      uses this, since its objective is a validation metric.

    The input `Normalization` is adapted on the data trained on. Defaults are
    chosen on validation data: see docs/recipes/bilstm.md.

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), `(x, y)` arrays, or
            a dict of splits; TFDS splits are batched with `batch_size`.
        epochs: the epochs to train (with `refit=False`: the most). Default
            `EPOCHS` (40).
        batch_size: batch size. Default 32.
        callbacks: extra Keras callbacks. Default `None`.
        checkpoint_dir: directory to resume an interrupted run from. Default
            `None`.
        verbose: Keras's verbosity. Default `"auto"`.
        refit: train on train + val with a fixed cosine schedule (see above).
            Default True.
        early_stopping_patience: with `refit=False`, epochs without a better
            validation loss before stopping; `None` turns it off. Default 30.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training (and before the input normalisation
            is adapted), for an uncompiled model, a bad option, or data that
            does not fit the model (see `splits.checked`).
    """
    callbacks = training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    train = splits.checked(model, data, "train", batch_size, required=True)
    val = splits.checked(model, data, "val", batch_size)
    if refit:
        if val is not None:
            train, val = splits.concatenate(train, val, batch_size), None
        callbacks.insert(0, CosineDecay(model, epochs))
    adapt_input_norm(model, train)
    return training.fit(
        model,
        train,
        val,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


class CosineDecay(keras.callbacks.Callback):
    """Per-epoch cosine decay of the learning rate to zero over `epochs`.

    The base rate is read when the callback is made (before any checkpoint is
    restored) and set back when training ends, so a second `fit` starts from
    it again. An optimizer with its own schedule is left alone.

    Args:
        model: a compiled model; its optimizer's learning rate is the base.
        epochs: the epochs over which the rate falls to zero.
    """

    def __init__(self, model, epochs):
        super().__init__()
        rate = model.optimizer.get_config()["learning_rate"]  # a dict if a schedule
        self.base = float(rate) if isinstance(rate, (int, float)) else None
        self.epochs = epochs

    def _set(self, rate):
        if self.base is not None:
            self.model.optimizer.learning_rate = rate

    def on_epoch_begin(self, epoch, logs=None):
        if self.base is not None:
            self._set(self.base * 0.5 * (1 + math.cos(math.pi * epoch / self.epochs)))

    def on_train_end(self, logs=None):
        self._set(self.base)
