import math

import keras
import numpy as np
import pytest

from recipes import fewshot, losses, protonet
from recipes.protonet import episodes as episodes_module
from tests.helpers import assert_fits_with_xla, assert_roundtrip

SHAPE = (16, 16, 1)


def blobs(classes=8, per_class=6, seed=0):
    """Images of `classes` classes: a class pattern on the left, noise on the right.

    The left half is a fixed random pattern per class plus a little noise;
    the right half is fresh noise in every image, which a metric must learn
    to ignore.
    """
    rng = np.random.default_rng(seed)
    patterns = rng.random((classes,) + SHAPE)
    y = np.repeat(np.arange(classes), per_class)
    x = patterns[y] + 0.2 * rng.standard_normal((len(y),) + SHAPE)
    x[:, :, SHAPE[1] // 2 :] = rng.random((len(y), SHAPE[0], SHAPE[1] // 2, 1))
    return np.clip(x, 0, 1).astype("float32"), y.astype("int32")


def small(**kwargs):
    return protonet.build(input_shape=SHAPE, width=8, **kwargs)


# ------------------------------------------------------------------- loss ---

# A hand-computed 2-way 2-shot episode with 1-D embeddings, rows out of order.
# Supports: class 0 at 0 and 2 (prototype 1), class 1 at 4 and 6 (prototype 5).
# Queries: 2 of class 0 (squared distances 1 and 9), 3.5 of class 1 (6.25 and
# 2.25), 4.5 of class 0 (12.25 and 0.25, nearer the wrong prototype).
EPISODE_Z = np.array([[2.0], [4.0], [0.0], [3.5], [6.0], [2.0], [4.5]], "float32")
EPISODE_Y = np.array(
    [[0, 1], [1, 0], [0, 0], [1, 1], [1, 0], [0, 0], [0, 1]], "float32"
)
QUERY_LOSSES = [
    1.0 + math.log(math.exp(-1.0) + math.exp(-9.0)),
    2.25 + math.log(math.exp(-6.25) + math.exp(-2.25)),
    12.25 + math.log(math.exp(-12.25) + math.exp(-0.25)),
]


def test_prototypical_loss_equals_its_formula_on_a_hand_computed_episode():
    loss = losses.PrototypicalLoss()
    value = float(loss(EPISODE_Y, EPISODE_Z))
    assert value == pytest.approx(np.mean(QUERY_LOSSES), rel=1e-5)
    # the same numbers by their closed forms: log(1 + e^-8), log(1 + e^-4), log(1 + e^12)
    closed = [
        math.log1p(math.exp(-8)),
        math.log1p(math.exp(-4)),
        math.log1p(math.exp(12)),
    ]
    assert value == pytest.approx(np.mean(closed), rel=1e-5)


def test_prototypical_loss_equals_a_direct_computation_on_random_episodes():
    rng = np.random.default_rng(1)
    n_way, k_shot, n_query, dim = 3, 2, 2, 5
    z = rng.standard_normal((n_way * (k_shot + n_query), dim)).astype("float32")
    y = protonet.episode_labels(n_way, k_shot, n_query)
    support = z[: n_way * k_shot].reshape(n_way, k_shot, dim)
    prototypes = support.mean(axis=1)  # (N, D)
    queries = z[n_way * k_shot :]
    distances = ((queries[:, None] - prototypes[None]) ** 2).sum(-1)  # (Q, N)
    log_p = -distances - np.log(np.exp(-distances).sum(1, keepdims=True))
    expected = -log_p[
        np.arange(len(queries)), y[n_way * k_shot :, 0].astype(int)
    ].mean()
    assert float(losses.PrototypicalLoss()(y, z)) == pytest.approx(expected, rel=1e-5)
    order = rng.permutation(len(z))  # the row order does not matter
    shuffled = float(losses.PrototypicalLoss()(y[order], z[order]))
    assert shuffled == pytest.approx(expected, rel=1e-5)


def test_prototypical_loss_serializes():
    loss = losses.PrototypicalLoss(name="proto")
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is losses.PrototypicalLoss and restored.name == "proto"


def test_episode_accuracy_counts_queries_nearest_their_prototype():
    accuracy = float(protonet.episode_accuracy(EPISODE_Y, EPISODE_Z))
    assert accuracy == pytest.approx(2 / 3)


# ---------------------------------------------------------------- episodes ---


def test_episodes_never_put_a_query_in_the_support_set():
    x, y = blobs(classes=6, per_class=5)
    episodes = protonet.Episodes(
        x, y, n_way=4, k_shot=2, n_query=3, episodes=30, seed=3
    )
    for index in range(len(episodes)):
        support, query = episodes.indices(index)
        assert support.shape == (4, 2) and query.shape == (4, 3)
        assert not set(support.ravel()) & set(query.ravel())
        rows = np.concatenate([support, query], axis=1)  # (N, K + Q)
        assert len(set(rows.ravel())) == rows.size  # no image drawn twice
        for row in rows:  # each row is one class, and the N classes differ
            assert len(set(y[row])) == 1
        assert len(set(y[rows[:, 0]])) == 4
    images, labels = episodes[0]
    support, query = episodes.indices(0)
    np.testing.assert_array_equal(
        images, x[np.concatenate([support.ravel(), query.ravel()])]
    )
    np.testing.assert_array_equal(labels, protonet.episode_labels(4, 2, 3))


def test_episodes_are_seeded_and_fresh_each_epoch_unless_fixed():
    x, y = blobs()
    make = lambda **kw: protonet.Episodes(  # noqa: E731
        x, y, n_way=3, k_shot=1, n_query=2, episodes=4, **kw
    )
    first, again = make(seed=5), make(seed=5)
    np.testing.assert_array_equal(first.indices(2)[0], again.indices(2)[0])
    before = first.indices(2)[0]
    first.on_epoch_end()
    assert not np.array_equal(first.indices(2)[0], before)
    fixed = make(seed=5, fixed=True)
    fixed.on_epoch_end()
    np.testing.assert_array_equal(fixed.indices(2)[0], before)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"n_way": 1}, "`n_way`"),
        ({"n_way": 9}, "`n_way`"),  # 8 classes
        ({"k_shot": 0}, "`k_shot`"),
        ({"k_shot": 5}, "`k_shot`"),  # 6 images: 5 shots + 2 queries do not fit
    ],
)
def test_impossible_episodes_are_refused(kwargs, fragment):
    x, y = blobs()
    episode = {"n_way": 3, "k_shot": 1, "n_query": 2, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        protonet.Episodes(x, y, episodes=2, **episode)


def test_eligible_classes_leaves_out_classes_too_small_for_an_episode():
    y = np.array([0, 0, 0, 1, 1, 2])
    assert episodes_module.eligible_classes(y, k_shot=1, n_query=1).tolist() == [0, 1]
    assert protonet.check_episode(y, 2, 1, 1).tolist() == [0, 1]
    with pytest.raises(ValueError, match="`k_shot`=2"):  # only class 0 has 3 images
        protonet.check_episode(y, 2, 2, 1)


# ------------------------------------------------------------------- model ---


def test_default_ways_share_the_queries_among_the_classes_that_can_take_them():
    from recipes.protonet.training import default_ways

    y = np.repeat(np.arange(4), [20, 20, 20, 4])  # the last class has 4 images
    # 4 ways would give 16 // 4 = 4 queries each: the last class is short of 5.
    assert default_ways(None, y, 1, batch_size=16) == 3
    assert default_ways(None, y, 1, batch_size=4) == 4  # 1 query: all 4 fit
    assert default_ways(None, y, 1, 4) == 3  # 4 queries each, fixed
    assert default_ways(7, y, 1, batch_size=16) == 7  # given: checked later
    episodes = protonet.Episodes(
        np.zeros((len(y), 2, 2, 1)), y, n_way=3, k_shot=1, n_query=5, episodes=1
    )
    assert len(episodes) == 1


def test_build_is_the_four_block_embedding_of_snell_et_al():
    model = protonet.build()
    assert model.output_shape == (None, 64)  # 28 -> 14 -> 7 -> 3 -> 1
    convolutions = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
    ]
    assert [(c.filters, c.kernel_size) for c in convolutions] == [(64, (3, 3))] * 4
    kinds = (
        keras.layers.BatchNormalization,
        keras.layers.ReLU,
        keras.layers.MaxPooling2D,
    )
    for kind in kinds:
        assert sum(isinstance(layer, kind) for layer in model.layers) == 4
    with pytest.raises(ValueError, match="`input_shape`"):
        protonet.build(input_shape=(8, 8, 1))  # too small for four poolings
    assert protonet.build(input_shape=(8, 8, 1), blocks=3).output_shape == (None, 64)


