import json
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import scipy.linalg

from recipes import data, gan, metrics
from tests.helpers import assert_fits_with_xla, assert_roundtrip, tiny


@pytest.fixture(scope="module")
def digits():
    return tiny(data.load("digits"), n=32)


def small(**kwargs):
    kwargs = {"latent_dim": 4, "width": 8, "seed": 0, **kwargs}
    return gan.build(**kwargs)


def trainable(network):
    return [v.numpy().copy() for v in network.trainable_variables]


def changed(before, network):
    after = trainable(network)
    return [not np.array_equal(b, a) for b, a in zip(before, after)]


def test_builds_fits_evaluates_samples_and_round_trips(digits, tmp_path):
    # The dense architecture is trained in the XLA and MirroredStrategy tests.
    model = gan.compile(small(arch="dcgan"), d_steps=2, g_steps=3, label_smoothing=0.1)
    assert model.name == "gan"
    assert model.generator.output_shape == (None, 8, 8, 1)
    assert model.discriminator.output_shape == (None, 1)
    monitor = gan.GANMonitor(tmp_path / "grids", num_images=4, every=2)
    history = gan.fit(
        model, digits, epochs=2, batch_size=16, verbose=0, callbacks=[monitor]
    )
    assert set(history.history) == {"loss", "d_loss", "g_loss"}
    # K and M are honoured: 2 epochs of 2 batches, K = 2 and M = 3 updates each.
    assert int(model.d_optimizer.iterations) == 2 * 2 * 2
    assert int(model.g_optimizer.iterations) == 2 * 2 * 3
    assert [os.path.basename(p) for p in monitor.paths] == ["epoch_0002.png"]
    assert pathlib.Path(monitor.paths[0]).read_bytes()[:4] == b"\x89PNG"
    results = gan.evaluate(model, digits)
    assert set(results) == {"d_loss", "g_loss", "loss"}
    assert results["loss"] == pytest.approx(results["d_loss"] + results["g_loss"])

    images = gan.sample(model, 5, seed=3)
    assert images.shape == (5, 8, 8, 1) and 0 <= images.min() <= images.max() <= 1
    np.testing.assert_array_equal(images, gan.sample(model, 5, seed=3))
    path = gan.interpolate(model, steps=4, seed=3)
    assert path.shape == (4, 8, 8, 1)

    noise = gan.noise(model, 6, seed=1)
    loaded = assert_roundtrip(model, noise, tmp_path)
    np.testing.assert_allclose(
        gan.sample(loaded, 5, seed=3), images, atol=1e-6, rtol=1e-6
    )
    assert (loaded.d_steps, loaded.g_steps, loaded.label_smoothing) == (2, 3, 0.1)
    for name in ("d_optimizer", "g_optimizer"):
        saved, restored = getattr(model, name), getattr(loaded, name)
        assert restored is not None and len(restored.variables) > 1
        assert len(saved.variables) == len(restored.variables)
        for a, b in zip(saved.variables, restored.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_trains_with_xla(digits):
    assert_fits_with_xla(gan, small(), digits, batch_size=16)


def test_each_phase_changes_only_its_own_network(digits):
    model = gan.compile(small(), instance_noise=0.1)
    real = digits.train[0][:8]
    d_before, g_before = trainable(model.discriminator), trainable(model.generator)
    model.discriminator_step(real)
    assert all(changed(d_before, model.discriminator))
    assert not any(changed(g_before, model.generator))

    d_before, g_before = trainable(model.discriminator), trainable(model.generator)
    model.generator_step(8)
    assert not any(changed(d_before, model.discriminator))
    assert all(changed(g_before, model.generator))


def softplus(x):
    return np.logaddexp(0.0, x)


def test_losses_equal_their_definitions(digits):
    # D: -t log D(x) - (1 - t) log(1 - D(x)) - log(1 - D(G(z))), t = 1 - smoothing;
    # G (non-saturating): -log D(G(z)); with D = sigmoid(logit), -log D = softplus(-l).
    smoothing = 0.2
    model = gan.compile(small(), label_smoothing=smoothing)
    real = digits.train[0][:8]
    state = model.seed_generator.state.numpy().copy()
    noise = model._normal((8, model.latent_dim))
    fake = model.generator(noise, training=True)
    real_logit = np.asarray(model.discriminator(real, training=True))[:, 0]
    fake_logit = np.asarray(model.discriminator(fake, training=True))[:, 0]
    expected = np.mean(
        (1 - smoothing) * softplus(-real_logit)
        + smoothing * softplus(real_logit)
        + softplus(fake_logit)
    )
    model.seed_generator.state.assign(state)  # the step draws the same noise
    assert float(model.discriminator_step(real)) == pytest.approx(expected, rel=1e-5)

    state = model.seed_generator.state.numpy().copy()
    noise = model._normal((8, model.latent_dim))
    logit = np.asarray(model.discriminator(model.generator(noise, training=True)))
    model.seed_generator.state.assign(state)
    expected = np.mean(softplus(-logit[:, 0]))
    assert float(model.generator_step(8)) == pytest.approx(expected, rel=1e-5)


DISTRIBUTED_SCRIPT = textwrap.dedent(
    """
    import json
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    import keras
    import numpy as np
    from recipes import data, gan

    images = data.load("digits").train[0][:16]
    dataset = tf.data.Dataset.from_tensor_slices(images).batch(8)  # 2 steps

    def run(strategy):
        with strategy.scope():
            keras.utils.set_random_seed(0)
            model = gan.build(arch="dense", latent_dim=4, width=8, batch_norm=False, seed=0)
            gan.compile(model, optimizer="sgd", learning_rate=0.5, d_steps=2,
                        label_smoothing=0.1, instance_noise=0.1)
        history = gan.fit(model, dataset, epochs=1, verbose=0).history
        return history, [w.tolist() for w in model.get_weights()]

    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    print(json.dumps([run(tf.distribute.get_strategy()), run(mirrored)]))
    """
)


def test_mirrored_strategy_step_equals_single_device(tmp_path):
    script = tmp_path / "distributed.py"
    script.write_text(DISTRIBUTED_SCRIPT)
    root = str(pathlib.Path(__file__).parents[1])
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (single, weights_single), (mirrored, weights_mirrored) = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    # The epoch's mean losses include the second step, which depends on the
    # first step's updates; they and the weights agree only if the gradients
    # were reduced over the global batch and the noise matches.
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(mirrored[key], single[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(weights_single, weights_mirrored):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


def test_frechet_distance_matches_its_formula_and_grows_with_noise(digits):
    real = digits.train[0]
    rng = np.random.default_rng(0)
    flat = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten()])
    # 4 pixels of the image centres, so 32 images give full-rank covariances.
    a, b = real[:, 3:5, 3:5], digits.test[0][:, 3:5, 3:5]
    flat_a = a.reshape(32, -1).astype("float64")
    flat_b = b.reshape(32, -1).astype("float64")
    cov_a, cov_b = np.cov(flat_a, rowvar=False), np.cov(flat_b, rowvar=False)
    expected = np.sum((flat_a.mean(0) - flat_b.mean(0)) ** 2) + np.trace(
        cov_a + cov_b - 2 * scipy.linalg.sqrtm(cov_a @ cov_b).real
    )
    assert expected > 0.01
    assert metrics.frechet_distance(a, b, flat) == pytest.approx(expected, rel=1e-4)

    classifier = keras.Model(*_lenet_io())
    features = metrics.penultimate_features(classifier)
    assert metrics.frechet_distance(real, real, features) == pytest.approx(
        0.0, abs=1e-6
    )
    distances = [
        metrics.frechet_distance(
            real, real + scale * rng.standard_normal(real.shape), features
        )
        for scale in (0.05, 0.2, 0.5)
    ]
    assert 0 < distances[0] < distances[1] < distances[2]


def _lenet_io():
    from recipes import convnet

    model = convnet.build(arch="lenet", width=4, augment=False, dropout_rate=0.0)
    return model.inputs, model.outputs


def test_classifier_score_equals_its_definition():
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(2, use_bias=False, kernel_initializer="identity")
    outputs = keras.layers.Softmax()(dense(inputs))
    classifier = keras.Model(inputs, outputs)
    logit = math.log(4.0)  # softmax([log 4, 0]) = [0.8, 0.2]
    images = np.array([[logit, 0.0], [0.0, logit]], dtype="float32")
    kl = 0.8 * math.log(0.8 / 0.5) + 0.2 * math.log(0.2 / 0.5)
    assert metrics.classifier_score(images, classifier) == pytest.approx(
        math.exp(kl), rel=1e-5
    )
    confident = np.array([[50.0, 0.0], [0.0, 50.0]], dtype="float32")
    assert metrics.classifier_score(confident, classifier) == pytest.approx(2.0)
    same = np.array([[50.0, 0.0], [50.0, 0.0]], dtype="float32")
    assert metrics.classifier_score(same, classifier) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"arch": "stylegan"}, "arch"),
        ({"input_shape": (9, 9, 1), "arch": "dcgan"}, "divisible by 4"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"width": 0}, "width"),
        ({"output_activation": "relu"}, "output_activation"),
    ],
)
def test_bad_architecture_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan.build(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"d_steps": 0}, "d_steps"),
        ({"g_steps": 0}, "g_steps"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"instance_noise": -0.1}, "instance_noise"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": (1e-4, 1e-3, 1e-2)}, "learning_rate"),
        ({"learning_rate": (1e-4, -1.0)}, "learning_rate"),
        ({"optimizer": keras.optimizers.Adam()}, "two optimizers"),
    ],
)
def test_bad_compile_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gan.compile(small(), **kwargs)


