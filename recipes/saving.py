"""Saving, loading and the registration every custom object shares.

- `register` registers a class with Keras under the package name `"recipes"`,
  so `keras.saving.load_model` finds it in safe mode without `custom_objects`.
- `RecipeModel` is the Functional model every recipe returns: it records which
  recipe built it (and in what role), and that record travels in the `.keras`
  file, so `recipe_of(model)` answers for a loaded model too.
- `save_model` writes a `.keras` file atomically (`write_atomically`, any file).
"""

from __future__ import annotations

import os
import tempfile

import keras

PACKAGE = "recipes"

register = keras.saving.register_keras_serializable(package=PACKAGE)
"""Class decorator: registers a custom object as `recipes>ClassName`."""


@register
class RecipeModel(keras.Model):
    """A Functional model that knows which recipe built it.

    It is built exactly like `keras.Model(inputs, outputs)`, with two more
    keyword arguments that are saved in its config.

    Args:
        *args: `inputs` and `outputs`, as for a Functional `keras.Model`.
        recipe: the name of the recipe that built the model (`"convnet"`).
        role: what the model is within its recipe (`"model"`, or for example
            `"classifier"` for an autoencoder's fine-tuned classifier).
        **kwargs: passed to `keras.Model` (`name`, `trainable`).

    Example:

    >>> import keras
    >>> inputs = keras.Input((4,))
    >>> model = RecipeModel(inputs, keras.layers.Dense(2)(inputs), recipe="convnet")
    >>> recipe_of(model)
    'convnet'
    """

    def __init__(self, *args, recipe=None, role="model", **kwargs):
        super().__init__(*args, **kwargs)
        self.recipe = recipe
        self.role = role

    def get_config(self):
        return {**super().get_config(), "recipe": self.recipe, "role": self.role}


def recipe_of(model):
    """The name of the recipe that built `model`, or `None` if none did.

    A `RecipeModel` carries it in its config; the recipes' subclassed models
    (`vae.VAE`, `gan.GAN`) carry it as a class attribute.
    """
    return getattr(model, "recipe", None)


def role_of(model):
    """What `model` is within its recipe (`"model"` unless the recipe says)."""
    return getattr(model, "role", "model")


def write_atomically(path, write):
    """Writes a file through `write(temporary)`, then renames it to `path`.

    The temporary file sits beside `path` (so the rename is atomic) and is
    removed if `write` fails, so `path` is either complete or untouched and
    nothing is left behind.

    Args:
        path: the file to write; its folder is created.
        write: a function given the temporary file's path, which it writes.

    Returns:
        `path`.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    suffix = os.path.splitext(path)[1]
    handle, temporary = tempfile.mkstemp(suffix=suffix, dir=directory)
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def save_model(model, path):
    """Saves `model` as `.keras` atomically: to a temporary name, then renamed.

    An interrupted save never leaves a truncated file at `path`.

    Args:
        model: any Keras model.
        path: destination ending in `.keras`.

    Returns:
        `path`.
    """
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(f"`path` must end in '.keras', got {path!r}.")
    return write_atomically(path, model.save)
