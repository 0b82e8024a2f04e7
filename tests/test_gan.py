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
from tests.helpers import (
    assert_fits_with_xla,
    assert_roundtrip,
    assert_steps_per_call_train_alike,
    tiny,
)


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
    # The model's optimizer holds both, so the JAX step's state carries both.
    assert model.optimizer.optimizers == [model.d_optimizer, model.g_optimizer]
    assert int(model.optimizer.iterations) == 2 * 2 * 2
    config = keras.saving.serialize_keras_object(model.optimizer)
    pair = keras.saving.deserialize_keras_object(config)
    assert type(pair) is gan.OptimizerPair
    assert [o.get_config() for o in pair.optimizers] == [
        o.get_config() for o in model.optimizer.optimizers
    ]
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


def test_several_steps_per_call_train_exactly_as_one(digits):
    # Four batches of 8 in one call or in four: the same noise draws and updates.
    assert_steps_per_call_train_alike(
        gan, lambda: small(), digits, epochs=2, batch_size=8
    )


NETWORKS = ("discriminator", "generator")


@pytest.mark.parametrize("trained", NETWORKS)
def test_each_update_changes_only_its_own_network(digits, trained):
    # With the other network's learning rate 0, a step moves every weight of
    # `trained` and leaves the other network exactly as it was: neither
    # network's update touches the other's weights.
    rates = (0.1, 0.0) if trained == "discriminator" else (0.0, 0.1)
    optimizers = tuple(keras.optimizers.SGD(rate) for rate in rates)
    model = gan.compile(small(), optimizer=optimizers, instance_noise=0.1)
    before = {name: trainable(getattr(model, name)) for name in NETWORKS}
    model.train_on_batch(digits.train[0][:8])
    for name, values in before.items():
        moved = changed(values, getattr(model, name))
        assert all(moved) if name == trained else not any(moved), name


def softplus(x):
    return np.logaddexp(0.0, x)


class FixedNoise:
    """A `GAN.draw_normal` that gives the same arrays on every backend.

    The n-th draw is standard normal noise from NumPy's generator seeded n;
    the shapes drawn are kept, in order.
    """

    def __init__(self):
        self.shapes = []

    def __call__(self, shape, seed=None):
        shape = tuple(int(size) for size in shape)
        self.shapes.append(shape)
        rng = np.random.default_rng(len(self.shapes))
        return rng.standard_normal(shape).astype("float32")


