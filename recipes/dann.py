"""Domain-adversarial neural network (DANN): unsupervised domain adaptation.

Ganin, Ustinova, Ajakan, Germain, Larochelle, Laviolette, Marchand and
Lempitsky, "Domain-Adversarial Training of Neural Networks", JMLR 2016.

Labeled examples come from a *source* domain, unlabeled ones from a *target*
domain (here: grey `digits` as source, `digits_m`, the digits blended with
photographs, as target). One feature extractor feeds two heads:

- the label head, trained on source examples only;
- the domain head, which tells source (0) from target (1) features and sits
  behind `recipes.layers.GradientReversal`: the domain head minimises its loss,
  while the feature extractor receives `-lambda` times that gradient and so
  learns features the domain head cannot separate.

The whole thing is one Functional model trained by ordinary `fit`: each batch
pairs `batch_size` labeled source examples with as many target examples, the
label loss is weighted to zero on target rows, and `fit` schedules `lambda`
from 0 to 1 with `lambda_p = 2 / (1 + exp(-gamma * p)) - 1`, `p` the training
progress, and anneals the learning rate with `mu_p = mu_0 / (1 + alpha * p) **
beta` (`AnnealedLearningRate`). Both are computed inside the compiled step, so
several steps run per call (`steps_per_execution`). It compiles under XLA.

Example:

>>> from recipes import dann
>>> domains = dann.load_data("digits_m")
>>> model = dann.compile(dann.build())
>>> history = dann.fit(model, domains, epochs=1, verbose=0)
>>> sorted(dann.evaluate(model, domains))
['domain_accuracy', 'proxy_a_distance', 'source_accuracy', 'target_accuracy']
"""

from __future__ import annotations

import dataclasses

import keras
import keras_tuner
import numpy as np

from recipes import convnet, saving, training, validation
from recipes import data as data_module
from recipes.layers import GradientReversal
from recipes.schedules import (
    AnnealedLearningRate,
)
from recipes.tuning import RecipeHyperModel

DATASET = "digits_m"
FACTS = (
    "input_shape",
    "num_classes",
)  # what `build` and `HyperModel` take from a dataset's info
SOURCE = "digits"
# Training steps per compiled call. With `lambda` and the learning rate
# scheduled inside the step, nothing needs Python between batches; on the
# 2-core CPU (`python -m benchmarks.speed dann`) one step per call ran at 0.89x
# the hand-written three-tape step, 32 per call at 1.08-1.30x. Under a strategy
# with several replicas `compile`'s "auto" falls back to 1 (see
# `training.resolve_steps_per_execution`).
STEPS_PER_EXECUTION = 32


# -------------------------------------------------------------------- data ---


@dataclasses.dataclass(frozen=True)
class DomainData:
    """A labeled source domain and a target domain, as `fit` and `evaluate` take.

    Attributes:
        source: `recipes.data.Bundle` of the source domain.
        target: `recipes.data.Bundle` of the target domain (its labels are
            used only by `evaluate`, `train_on_target` and the tuner's objective).
        info: the target's `Info` (input shape and classes shared by both).
    """

    source: object
    target: object
    info: object


def load_data(name=DATASET, *, source=SOURCE, seed=0):
    """Loads a source and a target dataset with the same example shape.

    Grey source images get as many channels as the target by repeating the grey
    channel (`digits` (8, 8, 1) becomes (8, 8, 3) to match `digits_m`).

    Args:
        name: the target dataset (default `"digits_m"`).
        source: the source dataset (default `"digits"`).
        seed: seed of the splits (and of `digits_m`'s photo patches).

    Returns:
        A `DomainData`.

    Example:

    >>> domains = load_data("digits_m")
    >>> domains.source.train[0].shape, domains.info.input_shape
    ((1077, 8, 8, 3), (8, 8, 3))
    """
    target = data_module.load(name, seed=seed)
    source_bundle = data_module.load(source, seed=seed)
    channels = target.info.input_shape[-1]
    if source_bundle.info.input_shape[-1] == 1 and channels > 1:

        def repeat(split):  # (N, H, W, 1) -> (N, H, W, channels)
            return (np.repeat(split[0], channels, axis=-1), split[1])

        source_bundle = data_module.Bundle(
            train=repeat(source_bundle.train),
            val=repeat(source_bundle.val),
            test=repeat(source_bundle.test),
            info=dataclasses.replace(
                source_bundle.info, input_shape=tuple(target.info.input_shape)
            ),
        )
    return DomainData(source=source_bundle, target=target, info=target.info)


