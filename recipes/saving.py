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


# ------------------------------------------------------------- writing ---


def check_writable(path, name, *, suffix=None, folder=False):
    """Refuses a path that cannot be written, before any work is done.

    Missing folders above `path` are fine (they are created when it is
    written); nothing is created here.

    Args:
        path: the file (or, with `folder=True`, the folder) to be written.
        name: the argument's name for the message (`"export_path"`).
        suffix: the ending a file's name must have (`".keras"`), or `None`.
        folder: whether `path` is a folder rather than a file.

    Returns:
        `path` as a string.

    Raises:
        ValueError: naming `name`, for an empty path, a file name without
            `suffix`, a file path that is a folder or a folder path that is a
            file, a folder above it that is a file, or a folder you have no
            permission to write in.
    """
    path = os.fspath(path)
    if not path:
        raise ValueError(f"`{name}` must be a path, got {path!r}.")
    if suffix and not path.endswith(suffix):
        raise ValueError(f"`{name}` must end in {suffix!r}, got {path!r}.")
    target = os.path.abspath(path)
    if os.path.isdir(target) and not folder:
        raise ValueError(f"`{name}` {path!r} is a folder; give the path of a file.")
    if os.path.lexists(target) and not os.path.isdir(target) and folder:
        raise ValueError(f"`{name}` {path!r} is a file, not a folder.")
    existing = target if folder else os.path.dirname(target)
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise ValueError(
            f"`{name}` {path!r} cannot be written: {existing!r} is a file, not a "
            "folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(
            f"`{name}` {path!r} cannot be written: no permission to write in "
            f"{existing!r}."
        )
    return path


PARTIAL = ".partial-"
"""What marks a file being written: `.NAME.partial-XXXXXXXX.SUFFIX` beside `NAME`."""


def partial_files(path):
    """The temporary files of saves to `path`: in progress, or left by a killed one.

    Args:
        path: the file the saves write.

    Returns:
        Their paths, sorted; `[]` when there are none.
    """
    directory, base = os.path.split(os.path.abspath(os.fspath(path)))
    prefix = f".{base}{PARTIAL}"
    try:
        names = os.listdir(directory)
    except OSError:  # no such folder yet
        return []
    return sorted(os.path.join(directory, n) for n in names if n.startswith(prefix))


def remove_stale_partials(path):
    """Removes the temporary files that killed saves to `path` left behind.

    A save in progress holds a lock on its temporary file (on systems with
    `fcntl`, which releases it when the process ends, even when it is killed),
    so only the files of saves that no longer run are removed. Without
    `fcntl`, every temporary file of `path` that can be removed is.

    Args:
        path: the file the saves write.

    Returns:
        The paths removed.
    """
    removed = []
    for partial in partial_files(path):
        try:
            handle = os.open(partial, os.O_RDONLY)
        except OSError:  # gone already, or not ours to read
            continue
        try:
            if _lock(handle, wait=False):
                os.remove(partial)
                removed.append(partial)
        except OSError:  # removed meanwhile, or in use (Windows)
            pass
        finally:
            os.close(handle)
    return removed


