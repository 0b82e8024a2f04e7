import keras
import numpy as np
import pytest

from recipes import data, layers, losses, siamese
from recipes.siamese import pairs, training
from tests.helpers import (
    Batches,
    assert_fits_with_xla,
    assert_roundtrip,
    assert_steps_per_call_train_alike,
    tiny,
)


@pytest.fixture(scope="module")
def digits():
    return tiny(data.load("digits"), n=64)


def small(distance, **kwargs):
    kwargs.setdefault("width", 4)
    kwargs.setdefault("depth", 1)
    return siamese.build(distance=distance, embedding_dim=8, **kwargs)


def per_example(loss, y_true, y_pred):
    config = {**loss.get_config(), "reduction": None}
    unreduced = type(loss).from_config(config)
    y_true = np.asarray(y_true, "float32")[:, None]
    y_pred = np.asarray(y_pred, "float32")[:, None]
    return np.asarray(unreduced(y_true, y_pred))


# ------------------------------------------------------------------ losses ---


def test_contrastive_loss_equals_its_definition():
    loss = losses.ContrastiveLoss(margin=1.0)
    # similar (1) and dissimilar (0) pairs, inside and outside the margin
    y_true = [1, 1, 0, 0, 0]
    d = [0.4, 1.5, 0.4, 1.5, 1.0]
    expected = [0.5 * 0.4**2, 0.5 * 1.5**2, 0.5 * 0.6**2, 0.0, 0.0]
    np.testing.assert_allclose(per_example(loss, y_true, d), expected, rtol=1e-6)
    batch = loss(np.array(y_true)[:, None], np.array(d, "float32")[:, None])
    assert float(batch) == pytest.approx(np.mean(expected), rel=1e-6)
    # the label convention: 1 = similar, so a similar pair at distance 0 is free
    assert per_example(loss, [1, 0], [0.0, 0.0]).tolist() == pytest.approx([0, 0.5])


def test_cosine_contrastive_loss_equals_the_course_notes_definition():
    loss = losses.CosineContrastiveLoss(margin=0.3)
    y_true = [1, 1, 0, 0, 0, 0]
    cos = [0.5, -1.0, 0.5, 0.3, 0.1, -0.9]
    expected = [0.25 * 0.5**2, 0.25 * 2.0**2, 0.5**2, 0.3**2, 0.0, 0.0]
    np.testing.assert_allclose(per_example(loss, y_true, cos), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "cls, bad", [(losses.ContrastiveLoss, 0.0), (losses.CosineContrastiveLoss, 1.0)]
)
def test_losses_serialize_with_their_margin_and_refuse_bad_ones(cls, bad):
    loss = cls(margin=0.25)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is cls and restored.margin == 0.25
    with pytest.raises(ValueError, match="margin"):
        cls(margin=bad)


# ------------------------------------------------------------------ layers ---


def test_distance_layers_equal_their_formulas():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 5, 3)).astype("float32")
    euclidean = np.asarray(layers.EuclideanDistance()([a, b]))[:, 0]
    np.testing.assert_allclose(euclidean, np.linalg.norm(a - b, axis=1), rtol=1e-5)
    cosine = np.asarray(layers.CosineSimilarity()([a, b]))[:, 0]
    expected = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(cosine, expected, rtol=1e-5)
    koch = layers.WeightedL1Similarity()
    koch([a, b])
    alpha = np.array([-2.0, 0.5, 1.0], "float32")
    koch.set_weights([alpha, np.array([0.3], "float32")])
    logits = np.abs(a - b) @ alpha + 0.3
    np.testing.assert_allclose(
        np.asarray(koch([a, b]))[:, 0], 1 / (1 + np.exp(-logits)), rtol=1e-5
    )
    config = koch.get_config()
    assert type(koch).from_config(config).get_config() == config


