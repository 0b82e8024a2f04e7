"""U-Net: output sizes, losses and scores against their formulas, saving, XLA."""

import keras
import numpy as np
import pytest

from recipes import losses, unet
from tests.helpers import assert_fits_with_xla, assert_roundtrip

RNG = np.random.default_rng(0)
X = RNG.random((8, 16, 16, 3)).astype("float32")
MASKS = np.zeros((8, 16, 16, 1), "float32")
MASKS[:, 4:10, 5:12] = 1.0


def tiny_unet(**kwargs):
    return unet.build(input_shape=(16, 16, 3), filters=4, depth=2, **kwargs)


@pytest.mark.parametrize(
    "shape, depth",
    [((16, 16, 3), 2), ((30, 45, 3), 3), ((5, 17, 1), 2)],
)
def test_output_has_the_input_spatial_size(shape, depth):
    model = unet.build(input_shape=shape, filters=2, depth=depth)
    outputs = model(RNG.random((2, *shape)).astype("float32"), training=False)
    outputs = keras.ops.convert_to_numpy(outputs)
    assert outputs.shape == (2, *shape[:2], 1)
    assert np.all((outputs > 0) & (outputs < 1))


def test_softmax_output_sums_to_one_per_pixel():
    model = unet.build(input_shape=(12, 12, 3), num_classes=3, filters=2, depth=2)
    outputs = model.predict(RNG.random((2, 12, 12, 3)), verbose=0)
    assert outputs.shape == (2, 12, 12, 3)
    np.testing.assert_allclose(outputs.sum(axis=-1), 1.0, rtol=1e-5)


def test_skips_are_concatenations_and_upsamplings_differ():
    model = tiny_unet(upsampling="bilinear")
    kinds = {type(layer).__name__ for layer in model.layers}
    assert {"Concatenate", "UpSampling2D"} <= kinds
    assert "Conv2DTranspose" in {type(layer).__name__ for layer in tiny_unet().layers}
    skip = model.get_layer("up0_skip")
    assert skip.output.shape[-1] == 4 + 4  # encoder's 4 maps beside 4 upsampled


def test_dice_and_iou_equal_their_formulas_on_a_hand_made_mask():
    truth = np.zeros((1, 4, 4, 1))
    truth[0, :2, :2] = 1  # 4 pixels
    predicted = np.zeros((1, 4, 4, 1))
    predicted[0, :2, 1:3] = 1  # 4 pixels, 2 shared
    assert unet.iou(truth, predicted)[0] == pytest.approx(2 / 6)
    assert unet.dice(truth, predicted)[0] == pytest.approx(2 * 2 / 8)
    empty = np.zeros((1, 4, 4, 1))
    assert unet.iou(empty, empty)[0] == 1.0 and unet.dice(empty, truth)[0] == 0.0
    # The soft Dice loss: 1 - (2 sum(t p) + s) / (sum t + sum p + s).
    soft = predicted * 0.5 + truth * 0.25
    overlap, total = (truth * soft).sum(), truth.sum() + soft.sum()
    expected = 1 - (2 * overlap + 1) / (total + 1)
    value = losses.DiceLoss(smooth=1.0)(truth, soft)
    assert float(value) == pytest.approx(expected, rel=1e-5)
    # The sum: mean binary cross-entropy over the pixels plus the Dice loss.
    p = np.clip(soft, 1e-7, 1 - 1e-7)
    bce = -np.mean(truth * np.log(p) + (1 - truth) * np.log(1 - p))
    total_loss = losses.DiceCrossEntropy()(truth, soft)
    assert float(total_loss) == pytest.approx(bce + expected, rel=1e-5)


def test_multiclass_dice_uses_one_hot_targets():
    labels = np.array([[[[0], [1]], [[2], [2]]]])  # one 2x2 image, 3 classes
    one_hot = np.eye(3)[labels[..., 0]]  # a perfect prediction
    assert float(losses.DiceLoss()(labels, one_hot)) == pytest.approx(0.0, abs=1e-6)


def test_losses_are_registered_and_round_trip():
    for loss in (losses.DiceLoss(smooth=2.0), losses.DiceCrossEntropy(dice_weight=0.5)):
        restored = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(restored) is type(loss)
        assert restored.get_config() == loss.get_config()


def test_fit_evaluate_round_trip_and_xla(tmp_path):
    keras.utils.set_random_seed(0)
    small = dict(input_shape=(8, 8, 3), filters=2, depth=1)
    x, masks = X[:, :8, :8], MASKS[:, :8, :8]
    model = unet.compile(unet.build(**small))
    history = unet.fit(
        model,
        {"train": (x, masks), "val": (x, masks)},
        epochs=2,
        batch_size=4,
        verbose=0,
    )
    assert np.all(np.isfinite(history.history["loss"]))
    scores = unet.evaluate(model, (x, masks))
    assert set(scores) == {"iou", "dice", "pixel_accuracy"}
    assert all(0 <= value <= 1 for value in scores.values())
    assert_roundtrip(model, x, tmp_path)
    assert_fits_with_xla(unet, unet.build(**small), (x, masks), batch_size=4)


@pytest.mark.slow
def test_learns_a_fixed_square():
    keras.utils.set_random_seed(0)
    model = unet.compile(tiny_unet(batch_norm=False), learning_rate=1e-2)
    unet.fit(model, (X, MASKS), epochs=60, batch_size=8, verbose=0)
    assert unet.evaluate(model, (X, MASKS))["iou"] > 0.9


def test_bad_inputs():
    with pytest.raises(ValueError, match="input_shape"):
        unet.build(input_shape=(0, 16, 3))
    with pytest.raises(ValueError, match="input_shape"):
        unet.build(input_shape=(None, 16, 3))
    with pytest.raises(ValueError, match="upsampling"):
        unet.build(upsampling="nearest")
    with pytest.raises(ValueError, match="depth"):
        unet.build(depth=0)
    with pytest.raises(ValueError, match="loss"):
        unet.compile(tiny_unet(), loss="hinge")
    model = unet.compile(tiny_unet())
    with pytest.raises(ValueError, match="data train x"):  # wrong channels
        unet.fit(model, (X[..., :1], MASKS), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="data train y"):  # not a mask in [0, 1]
        unet.fit(model, (X, MASKS * 2), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y_true"):
        unet.iou(MASKS, MASKS[:, :8])
