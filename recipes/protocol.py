"""The interface every recipe declares, and the one way to call it.

A recipe is a module (or package) that exports:

- `build(*, input_shape, ...)`, `compile(model, ...)`, `fit(model, data, ...)`,
  `evaluate(model, data)` and a Keras Tuner `HyperModel`;
- `DATASET`, the name of its embedded default dataset;
- `FACTS`, the dataset facts (`input_shape`, `num_classes`) that its `build`
  and its `HyperModel` take from a dataset's `info`;
- `load_data(name, *, seed=0)`, which returns its `data` argument
  (`recipes.data.load` for most; a source and target pair for DANN).

Every recipe's `fit` accepts the options in `FIT_OPTIONS`. The command line,
the tuner and the saved-model builder call recipes only through the functions
below, so a new recipe that declares these names works with all of them.
"""

from __future__ import annotations

MEMBERS = (
    "build",
    "compile",
    "fit",
    "evaluate",
    "HyperModel",
    "DATASET",
    "FACTS",
    "load_data",
)
FACT_NAMES = ("input_shape", "num_classes")
FIT_OPTIONS = ("epochs", "batch_size", "callbacks", "checkpoint_dir", "verbose")


def check(recipe):
    """Refuses a module that does not declare the recipe interface.

    Raises:
        ValueError: naming the missing members or unknown facts.
    """
    missing = [name for name in MEMBERS if not hasattr(recipe, name)]
    if missing:
        raise ValueError(
            f"Recipe {getattr(recipe, '__name__', recipe)!r} does not declare "
            f"{', '.join(missing)}."
        )
    unknown = set(recipe.FACTS) - set(FACT_NAMES)
    if unknown:
        raise ValueError(
            f"Recipe {recipe.__name__!r} declares unknown facts {sorted(unknown)}; "
            f"known: {FACT_NAMES}."
        )
    return recipe


def facts(recipe, info):
    """The keyword arguments `recipe.build` and `recipe.HyperModel` take from `info`.

    Args:
        recipe: a recipe module.
        info: a dataset's `recipes.data.Info`.

    Returns:
        A dict holding the facts the recipe declares in `FACTS`.
    """
    values = {"input_shape": tuple(info.input_shape), "num_classes": info.num_classes}
    return {name: values[name] for name in recipe.FACTS}


def load_data(recipe, name=None, *, seed=0):
    """The recipe's `data` argument for dataset `name` (default: its `DATASET`)."""
    return recipe.load_data(recipe.DATASET if name is None else name, seed=seed)


def fit_options(**options):
    """The shared `fit` options that were given (`None` means the recipe's default).

    Raises:
        ValueError: for an option outside `FIT_OPTIONS`.
    """
    unknown = set(options) - set(FIT_OPTIONS)
    if unknown:
        raise ValueError(
            f"Unknown fit options {sorted(unknown)}; every recipe takes {FIT_OPTIONS}."
        )
    return {key: value for key, value in options.items() if value is not None}