def test_losses_equal_their_definitions(digits):
    # D: -t log D(x) - (1 - t) log(1 - D(x)) - log(1 - D(G(z))), t = 1 - smoothing;
    # G (non-saturating): -log D(G(z)); with D = sigmoid(logit), -log D = softplus(-l).
    # The discriminator's learning rate is 0, so the generator update scores
    # with the discriminator the discriminator update started from.
    smoothing = 0.2
    optimizers = (keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.1))
    model = gan.compile(small(), optimizer=optimizers, label_smoothing=smoothing)
    model.draw_normal = noise = FixedNoise()
    expected_noise = FixedNoise()
    d_noise, g_noise = expected_noise((8, 4)), expected_noise((8, 4))
    real = digits.train[0][:8]

    def logit(images):
        return np.asarray(model.discriminator(images, training=True))[:, 0]

    real_logit = logit(real)
    fake_logit = logit(model.generator(d_noise, training=True))
    expected_d = np.mean(
        (1 - smoothing) * softplus(-real_logit)
        + smoothing * softplus(real_logit)
        + softplus(fake_logit)
    )
    expected_g = np.mean(softplus(-logit(model.generator(g_noise, training=True))))
    logs = model.train_on_batch(real, return_dict=True)
    assert noise.shapes == expected_noise.shapes  # one noise batch per update
    assert logs["d_loss"] == pytest.approx(expected_d, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(expected_g, rel=1e-5)
    assert logs["loss"] == pytest.approx(expected_d + expected_g, rel=1e-5)


def run_python(args, backend):
    """Runs `python *args` from the repository root on Keras backend `backend`.

    Returns:
        Its standard output.
    """
    root = str(pathlib.Path(__file__).parents[1])
    result = subprocess.run(
        [sys.executable, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": root, "KERAS_BACKEND": backend},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def one_step_results(path):
    """One training step (K = 2, M = 1) from fixed weights, batch and noise.

    Writes the logs, the weights and both optimizers' variables after the
    step, and the shapes of the noise drawn, to the `.npz` file `path`.
    """
    rng = np.random.default_rng(0)
    model = gan.build(latent_dim=4, width=8, seed=0)  # batch normalisation on
    model.set_weights(
        [
            rng.uniform(0.5, 1.5, v.shape)
            if v.path.endswith("moving_variance")
            else rng.normal(0.0, 0.5, v.shape)
            for v in model.weights
        ]
    )
    options = {"label_smoothing": 0.1, "instance_noise": 0.1, "jit_compile": True}
    gan.compile(model, learning_rate=(0.01, 0.02), d_steps=2, g_steps=1, **options)
    model.draw_normal = noise = FixedNoise()
    real = rng.uniform(0.0, 1.0, (8, 8, 8, 1)).astype("float32")
    logs = model.train_on_batch(real, return_dict=True)
    arrays = {f"log_{key}": np.asarray(value) for key, value in logs.items()}
    arrays.update({f"weight_{i}": w for i, w in enumerate(model.get_weights())})
    for name in ("d_optimizer", "g_optimizer"):
        for i, variable in enumerate(getattr(model, name).variables):
            arrays[f"{name}_{i}"] = np.asarray(variable)
    np.savez(path, shapes=np.array(repr(noise.shapes)), **arrays)


def test_tensorflow_and_jax_steps_agree(tmp_path):
    # The same step on both backends (the other one in a subprocess): the
    # same weights, batch and noise in; the same losses, weights (batch
    # statistics included) and optimizer slots out.
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    command = "import sys; from tests.test_gan import one_step_results as run; "
    run_python(["-c", command + "run(sys.argv[1])", tmp_path / "b.npz"], other)
    one_step_results(tmp_path / "a.npz")
    mine, theirs = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert sorted(mine.files) == sorted(theirs.files)
    # Each discriminator update draws z, the real and the fake instance
    # noise; the generator update draws z and the fake instance noise.
    z, image = (8, 4), (8, 8, 8, 1)
    expected_shapes = [z, image, image] * 2 + [z, image]
    assert str(mine["shapes"]) == str(theirs["shapes"]) == repr(expected_shapes)
    # float32 sums run in another order on each backend (and on TensorFlow
    # with another thread split from run to run): after one step a weight
    # moved by 0.1 agrees to about 1e-4, not 1e-5.
    for key in mine.files:
        if key != "shapes":
            np.testing.assert_allclose(
                mine[key], theirs[key], rtol=1e-4, atol=1e-4, err_msg=key
            )


DISTRIBUTED_SCRIPT = textwrap.dedent(
    """
    import contextlib
    import json
    import os

    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    import keras
    import numpy as np
    from recipes import data, gan

    images = data.load("digits").train[0][:16]  # 2 steps of 8
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
        train = tf.data.Dataset.from_tensor_slices(images).batch(8)
        distributed = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert distributed.num_replicas_in_sync == 2
    else:
        import jax

        train = (images,)
        assert len(jax.devices()) == 2
        distributed = keras.distribution.DataParallel(devices=jax.devices())

    def run(scope):
        with scope:
            keras.utils.set_random_seed(0)
            model = gan.build(latent_dim=4, width=8, batch_norm=False, seed=0)
            gan.compile(model, optimizer="sgd", learning_rate=0.5, d_steps=2,
                        label_smoothing=0.1, instance_noise=0.1)
            history = gan.fit(model, train, epochs=1, batch_size=8, verbose=0)
        return history.history, [w.tolist() for w in model.get_weights()]

    print(json.dumps([run(contextlib.nullcontext()), run(distributed.scope())]))
    """
)


def test_distributed_step_equals_single_device(tmp_path):
    # Two CPU devices: tf.distribute.MirroredStrategy on TensorFlow,
    # keras.distribution.DataParallel on JAX.
    script = tmp_path / "distributed.py"
    script.write_text(DISTRIBUTED_SCRIPT)
    output = run_python([script], keras.backend.backend())
    (single, weights_single), (distributed, weights_distributed) = json.loads(
        output.strip().splitlines()[-1]
    )
    # The epoch's mean losses include the second step, which depends on the
    # first step's updates; they and the weights agree only if the gradients
    # were reduced over the global batch and the noise matches.
    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(distributed[key], single[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(weights_single, weights_distributed):
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