def test_fit_lowers_the_episode_loss_and_round_trips(tmp_path):
    # 8 classes of 8 images: 5 of each to train on, 3 held out to test with.
    x, y = blobs(classes=8, per_class=8)
    held_out = np.arange(len(y)) % 8 >= 5
    train, test = (x[~held_out], y[~held_out]), (x[held_out], y[held_out])
    model = protonet.compile(small(), learning_rate=3e-3)
    history = protonet.fit(
        model, train, epochs=3, n_way=4, batch_size=8, episodes_per_epoch=10, verbose=0
    )
    losses_by_epoch = history.history["loss"]
    assert losses_by_epoch[-1] < 0.5 * losses_by_epoch[0]
    assert history.history["accuracy"][-1] > 0.8  # training queries; chance 1/4
    metrics = protonet.evaluate(model, test, n_way=4, trials=200)
    assert 0.0 <= metrics["accuracy"] <= 1.0
    assert metrics["accuracy_ci95"] == pytest.approx(
        fewshot.confidence_interval(metrics["accuracy"], 200)
    )
    assert_roundtrip(model, x[:4], tmp_path)


def test_fit_under_xla_and_from_a_bundle_with_validation_classes():
    x, y = blobs(classes=10, per_class=6)
    bundle = {"train": (x[y < 6], y[y < 6]), "val": (x[y >= 6], y[y >= 6])}
    history = assert_fits_with_xla(
        protonet, small(), bundle, n_way=3, batch_size=6, episodes_per_epoch=3
    )
    assert {"val_loss", "val_accuracy"} <= set(history.history)


def test_hypermodel_defaults_equal_the_recipe_and_tune_the_episodes():
    import keras_tuner

    hp = keras_tuner.HyperParameters()
    hypermodel = protonet.HyperModel(input_shape=SHAPE)
    model = hypermodel.build(hp)
    assert model.count_params() == protonet.build(input_shape=SHAPE).count_params()
    x, y = blobs(classes=3, per_class=40)  # 3-way: 33 queries per class
    hypermodel.fit(
        hp, model, (x, y), epochs=1, n_way=3, episodes_per_epoch=1, verbose=0
    )
    assert hp.get("batch_size") == protonet.DEFAULT_QUERIES
    assert hp.get("k_shot") == protonet.DEFAULT_SHOTS