def test_embedding_is_unit_code_beside_weighted_unit_pixels():
    model = siamese.build(
        tower="dense", width=4, depth=1, embedding_dim=3, pixel_weight=2.0
    )
    x = np.random.default_rng(0).uniform(size=(5, 8, 8, 1)).astype("float32")
    z = siamese.embed(model, x)  # (5, 3 + 64)
    assert z.shape == (5, 3 + 64)
    np.testing.assert_allclose(np.linalg.norm(z[:, :3], axis=1), 1.0, rtol=1e-5)
    pixels = x.reshape(5, -1)
    expected = 2.0 * pixels / np.linalg.norm(pixels, axis=1, keepdims=True)
    np.testing.assert_allclose(z[:, 3:], expected, rtol=1e-5)
    plain = siamese.build(
        tower="dense", embedding_dim=3, normalize=False, pixel_weight=0
    )
    assert siamese.embed(plain, x).shape == (5, 3)


def test_weighted_l1_output_lies_strictly_between_zero_and_one(digits):
    model = small("weighted_l1")
    x = digits.train[0]
    p = model.predict([x, x[::-1]], verbose=0)
    assert p.shape == (len(x), 1) and np.all((p > 0) & (p < 1))


def test_koch_loss_is_cross_entropy_plus_l2_weight_decay():
    model = siamese.compile(small("weighted_l1", weight_decay=1e-3))
    assert isinstance(model.loss, keras.losses.BinaryCrossentropy)
    kernels = [
        w for w in model.weights if w.name in ("kernel", "alpha") and w.trainable
    ]
    expected = 1e-3 * sum(float(np.sum(np.square(w.numpy()))) for w in kernels)
    actual = float(sum(np.asarray(loss) for loss in model.losses))
    assert len(kernels) >= 3 and actual == pytest.approx(expected, rel=1e-5)


def test_default_weight_decay_follows_the_distance_and_tower_has_no_dropout():
    # Koch et al. regularise the weighted-L1 network; the contrastive
    # distances train without weight decay by default.
    assert siamese.compile(small("weighted_l1")).losses
    assert not siamese.compile(small("euclidean")).losses
    # Dropout would give the two branches different codes for the same image
    # in training, which the contrastive loss resolves by a constant code: by
    # default the same image gets the same training-mode code in both branches.
    embedding = siamese.build(augment=False).get_layer("embedding")
    x = np.random.default_rng(0).uniform(size=(4, 8, 8, 1)).astype("float32")
    np.testing.assert_allclose(
        embedding(x, training=True), embedding(x, training=True), atol=1e-6
    )
    with_dropout = siamese.build(augment=False, dropout_rate=0.3)
    embedding = with_dropout.get_layer("embedding")
    assert not np.allclose(embedding(x, training=True), embedding(x, training=True))


# ------------------------------------------------------------------- pairs ---


def numbered(n=40, classes=4):
    """Images whose every pixel holds the example's index, and cyclic labels."""
    x = np.arange(n, dtype="float32")[:, None, None, None] * np.ones((1, 2, 2, 1))
    return x, np.arange(n) % classes


def test_make_pairs_honours_the_ratio_and_never_pairs_an_image_with_itself():
    x, y = numbered()
    (left, right), labels = siamese.make_pairs(
        x, y, negatives_per_positive=3, seed=0, positives_per_example=2
    )
    i, j = left[:, 0, 0, 0].astype(int), right[:, 0, 0, 0].astype(int)
    positives = int(labels.sum())
    assert positives == 2 * len(x) and len(labels) == 4 * positives
    assert np.all(i != j)
    np.testing.assert_array_equal(y[i] == y[j], labels == 1)


def test_make_pairs_is_deterministic_for_a_seed_and_restricts_classes():
    x, y = numbered()
    first = siamese.make_pairs(x, y, seed=3)
    again = siamese.make_pairs(x, y, seed=3)
    other = siamese.make_pairs(x, y, seed=4)
    np.testing.assert_array_equal(first[0][0], again[0][0])
    np.testing.assert_array_equal(first[0][1], again[0][1])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0][1], other[0][1])
    (left, right), _ = siamese.make_pairs(x, y, classes=[1, 2], seed=0)
    used = y[np.concatenate([left, right])[:, 0, 0, 0].astype(int)]
    assert set(used.tolist()) == {1, 2}


