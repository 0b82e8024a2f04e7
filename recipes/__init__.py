"""Classic deep representation learning techniques as Keras 3 recipes.

Each recipe is a module with the same shape: `build`, `compile`, `fit`,
`evaluate`, a Keras Tuner `HyperModel` and its embedded default `DATASET`.

>>> import recipes
>>> recipes.available()
['autoencoder', 'bilstm', 'convnet', 'dann', 'gan', 'siamese', 'vae']
>>> convnet = recipes.get("convnet")
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Registry: recipe name -> module. A new technique is one module and one line here.
_RECIPES = {
    "autoencoder": "recipes.autoencoder",
    "bilstm": "recipes.bilstm",
    "convnet": "recipes.convnet",
    "dann": "recipes.dann",
    "gan": "recipes.gan",
    "siamese": "recipes.siamese",
    "vae": "recipes.vae",
}


def available():
    """Names of the registered recipes, sorted."""
    return sorted(_RECIPES)


def get(name):
    """The recipe module registered under `name`.

    Raises:
        ValueError: for an unknown name (the message lists the known ones).
    """
    if name not in _RECIPES:
        raise ValueError(
            f"Unknown recipe {name!r}; available: {', '.join(available())}."
        )
    return importlib.import_module(_RECIPES[name])


def __getattr__(name):
    # `recipes.convnet` etc. import lazily, so `import recipes` stays cheap.
    if name in _RECIPES or name in (
        "data",
        "training",
        "tuning",
        "layers",
        "losses",
        "metrics",
        "plots",
    ):
        return importlib.import_module(f"recipes.{name}")
    raise AttributeError(f"module 'recipes' has no attribute {name!r}")


__all__ = ["available", "get", *_RECIPES]
