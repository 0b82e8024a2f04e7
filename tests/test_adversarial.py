"""Adversarial examples and adversarial training.

FGSM's step is checked against the closed-form input gradient of a linear
softmax; PGD against its constraints (the epsilon ball, the valid range) and
its seed; both attacks against the other backend; adversarial training
against its loss mix, its saved settings and XLA.
"""

import keras
import numpy as np
import pytest

from recipes import adversarial
from tests.test_gan import run_python

RNG = np.random.default_rng(0)
KERNEL = RNG.normal(0.0, 1.0, (6, 3)).astype("float32")  # linear softmax: 6 -> 3
BIAS = RNG.normal(0.0, 0.1, (3,)).astype("float32")
X = RNG.uniform(0.3, 0.7, (5, 6)).astype("float32")  # far enough from 0 and 1
Y = np.array([0, 1, 2, 1, 0], "int32")


def linear(activation):
    """`softmax(x W + b)` (or its logits), with the fixed `KERNEL` and `BIAS`."""
    inputs = keras.Input((6,))
    outputs = keras.layers.Dense(3, activation=activation)(inputs)
    model = keras.Model(inputs, outputs)
    model.set_weights([KERNEL, BIAS])
    return model


def closed_form_gradient(x, labels):
    """d/dx of -log softmax(x W + b)_y: `W (p - onehot(y))`, per example."""
    logits = x @ KERNEL + BIAS  # (B, 3)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    return (p - np.eye(3)[labels]) @ KERNEL.T  # (B, 6)


