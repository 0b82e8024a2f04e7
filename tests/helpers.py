"""Checks every recipe's tests reuse: save/load, XLA, tiny data."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np


def assert_roundtrip(model, inputs, tmp_path, *, predict=None, atol=1e-5):
    """Saves `model` as `.keras`, loads it in safe mode, compares predictions.

    No `custom_objects` are passed: every custom piece must be registered.

    Args:
        model: the model to round-trip.
        inputs: what `predict` is called on.
        tmp_path: a pytest temporary directory.
        predict: `predict(model, inputs) -> array`; defaults to
            `model.predict(inputs)`. Recipes with random outputs pass a
            function that fixes the seed.
        atol: tolerance of the comparison.

    Returns:
        The loaded model.
    """
    predict = predict or (lambda m, x: m.predict(x, verbose=0))
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    expected = keras.tree.flatten(predict(model, inputs))
    actual = keras.tree.flatten(predict(loaded, inputs))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(np.asarray(a), np.asarray(e), atol=atol, rtol=1e-5)
    return loaded


def assert_fits_with_xla(recipe, model, data, **fit_kwargs):
    """Compiles `model` with `jit_compile=True`, fits one epoch, checks the loss.

    Returns:
        The `History`.
    """
    model = recipe.compile(model, jit_compile=True)
    assert model.jit_compile is True
    fit_kwargs.setdefault("epochs", 1)
    history = recipe.fit(model, data, verbose=0, **fit_kwargs)
    losses = np.asarray(history.history["loss"])
    assert losses.size >= 1 and np.all(np.isfinite(losses))
    return history


def tiny(data, n=32):
    """The first `n` examples of each array split of a recipe's `data`.

    Works on a `recipes.data.Bundle` and on bundles of bundles (DANN's
    `DomainData`): every `(x, y)` split is cut, `info` is kept.
    """
    if isinstance(data, tuple):
        return tuple(part[:n] for part in data)
    if dataclasses.is_dataclass(data):
        changes = {
            field.name: tiny(getattr(data, field.name), n)
            for field in dataclasses.fields(data)
            if field.name != "info" and getattr(data, field.name) is not None
        }
        return dataclasses.replace(data, **changes)
    raise TypeError(f"cannot cut {type(data).__name__}")


def random_inputs(model, batch=4, steps=6, seed=0):
    """Random inputs in [0, 1) for every input of `model` (open axes get `steps`)."""
    generator = np.random.default_rng(seed)

    def one(tensor):
        shape = [batch] + [steps if size is None else size for size in tensor.shape[1:]]
        return generator.random(shape).astype(tensor.dtype or "float32")

    inputs = [one(tensor) for tensor in model.inputs]
    return inputs[0] if len(inputs) == 1 else inputs


def gradients(function, *values):
    """Gradients of `function(*tensors)` with respect to each of `values`.

    The one backend-specific piece the tests need: `tf.GradientTape` on
    TensorFlow, `jax.grad` on JAX (inside a `keras.StatelessScope`, so layers
    that draw random numbers do not leak traced values into their state).

    Args:
        function: maps tensors to `(scalar, auxiliary)`; the auxiliary output
            (anything) comes back as NumPy beside the gradients.
        *values: NumPy arrays to differentiate at.

    Returns:
        `(auxiliary, [gradient, ...])`, all NumPy.
    """
    values = [np.asarray(value, "float32") for value in values]
    if keras.backend.backend() == "jax":
        import jax

        def scalar(*tensors):
            with keras.StatelessScope():
                return function(*tensors)

        argnums = tuple(range(len(values)))
        grads, aux = jax.grad(scalar, argnums=argnums, has_aux=True)(*values)
        return keras.tree.map_structure(np.asarray, aux), [np.asarray(g) for g in grads]
    import tensorflow as tf

    variables = [tf.Variable(value) for value in values]
    with tf.GradientTape() as tape:
        total, aux = function(*variables)
    grads = tape.gradient(total, variables)
    return keras.tree.map_structure(np.asarray, aux), [np.asarray(g) for g in grads]


class Batches(keras.utils.PyDataset):
    """`(x, y)` arrays as a `keras.utils.PyDataset` of batches of `size`."""

    def __init__(self, x, y, size):
        super().__init__()
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        rows = slice(index * self.size, (index + 1) * self.size)
        return self.x[rows], self.y[rows]


def deterministic_outputs(model, seed=0):
    """What `model` computes without drawing random numbers, on seeded inputs.

    The VAE samples its code in every call and the backends draw different
    random streams, so it is probed through its encoder and its decoder; the
    GAN through its generator and its discriminator; every other model
    through its own call.

    Returns:
        A list of NumPy arrays.
    """
    parts = [model]
    if hasattr(model, "encoder") and hasattr(model, "decoder"):
        parts = [model.encoder, model.decoder]
    elif hasattr(model, "generator") and hasattr(model, "discriminator"):
        parts = [model.generator, model.discriminator]
    outputs = []
    for index, part in enumerate(parts):
        result = part(random_inputs(part, seed=seed + index), training=False)
        outputs += [
            np.asarray(keras.ops.convert_to_numpy(t))
            for t in keras.tree.flatten(result)
        ]
    return outputs


def assert_steps_per_call_train_alike(recipe, make_model, data, **fit_kwargs):
    """Several training steps per compiled call give the weights one step per call does.

    Also checks that `compile`'s `"auto"` gives the recipe's
    `STEPS_PER_EXECUTION` and that a non-positive count is refused.

    Args:
        recipe: the recipe module (`compile`, `fit`, `STEPS_PER_EXECUTION`).
        make_model: `make_model() -> model`, the same initial weights each call.
        data: what `recipe.fit` trains on.
        **fit_kwargs: more arguments of `recipe.fit`.
    """
    import pytest

    auto = recipe.compile(make_model())
    assert auto.steps_per_execution == recipe.STEPS_PER_EXECUTION
    weights = []
    for steps_per_execution in (1, 4):
        keras.utils.set_random_seed(0)
        model = recipe.compile(make_model(), steps_per_execution=steps_per_execution)
        recipe.fit(model, data, verbose=0, **fit_kwargs)
        weights.append(model.get_weights())
    for one, several in zip(*weights):
        np.testing.assert_allclose(one, several, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="steps_per_execution"):
        recipe.compile(make_model(), steps_per_execution=0)
