"""The `recipes` command: list, train, evaluate and tune recipes.

    recipes list
    recipes train convnet --epochs 50 --save convnet.keras
    recipes evaluate convnet.keras
    recipes tune convnet --tuner random --max-trials 10 --out best.keras

A recipe is trained on its embedded default dataset (`DATASET`) unless
`--dataset` names another. Bad input ends with exit status 2 and a one-line
reason on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parser():
    parser = argparse.ArgumentParser(
        prog="recipes",
        description="Classic deep representation learning techniques as Keras 3 recipes.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="list the recipes and their default datasets")

    train = commands.add_parser(
        "train",
        help="train a recipe on a dataset and print its test metrics",
        description="Builds, compiles and fits a recipe with its defaults, then "
        "prints the recipe's headline metrics on the test split as JSON.",
    )
    train.add_argument("name", help="recipe name (see `recipes list`)")
    train.add_argument("--dataset", help="dataset name (default: the recipe's own)")
    train.add_argument("--epochs", type=int, help="most epochs (default: the recipe's)")
    train.add_argument(
        "--batch-size", type=int, help="batch size (default: the recipe's)"
    )
    train.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    train.add_argument("--save", metavar="PATH", help="save the trained model (.keras)")
    train.add_argument(
        "--checkpoint-dir", metavar="DIR", help="resume an interrupted run from DIR"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a saved model on its recipe's test split",
        description="Loads a .keras model (safe mode) and prints its recipe's "
        "headline metrics on the test split as JSON.",
    )
    evaluate.add_argument("path", help="a .keras file saved by a recipe")
    evaluate.add_argument("--dataset", help="dataset name (default: the recipe's own)")
    evaluate.add_argument("--recipe", help="recipe name (default: read from the model)")
    tune = commands.add_parser(
        "tune",
        help="search a recipe's hyperparameters with Keras Tuner",
        description="Runs a Keras Tuner search over the recipe's HyperModel (trial 0 "
        "is the recipe's default), resumes a search found in --directory, and "
        "saves the best model.",
    )
    tune.add_argument("name", help="recipe name (see `recipes list`)")
    tune.add_argument("--dataset", help="dataset name (default: the recipe's own)")
    tune.add_argument(
        "--tuner",
        default="random",
        help="random, bayesian or hyperband (default: random)",
    )
    tune.add_argument("--max-trials", type=int, default=10, help="trials (default: 10)")
    tune.add_argument("--objective", help="objective (default: the recipe's own)")
    tune.add_argument(
        "--epochs", type=int, help="most epochs per trial (default: the recipe's)"
    )
    tune.add_argument(
        "--directory", default="tuning", help="search state (default: tuning)"
    )
    tune.add_argument("--overwrite", action="store_true", help="start afresh")
    tune.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    tune.add_argument(
        "--out", metavar="PATH", help="where to save the best model (.keras)"
    )
    return parser


def train(
    name,
    *,
    dataset=None,
    epochs=None,
    batch_size=None,
    seed=0,
    save=None,
    checkpoint_dir=None,
    verbose="auto",
):
    """Trains recipe `name` with its defaults; what `recipes train` runs.

    Args:
        name: a recipe name.
        dataset: a dataset name (default: the recipe's `DATASET`).
        epochs: overrides the recipe's `fit` default when given.
        batch_size: overrides the recipe's `fit` default when given.
        seed: the random seed (`keras.utils.set_random_seed`) and data seed.
        save: path of a `.keras` file to save the trained model to.
        checkpoint_dir: resume an interrupted run from this directory.
        verbose: Keras's verbosity.

    Returns:
        `{"recipe": name, "dataset": ..., **test metrics}`.
    """
    import keras

    import recipes
    from recipes import protocol, saving

    recipe = recipes.get(name)
    if save is not None and not str(save).endswith(".keras"):
        raise ValueError(f"`save` must end in '.keras', got {save!r}.")
    keras.utils.set_random_seed(seed)
    bundle = protocol.load_data(recipe, dataset, seed=seed)
    model = recipe.compile(recipe.build(**protocol.facts(recipe, bundle.info)))
    options = protocol.fit_options(
        epochs=epochs,
        batch_size=batch_size,
        checkpoint_dir=checkpoint_dir,
        verbose=verbose,
    )
    recipe.fit(model, bundle, **options)
    metrics = recipe.evaluate(model, bundle)
    if save is not None:
        saving.save_model(model, save)
    return {"recipe": name, "dataset": bundle.info.name, **metrics}


def _train(args):
    result = train(
        args.name,
        dataset=args.dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        save=args.save,
        checkpoint_dir=args.checkpoint_dir,
        verbose=0 if args.quiet else "auto",
    )
    if args.save:
        print(f"saved {args.save}", file=sys.stderr)
    print(json.dumps(result))


def _evaluate(args):
    import keras

    import recipes
    from recipes import protocol, saving

    if not os.path.isfile(args.path):
        raise ValueError(f"`path` {args.path!r} is not a file.")
    model = keras.saving.load_model(args.path, safe_mode=True)
    name = args.recipe or saving.recipe_of(model)
    if name is None:
        raise ValueError(
            f"`path` {args.path!r} holds a model no recipe built; name its recipe "
            "with --recipe."
        )
    recipe = recipes.get(name)
    bundle = protocol.load_data(recipe, args.dataset)
    metrics = recipe.evaluate(model, bundle)
    print(json.dumps({"recipe": name, "dataset": bundle.info.name, **metrics}))


def _tune(args):
    import keras

    import recipes
    from recipes import protocol, tuning

    recipe = recipes.get(args.name)
    keras.utils.set_random_seed(args.seed)
    bundle = protocol.load_data(recipe, args.dataset, seed=args.seed)
    fit_kwargs = protocol.fit_options(epochs=args.epochs)
    model, best = tuning.tune(
        recipe,
        bundle,
        tuner=args.tuner,
        max_trials=args.max_trials,
        objective=args.objective,
        directory=args.directory,
        overwrite=args.overwrite,
        export_path=args.out,
        seed=args.seed,
        verbose=1,
        **fit_kwargs,
    )
    if model is None:
        print("worker finished; the chief reports the best trial", file=sys.stderr)
        return
    metrics = recipe.evaluate(model, bundle)
    print(f"best trial: {tuning.summary(best)}", file=sys.stderr)
    print(json.dumps({"recipe": args.name, "hyperparameters": best.values, **metrics}))


def _list(args):
    import recipes

    for name in recipes.available():
        recipe = recipes.get(name)
        summary = (recipe.__doc__ or "").strip().splitlines()[0]
        print(f"{name:10s} {recipe.DATASET:16s} {summary}")


def main(argv=None):
    """Runs the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"list": _list, "train": _train, "evaluate": _evaluate, "tune": _tune}
    try:
        handlers[args.command](args)
    except (ValueError, OSError) as error:
        print(f"recipes {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