def tiny_convnet(seed=0):
    """A small ConvNet with fixed random weights, the same on every backend."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, activation="tanh")(inputs)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    )
    return model


def images(n=16, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, (n, 8, 8, 1)).astype("float32")
    x[:, 0, 0] = 0.0  # values at both ends of the valid range
    x[:, -1, -1] = 1.0
    return x, (np.arange(n) % 10).astype("int32")


# ----------------------------------------------------------------- attacks ---


@pytest.mark.parametrize("activation", ["softmax", None])
def test_fgsm_step_is_epsilon_times_the_sign_of_the_closed_form_gradient(activation):
    model = linear(activation)
    assert adversarial.uses_logits(model) is (activation is None)
    gradient = closed_form_gradient(X, Y)
    assert np.all(np.abs(gradient) > 1e-4)  # every sign is well defined
    x_adv = adversarial.fgsm(model, X, Y, epsilon=0.1)
    np.testing.assert_allclose(x_adv - X, 0.1 * np.sign(gradient), atol=1e-6)
    # Targeted: a step down the loss of the target class.
    target = (Y + 1) % 3
    x_target = adversarial.fgsm(model, X, target, epsilon=0.1, targeted=True)
    expected = -0.1 * np.sign(closed_form_gradient(X, target))
    np.testing.assert_allclose(x_target - X, expected, atol=1e-6)


def test_one_pgd_step_from_x_is_fgsm():
    model = linear("softmax")
    fgsm = adversarial.fgsm(model, X, Y, epsilon=0.05)
    pgd = adversarial.pgd(
        model, X, Y, epsilon=0.05, steps=1, step_size=0.05, random_start=False
    )
    np.testing.assert_allclose(pgd, fgsm, atol=1e-7)


def test_pgd_stays_in_the_epsilon_ball_and_the_valid_range():
    model = tiny_convnet()
    x, y = images()
    for epsilon, step_size in ((0.3, None), (0.1, 0.5)):  # 0.5: steps overshoot
        x_adv = adversarial.pgd(
            model, x, y, epsilon=epsilon, steps=4, step_size=step_size, batch_size=6
        )
        assert x_adv.shape == x.shape and x_adv.dtype == np.float32
        assert np.abs(x_adv - x).max() <= epsilon + 1e-6
        assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
        assert np.abs(x_adv - x).max() > 0.5 * epsilon  # it did move
    wide = adversarial.pgd(model, x * 2 - 1, y, epsilon=0.3, steps=3, clip=(-1, 1))
    assert wide.min() >= -1.0 and wide.max() <= 1.0


def test_the_same_seed_gives_the_same_pgd_examples():
    model = tiny_convnet()
    x, y = images()
    first = adversarial.pgd(model, x, y, epsilon=0.2, steps=3, seed=7)
    again = adversarial.pgd(model, x, y, epsilon=0.2, steps=3, seed=7)
    other = adversarial.pgd(model, x, y, epsilon=0.2, steps=3, seed=8)
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).max() > 0.01


def test_a_looped_attack_equals_the_written_out_one():
    model = tiny_convnet()
    x, y = images()
    start = x + 0.2 * np.random.default_rng(7).uniform(-1, 1, x.shape)

    def attack(write_out):
        adversarial_x = adversarial.attacks.perturb(
            lambda inputs: model(inputs, training=False),
            keras.ops.convert_to_tensor(x),
            keras.ops.convert_to_tensor(y),
            keras.ops.convert_to_tensor(start.astype("float32")),
            epsilon=0.2,
            step_size=0.05,
            steps=3,
            write_out=write_out,
        )
        return keras.ops.convert_to_numpy(adversarial_x)

    looped, written_out = attack(False), attack(True)
    np.testing.assert_allclose(looped, written_out, atol=1e-6)
    assert np.abs(looped - x).max() > 0.01


def test_attacks_lower_accuracy_and_targeted_attacks_hit_their_target():
    model = tiny_convnet()
    x, _ = images(40)
    y = np.argmax(model.predict(x, verbose=0), axis=-1)  # all right, clean
    accuracy = adversarial.robust_accuracy(model, (x, y), "pgd", [0.0, 0.3], steps=10)
    assert accuracy[0.0] == 1.0 and accuracy[0.3] < 0.2
    target = (y + 1) % 10
    x_adv = adversarial.pgd(model, x, target, epsilon=0.3, steps=10, targeted=True)
    hit = np.argmax(model.predict(x_adv, verbose=0), axis=-1) == target
    assert hit.mean() > 0.8


def attack_results(path):
    """FGSM and PGD examples of `tiny_convnet` on `images`, saved to `path`."""
    model = tiny_convnet()
    x, y = images()
    np.savez(
        path,
        fgsm=adversarial.fgsm(model, x, y, epsilon=0.1),
        pgd=adversarial.pgd(model, x, y, epsilon=0.1, steps=3, seed=3),
    )


def test_attacks_agree_across_backends(tmp_path):
    other = "jax" if keras.backend.backend() == "tensorflow" else "tensorflow"
    command = "import sys; from tests.test_adversarial import attack_results as run; "
    run_python(["-c", command + "run(sys.argv[1])", tmp_path / "b.npz"], other)
    attack_results(tmp_path / "a.npz")
    mine, theirs = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    for key in ("fgsm", "pgd"):
        np.testing.assert_allclose(mine[key], theirs[key], atol=1e-5, err_msg=key)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda m, x, y: adversarial.fgsm(m, x, y, epsilon=-0.1), "`epsilon`"),
        (lambda m, x, y: adversarial.pgd(m, x, y, epsilon=0.1, steps=0), "`steps`"),
        (lambda m, x, y: adversarial.pgd(m, x, y, epsilon=0.1, step_size=0.0), "`step_size`"),
        (lambda m, x, y: adversarial.pgd(m, x, y, epsilon=0.1, seed=-1), "`seed`"),
        (lambda m, x, y: adversarial.fgsm(m, x, y, epsilon=0.1, clip=(1, 0)), "`clip`"),
        (lambda m, x, y: adversarial.fgsm(m, x + 2, y, epsilon=0.1), "`x`"),
        (lambda m, x, y: adversarial.fgsm(m, x, y + 10, epsilon=0.1), "`y`"),
        (lambda m, x, y: adversarial.fgsm(m, x, y, epsilon=0.1, from_logits="yes"), "`from_logits`"),
        (lambda m, x, y: adversarial.robust_accuracy(m, (x, y), "cw"), "`attack`"),
        (lambda m, x, y: adversarial.robust_accuracy(m, (x, y), "pgd", []), "`epsilons`"),
        (lambda m, x, y: adversarial.robust_accuracy(m, (x, y), "pgd", [-1.0]), "`epsilons`"),
        (lambda m, x, y: adversarial.robust_accuracy(m, (x, y), "fgsm", [0.1], steps=3), "`fgsm`"),
    ],
)  # fmt: skip
def test_bad_attack_arguments_are_value_errors(call, fragment):
    x, y = images(4)
    with pytest.raises(ValueError, match=fragment):
        call(tiny_convnet(), x, y)


def test_a_model_without_class_outputs_is_refused():
    inputs = keras.Input((8, 8, 1))
    reconstruction = keras.Model(
        inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs)
    )
    one_score = keras.Model(
        inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs))
    )
    x, y = images(4)
    for model in (reconstruction, one_score, "model.keras"):
        with pytest.raises(ValueError, match="`model`"):
            adversarial.pgd(model, x, y, epsilon=0.1)


# ------------------------------------------------------ adversarial training ---


def tiny_model(seed=0, **compile_options):
    model = adversarial.build(arch="lenet", width=4, augment=False, seed=seed)
    return adversarial.compile(model, **{"steps": 2, **compile_options})


def test_the_training_batch_is_the_weighted_clean_and_pgd_mix():
    x, y = images(6)
    model = tiny_model(epsilon=0.25, adversarial_fraction=0.25, steps=1)
    both, labels, weights = model.mixed_batch(x, y)
    both, weights = (
        keras.ops.convert_to_numpy(both),
        keras.ops.convert_to_numpy(weights),
    )
    np.testing.assert_array_equal(both[:6], x)
    assert np.abs(both[6:] - x).max() <= 0.25 + 1e-6 and both.min() >= 0.0
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(labels), np.tile(y, 2))
    np.testing.assert_allclose(
        weights, [1.5] * 6 + [0.5] * 6
    )  # mean: 0.75 L + 0.25 L_adv
    only = tiny_model(adversarial_fraction=1.0, steps=1).mixed_batch(x, y)
    assert only[0].shape == x.shape and only[2] is None
    clean = tiny_model(adversarial_fraction=0.0).mixed_batch(x, y)
    assert clean[0] is x


def test_adversarial_training_round_trips_and_fits_under_xla(tmp_path):
    x, y = images(32)
    model = tiny_model(epsilon=0.15, adversarial_fraction=0.75, jit_compile=True)
    seed_state = np.array(model.attack_seed_generator.state)
    history = adversarial.fit(model, (x, y), epochs=2, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.array_equal(np.array(model.attack_seed_generator.state), seed_state)
    path = tmp_path / "robust.keras"
    model.save(path)
    restored = keras.saving.load_model(path, safe_mode=True)
    assert type(restored) is adversarial.AdversarialModel
    assert restored.attack_settings() == model.attack_settings()
    assert restored.attack_settings()["adversarial_fraction"] == 0.75
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )
    adversarial.fit(restored, (x, y), epochs=1, batch_size=16, verbose=0)


@pytest.mark.parametrize(
    "options, fragment",
    [
        ({"epsilon": -0.1}, "`epsilon`"),
        ({"steps": 0}, "`steps`"),
        ({"step_size": -1.0}, "`step_size`"),
        ({"adversarial_fraction": 1.5}, "`adversarial_fraction`"),
        ({"clip": (0.0,)}, "`clip`"),
    ],
)
def test_bad_training_attack_settings_are_value_errors(options, fragment):
    with pytest.raises(ValueError, match=fragment):
        tiny_model(**options)
    with pytest.raises(ValueError, match="`model`"):
        adversarial.compile(
            keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        )