def test_make_pairs_refuses_bad_input():
    x, y = numbered()
    with pytest.raises(ValueError, match="two classes"):
        siamese.make_pairs(x, np.zeros_like(y))
    with pytest.raises(ValueError, match="two classes"):
        siamese.make_pairs(x, y, classes=[1])
    with pytest.raises(ValueError, match="classes"):
        siamese.make_pairs(x, y, classes=[7])
    with pytest.raises(ValueError, match="negatives_per_positive"):
        siamese.make_pairs(x, y, negatives_per_positive=0)
    with pytest.raises(ValueError, match="labels"):
        siamese.make_pairs(x, y[:-1])


def test_py_dataset_splits_are_read_into_numpy_pairs(digits, monkeypatch):
    x, y = numbered()
    read = pairs.check_xy(Batches(x, y, 16), "data")
    assert isinstance(read[0], np.ndarray) and isinstance(read[1], np.ndarray)
    np.testing.assert_array_equal(read[0], x)
    np.testing.assert_array_equal(read[1], y)
    # Training makes its pairs with NumPy from the batches and fits on arrays.
    made = []
    real_fit = training.training.fit

    def record(model, train, val, **kwargs):
        made.append((train, val))
        return real_fit(model, train, val, **kwargs)

    monkeypatch.setattr(training.training, "fit", record)
    model = siamese.compile(small("euclidean", tower="dense"))
    splits = {"train": Batches(*digits.train, 20), "val": digits.val}
    siamese.fit(model, splits, epochs=1, verbose=0, positives_per_example=1)
    (train_pairs, labels), _ = made[0]
    assert all(isinstance(part, np.ndarray) for part in (*train_pairs, labels))
    expected = siamese.make_pairs(*digits.train, seed=0, positives_per_example=1)
    np.testing.assert_array_equal(train_pairs[1], expected[0][1])
    with pytest.raises(ValueError, match="data train y"):
        bad = Batches(digits.train[0], -1 - digits.train[1], 16)
        siamese.fit(model, {"train": bad}, verbose=0)


def test_class_augmentation_makes_one_class_per_class_and_transform():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(6, 3, 3, 1)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    x8, y8 = siamese.augment_classes(x, y, "dihedral")
    assert x8.shape == (48, 3, 3, 1) and y8.shape == (48,)
    np.testing.assert_array_equal(x8[:6], x)  # the identity first
    np.testing.assert_array_equal(y8, np.concatenate([8 * y + t for t in range(8)]))
    np.testing.assert_array_equal(x8[12:18], np.rot90(x, 1, axes=(1, 2)))
    np.testing.assert_array_equal(x8[6:12], x[:, :, ::-1])  # mirrored
    x4, y4 = siamese.augment_classes(x, y, "rotations")
    assert x4.shape == (24, 3, 3, 1) and sorted(set(y4.tolist())) == list(range(12))
    # pairs: similar = same class and same transform; deterministic for a seed
    xn, yn = numbered(classes=2)
    (left, right), labels = siamese.make_pairs(
        xn, yn, seed=0, class_augmentation="rotations"
    )
    again = siamese.make_pairs(xn, yn, seed=0, class_augmentation="rotations")
    np.testing.assert_array_equal(left, again[0][0])
    np.testing.assert_array_equal(labels, again[1])
    assert len(labels) == 4 * 4 * len(xn) and labels.sum() == 4 * len(xn)
    with pytest.raises(ValueError, match="class_augmentation"):
        siamese.make_pairs(xn, yn, class_augmentation="flips")
    with pytest.raises(ValueError, match="square"):
        siamese.augment_classes(np.zeros((4, 2, 3, 1)), np.arange(4))
    with pytest.raises(ValueError, match="transforms"):
        siamese.augment_classes(x, y, "flips")
    with pytest.raises(ValueError, match="data y"):
        siamese.augment_classes(x, y[:3])  # one label per image


