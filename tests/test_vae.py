import keras
import numpy as np
import pytest

from recipes import data, layers, vae
from tests.helpers import assert_fits_with_xla, assert_roundtrip, gradients, tiny


@pytest.fixture(scope="module")
def digits():
    return tiny(data.load("digits"), n=64)


def small(arch="dense", **kwargs):
    kwargs.setdefault("latent_dim", 2)
    return vae.build(arch=arch, width=4, hidden_units=16, seed=0, **kwargs)


@pytest.fixture(scope="module")
def trained():
    """A small dense VAE trained long enough for its bounds to mean something."""
    keras.utils.set_random_seed(0)
    bundle = data.load("digits")
    x_train = (bundle.train[0] > 0.5).astype("float32")  # binary, as Bernoulli expects
    model = vae.build(arch="dense", latent_dim=2, hidden_units=64, seed=0)
    model = vae.compile(model, learning_rate=3e-3)
    vae.fit(model, x_train, epochs=10, batch_size=32, verbose=0)
    return model, bundle


@pytest.mark.parametrize(
    "arch, likelihood", [("conv", "bernoulli"), ("dense", "gaussian")]
)
def test_builds_fits_evaluates_and_round_trips(arch, likelihood, digits, tmp_path):
    model = vae.compile(small(arch, likelihood=likelihood))
    assert model.name == "vae"
    history = vae.fit(model, digits, epochs=1, verbose=0)
    names = {"loss", "reconstruction_loss", "kl_loss"}
    assert set(history.history) == names | {f"val_{n}" for n in names}
    # loss = reconstruction + beta * KL, each a mean over the same images
    logs = {n: history.history[f"val_{n}"][-1] for n in names}
    assert logs["loss"] == pytest.approx(
        logs["reconstruction_loss"] + logs["kl_loss"], rel=1e-4
    )
    metrics = vae.evaluate(model, digits, k=8)
    assert set(metrics) == {
        "negative_elbo",
        "reconstruction_loss",
        "kl_loss",
        "importance_weighted_nll",
    }
    assert all(isinstance(v, float) and np.isfinite(v) for v in metrics.values())
    assert metrics["negative_elbo"] == pytest.approx(
        metrics["reconstruction_loss"] + metrics["kl_loss"]
    )
    x = digits.test[0][:8]
    loaded = assert_roundtrip(
        model, x, tmp_path, predict=lambda m, x: vae.reconstruct(m, x, seed=3)
    )
    assert loaded.get_config() == model.get_config()
    assert vae.evaluate(loaded, digits, k=8) == pytest.approx(metrics, rel=1e-5)
    assert vae.sample(loaded, 3, seed=1) == pytest.approx(vae.sample(model, 3, seed=1))


def test_trains_with_xla(digits):
    assert_fits_with_xla(vae, small("conv"), digits.train[0][:32], batch_size=32)


def test_kl_term_equals_closed_form():
    z_mean = np.array([[0.5, -1.0, 0.0], [2.0, 0.3, -0.7]], "float32")
    z_log_var = np.array([[0.0, -0.5, 1.2], [-2.0, 0.4, 0.0]], "float32")
    expected = -0.5 * np.sum(
        1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=-1
    )  # by hand: KL of N(m, s^2) to N(0, 1) is (s^2 + m^2 - 1 - log s^2) / 2
    by_hand = 0.5 * np.sum(np.exp(z_log_var) + z_mean**2 - 1 - z_log_var, axis=-1)
    np.testing.assert_allclose(expected, by_hand, rtol=1e-6)
    actual = keras.ops.convert_to_numpy(vae.kl_divergence(z_mean, z_log_var))
    np.testing.assert_allclose(actual, expected, rtol=1e-5)
    # the model's kl_loss metric is the same formula on its encoder's outputs
    model = vae.compile(small(latent_dim=3))
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype("float32")
    mean, log_var = vae.encode(model, x)
    result = model.evaluate(x, batch_size=5, verbose=0, return_dict=True)
    closed = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)
    assert result["kl_loss"] == pytest.approx(closed.mean(), rel=1e-4)


def test_bernoulli_reconstruction_is_binary_cross_entropy_summed():
    x = np.random.default_rng(1).random((3, 8, 8, 1)).astype("float32")
    logits = np.random.default_rng(2).normal(size=(3, 8, 8, 1)).astype("float32")
    p = 1 / (1 + np.exp(-logits))
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
    actual = vae.negative_log_likelihood(x, logits, "bernoulli")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(actual), expected, rtol=1e-5)


