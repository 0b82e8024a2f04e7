"""Style transfer: the losses equal their formulas, the compiled step descends.

Tiny images (32x32 or less) and a few steps, so the file runs in seconds on
either backend; the quality run (`python -m benchmarks.quality style`) is in
benchmarks/style.py.
"""

from __future__ import annotations

import keras
import numpy as np
from PIL import Image

from recipes import style
from recipes.style import features, losses

RNG = np.random.default_rng(0)
CONTENT = RNG.random((24, 32, 3)).astype("float32")
ROWS, COLUMNS = np.mgrid[0:20, 0:20]
STYLE = np.stack(  # diagonal orange stripes: far from noise's statistics
    [0.5 + 0.5 * np.sin(ROWS + COLUMNS), 0.3 + 0.2 * np.sin(ROWS + COLUMNS), 0 * ROWS],
    axis=-1,
).astype("float32")
SMALL = dict(widths=(8, 16, 16), seed=0)  # a narrow random network
LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1")


def small_model(channels=3):
    return features.random_convnet(channels=channels, **SMALL)


def numpy(value):
    return np.asarray(keras.ops.convert_to_numpy(value))


# ------------------------------------------------------------- losses ---


def test_gram_matrix_is_f_f_transpose_over_positions():
    # Two filters over 2x2 positions: F = [[1, 2, 3, 4], [0, 1, 0, 1]] (N x M).
    feature_maps = np.array(
        [[[[1, 0], [2, 1]], [[3, 0], [4, 1]]]], dtype="float32"
    )  # (1, 2, 2, 2)
    expected = np.array([[30.0, 6.0], [6.0, 2.0]]) / 4  # F F^T / M, by hand
    np.testing.assert_allclose(numpy(losses.gram_matrix(feature_maps))[0], expected)
    flat = feature_maps.reshape(4, 2).T  # F, (N, M)
    np.testing.assert_allclose(expected, flat @ flat.T / 4)


def test_style_layer_loss_is_the_mean_squared_gram_difference():
    feature_maps = RNG.random((2, 3, 5, 4)).astype("float32")
    target = RNG.random((4, 4)).astype("float32")
    flat = feature_maps.reshape(2, 15, 4)
    grams = np.einsum("bmi,bmj->bij", flat, flat) / 15
    expected = ((grams - target) ** 2).mean(axis=(1, 2))
    actual = numpy(losses.style_layer_loss(feature_maps, target))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)


def test_style_loss_weights_the_layers():
    a, b = RNG.random((1, 4, 4, 3)), RNG.random((1, 2, 2, 5))
    maps = {"a": a.astype("float32"), "b": b.astype("float32")}
    targets = {"a": np.zeros((3, 3), "float32"), "b": np.eye(5, dtype="float32")}
    each = {k: numpy(losses.style_layer_loss(maps[k], targets[k])) for k in maps}
    equal = numpy(losses.style_loss(maps, targets))
    weighted = numpy(losses.style_loss(maps, targets, {"a": 2.0, "b": 0.5}))
    np.testing.assert_allclose(equal, (each["a"] + each["b"]) / 2, rtol=1e-5)
    np.testing.assert_allclose(weighted, 2 * each["a"] + 0.5 * each["b"], rtol=1e-5)


def test_content_loss_is_the_mean_squared_feature_difference():
    f1, p1 = RNG.random((2, 4, 4, 3)), RNG.random((1, 4, 4, 3))
    f2, p2 = RNG.random((2, 2, 2, 6)), RNG.random((1, 2, 2, 6))
    maps = {"x": f1.astype("float32"), "y": f2.astype("float32")}
    targets = {"x": p1.astype("float32"), "y": p2.astype("float32")}
    expected = (
        ((f1 - p1) ** 2).mean(axis=(1, 2, 3)) + ((f2 - p2) ** 2).mean(axis=(1, 2, 3))
    ) / 2
    np.testing.assert_allclose(
        numpy(losses.content_loss(maps, targets)), expected, rtol=1e-5
    )


def test_total_variation_by_hand():
    image = np.array([[0, 1], [1, 3]], dtype="float32")[None, :, :, None]
    # vertical differences 1, 2; horizontal 1, 2: mean squares 2.5 + 2.5
    np.testing.assert_allclose(numpy(losses.total_variation(image)), [5.0])


def test_style_distance_is_zero_for_an_image_against_itself():
    extractor = features.layer_outputs(small_model(), LAYERS)
    apart = style.style_distance(CONTENT, STYLE, extractor)
    assert apart > 1e-4
    # zero up to float rounding (the two Gram matrices are computed by two
    # compiled functions, which may round differently)
    assert 0.0 <= style.style_distance(STYLE, STYLE, extractor) < 1e-9 * apart
    moved = style.content_distance(CONTENT[::-1], CONTENT, extractor)
    assert moved > 1e-4
    assert 0.0 <= style.content_distance(CONTENT, CONTENT, extractor) < 1e-9 * moved


# ------------------------------------------------------------ features ---