# --------------------------------------------------------------- one-shot ---


def test_one_shot_accuracy_on_pixels_and_nearest_neighbours():
    rng = np.random.default_rng(0)
    centres = 10.0 * np.eye(4, dtype="float32")
    y = np.repeat(np.arange(4), 5)
    x = (centres[y] + rng.normal(scale=0.1, size=(20, 4))).reshape(20, 2, 2, 1)
    assert siamese.one_shot_accuracy(None, x, y, n_way=4, trials=50) == 1.0
    first = siamese.one_shot_tasks(y, range(4), 3, 20, seed=1)
    again = siamese.one_shot_tasks(y, range(4), 3, 20, seed=1)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    queries, supports, answers = first
    assert np.all(y[supports[np.arange(20), answers]] == y[queries])
    assert np.all(supports[np.arange(20), answers] != queries)
    neighbours = siamese.nearest_neighbors(None, x[:4], x, k=2)
    np.testing.assert_array_equal(neighbours[:, 0], np.arange(4))
    with pytest.raises(ValueError, match="n_way"):
        siamese.one_shot_accuracy(None, x, y, n_way=5)
    with pytest.raises(ValueError, match="classes"):
        siamese.one_shot_accuracy(None, x, y, classes=[0, 9])


# ----------------------------------------------------------------- recipe ---


def test_glyph_defaults_are_the_learned_code_alone_without_warps():
    # Chosen on the validation characters of glyphs (docs/recipes/siamese.md).
    assert siamese.DATASET == "glyphs"
    embedding = siamese.build(input_shape=(28, 28, 1)).get_layer("embedding")
    names = [layer.name for layer in embedding.layers]
    assert "warp" not in names and "pixels" not in names
    assert embedding.output_shape == (None, 32)
    x = np.random.default_rng(0).uniform(size=(3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(np.linalg.norm(embedding(x), axis=1), 1.0, rtol=1e-5)


def test_evaluate_asks_20_way_or_every_class_when_fewer(digits):
    model = siamese.compile(small("euclidean", tower="dense", pixel_weight=0))
    x, y = digits.test
    metrics = siamese.evaluate(model, digits, trials=40)
    every_class = siamese.one_shot_accuracy(
        model, x, y, n_way=len(np.unique(y)), trials=40
    )
    assert metrics["one_shot_accuracy"] == every_class
    four = siamese.evaluate(model, digits, trials=40, n_way=4)["one_shot_accuracy"]
    assert four == siamese.one_shot_accuracy(model, x, y, n_way=4, trials=40)


@pytest.mark.parametrize(
    "distance, tower",
    [("euclidean", "convnet"), ("cosine", "dense"), ("weighted_l1", "dense")],
)
def test_each_distance_builds_fits_evaluates_and_round_trips(
    distance, tower, digits, tmp_path
):
    model = siamese.compile(small(distance, tower=tower))
    assert model.name == "siamese" and model.output_shape == (None, 1)
    history = siamese.fit(
        model, digits, epochs=1, verbose=0, classes=range(6), positives_per_example=1
    )
    assert "val_loss" in history.history
    metrics = siamese.evaluate(model, digits, trials=50)
    assert set(metrics) == {"one_shot_accuracy", "pair_accuracy", "loss"}
    assert all(isinstance(v, float) for v in metrics.values())
    assert 0 <= metrics["one_shot_accuracy"] <= 1 and 0 <= metrics["pair_accuracy"] <= 1
    # Embedding each example once gives what the whole model gives on the pairs.
    (left, right), labels = siamese.make_pairs(*digits.test, seed=0)
    pairs_loss = model.evaluate([left, right], labels, verbose=0, return_dict=True)
    assert metrics["loss"] == pytest.approx(pairs_loss["loss"], rel=1e-4)
    scores = model.predict([left, right], verbose=0)[:, 0]
    margin = getattr(model.loss, "margin", None)
    if distance == "euclidean":  # similar below half the margin
        predicted = scores < margin / 2
    elif distance == "cosine":  # similar above the middle of margin and 1
        predicted = scores > (1 + margin) / 2
    else:  # similar above probability 0.5
        predicted = scores > 0.5
    assert metrics["pair_accuracy"] == pytest.approx(np.mean(predicted == labels))
    x = digits.test[0][:16]
    loaded = assert_roundtrip(model, [x, x[::-1]], tmp_path)
    np.testing.assert_allclose(
        siamese.embed(loaded, x), siamese.embed(model, x), atol=1e-5
    )
    assert type(loaded.loss) is type(model.loss)
    assert getattr(loaded.loss, "margin", None) == getattr(model.loss, "margin", None)


@pytest.mark.parametrize("distance", ["euclidean", "weighted_l1"])
def test_trains_with_xla(distance, digits):
    assert_fits_with_xla(
        siamese, small(distance, tower="dense"), digits.train, positives_per_example=1
    )


def test_several_steps_per_call_train_exactly_as_one(digits):
    assert_steps_per_call_train_alike(
        siamese,
        lambda: small("euclidean", tower="dense"),
        digits,
        epochs=1,
        batch_size=8,
        positives_per_example=1,
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"distance": "manhattan"}, "distance"),
        ({"tower": "rnn"}, "tower"),
        ({"embedding_dim": 0}, "embedding_dim"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"pixel_weight": -1.0}, "pixel_weight"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
    ],
)
def test_bad_architecture_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        siamese.build(**kwargs)


