"""Compiling and training a DANN on labeled source and unlabeled target data.

`compile` sets the two losses and the optimizer; `schedule` installs the
in-step schedules of `lambda` and of the learning rate; `fit` pairs the
domains' batches, schedules both over the whole run and trains with the
shared `recipes.training.fit`. `TargetAccuracy` logs the label accuracy on
labeled target examples, the tuner's objective.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np

from recipes import compat, training, validation
from recipes.dann.data import PairedBatches, source_split, split_domains, target_split
from recipes.dann.model import label_classifier, reversal_layers
from recipes.schedules import AnnealedLearningRate

# Training steps per compiled call ("auto" under a multi-replica strategy is 1:
# see `training.resolve_steps_per_execution`).
STEPS_PER_EXECUTION = 32


def compile(
    model,
    *,
    learning_rate=3e-2,
    optimizer="auto",
    jit_compile="auto",
    domain_weight=1.0,
    steps_per_execution="auto",
):
    """Compiles a DANN: cross-entropy on labels and on domains.

    Both losses are averaged over the whole (source + target) batch; `fit`'s
    sample weights make the label loss the mean over source rows. Metrics
    `label_accuracy` (source rows) and `domain_accuracy` (all rows).

    Defaults follow Ganin et al. (2016), with the learning rate chosen on
    validation data: see docs/recipes/dann.md.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's (initial) learning rate. Default 3e-2
            (chosen on the target validation split of `syn_digits` ->
            `digits`; Ganin et al. use 1e-2).
        optimizer: `"auto"` (the default: SGD with momentum 0.9), an optimizer
            name or instance.
        jit_compile: `"auto"` (the default: XLA on GPU), `True` or `False`.
        domain_weight: weight of the domain loss in the total loss. Default 1.0.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (the default:
            `STEPS_PER_EXECUTION`, 32, on one replica, 1 under a multi-replica
            strategy) or a positive int. `lambda` and the learning rate are
            scheduled inside the step, so several steps can run per call;
            batch-level callbacks then run once per call.

    Returns:
        The compiled model.
    """
    validation.check_positive(domain_weight, "domain_weight")
    if optimizer == "auto":
        optimizer = training.make_optimizer("sgd", learning_rate, momentum=0.9)
    options = training.compile_options(
        model,
        optimizer=optimizer,
        learning_rate=learning_rate,
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
        auto_steps=STEPS_PER_EXECUTION,
    )
    model.compile(
        loss={
            "label": keras.losses.SparseCategoricalCrossentropy(),
            "domain": keras.losses.BinaryCrossentropy(),
        },
        loss_weights={"label": 1.0, "domain": float(domain_weight)},
        weighted_metrics={
            "label": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "domain": [keras.metrics.BinaryAccuracy(name="accuracy")],
        },
        **options,
    )
    return model


def _initial_rate(optimizer):
    """The constant rate, or the initial rate of an earlier annealing."""
    rate = optimizer.get_config()["learning_rate"]  # a float, or a schedule's config
    if not isinstance(rate, dict):
        return float(rate)
    if rate.get("registered_name") == keras.saving.get_registered_name(
        AnnealedLearningRate
    ):
        return AnnealedLearningRate.from_config(rate["config"]).initial_learning_rate
    raise ValueError(
        "`anneal_learning_rate` needs a constant learning rate, not a "
        "LearningRateSchedule or callable."
    )


def schedule(
    model, total_steps, *, gamma=10.0, anneal_learning_rate=True, alpha=10.0, beta=0.75
):
    """Schedules `lambda` (and the learning rate) over the next `total_steps`.

    Every `GradientReversal` in `model` raises its `lambda` with
    `lambda_schedule`, and with `anneal_learning_rate` the optimizer's learning
    rate becomes an `AnnealedLearningRate` from its current rate (or from the
    initial rate of an earlier annealing), and the optimizer's iteration count
    restarts at 0, as `lambda`'s step does (with Adam, its bias correction
    restarts too). Both are computed inside the compiled training step, in
    calls with `training=True` only. `fit` calls this; call it yourself to
    train a DANN with `model.fit` directly.

    Args:
        model: a compiled model with at least one `GradientReversal`.
        total_steps: optimizer steps of the coming training (>= 1).
        gamma: steepness of the lambda schedule, as in `fit`.
        anneal_learning_rate: anneal the learning rate, as in `fit`.
        alpha: the annealing's scale of progress, as in `fit`.
        beta: the annealing's exponent, as in `fit`.

    Raises:
        ValueError: the model has no `GradientReversal`, or annealing was asked
            of an optimizer whose rate is some other `LearningRateSchedule`.
    """
    validation.check_positive_int(total_steps, "total_steps")
    validation.check_non_negative(gamma, "gamma")
    if model.optimizer is None:
        raise ValueError("`model` must be compiled (`dann.compile`) first.")
    reversals = reversal_layers(model)
    if not reversals:
        raise ValueError("`model` has no GradientReversal layer to schedule.")
    optimizer = model.optimizer
    rate = None
    if anneal_learning_rate:
        rate = AnnealedLearningRate(
            _initial_rate(optimizer), total_steps, alpha=alpha, beta=beta
        )
        # The count restarts with `lambda`'s step, so that a checkpoint, which
        # restores both after this call, restores them in agreement.
        compat.iteration_counter(optimizer).assign(0)
    for layer in reversals:
        layer.schedule(total_steps, gamma)
    if rate is not None:
        # The optimizer stops tracking its constant learning-rate variable, so
        # weights saved before this call miss it (`BackupAndRestore` saves
        # after it, so resuming is unaffected).
        optimizer.learning_rate = rate
        # A step traced by an earlier fit holds the old rate: trace it afresh
        # (in the model's strategy scope, as `fit` itself would).
        if model.train_function is not None:
            strategy = getattr(model, "distribute_strategy", None)
            with strategy.scope() if strategy else contextlib.nullcontext():
                model.make_train_function(force=True)


class TargetAccuracy(keras.callbacks.Callback):
    """Logs `val_target_accuracy`: label accuracy on labeled target examples.

    Args:
        x: the labeled target validation images.
        y: their labels.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def on_train_begin(self, logs=None):
        # One probe for the whole fit, so its predict function is traced once
        # (a new probe each epoch would retrace every epoch).
        self.probe = label_classifier(self.model)

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            probabilities = self.probe.predict(self.x, batch_size=256, verbose=0)
            predicted = np.argmax(probabilities, axis=-1)  # (N,)
            logs["val_target_accuracy"] = float(np.mean(predicted == self.y))