def test_negative_elbo_loss_is_the_batch_mean_of_its_terms():
    from recipes.vae.formulas import NegativeELBO

    rng = np.random.default_rng(3)
    x = rng.random((4, 8, 8, 1)).astype("float32")
    outputs = {
        "decoder_output": rng.normal(size=(4, 8, 8, 1)).astype("float32"),
        "z_mean": rng.normal(size=(4, 3)).astype("float32"),
        "z_log_var": rng.normal(size=(4, 3)).astype("float32"),
    }
    p = 1 / (1 + np.exp(-outputs["decoder_output"]))
    bce = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=(1, 2, 3))
    mean, log_var = outputs["z_mean"], outputs["z_log_var"]
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)
    loss = NegativeELBO("bernoulli", beta=0.5)
    assert float(loss(x, outputs)) == pytest.approx(np.mean(bce + 0.5 * kl), rel=1e-5)
    clone = NegativeELBO.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    # Gaussian: -log N(x; mean, sigma^2) summed over the pixels, sigma = e^0.3
    sigma = np.exp(0.3)
    gaussian = {**outputs, "log_scale": np.float32(0.3)}
    nll = np.sum(
        0.5 * np.log(2 * np.pi * sigma**2)
        + 0.5 * ((x - outputs["decoder_output"]) / sigma) ** 2,
        axis=(1, 2, 3),
    )
    expected = np.mean(nll + kl)
    assert float(NegativeELBO("gaussian")(x, gaussian)) == pytest.approx(
        expected, rel=1e-5
    )


def test_gradients_reach_mean_and_log_variance_through_sampling():
    sampling = layers.Sampling(seed=0)
    z_mean = np.array([[0.5, -1.0]], "float32")
    z_log_var = np.array([[0.2, -0.4]], "float32")

    def total(mean, log_var):
        z = sampling([mean, log_var])
        return keras.ops.sum(z), z

    z, (grad_mean, grad_log_var) = gradients(total, z_mean, z_log_var)
    epsilon = (z - z_mean) / np.exp(0.5 * z_log_var)
    # dz/dmean = 1, dz/dlog_var = 0.5 * exp(log_var / 2) * eps
    np.testing.assert_allclose(grad_mean, np.ones((1, 2)), rtol=1e-6)
    expected = 0.5 * np.exp(0.5 * z_log_var) * epsilon
    np.testing.assert_allclose(grad_log_var, expected, rtol=1e-5)
    assert np.all(np.abs(grad_log_var) > 0)


def test_sampling_layer_config_and_statistics():
    layer = layers.Sampling(seed=4, name="s")
    clone = layers.Sampling.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    symbolic = layer([keras.Input((3,)), keras.Input((3,))])
    assert symbolic.shape == (None, 3)
    mean = np.full((20000, 1), 2.0, "float32")
    log_var = np.full((20000, 1), np.log(0.25), "float32")
    z = keras.ops.convert_to_numpy(layer([mean, log_var]))
    assert z.mean() == pytest.approx(2.0, abs=0.02)
    assert z.std() == pytest.approx(0.5, abs=0.02)


def test_importance_weighted_bound_tightens_with_k(trained):
    model, bundle = trained
    x = (bundle.test[0][:64] > 0.5).astype("float32")
    terms = vae.log_likelihood_terms(model, x, k=1, seed=0)
    # with k = 1 the estimate is a one-sample ELBO: the same number up to the
    # difference between the sampled and the closed-form KL
    elbo = terms["reconstruction_loss"] + terms["kl_loss"]
    assert terms["importance_weighted_nll"].mean() == pytest.approx(
        elbo.mean(), rel=0.05
    )
    estimates = {}
    for k in (1, 10, 100, 1000):
        terms = vae.log_likelihood_terms(model, x, k=k, seed=1)
        estimates[k] = terms["importance_weighted_nll"].mean()
        negative_elbo = (terms["reconstruction_loss"] + terms["kl_loss"]).mean()
        assert estimates[k] <= negative_elbo + 0.05 * abs(negative_elbo)
    values = [estimates[k] for k in sorted(estimates)]
    assert all(b <= a + 0.05 for a, b in zip(values, values[1:])), estimates
    assert values[-1] < values[0] - 0.1, estimates  # a real gain, not only noise