def test_bad_data_and_hyperparameters_are_refused_before_training(digits):
    model = siamese.compile(small("euclidean", tower="dense"))
    weights = [w.copy() for w in model.get_weights()]
    x, y = digits.train
    nan = np.where(np.arange(x.size).reshape(x.shape) == 5, np.nan, x)
    for split, match in [
        ((np.zeros((4, 9, 9, 1)), y[:4]), "shape"),
        ((nan, y), "NaN"),
        ((x, y.astype("float32") + 0.5), "integer"),
        ((x[:0], y[:0]), "empty"),
        ((x, np.zeros_like(y)), "two classes"),
    ]:
        with pytest.raises(ValueError, match=match):
            siamese.fit(model, split, epochs=1, verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="epochs"):
        siamese.fit(model, digits, epochs=0)
    with pytest.raises(ValueError, match="class_augmentation"):
        siamese.fit(model, digits, epochs=1, class_augmentation="flips", verbose=0)
    with pytest.raises(ValueError, match="margin"):
        siamese.compile(small("euclidean"), margin=0.0)
    with pytest.raises(ValueError, match="margin"):
        siamese.compile(small("weighted_l1"), margin=1.0)
    with pytest.raises(ValueError, match="learning_rate"):
        siamese.compile(small("cosine"), learning_rate=-1)


def test_hypermodel_defaults_equal_recipe_defaults():
    import keras_tuner

    hypermodel = siamese.HyperModel(input_shape=(8, 8, 1))
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert model.count_params() == siamese.build().count_params()
    assert model.loss.margin == siamese.DEFAULT_MARGINS["euclidean"]
    assert hp.values == {
        "embedding_dim": 32,
        "width": 16,
        "weight_decay": 0.0,
        "margin": 1.5,
        "learning_rate": 1e-3,
    }
    assert hypermodel.default_batch_size == 64
    with pytest.raises(ValueError, match="distance"):
        siamese.HyperModel(distance="l2")
    # Koch's weighted L1 keeps its L2 weight decay, in the recipe and the search
    hp = keras_tuner.HyperParameters()
    koch = siamese.HyperModel(distance="weighted_l1").build(hp)
    assert hp.values["weight_decay"] == 1e-3
    assert len(koch.losses) == len(siamese.build(distance="weighted_l1").losses) > 0