def fit(
    model,
    source,
    target=None,
    *,
    epochs=60,
    batch_size=32,
    gamma=10.0,
    anneal_learning_rate=True,
    alpha=10.0,
    beta=0.75,
    target_validation=None,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    early_stopping_patience=None,
    seed=0,
):
    """Trains a compiled DANN on labeled source and unlabeled target examples.

    Each batch holds `batch_size` source examples (with labels) and
    `batch_size` target examples (labels ignored); an epoch is one pass over
    the source training split. The batches are NumPy arrays from a
    `dann.data.PairedBatches` (a `keras.utils.PyDataset`), each domain
    shuffled every epoch from `seed`, so training needs no `tf.data` on any
    backend. The validation data (when both domains have a `val` split) is
    paired the same way, unshuffled: `val_label_accuracy` is on source rows,
    `val_domain_accuracy` on all rows.

    Defaults follow Ganin et al. (2016): see docs/recipes/dann.md.

    Args:
        model: a model from `compile`.
        source: a `DomainData` from `load_data` (then `target` may be omitted),
            or the source `Bundle` / `(x, y)` arrays.
        target: the target `Bundle`, `(x, y)` or `x` arrays; only `x` is used.
        epochs: number of epochs (the schedules span all of them). Default 60.
        batch_size: source (and target) examples per batch. Default 32.
        gamma: steepness of the lambda schedule (>= 0). Default 10.
        anneal_learning_rate: anneal the learning rate with
            `mu_0 / (1 + alpha * p) ** beta`. Default on.
        alpha: the annealing's scale of progress (>= 0). Default 10.
        beta: the annealing's exponent (>= 0). Default 0.75.
        target_validation: optional labeled target `(x, y)`; then each epoch
            logs `val_target_accuracy` (what `HyperModel` optimises).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity. Default `"auto"`.
        early_stopping_patience: `None` (the default: train all epochs, as the
            schedule assumes) or epochs without a better validation loss.
        seed: seed of the shuffling. Default 0.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training (and before the schedules touch the
            model), for an uncompiled model, a bad option or seed, a missing
            target, datasets instead of arrays, or examples that do not fit
            the model (shape, NaN or huge values, labels out of range).
    """
    source, target = split_domains(source, target)
    callbacks = training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    seed = validation.check_seed(seed, allow_none=False)
    for value, name in ((gamma, "gamma"), (alpha, "alpha"), (beta, "beta")):
        validation.check_non_negative(value, name)
    train = source_split(model, source, "train")
    if train is None:
        raise ValueError("`source` has no 'train' split.")
    target_train = target_split(model, target, "train", labels=False)
    if target_train is None:
        raise ValueError("`target` has no 'train' split.")
    batches = PairedBatches(train, target_train[0], batch_size, seed=seed)
    val_source = source_split(model, source, "val")
    val_target = None
    if not isinstance(target, (np.ndarray, tuple, list)):  # arrays have no val
        val_target = target_split(model, target, "val", labels=False)
    val = None
    if val_source is not None and val_target is not None:
        val = PairedBatches(
            val_source, val_target[0], batch_size, seed=seed, shuffle=False
        )
    extra = []
    if target_validation is not None:
        labeled = target_split(model, target_validation, "val")
        if labeled is None or labeled[1] is None:
            raise ValueError("`target_validation` must be labeled (x, y) arrays.")
        extra.append(TargetAccuracy(*labeled))
    # Before `model.fit`: a resumed run's checkpoint then restores the
    # schedule's step (a layer weight) and the optimizer's iteration count.
    schedule(
        model,
        epochs * len(batches),
        gamma=gamma,
        anneal_learning_rate=anneal_learning_rate,
        alpha=alpha,
        beta=beta,
    )
    return training.fit(
        model,
        batches,
        val,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=extra + callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
        shuffle=False,  # the paired batches shuffle each domain themselves
    )
