"""Classic deep representation learning techniques as Keras 3 recipes.

Each recipe is a module with the same shape: `build`, `compile`, `fit`,
`evaluate`, a Keras Tuner `HyperModel` and its embedded default `DATASET`.
Importing the package imports every recipe, so their custom objects are
registered before any `keras.saving.load_model` (the `recipes` command alone
defers this to the subcommands that need it).

>>> import recipes
>>> recipes.available()
['adversarial', 'autoencoder', 'bilstm', 'convnet', 'dann', 'gan', 'protonet', 'siamese', 'unet', 'vae']
>>> convnet = recipes.get("convnet")
"""

from __future__ import annotations

import importlib
import os
import sys

__version__ = "0.1.0"

# Registry: recipe name -> module. A new technique is one module and one line here.
_RECIPES = {
    "adversarial": "recipes.adversarial",
    "autoencoder": "recipes.autoencoder",
    "bilstm": "recipes.bilstm",
    "convnet": "recipes.convnet",
    "dann": "recipes.dann",
    "gan": "recipes.gan",
    "protonet": "recipes.protonet",
    "siamese": "recipes.siamese",
    "unet": "recipes.unet",
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


def register_all():
    """Imports every recipe, registering its custom layers, losses and models.

    `keras.saving.load_model` finds a custom class only once the module that
    registers it has been imported; `import recipes` calls this, so
    `import recipes; keras.saving.load_model("vae.keras")` works in safe mode
    without `custom_objects`.
    """
    for module in _RECIPES.values():
        importlib.import_module(module)


def _starting_the_command():
    """Whether this import starts the `recipes` command (or `python -m recipes.cli`).

    The command imports only what each subcommand needs, so that `recipes
    --help` and `recipes list` answer without loading Keras or a backend; it
    registers the recipes itself before it loads a model.
    """
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    if script in ("recipes", "recipes.exe", "recipes-script.py"):
        return True
    argv = list(getattr(sys, "orig_argv", ()))
    return any(a == "-m" and b == "recipes.cli" for a, b in zip(argv, argv[1:]))


if not _starting_the_command():
    register_all()

__all__ = ["available", "get", "register_all", *_RECIPES]
