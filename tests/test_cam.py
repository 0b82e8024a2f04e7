"""Class activation maps and Grad-CAM against their definitions."""

import keras
import numpy as np
import pytest

from recipes import cam, convnet, plots

RNG = np.random.default_rng(0)
IMAGES = RNG.random((3, 16, 16, 3)).astype("float32")


@pytest.fixture(scope="module")
def gap_model():
    """A tiny ResNet of `recipes.convnet` (global average pooling, dense head)."""
    keras.utils.set_random_seed(0)
    model = convnet.build(
        input_shape=(16, 16, 3), num_classes=4, width=4, depth=2, blocks_per_stage=1
    )
    head = model.get_layer("label")
    kernel = RNG.normal(size=head.kernel.shape).astype("float32")
    head.set_weights([kernel, RNG.normal(size=(4,)).astype("float32")])
    return model


def test_cam_is_the_class_weights_applied_to_the_last_feature_maps(gap_model):
    features_model, kernel, bias = cam.gap_head(gap_model)
    features = np.asarray(features_model.predict(IMAGES, verbose=0))  # (3, 8, 8, K)
    assert features.shape[1:3] == (8, 8)
    classes = [0, 3, 1]
    maps = cam.class_activation_maps(
        gap_model, IMAGES, class_index=classes, upsample=False
    )
    for b, c in enumerate(classes):
        expected = np.zeros((8, 8))
        for k in range(features.shape[-1]):  # M_c = sum_k w_kc A_k
            expected += kernel[k, c] * features[b, :, :, k]
        np.testing.assert_allclose(maps[b], expected, rtol=1e-4, atol=1e-5)
    # The map's mean plus the bias is the class's score before the softmax.
    probabilities = gap_model.predict(IMAGES, verbose=0)
    logits = maps.mean(axis=(1, 2)) + bias[classes]
    expected_logits = np.log(probabilities[np.arange(3), classes])
    shift = np.log(np.exp(features.mean(axis=(1, 2)) @ kernel + bias).sum(axis=1))
    np.testing.assert_allclose(logits - shift, expected_logits, rtol=1e-4, atol=1e-4)


def test_default_class_is_the_predicted_one_and_maps_upsample(gap_model):
    predicted = np.argmax(gap_model.predict(IMAGES, verbose=0), axis=-1)
    np.testing.assert_allclose(
        cam.class_activation_maps(gap_model, IMAGES, upsample=False),
        cam.class_activation_maps(
            gap_model, IMAGES, class_index=predicted, upsample=False
        ),
    )
    assert cam.class_activation_maps(gap_model, IMAGES).shape == (3, 16, 16)


def test_grad_cam_at_the_pooled_maps_is_the_rectified_cam(gap_model):
    # d score_c / d A_ijk = w_kc / (h w), so alpha_k = w_kc / (h w) and
    # Grad-CAM = relu(M_c) / (h w): the gradient checks the backend's piece.
    layer = cam.last_feature_layer(gap_model)
    classes = [2, 0, 3]
    expected = cam.class_activation_maps(
        gap_model, IMAGES, class_index=classes, upsample=False
    )
    maps = cam.grad_cam(
        gap_model, IMAGES, layer_name=layer, class_index=classes, upsample=False
    )
    np.testing.assert_allclose(maps, np.maximum(expected, 0) / 64, rtol=1e-4, atol=1e-6)


def test_grad_cam_of_a_plain_convnet_and_an_earlier_layer():
    keras.utils.set_random_seed(1)
    model = convnet.build(
        input_shape=(16, 16, 3), num_classes=3, arch="vgg", width=4, depth=2
    )
    first_conv = next(
        layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
    )
    maps = cam.grad_cam(model, IMAGES, layer_name=first_conv, class_index=1)
    assert maps.shape == (3, 16, 16) and np.all(maps >= 0)
    with pytest.raises(ValueError, match="GlobalAveragePooling2D"):
        cam.class_activation_maps(model, IMAGES)


def test_peaks_boxes_and_overlay(tmp_path, gap_model):
    maps = np.zeros((2, 16, 16), "float32")
    maps[0, 3, 5] = 1.0
    maps[1, 10, 2] = 1.0
    np.testing.assert_array_equal(cam.peaks(maps), [[3, 5], [10, 2]])
    boxes = np.array([[2, 4, 6, 8], [0, 0, 10, 16]])  # bottom/right exclusive
    np.testing.assert_array_equal(cam.peak_in_box(maps, boxes), [True, False])
    path = cam.overlay(
        IMAGES[:2],
        maps,
        tmp_path / "cam.png",
        title="heat maps",
        boxes=boxes,
        captions=["a", "b"],
    )
    from PIL import Image

    assert Image.open(path).text["Title"] == "heat maps"
    assert plots is not None


def test_bad_inputs(gap_model):
    with pytest.raises(ValueError, match="layer_name"):
        cam.grad_cam(gap_model, IMAGES, layer_name="no_such_layer")
    with pytest.raises(ValueError, match="layer_name"):
        cam.grad_cam(gap_model, IMAGES, layer_name="label")  # not a feature map
    with pytest.raises(ValueError, match="images"):
        cam.class_activation_maps(gap_model, IMAGES[..., :1])  # wrong channels
    with pytest.raises(ValueError, match="class_index"):
        cam.class_activation_maps(gap_model, IMAGES, class_index=4)
    with pytest.raises(ValueError, match="maps"):
        cam.overlay(IMAGES, np.zeros((3, 8, 8)), "x.png", title="t")


def test_a_strided_stem_halves_the_maps_and_cam_still_covers_the_image():
    keras.utils.set_random_seed(0)
    model = convnet.build(
        input_shape=(16, 16, 3),
        num_classes=4,
        width=4,
        depth=2,
        blocks_per_stage=1,
        stem_strides=2,
    )
    features_model, _, _ = cam.gap_head(model)
    # 16 / 2 (stem) / 2 (second stage) = 4.
    assert features_model.output.shape[1:3] == (4, 4)
    assert cam.class_activation_maps(model, IMAGES, upsample=False).shape == (3, 4, 4)
    assert cam.class_activation_maps(model, IMAGES).shape == (3, 16, 16)
    with pytest.raises(ValueError, match="stem_strides"):
        convnet.build(input_shape=(16, 16, 3), stem_strides=0)
    with pytest.raises(ValueError, match="stem_strides"):
        convnet.build(input_shape=(16, 16, 3), arch="vgg", stem_strides=2)