def test_sample_reconstruct_interpolate_and_latent_map(trained, tmp_path):
    model, bundle = trained
    x = bundle.test[0][:4]
    images = vae.sample(model, 5, seed=2)
    assert images.shape == (5, 8, 8, 1) and 0 <= images.min() <= images.max() <= 1
    np.testing.assert_array_equal(images, vae.sample(model, 5, seed=2))
    mean_reconstruction = vae.reconstruct(model, x)
    np.testing.assert_array_equal(mean_reconstruction, vae.reconstruct(model, x))
    assert not np.allclose(mean_reconstruction, vae.reconstruct(model, x, seed=0))
    frames = vae.interpolate(model, x[0], x[1:2], steps=6)
    assert frames.shape == (6, 8, 8, 1)
    np.testing.assert_allclose(frames[0], mean_reconstruction[0], atol=1e-5)
    np.testing.assert_allclose(frames[-1], mean_reconstruction[1], atol=1e-5)
    plane = vae.latent_map(model, tmp_path / "grid.png", grid=4)  # latent_dim 2
    assert open(plane, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    three = small(latent_dim=3)  # no plane to draw: t-SNE of the means of x
    path = vae.latent_map(three, tmp_path / "tsne.png", x=bundle.test[0][:40])
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="`x`"):
        vae.latent_map(three, tmp_path / "no.png")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"beta": -0.1}, "beta"),
        ({"beta": float("nan")}, "beta"),
        ({"likelihood": "poisson"}, "likelihood"),
        ({"arch": "rnn"}, "arch"),
        ({"input_shape": (8, 8)}, "input_shape"),
        ({"arch": "conv", "input_shape": (6, 6, 1)}, "input_shape"),
        ({"width": 0}, "width"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        vae.build(**kwargs)


def test_bad_data_is_refused_before_training(digits):
    model = vae.compile(small())
    weights = [w.copy() for w in model.get_weights()]
    x = digits.train[0]
    bad = {
        "above one": (x * 2, r"\[0.0, 1.0\]"),
        "negative": (x - 0.5, r"\[0.0, 1.0\]"),
        "shape": (np.zeros((4, 9, 9, 1)), "shape"),
        "nan": (np.where(x > 0.5, np.nan, x), "NaN"),
        "empty": (x[:0], "empty"),
    }
    for split, match in bad.values():
        with pytest.raises(ValueError, match=match):
            vae.fit(model, split, epochs=1, verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match=r"\[0.0, 1.0\]"):
        vae.evaluate(model, (x * 2, None))
    # the Gaussian likelihood accepts any finite values
    gaussian = vae.compile(small(likelihood="gaussian"))
    vae.fit(gaussian, x * 4 - 2, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="k"):
        vae.evaluate(model, digits, k=0)
    with pytest.raises(ValueError, match="steps"):
        vae.interpolate(model, x[0], x[1], steps=1)
    with pytest.raises(ValueError, match="model"):
        vae.compile(keras.Sequential([keras.layers.Dense(1)]))


MIRRORED_SCRIPT = """
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from recipes import vae
keras.utils.set_random_seed(0)
x = np.random.default_rng(0).random((32, 8, 8, 1)).astype("float32")
small = dict(arch="dense", latent_dim=2, hidden_units=16, beta=0.0, seed=0)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = vae.compile(vae.build(**small), optimizer="sgd", learning_rate=1e-9)
history = vae.fit(model, x, epochs=1, batch_size=32, verbose=0)
single = vae.compile(vae.build(**small))
single.set_weights(model.get_weights())
reference = single.evaluate(x, batch_size=32, verbose=0, return_dict=True)
print(history.history["loss"][0], reference["loss"])
"""


@pytest.mark.slow
def test_loss_is_the_global_batch_mean_under_mirrored_strategy(tmp_path):
    import pathlib
    import subprocess
    import sys

    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED_SCRIPT)
    root = str(pathlib.Path(__file__).parents[1])
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=root
    )
    assert done.returncode == 0, done.stderr[-2000:]
    distributed, single = map(float, done.stdout.split()[-2:])
    # beta = 0 and a frozen model: the loss is the mean reconstruction term; a
    # sum over the two replicas instead of a mean would double it
    assert distributed == pytest.approx(single, rel=0.05)


def test_hypermodel_defaults_equal_recipe_defaults():
    import keras_tuner

    hypermodel = vae.HyperModel(input_shape=(8, 8, 1))
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert model.get_config() == {**vae.build().get_config(), "seed": None}
    assert model.count_params() == vae.build().count_params()
    assert hp.values == {
        "arch": "conv",
        "latent_dim": 8,
        "width": 16,
        "hidden_units": 128,
        "learning_rate": 1e-3,
    }
    assert hypermodel.objective.name == "val_loss"
    assert hypermodel.default_batch_size == 32
    with pytest.raises(ValueError, match="beta"):
        vae.HyperModel(beta=-1)
    with pytest.raises(ValueError, match="likelihood"):
        vae.HyperModel(likelihood="laplace")


@pytest.mark.slow
def test_conv_vae_beats_bernoulli_mixture_on_binarised_digits():
    from benchmarks.vae import bernoulli_mixture_nll, binarised_digits

    bundle = binarised_digits()
    baseline = bernoulli_mixture_nll(bundle.train[0], bundle.test[0])
    model = vae.compile(vae.build(seed=0))
    vae.fit(model, bundle, verbose=0)
    assert vae.evaluate(model, bundle, k=1000)["importance_weighted_nll"] < baseline
