"""The contract every registered recipe passes, whatever its technique.

A new recipe gets these checks by registering in `recipes._RECIPES` and
declaring the interface of `recipes.protocol`: build from its dataset's facts,
compile, a one-epoch fit, evaluate, a `.keras` round trip in safe mode with
equal predictions, a fit under XLA, HyperModel trial 0 equal to the defaults,
and a `ValueError` for a bad argument before any training.
"""

import keras
import keras_tuner
import numpy as np
import pytest

import recipes
from recipes import protocol, saving
from tests.helpers import random_inputs, tiny

NAMES = recipes.available()


@pytest.fixture(scope="module")
def loaded():
    """Each recipe's default data, loaded once for the module."""
    cache = {}

    def load(name):
        if name not in cache:
            cache[name] = protocol.load_data(recipes.get(name))
        return cache[name]

    return load


def _built(recipe, data, **compile_kwargs):
    model = recipe.build(**protocol.facts(recipe, data.info))
    return recipe.compile(model, **compile_kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_declares_the_interface(name):
    recipe = protocol.check(recipes.get(name))
    assert recipe.HyperModel.recipe == name
    assert recipe.load_data is not None and isinstance(recipe.DATASET, str)


@pytest.mark.parametrize("name", NAMES)
def test_build_compile_fit_evaluate_round_trip(name, loaded, tmp_path):
    recipe = recipes.get(name)
    data = tiny(loaded(name), n=48)
    model = _built(recipe, data)
    assert saving.recipe_of(model) == name
    if keras.backend.backend() == "jax":  # "auto" is XLA: this fit runs compiled
        assert model.jit_compile is True
    history = recipe.fit(model, data, epochs=1, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    metrics = recipe.evaluate(model, data)
    assert metrics and all(np.isfinite(value) for value in metrics.values())

    path = saving.save_model(model, tmp_path / f"{name}.keras")
    restored = keras.saving.load_model(path, safe_mode=True)
    assert type(restored) is type(model)
    assert saving.recipe_of(restored) == name
    inputs = random_inputs(model)
    expected = keras.tree.flatten(model.predict(inputs, verbose=0))
    actual = keras.tree.flatten(restored.predict(inputs, verbose=0))
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), atol=1e-5, rtol=1e-5)


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="on JAX every fit is compiled by XLA: the round trip above is one",
)
@pytest.mark.parametrize("name", NAMES)
def test_fits_under_xla(name, loaded):
    recipe = recipes.get(name)
    data = tiny(loaded(name), n=32)
    model = _built(recipe, data, jit_compile=True)
    assert model.jit_compile is True
    history = recipe.fit(model, data, epochs=1, batch_size=16, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@pytest.mark.parametrize("name", NAMES)
def test_hypermodel_trial_zero_is_the_default(name, loaded):
    recipe = recipes.get(name)
    info = loaded(name).info
    hypermodel = recipe.HyperModel(**protocol.facts(recipe, info))
    tuned = hypermodel.build(keras_tuner.HyperParameters())
    default = recipe.compile(recipe.build(**protocol.facts(recipe, info)))
    assert tuned.count_params() == default.count_params()
    assert [type(layer) for layer in tuned.layers] == [
        type(layer) for layer in default.layers
    ]
    assert type(tuned.optimizer) is type(default.optimizer)


@pytest.mark.parametrize("name", NAMES)
def test_bad_arguments_fail_before_training(name, loaded):
    recipe = recipes.get(name)
    data = tiny(loaded(name), n=16)
    model = _built(recipe, data)
    before = [np.copy(w) for w in model.get_weights()]
    for bad in ({"epochs": 0}, {"batch_size": 0}, {"epochs": 1.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            recipe.fit(model, data, verbose=0, **{"epochs": 1, **bad})
    for after, start in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(after, start)
    with pytest.raises(ValueError, match="input_shape"):
        recipe.build(input_shape=(0,) * len(data.info.input_shape))
