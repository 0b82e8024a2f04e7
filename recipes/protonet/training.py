"""Compiling a prototypical network and fitting it episode by episode."""

from __future__ import annotations

import keras
from keras import ops

from recipes import losses, training, validation
from recipes.protonet.episodes import Episodes, eligible_classes
from recipes.saving import register
from recipes.siamese.pairs import check_xy

# Defaults chosen on the validation alphabets of `glyphs`: docs/recipes/protonet.md.
DEFAULT_WAYS = 20  # classes per training episode
DEFAULT_SHOTS = 1  # support examples per class in training
DEFAULT_QUERIES = 100  # query images per episode (`batch_size`): 5 per class
DEFAULT_EPISODES = 100  # training episodes per epoch
DEFAULT_EPOCHS = 10  # the most epochs of `DEFAULT_EPISODES` episodes
VALIDATION_EPISODES = 20  # fixed validation episodes


@register
def episode_accuracy(y_true, y_pred):
    """The fraction of an episode's queries whose nearest prototype is their class.

    Args:
        y_true: `(R, 2)` episode labels, as `recipes.losses.PrototypicalLoss`
            takes them.
        y_pred: `(R, D)` embeddings.

    Returns:
        A scalar: accuracy over the episode's queries.
    """
    scores, same, is_query = losses.prototypical_scores(y_true, y_pred)  # (R, R)
    nearest = ops.argmax(scores, axis=1)  # (R,) the support row of the best class
    right = ops.take_along_axis(same, nearest[:, None], axis=1)[:, 0]  # (R,)
    return ops.sum(right * is_query) / ops.maximum(ops.sum(is_query), 1.0)


def default_ways(n_way, y, k_shot, n_query=1, *, batch_size=None, default=DEFAULT_WAYS):
    """`n_way`, or for `None` the default capped at the classes that can fill episodes.

    Args:
        n_way: the ways asked for, or `None`.
        y: the labels episodes are drawn from.
        k_shot: support images per class.
        n_query: query images per class (when `batch_size` is `None`).
        batch_size: query images per episode, shared evenly among the ways
            (`queries_per_class`), or `None` for `n_query` per class.
        default: the ways of `None` when enough classes have the images.

    Returns:
        `n_way` unchanged when given (`Episodes` checks it), else the most
        ways, up to `default`, for which that many classes have `k_shot`
        supports and their queries; at least 2 (so that too few classes are
        refused with a message).
    """
    if n_way is not None:
        return n_way
    if isinstance(k_shot, bool) or not isinstance(k_shot, int) or k_shot < 1:
        return default  # `Episodes` refuses the bad `k_shot`
    for ways in range(default, 2, -1):
        queries = n_query if batch_size is None else queries_per_class(batch_size, ways)
        if len(eligible_classes(y, k_shot, queries)) >= ways:
            return ways
    return 2


def queries_per_class(batch_size, n_way):
    """`batch_size // n_way` query images per class, at least 1 (1 for a bad `n_way`)."""
    if isinstance(n_way, bool) or not isinstance(n_way, int) or n_way < 1:
        return 1  # `Episodes` refuses the bad `n_way`
    return max(1, batch_size // n_way)


def compile(model, *, learning_rate=1e-3, optimizer="auto", jit_compile="auto"):
    """Compiles a prototypical network with `PrototypicalLoss` and episode accuracy.

    Args:
        model: a model from `build`.
        learning_rate: the optimizer's learning rate (default 1e-3, Snell et
            al.'s).
        optimizer: `"auto"` (Adam), an optimizer name or instance.
        jit_compile: `"auto"` (XLA on JAX, and on TensorFlow with a GPU),
            `True` or `False`.

    Returns:
        The compiled model; its metric `accuracy` is the query accuracy of
        the episodes it is fitted or evaluated on.

    Example:

    >>> from recipes import protonet
    >>> model = protonet.compile(protonet.build())
    >>> model.loss.name
    'prototypical'
    """
    model.compile(
        loss=losses.PrototypicalLoss(),
        metrics=[keras.metrics.MeanMetricWrapper(episode_accuracy, name="accuracy")],
        **training.compile_options(
            model,
            optimizer=optimizer,
            learning_rate=learning_rate,
            jit_compile=jit_compile,
        ),
    )
    return model


def fit(
    model,
    data,
    *,
    epochs=DEFAULT_EPOCHS,
    batch_size=DEFAULT_QUERIES,
    callbacks=None,
    checkpoint_dir=None,
    verbose="auto",
    n_way=None,
    k_shot=DEFAULT_SHOTS,
    episodes_per_epoch=DEFAULT_EPISODES,
    early_stopping_patience=10,
    seed=0,
):
    """Trains a compiled prototypical network on episodes of the train split.

    Every batch is one episode (`Episodes`): `n_way` training classes,
    `k_shot` support images of each, and `batch_size` query images shared
    evenly among them (`batch_size // n_way` per class, at least one). The
    `val` split
    (classes never trained on, when `data` has one) gives fixed validation
    episodes of the same shape, whose loss drives early stopping.

    Args:
        model: a model from `compile`.
        data: a `recipes.data.Bundle` (train and val used), or `(x, y)`.
        epochs: the most epochs (default 10: 1,000 episodes).
        batch_size: query images per episode (default 100: 5 per class
            of 20-way episodes, as Snell et al.).
        callbacks: extra Keras callbacks.
        checkpoint_dir: directory to resume an interrupted run from.
        verbose: Keras's verbosity.
        n_way: classes per training episode; `None` (the default) for
            `DEFAULT_WAYS` (20), or as many classes as a split can fill
            episodes with when it has fewer.
        k_shot: support images per class (default 1).
        episodes_per_epoch: training episodes per epoch (default 100).
        early_stopping_patience: epochs without a better validation loss
            before stopping (the best weights are restored); `None` to train
            every epoch (default 10).
        seed: seed of the episodes.

    Returns:
        The `keras.callbacks.History`.

    Raises:
        ValueError: before any training, for an uncompiled model, a bad
            option or seed, images that do not fit the model, `n_way` < 2 or
            above the classes of a split, `k_shot` < 1, or classes with too
            few images for `k_shot` supports and their queries.
    """
    callbacks = training.check_fit(
        model,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
    )
    validation.check_positive_int(episodes_per_epoch, "episodes_per_epoch")
    seed = validation.check_seed(seed, allow_none=False)
    shape = model.input_shape[1:]
    train = check_xy(training.require_split(data, "train"), "data train", shape)
    val = check_xy(training.get_split(data, "val"), "data val", shape)
    train_ways = default_ways(n_way, train[1], k_shot, batch_size=batch_size)
    episode = dict(k_shot=k_shot, n_query=queries_per_class(batch_size, train_ways))
    train_episodes = Episodes(
        *train,
        n_way=train_ways,
        episodes=episodes_per_epoch,
        seed=seed,
        **episode,
    )
    val_episodes = None
    if val is not None:
        val_episodes = Episodes(
            *val,
            n_way=default_ways(n_way, val[1], k_shot, episode["n_query"]),
            episodes=VALIDATION_EPISODES,
            seed=seed + 1,
            fixed=True,
            **episode,
        )
    return training.fit(
        model,
        train_episodes,
        val_episodes,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=callbacks,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
        early_stopping_patience=early_stopping_patience,
        shuffle=False,  # the episodes are drawn afresh every epoch
    )