def _domains(source, target):
    """Splits `fit`/`evaluate`'s arguments into (source data, target data)."""
    if isinstance(source, DomainData):
        return source.source, source.target if target is None else target
    if target is None:
        raise ValueError(
            "`target` is required unless `source` is a DomainData (from `load_data`)."
        )
    return source, target


def _source_split(model, source, split):
    value = training.get_split(source, split)
    if value is None:
        return None
    if validation.is_dataset(value):
        raise ValueError("`source` must hold (x, y) arrays, not a tf.data.Dataset.")
    return validation.check_supervised(
        value,
        f"source {split}",
        shape=model.input_shape[1:],
        num_classes=_label_units(model),
    )


def _target_split(model, target, split, *, labels=False):
    """Target `x` (and `y` when `labels`), or `None` when the split is absent."""
    if isinstance(target, (np.ndarray, tuple, list)):
        value = target  # arrays stand for any split
    else:
        value = training.get_split(target, split)
    if value is None:
        return None
    if validation.is_dataset(value):
        raise ValueError("`target` must hold arrays, not a tf.data.Dataset.")
    x, y = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, None)
    name = f"target {split}"
    x = validation.check_array(x, f"{name} x", shape=model.input_shape[1:])
    if not labels:
        return x
    if y is None:
        return None
    return x, validation.check_labels(
        y, f"{name} y", num_classes=_label_units(model), length=len(x)
    )


def _label_units(model):
    return model.get_layer("label").output.shape[-1]


def _paired_dataset(source, target_x, batch_size, *, seed, shuffle=True):
    """Batches of `b` labeled source rows followed by `b` target rows.

    Yields `(x, y, sample_weight)` with `y = {"label", "domain"}`: the label
    weight is 2 on source rows and 0 on target rows (so the batch-mean label
    loss is the mean over source rows), the domain weight 1 everywhere.
    """
    import tensorflow as tf

    x_source, y_source = source
    batch = min(batch_size, len(x_source))
    sources = tf.data.Dataset.from_tensor_slices((x_source, y_source))
    targets = tf.data.Dataset.from_tensor_slices(target_x)
    if shuffle:
        sources = sources.shuffle(len(x_source), seed=seed)
        targets = targets.shuffle(len(target_x), seed=seed + 1)
    sources = sources.batch(batch, drop_remainder=True)
    targets = targets.repeat().batch(batch, drop_remainder=True)

    # The domain labels and the weights are the same for every batch: build
    # them once instead of in every call of `pair`.
    zeros, ones = np.zeros(batch, "float32"), np.ones(batch, "float32")
    domain = tf.constant(np.concatenate([zeros, ones])[:, None])  # (2b, 1)
    label_weight = tf.constant(np.concatenate([2.0 * ones, zeros]))  # (2b,)
    domain_weight = tf.constant(np.ones(2 * batch, "float32"))  # (2b,)
    no_label = tf.constant(np.zeros(batch, np.asarray(y_source).dtype))  # (b,)

    def pair(source_batch, x_target):
        x_s, y_s = source_batch  # (b, H, W, C), (b,)
        x = tf.concat([x_s, x_target], axis=0)  # (2b, H, W, C)
        y = {"label": tf.concat([y_s, no_label], axis=0), "domain": domain}
        return x, y, {"label": label_weight, "domain": domain_weight}

    dataset = tf.data.Dataset.zip((sources, targets)).map(pair)
    return dataset.prefetch(tf.data.AUTOTUNE), len(x_source) // batch


# ------------------------------------------------------------------- model ---