def test_bad_data_is_refused_before_training(digits):
    model = gan.compile(small())
    weights = [w.copy() for w in model.get_weights()]
    x = digits.train[0]
    bad = {
        "above the sigmoid's range": (x * 2.0, r"\[0.0, 1.0\]"),
        "below it": (x - 0.5, r"\[0.0, 1.0\]"),
        "shape": (np.zeros((4, 9, 9, 1)), "shape"),
        "nan": (np.full_like(x, np.nan), "NaN"),
        "empty": (x[:0], "empty"),
    }
    for images, match in bad.values():
        with pytest.raises(ValueError, match=match):
            gan.fit(model, (images,), epochs=1, verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    tanh = gan.compile(small(output_activation="tanh"))
    with pytest.raises(ValueError, match=r"\[-1.0, 1.0\]"):
        gan.fit(tanh, (x * 3 - 1.5,), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        gan.fit(model, digits, epochs=0)


def test_hypermodel_defaults_equal_recipe_defaults():
    import keras_tuner

    hypermodel = gan.HyperModel(input_shape=(8, 8, 1))
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert model.count_params() == gan.build().count_params()
    assert hp.values == {
        "arch": "dense",
        "latent_dim": 32,
        "width": 512,
        "d_learning_rate": 1e-4,
        "g_learning_rate": 1.6e-3,
        "d_steps": 1,
    }
    # The two learning rates reach their optimizers (two time scales).
    assert float(model.d_optimizer.learning_rate) == pytest.approx(1e-4)
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1.6e-3)
    assert (model.d_steps, model.g_steps) == (1, 1)
    assert hypermodel.default_batch_size == 64
    assert hypermodel.objective.name == "frechet_distance"
    hp.values["d_steps"] = 3
    assert hypermodel.build(hp).d_steps == 3
    with pytest.raises(ValueError, match="input_shape"):
        gan.HyperModel(input_shape=(8, 8))
    assert gan.HyperModel(input_shape=(9, 9, 1)).architectures == ["dense"]


@pytest.mark.slow
def test_default_gan_quality_on_digits():
    from benchmarks import gan as benchmark

    assert "): met." in benchmark.quality()