def _lock(handle, *, wait):
    """Takes the exclusive lock of an open file; whether it got it."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def _new_partial(directory, base, suffix):
    """Creates and locks a temporary file for `base`: `(handle, path)`."""
    while True:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{base}{PARTIAL}", suffix=suffix, dir=directory
        )
        _lock(handle, wait=True)
        try:  # a cleaner may have removed it before the lock was taken
            if os.path.samestat(os.fstat(handle), os.stat(temporary)):
                return handle, temporary
        except OSError:
            pass
        os.close(handle)


def write_atomically(path, write):
    """Writes a file through `write(temporary)`, then renames it to `path`.

    The temporary file sits beside `path` (so the rename is atomic) under the
    name `.NAME.partial-XXXXXXXX.SUFFIX`, and is removed if `write` fails, so
    `path` is either complete or untouched. A save that is killed (SIGKILL,
    power loss) cannot remove its temporary file; the next save to `path`
    does (`remove_stale_partials`), so none outlives the next run.

    Args:
        path: the file to write; its folder is created.
        write: a function given the temporary file's path, which it writes.

    Returns:
        `path`.

    Raises:
        ValueError: when `path` cannot be written (see `check_writable`).
    """
    path = check_writable(path, "path")
    directory, base = os.path.split(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    remove_stale_partials(path)
    handle, temporary = _new_partial(directory, base, os.path.splitext(path)[1])
    try:
        if os.name == "nt":  # Windows renames no file that is open
            os.close(handle)
            handle = None
        write(temporary)
        os.chmod(temporary, 0o644)  # mkstemp creates files readable by the owner only
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
        if handle is not None:
            os.close(handle)  # releases the lock
    return path


def save_model(model, path):
    """Saves `model` as `.keras` atomically: to a temporary name, then renamed.

    An interrupted save never leaves a truncated file at `path`, and the
    temporary file of a killed one is removed by the next save to `path`
    (see `write_atomically`).

    Args:
        model: any Keras model.
        path: destination ending in `.keras`.

    Returns:
        `path`.

    Raises:
        ValueError: for a `path` that does not end in `.keras` or cannot be
            written (see `check_writable`).
    """
    path = check_writable(path, "path", suffix=".keras")
    return write_atomically(path, model.save)


# ------------------------------------------------------------- loading ---

_SAFE_PACKAGES = ("keras", PACKAGE, "builtins")  # where a safe config's objects live


def load_model(path, recipe=None):
    """Loads a `.keras` file that a recipe saved, in safe mode, after checking it.

    Args:
        path: the `.keras` file.
        recipe: the name of the recipe the model is for; `None` takes the one
            that built it. A model no recipe built loads only with `recipe`.

    Returns:
        The model.

    Raises:
        ValueError: naming `path`, for a path that is not a file, a name not
            ending in `.keras`, an empty, truncated or corrupted file or one
            that is no zip archive, a config that refers to code outside Keras
            and the recipes (a `Lambda` layer, `os.system`) or that does not
            load, a model no recipe built when `recipe` is `None`, or one
            built by another recipe than `recipe` (also for an unknown one).

    Example:

    >>> import recipes
    >>> path = save_model(recipes.get("convnet").build(), "convnet.keras")
    >>> recipe_of(load_model(path))
    'convnet'
    >>> load_model(path, recipe="vae")
    Traceback (most recent call last):
    ...
    ValueError: `path` 'convnet.keras' holds a model of the convnet recipe, not of the vae recipe.
    """
    import recipes

    if recipe is not None:
        recipes.get(recipe)  # an unknown name is a ValueError listing the known
    shown = repr(os.fspath(path))
    config = _read_archive(path, shown)
    unsafe = _unsafe_reference(config)
    if unsafe:
        raise ValueError(f"`path` {shown} is unsafe to load: it holds {unsafe}.")
    recipes.register_all()
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a bad config
        raise ValueError(
            f"`path` {shown} cannot be loaded: {_reason(error)}."
        ) from None
    built = recipe_of(model)
    if built is None and recipe is None:
        raise ValueError(
            f"`path` {shown} holds a model no recipe built; name the recipe to use "
            "it with (`recipe`, or --recipe NAME on the command line)."
        )
    if built is not None and recipe is not None and built != recipe:
        raise ValueError(
            f"`path` {shown} holds a model of the {built} recipe, not of the "
            f"{recipe} recipe."
        )
    return model


def _reason(error):
    """The gist of a Keras loading error: its innermost cause, in one line."""
    text = str(error).rsplit("Exception encountered: ", 1)[-1]
    reason = (text.strip().splitlines() or [type(error).__name__])[0]
    reason = reason.split(". Make sure", 1)[0].split(" Full object config", 1)[0]
    if reason.startswith("Could not locate"):
        reason += ", which neither Keras nor the recipes define"
    return reason.rstrip(".")


def _read_archive(path, shown):
    """The parsed `config.json` of a `.keras` archive that passes its checks."""
    import json
    import zipfile

    if not os.path.isfile(path):
        why = "it is a folder" if os.path.isdir(path) else "it does not exist"
        raise ValueError(f"`path` {shown} is not a file ({why}).")
    if not os.fspath(path).endswith(".keras"):
        raise ValueError(f"`path` {shown} is not a .keras file (by its name).")
    size = os.path.getsize(path)
    if size == 0:
        raise ValueError(f"`path` {shown} is empty (0 bytes), not a saved model.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        with open(path, "rb") as file:
            zipped = file.read(4) == b"PK\x03\x04"
        if zipped:
            raise ValueError(
                f"`path` {shown} is truncated or corrupted: a zip archive of {size} "
                "bytes without its table of contents."
            ) from None
        raise ValueError(
            f"`path` {shown} is not a .keras file (no zip archive)."
        ) from None
    except OSError as error:  # no permission to read it, ...
        reason = error.strerror or error
        raise ValueError(f"`path` {shown} cannot be read ({reason}).") from None
    try:
        with archive:
            damaged = archive.testzip()  # reads every member, checks its CRC
            names = archive.namelist()
            text = archive.read("config.json") if "config.json" in names else None
    except Exception as error:  # BadZipFile, zlib.error, EOFError, OSError ...
        raise ValueError(f"`path` {shown} is corrupted ({error}).") from None
    if damaged is not None:
        raise ValueError(f"`path` {shown} is corrupted: {damaged} fails its CRC check.")
    if text is None:
        raise ValueError(f"`path` {shown} is not a saved Keras model (no config.json).")
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(
            f"`path` {shown} is corrupted (config.json is not JSON)."
        ) from None


def _unsafe_reference(config):
    """What in a model config points outside Keras and the recipes, or `None`."""
    if isinstance(config, list):
        return next(filter(None, map(_unsafe_reference, config)), None)
    if not isinstance(config, dict):
        return None
    name, module = config.get("class_name"), config.get("module")
    if name == "__lambda__" or (name == "Lambda" and str(module).startswith("keras")):
        return "a Lambda layer (Python code that no recipe uses)"
    if isinstance(module, str) and module.split(".")[0] not in _SAFE_PACKAGES:
        if name == "function":  # a function's config is its name
            name = config.get("config")
        return f"a reference to {module}.{name}, which is neither Keras nor a recipe"
    return next(filter(None, map(_unsafe_reference, config.values())), None)