def build(
    *,
    input_shape=(8, 8, 3),
    num_classes=10,
    feature_extractor=None,
    arch="lenet",
    width=32,
    depth=2,
    dropout_rate=0.0,
    batch_norm=False,
    augment=False,
    domain_units=100,
    lambda_=0.0,
    seed=None,
    name="dann",
):
    """Builds the DANN: feature extractor, label head, reversed domain head.

    Args:
        input_shape: shape of one example (source and target alike).
        num_classes: number of classes (at least 2).
        feature_extractor: a Keras model from examples to features; when `None`,
            the ConvNet recipe's feature layers are used (`arch`, `width`,
            `depth`, `dropout_rate`, `batch_norm`, `augment`, `seed` as in
            `convnet.build`).
        arch, width, depth, dropout_rate, batch_norm, augment, seed: see
            `convnet.build`.
            `batch_norm` is off by default: with batch statistics shared by
            both domains, DANN did worse than source-only on `digits_m`
            (labeled target validation split, seed 0: 43% with it, 53%
            without, source-only 49-50% either way).
        domain_units: hidden units of the domain head.
        lambda_: initial `lambda` of the `GradientReversal` layer (`fit`'s
            schedule overwrites it in every training step).
        name: the model's name.

    Returns:
        An uncompiled Functional model with outputs `{"label": (B, classes)
        probabilities, "domain": (B, 1) probability of the target domain}`.

    Example:

    >>> model = build(input_shape=(8, 8, 3), num_classes=10, width=8)
    >>> sorted(model.output)
    ['domain', 'label']
    """
    input_shape = tuple(input_shape)
    validation.check_positive_int(num_classes, "num_classes", minimum=2)
    validation.check_positive_int(domain_units, "domain_units")
    if feature_extractor is None:
        base = convnet.build(
            input_shape=input_shape,
            num_classes=num_classes,
            arch=arch,
            width=width,
            depth=depth,
            dropout_rate=dropout_rate,
            batch_norm=batch_norm,
            augment=augment,
            seed=seed,
            name="convnet_base",
        )
        feature_extractor = keras.Model(
            base.input, base.get_layer("label").input, name="features"
        )
    elif not isinstance(feature_extractor, keras.Model):
        raise ValueError(
            "`feature_extractor` must be a keras.Model or None, "
            f"got {type(feature_extractor).__name__}."
        )
    elif tuple(feature_extractor.input_shape[1:]) != input_shape:
        raise ValueError(
            f"`feature_extractor` takes inputs of shape "
            f"{tuple(feature_extractor.input_shape[1:])}, but `input_shape` is "
            f"{input_shape}."
        )

    inputs = keras.Input(shape=input_shape, name="image")  # (B, ...)
    features = feature_extractor(inputs)
    if len(features.shape) > 2:
        features = keras.layers.Flatten()(features)  # (B, F)
    label = keras.layers.Dense(num_classes, activation="softmax", name="label")(
        features
    )  # (B, num_classes)
    reversed_features = GradientReversal(lambda_=lambda_, name="gradient_reversal")(
        features
    )
    hidden = keras.layers.Dense(
        domain_units, activation="relu", kernel_initializer="he_normal"
    )(reversed_features)  # (B, domain_units)
    domain = keras.layers.Dense(1, activation="sigmoid", name="domain")(hidden)
    return saving.RecipeModel(
        inputs, {"label": label, "domain": domain}, name=name, recipe="dann"
    )


def compile(
    model,
    *,
    learning_rate=1e-2,
    optimizer="auto",
    jit_compile="auto",
    domain_weight=1.0,
    steps_per_execution="auto",
):
    """Compiles a DANN: cross-entropy on labels and on domains.

    Both losses are averaged over the whole (source + target) batch; `fit`'s
    sample weights make the label loss the mean over source rows. Metrics
    `label_accuracy` (source rows) and `domain_accuracy` (all rows).

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's (initial) learning rate.
        optimizer: `"auto"` (SGD with momentum 0.9, as Ganin et al.; Adam
            made the adversarial game unstable on digits), an optimizer name
            or instance.
        jit_compile: `"auto"` (XLA on GPU), `True` or `False`.
        domain_weight: weight of the domain loss in the total loss.
        steps_per_execution: training steps per call of the compiled step
            (Keras's `compile` argument): `"auto"` (`STEPS_PER_EXECUTION` on
            one replica, 1 under a multi-replica strategy) or a positive int.
            `lambda` and the learning rate are scheduled inside the step, so
            several steps can run per call; batch-level callbacks then run
            once per call.

    Returns:
        The compiled model.
    """
    validation.check_positive(domain_weight, "domain_weight")
    steps_per_execution = training.resolve_steps_per_execution(
        steps_per_execution,
        STEPS_PER_EXECUTION,
        getattr(model, "distribute_strategy", None),
    )
    if optimizer == "auto":  # Ganin et al.: SGD with momentum 0.9
        optimizer = training.make_optimizer("sgd", learning_rate, momentum=0.9)
    model.compile(
        optimizer=training.make_optimizer(optimizer, learning_rate),
        loss={
            "label": keras.losses.SparseCategoricalCrossentropy(),
            "domain": keras.losses.BinaryCrossentropy(),
        },
        loss_weights={"label": 1.0, "domain": float(domain_weight)},
        weighted_metrics={
            "label": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            "domain": [keras.metrics.BinaryAccuracy(name="accuracy")],
        },
        jit_compile=training.resolve_jit_compile(jit_compile),
        steps_per_execution=steps_per_execution,
    )
    return model


