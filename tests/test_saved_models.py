"""Every saved model loads in safe mode, matches its sha256 and its metrics.

The saved models were written on TensorFlow; the suite runs on both backends,
so the manifest checks load them on JAX too. Each is also loaded on the other
backend in a subprocess, saved again there and loaded back here.
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import numpy as np
import pytest

import recipes
from recipes import protocol, saving
from tests.helpers import deterministic_outputs

FOLDER = pathlib.Path(__file__).parents[1] / "saved_models"
MANIFEST = (
    json.loads((FOLDER / "manifest.json").read_text())
    if (FOLDER / "manifest.json").exists()
    else {}
)
# Metrics estimated from seeded random draws (the VAE's importance samples, the
# GAN's noise) are repeatable on one machine but sum many random terms, so they
# get a looser tolerance than the deterministic ones.
STOCHASTIC = {
    "importance_weighted_nll",
    "negative_elbo",
    "reconstruction_loss",
    "kl_loss",
    "d_loss",
    "g_loss",
    # PGD follows the sign of the input gradient; where a component is near
    # zero the two backends' rounding can send a few examples other ways.
    "pgd_accuracy",
}


def test_every_recipe_has_a_saved_model():
    assert sorted(MANIFEST) == recipes.available()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_saved_model_matches_its_manifest(name):
    from saved_models.build import sha256

    entry = MANIFEST[name]
    path = FOLDER / entry["file"]
    assert path.stat().st_size == entry["size_bytes"] <= 8 * 2**20
    assert sha256(path) == entry["sha256"]
    model = keras.saving.load_model(path, safe_mode=True)
    assert saving.recipe_of(model) == name  # what `recipes evaluate` reads
    recipe = recipes.get(name)
    bundle = protocol.load_data(recipe, entry["dataset"], seed=entry["seed"])
    metrics = recipe.evaluate(model, bundle)
    assert set(metrics) == set(entry["metrics"])
    for key, expected in entry["metrics"].items():
        tolerance = 0.02 if key in STOCHASTIC else 1e-3
        if name == "gan":
            # The GAN's test losses score fresh noise from the model's seed
            # generator, whose state moves on with every evaluation.
            tolerance = 0.1
        assert metrics[key] == pytest.approx(expected, rel=tolerance, abs=tolerance), (
            key
        )


OTHER_BACKEND = {"tensorflow": "jax", "jax": "tensorflow"}[keras.backend.backend()]


def test_saved_models_move_between_backends(tmp_path):
    # One test for every model, so that one test worker starts the other
    # backend's process once (a module fixture would run in every worker).
    subprocess.run(
        [sys.executable, "-m", "tests.cross_backend", str(FOLDER), str(tmp_path)],
        cwd=FOLDER.parent,
        env={**os.environ, "KERAS_BACKEND": OTHER_BACKEND},
        check=True,
    )
    for name in sorted(MANIFEST):
        original = keras.saving.load_model(
            FOLDER / MANIFEST[name]["file"], safe_mode=True
        )
        expected = deterministic_outputs(original)
        with np.load(tmp_path / f"{name}.npz") as there:
            on_other_backend = [there[key] for key in there.files]
        moved_back = keras.saving.load_model(
            tmp_path / MANIFEST[name]["file"], safe_mode=True
        )
        assert type(moved_back) is type(original), name
        assert saving.recipe_of(moved_back) == name
        for outputs in (on_other_backend, deterministic_outputs(moved_back)):
            assert len(outputs) == len(expected), name
            for actual, wanted in zip(outputs, expected):
                np.testing.assert_allclose(
                    actual, wanted, rtol=1e-4, atol=1e-5, err_msg=name
                )
