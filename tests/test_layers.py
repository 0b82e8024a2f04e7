import keras
import numpy as np
import pytest

from recipes import layers
from tests.helpers import gradients


def assert_config_round_trip(layer):
    """`from_config(get_config())` rebuilds an equal layer, and so does serialization."""
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer)
    )
    assert type(restored) is type(layer) and restored.get_config() == config


def test_random_shift_config_and_calls():
    layer = layers.RandomShift(max_shift=2, seed=3)
    assert_config_round_trip(layer)
    symbolic = layer(keras.Input((8, 8, 3)))
    assert symbolic.shape == (None, 8, 8, 3)
    images = np.random.default_rng(0).random((16, 8, 8, 3)).astype("float32")
    np.testing.assert_array_equal(layer(images, training=False), images)
    shifted = keras.ops.convert_to_numpy(layer(images, training=True))
    assert shifted.shape == images.shape and not np.allclose(shifted, images)
    # Each output is a whole-pixel shift of its input: some shift matches exactly.
    padded = np.pad(images, [(0, 0), (2, 2), (2, 2), (0, 0)])
    for i in range(len(images)):
        crops = [padded[i, r : r + 8, c : c + 8] for r in range(5) for c in range(5)]
        assert any(np.allclose(shifted[i], crop) for crop in crops)


def test_random_shift_trains_one_step_with_xla():
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(1)(
        keras.layers.Flatten()(layers.RandomShift(seed=0)(inputs))
    )
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse", jit_compile=True)
    history = model.fit(np.ones((4, 8, 8, 1)), np.ones((4, 1)), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and model.jit_compile


@pytest.mark.parametrize("max_shift", [0, -1, 1.5])
def test_random_shift_refuses_bad_shift(max_shift):
    with pytest.raises(ValueError, match="max_shift"):
        layers.RandomShift(max_shift=max_shift)


def test_random_warp_is_identity_at_zero_and_in_inference_and_round_trips():
    x = np.random.default_rng(0).uniform(size=(3, 8, 8, 1)).astype("float32")
    still = layers.RandomWarp(rotation=0, scale=0, shear=0, shift=0, elastic=0)
    np.testing.assert_allclose(np.asarray(still(x, training=True)), x, atol=1e-6)
    warp = layers.RandomWarp(seed=0)
    np.testing.assert_array_equal(np.asarray(warp(x)), x)
    warped = np.asarray(warp(x, training=True))
    assert warped.shape == x.shape and not np.allclose(warped, x)
    assert_config_round_trip(warp)
    with pytest.raises(ValueError, match="rotation"):
        layers.RandomWarp(rotation=-1)


def test_safe_unit_normalization_has_finite_gradient_at_zero():
    def weighted_sum(x):
        y = layers.SafeUnitNormalization()(x)
        return keras.ops.sum(y * keras.ops.convert_to_tensor([1.0, 2.0])), y

    y, (gradient,) = gradients(weighted_sum, [[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(y, [[0.6, 0.8], [0.0, 0.0]], atol=1e-6)
    assert np.all(np.isfinite(gradient))
    # d/dx of (x1 + 2 x2) / |x| at (3, 4): (1 - 0.6 * 2.2, 2 - 0.8 * 2.2) / 5.
    np.testing.assert_allclose(gradient[0], [-0.064, 0.048], atol=1e-5)