# --------------------------------------------------------------- schedules ---


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
        gamma, anneal_learning_rate, alpha, beta: see `fit`.

    Raises:
        ValueError: the model has no `GradientReversal`, or annealing was asked
            of an optimizer whose rate is some other `LearningRateSchedule`.
    """
    validation.check_positive_int(total_steps, "total_steps")
    validation.check_non_negative(gamma, "gamma")
    if model.optimizer is None:
        raise ValueError("`model` must be compiled (`dann.compile`) first.")
    reversals = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, GradientReversal)
    ]
    if not reversals:
        raise ValueError("`model` has no GradientReversal layer to schedule.")
    optimizer = model.optimizer
    rate = None
    if anneal_learning_rate:
        current = optimizer._learning_rate
        if isinstance(current, AnnealedLearningRate):
            initial = current.initial_learning_rate
        elif isinstance(current, keras.optimizers.schedules.LearningRateSchedule):
            raise ValueError(
                "`anneal_learning_rate` needs a constant learning rate, "
                "not a LearningRateSchedule."
            )
        else:
            initial = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
        rate = AnnealedLearningRate(initial, total_steps, alpha=alpha, beta=beta)
        # The count restarts with `lambda`'s step, so that a checkpoint, which
        # restores both after this call, restores them in agreement.
        optimizer._iterations.assign(0)
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
            with model.distribute_strategy.scope():
                model.make_train_function(force=True)


class TargetAccuracy(keras.callbacks.Callback):
    """Logs `val_target_accuracy`: label accuracy on labeled target examples.

    Args:
        x, y: the labeled target validation split.
    """

    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def on_train_begin(self, logs=None):
        # One probe for the whole fit, so its predict function is traced once
        # (a new probe each epoch would retrace every epoch).
        self.probe = keras.Model(
            self.model.inputs, self.model.get_layer("label").output
        )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            probabilities = self.probe.predict(self.x, batch_size=256, verbose=0)
            predicted = np.argmax(probabilities, axis=-1)  # (N,)
            logs["val_target_accuracy"] = float(np.mean(predicted == self.y))


# --------------------------------------------------------------------- fit ---


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
    the source training split. The validation data (when both domains have a
    `val` split) is paired the same way: `val_label_accuracy` is on source
    rows, `val_domain_accuracy` on all rows.

    Args:
        model: a model from `compile`.
        source: a `DomainData` from `load_data` (then `target` may be omitted),
            or the source `Bundle` / `(x, y)` arrays.
        target: the target `Bundle`, `(x, y)` or `x` arrays; only `x` is used.
        epochs: number of epochs (the schedules span all of them).
        batch_size: source (and target) examples per batch.
        gamma: steepness of the lambda schedule (>= 0; Ganin et al.: 10).
        anneal_learning_rate: anneal the learning rate with
            `mu_0 / (1 + alpha * p) ** beta` (default on, as Ganin et al.).
        alpha, beta: the annealing's constants (>= 0).
        target_validation: optional labeled target `(x, y)`; then each epoch
            logs `val_target_accuracy` (what `HyperModel` optimises).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        early_stopping_patience: `None` (default: train all epochs, as the
            schedule assumes) or epochs without a better validation loss.
        seed: seed of the shuffling.

    Returns:
        The `keras.callbacks.History`.
    """
    source, target = _domains(source, target)
    validation.check_positive_int(epochs, "epochs")
    validation.check_positive_int(batch_size, "batch_size")
    for value, name in ((gamma, "gamma"), (alpha, "alpha"), (beta, "beta")):
        validation.check_non_negative(value, name)
    train = _source_split(model, source, "train")
    if train is None:
        raise ValueError("`source` has no 'train' split.")
    target_x = _target_split(model, target, "train")
    if target_x is None:
        raise ValueError("`target` has no 'train' split.")
    dataset, steps = _paired_dataset(train, target_x, batch_size, seed=seed)
    val_source = _source_split(model, source, "val")
    val_target = (
        None
        if isinstance(target, (np.ndarray, tuple, list))
        else _target_split(model, target, "val")
    )
    val = None
    if val_source is not None and val_target is not None:
        val = _paired_dataset(
            val_source, val_target, batch_size, seed=seed, shuffle=False
        )[0]
    extra = []
    if target_validation is not None:
        x_t, y_t = _target_split(model, target_validation, "val", labels=True)
        extra.append(TargetAccuracy(x_t, y_t))
    # Before `model.fit`: a resumed run's checkpoint then restores the
    # schedule's step (a layer weight) and the optimizer's iteration count.
    schedule(
        model,
        epochs * steps,
        gamma=gamma,
        anneal_learning_rate=anneal_learning_rate,
        alpha=alpha,
        beta=beta,
    )
    return training.fit(
        model,
        dataset,
        val,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=extra + list(callbacks or []),
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
        shuffle=False,  # the paired dataset shuffles each domain itself
    )