def test_random_convnet_is_the_same_for_a_seed():
    first, second, other = (
        small_model(),
        small_model(),
        features.random_convnet(widths=(8, 16, 16), seed=1),
    )
    image = CONTENT[None]
    same = [numpy(a) for a in keras.tree.flatten(first(image))]
    np.testing.assert_array_equal(same[0], numpy(second(image)))
    assert not np.allclose(same[0], numpy(other(image)))


def test_extractor_saves_and_loads_in_safe_mode(tmp_path):
    extractor = features.layer_outputs(small_model(), LAYERS)
    path = tmp_path / "features.keras"
    extractor.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    for layer in LAYERS:
        np.testing.assert_allclose(
            numpy(loaded(CONTENT[None])[layer]),
            numpy(extractor(CONTENT[None])[layer]),
            atol=1e-6,
        )


def test_layers_of_any_functional_model_by_name():
    """A model of one's own (trained or not): its layers are picked by name."""
    inputs = keras.Input((24, 32, 1))
    edges = keras.layers.Conv2D(4, 3, activation="relu", name="edges")
    parts = keras.layers.Conv2D(6, 3, activation="relu", name="parts")
    x = parts(keras.layers.MaxPooling2D(2)(edges(inputs)))
    outputs = keras.layers.Dense(3)(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inputs, outputs)
    for layer in (edges, parts):  # stand-in for trained weights
        layer.kernel.assign(RNG.normal(0, 0.5, layer.kernel.shape).astype("float32"))
    grey = CONTENT.mean(axis=-1, keepdims=True)
    result = style.transfer(
        grey,
        grey[::-1],
        model=model,
        content_layers=["parts"],
        style_layers=["edges", "parts"],
        steps=3,
        verbose=0,
    )
    assert result.image.shape == (24, 32, 1)
    assert sorted(result.extractor.output) == ["edges", "parts"]
    assert result.history["loss"][-1] < result.history["loss"][0]


# -------------------------------------------------------- optimisation ---


def test_compiled_steps_lower_the_loss_and_match_the_parts():
    result = style.transfer(
        CONTENT,
        STYLE,
        model=small_model(),
        content_layers=LAYERS[-1:],
        style_layers=LAYERS,
        steps=8,
        learning_rate=0.05,
        verbose=0,
    )
    history = {key: np.asarray(values) for key, values in result.history.items()}
    assert history["loss"][-1] < 0.7 * history["loss"][0]
    assert history["content_loss"][0] == 0.0  # starts from the content image
    total = (
        history["content_loss"]
        + 10.0 * history["style_loss"]
        + 0.1 * history["tv_loss"]
    )
    np.testing.assert_allclose(history["loss"], total, rtol=1e-4)
    assert result.image.min() >= 0.0 and result.image.max() <= 1.0
    assert result.seconds_per_step > 0


def test_texture_synthesis_lowers_the_style_distance_from_noise(capsys):
    result = style.synthesize_texture(
        STYLE,
        size=(24, 24),
        model=small_model(),
        style_layers=LAYERS,
        steps=10,
        learning_rate=0.05,
        verbose=2,
    )
    assert result.image.shape == (24, 24, 3)
    assert set(result.history["content_loss"]) == {0.0}
    assert result.history["style_loss"][-1] < 0.5 * result.history["style_loss"][0]
    lines = capsys.readouterr().out.splitlines()  # a progress line every step here
    assert [line.split(":")[0] for line in lines] == [
        f"step {i}/10" for i in range(1, 11)
    ]


def test_the_same_seed_gives_the_same_result():
    def run(seed):
        return style.transfer(
            CONTENT,
            STYLE,
            style_layers=LAYERS[:1],  # one block: a quick compile
            content_layers=LAYERS[:1],
            init="noise",
            steps=3,
            seed=seed,
            verbose=0,
        )

    first, second = run(3), run(3)  # the random network and the noise from seed 3
    np.testing.assert_array_equal(first.image, second.image)
    assert first.history == second.history
    assert not np.allclose(first.image, CONTENT, atol=0.1)  # it started from noise


# ------------------------------------------------------ images, figures ---


def test_load_image_samples_and_files(tmp_path):
    china = style.load_image("china")
    assert china.shape == (427, 640, 3) and china.dtype == np.float32
    assert 0.0 <= china.min() and china.max() <= 1.0
    assert style.load_image("flower", size=48).shape == (48, 72, 3)
    path = tmp_path / "mine.png"
    Image.fromarray((CONTENT * 255).astype("uint8")).save(path)
    np.testing.assert_allclose(style.load_image(str(path)), CONTENT, atol=1 / 255)
    assert style.load_image(str(path), size=(16, 20), channels=1).shape == (16, 20, 1)


def test_figures_are_titled_pngs(tmp_path):
    images = style.save_images(
        [CONTENT, STYLE, CONTENT[..., :1]],
        tmp_path / "images.png",
        captions=["content", "style", "grey"],
        title="three images",
    )
    curves = style.save_curves(
        {"loss": [3.0, 2.0, 1.0], "content_loss": [0.0, 0.0, 0.0]},
        tmp_path / "curves.png",
        title="losses",
    )
    for path, title in ((images, "three images"), (curves, "losses")):
        with Image.open(path) as png:
            assert png.text["Title"] == title
