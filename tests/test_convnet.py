import keras
import numpy as np
import pytest

from recipes import convnet, data
from tests.helpers import (
    assert_fits_with_xla,
    assert_roundtrip,
    assert_steps_per_call_train_alike,
    tiny,
)


@pytest.fixture(scope="module")
def digits():
    return tiny(data.load("digits"), n=64)


def small(arch, **kwargs):
    return convnet.build(arch=arch, width=4, depth=2, blocks_per_stage=1, **kwargs)


@pytest.mark.parametrize("arch", convnet.ARCHITECTURES)
def test_each_architecture_builds_fits_evaluates_and_round_trips(
    arch, digits, tmp_path
):
    model = convnet.compile(small(arch))
    assert model.output_shape == (None, 10)
    history = convnet.fit(model, digits, epochs=2, verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    metrics = convnet.evaluate(model, digits)
    assert set(metrics) == {"accuracy", "loss"} and 0 <= metrics["accuracy"] <= 1
    loaded = assert_roundtrip(model, digits.test[0], tmp_path)
    assert convnet.evaluate(loaded, digits) == pytest.approx(metrics, abs=1e-5)


def test_several_steps_per_call_train_as_one(digits):
    assert_steps_per_call_train_alike(
        convnet, lambda: small("resnet", seed=0), digits, epochs=2, batch_size=16
    )


@pytest.mark.parametrize("arch", convnet.ARCHITECTURES)
def test_each_architecture_trains_with_xla(arch, digits):
    assert_fits_with_xla(convnet, small(arch), digits)


def test_resnet_has_residual_additions_and_he_initialisation():
    model = convnet.build(arch="resnet", depth=2, blocks_per_stage=2)
    adds = [layer for layer in model.layers if isinstance(layer, keras.layers.Add)]
    assert len(adds) == 4
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(
        isinstance(c.kernel_initializer, keras.initializers.HeNormal) for c in convs
    )


def test_training_lowers_the_loss(digits):
    model = convnet.build(arch="lenet", width=8, augment=False)
    model = convnet.compile(model, learning_rate=3e-3)
    history = convnet.fit(model, digits.train, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_classes": 1}, "num_classes"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"arch": "alexnet"}, "arch"),
        ({"width": 0}, "width"),
        ({"depth": -1}, "depth"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
    ],
)
def test_bad_architecture_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        convnet.build(**kwargs)


def test_bad_data_is_refused_before_training(digits):
    model = convnet.compile(small("lenet"))
    weights = [w.copy() for w in model.get_weights()]
    x, y = digits.train
    bad = {
        "rank": ((x[..., 0], y), "rank 4"),
        "shape": ((np.zeros((4, 9, 9, 1)), y[:4]), "shape"),
        "nan": (
            (np.where(np.arange(x.size).reshape(x.shape) == 5, np.nan, x), y),
            "NaN",
        ),
        "labels": ((x, np.full_like(y, 10)), r"labels must lie in \[0, 9\]"),
        "empty": ((x[:0], y[:0]), "empty"),
    }
    for split, match in bad.values():
        with pytest.raises(ValueError, match=match):
            convnet.fit(model, split, epochs=1, verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="epochs"):
        convnet.fit(model, digits, epochs=0)
    with pytest.raises(ValueError, match="learning_rate"):
        convnet.compile(small("lenet"), learning_rate=0)


def test_hypermodel_defaults_equal_recipe_defaults():
    import keras_tuner

    hypermodel = convnet.HyperModel(input_shape=(8, 8, 1), num_classes=10)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    default = convnet.build()
    assert model.count_params() == default.count_params()
    assert hp.values == {
        "arch": "resnet",
        "width": 32,
        "depth": 2,
        "dropout_rate": 0.3,
        "learning_rate": 1e-3,
    }
    with pytest.raises(ValueError, match="num_classes"):
        convnet.HyperModel(num_classes=1)


@pytest.mark.slow
def test_default_convnet_quality_on_digits():
    bundle = data.load("digits")
    model = convnet.compile(convnet.build())
    convnet.fit(model, bundle, verbose=0)
    assert convnet.evaluate(model, bundle)["accuracy"] >= 0.985