# ---------------------------------------------------------------- evaluate ---


def _outputs(model, x, batch_size=256):
    """`(label probabilities, domain probabilities, features)` of `x`."""
    probe = keras.Model(
        model.inputs,
        [
            model.get_layer("label").output,  # (N, classes)
            model.get_layer("domain").output,  # (N, 1)
            model.get_layer("label").input,  # (N, F)
        ],
    )
    outputs = probe.predict(x, batch_size=batch_size, verbose=0)
    return tuple(np.asarray(part) for part in outputs)


def features(model, x, batch_size=256):
    """The learned representation (the input of the label head) of `x`."""
    return _outputs(model, x, batch_size)[2]


def proxy_a_distance(features_source, features_target, *, seed=0):
    """Proxy A-distance `2 (1 - 2 err)` between two sets of features.

    `err` is the held-out error of a linear classifier (logistic regression on
    standardised features, 2-fold cross-validation) that tells the two sets
    apart (Ben-David et al. 2007; used by Ganin et al. 2016). 2 means the
    domains are perfectly separable, 0 that they are indistinguishable.

    Args:
        features_source, features_target: `(N, F)` arrays.
        seed: seed of the folds.

    Returns:
        The float proxy A-distance.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([features_source, features_target]).reshape(
        len(features_source) + len(features_target), -1
    )
    y = np.concatenate([np.zeros(len(features_source)), np.ones(len(features_target))])
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(2, shuffle=True, random_state=seed)
    error = 1.0 - float(np.mean(cross_val_score(classifier, x, y, cv=folds)))
    return 2.0 * (1.0 - 2.0 * error)


def evaluate(model, data, target=None):
    """Headline metrics of a DANN on the test splits of both domains.

    Args:
        model: a model from `build` (trained).
        data: a `DomainData`, or the source `Bundle` / `(x, y)` test arrays.
        target: the target `Bundle`, `(x, y)` or `x` (when `data` is not a
            `DomainData`).

    Returns:
        `{"source_accuracy", "target_accuracy" (when target labels are given),
        "domain_accuracy" (the domain head on both test sets),
        "proxy_a_distance" (of the learned features)}` as floats.
    """
    source, target = _domains(data, target)
    x_s, y_s = _source_split(model, source, "test")
    labeled = _target_split(model, target, "test", labels=True)
    x_t = labeled[0] if labeled else _target_split(model, target, "test")
    labels, domains, learned = _outputs(model, np.concatenate([x_s, x_t]))
    n = len(x_s)
    predicted = np.argmax(labels, axis=-1)  # (N_s + N_t,)
    results = {"source_accuracy": float(np.mean(predicted[:n] == y_s))}
    if labeled is not None:
        results["target_accuracy"] = float(np.mean(predicted[n:] == labeled[1]))
    is_target = domains[:, 0] >= 0.5  # (N_s + N_t,)
    results["domain_accuracy"] = float(
        np.mean(np.concatenate([~is_target[:n], is_target[n:]]))
    )
    results["proxy_a_distance"] = proxy_a_distance(learned[:n], learned[n:])
    return dict(sorted(results.items()))


# --------------------------------------------------------------- baselines ---


def _train_labels_only(
    model,
    train,
    val,
    *,
    epochs,
    batch_size,
    learning_rate,
    jit_compile,
    verbose,
    early_stopping_patience,
):
    classifier = keras.Model(model.inputs, model.get_layer("label").output)
    classifier.compile(
        optimizer=training.make_optimizer("auto", learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        jit_compile=training.resolve_jit_compile(jit_compile),
    )
    training.fit(
        classifier,
        train,
        val,
        epochs=epochs,
        batch_size=batch_size,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    return model


def source_only(
    data,
    *,
    epochs=60,
    batch_size=32,
    learning_rate=1e-3,
    jit_compile="auto",
    verbose=0,
    early_stopping_patience=20,
    **build_kwargs,
):
    """Baseline: the same network trained on labeled source examples only.

    Args:
        data: a `DomainData`.
        epochs, batch_size, learning_rate, jit_compile, verbose: training.
        early_stopping_patience: on the source validation loss (`None`: off).
        **build_kwargs: passed to `build` (architecture, seed, ...).

    Returns:
        The trained DANN-shaped model (its domain head is untrained), ready
        for `evaluate`.
    """
    build_kwargs.setdefault("input_shape", data.info.input_shape)
    build_kwargs.setdefault("num_classes", data.info.num_classes)
    model = build(**build_kwargs)
    train = _source_split(model, data.source, "train")
    val = _source_split(model, data.source, "val")
    return _train_labels_only(
        model,
        train,
        val,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        jit_compile=jit_compile,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


source_only_baseline = source_only  # the name DESIGN.md uses


def train_on_target(
    data,
    *,
    epochs=60,
    batch_size=32,
    learning_rate=1e-3,
    jit_compile="auto",
    verbose=0,
    early_stopping_patience=20,
    **build_kwargs,
):
    """Upper reference: the same network trained on labeled target examples.

    Args and Returns: as `source_only`, with the target's train/val splits.
    """
    build_kwargs.setdefault("input_shape", data.info.input_shape)
    build_kwargs.setdefault("num_classes", data.info.num_classes)
    model = build(**build_kwargs)
    train = _target_split(model, data.target, "train", labels=True)
    val = _target_split(model, data.target, "val", labels=True)
    if train is None:
        raise ValueError("`data` target train split has no labels.")
    return _train_labels_only(
        model,
        train,
        val,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        jit_compile=jit_compile,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )


# ------------------------------------------------------------------ tuning ---


class HyperModel(RecipeHyperModel):
    """Keras Tuner search space of the DANN recipe.

    The objective is `val_target_accuracy`: label accuracy on a *labeled target
    validation split*. That uses target labels, which unsupervised domain
    adaptation does not have at training time; it is the usual way to compare
    settings on a benchmark, and a small labeled target sample plays that role
    in practice. `build` tunes the width, domain head and learning rate;
    `fit` tunes the batch size and the schedule's `gamma`. Defaults equal the
    recipe's.

    Args:
        input_shape: example shape, fixed for the search.
        num_classes: number of classes, fixed for the search.

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
        if len(tuple(input_shape)) != 3:
            raise ValueError(
                f"`input_shape` must be (height, width, channels), got {input_shape!r}."
            )
        validation.check_positive_int(num_classes, "num_classes", minimum=2)
        self.input_shape = tuple(input_shape)
        self.num_classes = num_classes

    def build(self, hp):
        model = build(
            input_shape=self.input_shape,
            num_classes=self.num_classes,
            width=hp.Choice("width", [16, 32, 64], default=32),
            domain_units=hp.Choice("domain_units", [50, 100, 200], default=100),
        )
        learning_rate = hp.Float(
            "learning_rate", 1e-3, 1e-1, sampling="log", default=1e-2
        )
        return compile(model, learning_rate=learning_rate)

    def fit(self, hp, model, data, **kwargs):
        if not isinstance(data, DomainData):
            raise ValueError("`data` must be a DomainData from `dann.load_data`.")
        batch_size = hp.Choice(
            "batch_size", list(self.batch_sizes), default=self.default_batch_size
        )
        gamma = hp.Float("gamma", 1.0, 30.0, sampling="log", default=10.0)
        kwargs.setdefault("target_validation", data.target.val)
        return fit(model, data, batch_size=batch_size, gamma=gamma, **kwargs)
