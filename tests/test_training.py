import keras
import numpy as np
import pytest

from recipes import data, training, validation


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF policy")
def test_auto_jit_compile_follows_the_gpu_on_tensorflow():
    assert training.resolve_jit_compile("auto") is training.has_gpu()
    assert training.resolve_jit_compile("auto", supports_xla=False) is False
    assert training.resolve_jit_compile(True) is True
    with pytest.raises(ValueError, match="jit_compile"):
        training.resolve_jit_compile("yes")


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="JAX policy")
def test_auto_jit_compile_is_always_xla_on_jax():
    assert training.resolve_jit_compile("auto") is True
    assert training.resolve_jit_compile("auto", supports_xla=False) is True
    assert training.resolve_jit_compile(False) is False
    with pytest.raises(ValueError, match="jit_compile"):
        training.resolve_jit_compile("yes")


def test_auto_steps_per_execution_is_one_under_several_replicas():
    import tensorflow as tf

    one = tf.distribute.get_strategy()  # the default, one replica
    assert training.resolve_steps_per_execution("auto", 32, one) == 32
    assert training.resolve_steps_per_execution("auto", 32, None) == 32

    class TwoReplicas:
        num_replicas_in_sync = 2

    assert training.resolve_steps_per_execution("auto", 32, TwoReplicas()) == 1
    assert training.resolve_steps_per_execution(4, 32, TwoReplicas()) == 4
    for bad in (0, -1, 2.5, "many"):
        with pytest.raises(ValueError, match="steps_per_execution"):
            training.resolve_steps_per_execution(bad, 32)


def test_make_optimizer():
    assert isinstance(training.make_optimizer(), keras.optimizers.Adam)
    sgd = training.make_optimizer("sgd", 0.5, momentum=0.9)
    assert isinstance(sgd, keras.optimizers.SGD) and np.isclose(
        float(sgd.learning_rate), 0.5
    )
    with pytest.raises(ValueError, match="optimizer"):
        training.make_optimizer("adamax_typo")
    with pytest.raises(ValueError, match="learning_rate"):
        training.make_optimizer("adam", -1.0)


def test_compile_options_resolve_every_argument_as_a_recipe_does():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    options = training.compile_options(
        model,
        optimizer="sgd",
        learning_rate=0.25,
        jit_compile=False,
        steps_per_execution="auto",
        auto_steps=8,
        momentum=0.5,
    )
    assert options["jit_compile"] is False
    assert options["steps_per_execution"] == 8  # one replica: the recipe's value
    assert isinstance(options["optimizer"], keras.optimizers.SGD)
    assert np.isclose(float(options["optimizer"].learning_rate), 0.25)
    assert np.isclose(float(options["optimizer"].momentum), 0.5)
    assert "steps_per_execution" not in training.compile_options(model)
    for bad, name in (
        ({"jit_compile": "yes"}, "jit_compile"),
        ({"steps_per_execution": 0}, "steps_per_execution"),
        ({"learning_rate": 0.0}, "learning_rate"),
    ):
        with pytest.raises(ValueError, match=name):
            training.compile_options(model, **bad)
    objective = training.classification_objective()
    assert (
        objective["metrics"][0] is not training.classification_objective()["metrics"][0]
    )  # a new metric for every model


def test_default_callbacks():
    kinds = lambda cbs: [type(c).__name__ for c in cbs]  # noqa: E731
    assert kinds(training.default_callbacks(validation=False)) == ["TerminateOnNaN"]
    callbacks = training.default_callbacks(validation=True, checkpoint_dir="ckpt")
    assert kinds(callbacks) == ["TerminateOnNaN", "EarlyStopping", "BackupAndRestore"]
    assert callbacks[1].restore_best_weights


def test_get_split_reads_every_data_form():
    bundle = data.load("digits")
    assert training.get_split(bundle, "val") is bundle.val
    pair = bundle.train
    assert (
        training.get_split(pair, "train") is pair
        and training.get_split(pair, "val") is None
    )
    assert training.get_split({"test": pair}, "test") is pair
    with pytest.raises(ValueError, match="data"):
        training.get_split({"training": pair}, "train")
    with pytest.raises(ValueError, match="data"):
        training.get_split("digits", "train")


def test_check_array_names_the_argument():
    good = np.zeros((2, 3, 3, 1))
    assert (
        validation.check_array(good, "x", rank=4, shape=(3, 3, 1)).dtype == np.float32
    )
    with pytest.raises(ValueError, match="`x` must have rank 4"):
        validation.check_array(np.zeros((2, 3)), "x", rank=4)
    with pytest.raises(ValueError, match=r"`x` examples must have shape \(3, 3, 1\)"):
        validation.check_array(np.zeros((2, 4, 4, 1)), "x", shape=(3, 3, 1))
    with pytest.raises(ValueError, match="`x` contains NaN"):
        validation.check_array(np.array([[np.nan]]), "x")
    with pytest.raises(ValueError, match="`x` contains NaN or infinite"):
        validation.check_array(np.array([[np.inf]]), "x")
    with pytest.raises(ValueError, match="`x` is empty"):
        validation.check_array(np.zeros((0, 3)), "x")
    with pytest.raises(ValueError, match=r"`x` values must lie in \[0, 1\]"):
        validation.check_array(np.array([[2.0]]), "x", low=0, high=1)


def test_check_labels():
    np.testing.assert_array_equal(
        validation.check_labels([0, 2.0], "y", num_classes=3), [0, 2]
    )
    with pytest.raises(ValueError, match=r"`y` labels must lie in \[0, 2\]"):
        validation.check_labels([0, 3], "y", num_classes=3)
    with pytest.raises(ValueError, match="`y` labels must lie"):
        validation.check_labels([-1, 0], "y", num_classes=3)
    with pytest.raises(ValueError, match="integer"):
        validation.check_labels([0.5], "y", num_classes=3)
    with pytest.raises(ValueError, match="3 labels for 2 examples"):
        validation.check_labels([0, 1, 2], "y", num_classes=3, length=2)


@pytest.mark.parametrize("value", [0, -1, 1.5, True, "3"])
def test_check_positive_int(value):
    with pytest.raises(ValueError, match="`epochs` must be an integer >= 1"):
        validation.check_positive_int(value, "epochs")
