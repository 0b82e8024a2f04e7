"""The options of the `recipes` command.

Building the parser imports nothing heavy, so `recipes --help` answers at once.
"""

from __future__ import annotations

import argparse


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error.

    Args:
        *args: as for `argparse.ArgumentParser`.
        **kwargs: as for `argparse.ArgumentParser`.
    """

    def error(self, message):
        """Ends with exit status 2 and a one-line reason on standard error.

        Args:
            message: argparse's description of the mistake.
        """
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parser(version):
    """The parser of the `recipes` command line.

    Args:
        version: what `recipes --version` prints after the program name.

    Returns:
        An `argparse.ArgumentParser`.
    """
    main = Parser(
        prog="recipes",
        description="Classic deep representation learning techniques as Keras 3 "
        "recipes: list them, train one, evaluate a saved model, tune one.",
        epilog="Run `recipes COMMAND --help` for the options of a command.",
    )
    main.add_argument("--version", action="version", version=f"recipes {version}")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = commands.add_parser(
        "list",
        help="list the recipes and their default datasets",
        description="Lists every recipe with its default dataset and what it is.",
    )
    listing.add_argument("--json", action="store_true", help="print JSON")

    train = commands.add_parser(
        "train",
        help="train a recipe and print its test metrics",
        description="Builds, compiles and fits a recipe with its defaults, then "
        "prints the recipe's headline metrics on the test split.",
    )
    train.add_argument("name", help="recipe name (see `recipes list`)")
    _data_options(train)
    train.add_argument(
        "--epochs", type=int, metavar="N", help="most epochs (default: the recipe's)"
    )
    train.add_argument(
        "--batch-size", type=int, metavar="B", help="batch size (default: the recipe's)"
    )
    _seed_option(train, "random seed and seed of the data split")
    train.add_argument("--save", metavar="PATH.keras", help="save the trained model")
    train.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="keep the run's state in DIR; rerunning the same command after an "
        "interruption resumes from the last finished epoch",
    )
    _output_options(train, progress=True)

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a saved model on the test split",
        description="Loads a .keras model (safe mode) and prints its recipe's "
        "headline metrics on the test split.",
    )
    evaluate.add_argument("path", help="a .keras file saved by a recipe")
    _data_options(evaluate)
    evaluate.add_argument(
        "--recipe", metavar="NAME", help="recipe name (default: read from the model)"
    )
    _seed_option(
        evaluate, "random seed and seed of the data split: the one it was trained with"
    )
    _output_options(evaluate, progress=False)

    tune = commands.add_parser(
        "tune",
        help="search a recipe's hyperparameters with Keras Tuner",
        description="Runs a Keras Tuner search over the recipe's HyperModel "
        "(trial 0 is the recipe's default configuration), resumes a search found "
        "in --directory, saves the best model and prints its test metrics.",
    )
    tune.add_argument("name", help="recipe name (see `recipes list`)")
    _data_options(tune)
    tune.add_argument(
        "--tuner",
        default="random",
        metavar="random|bayesian|hyperband",
        help="random, bayesian or hyperband (default: random)",
    )
    tune.add_argument(
        "--max-trials", type=int, default=10, metavar="N", help="trials (default: 10)"
    )
    tune.add_argument(
        "--objective", metavar="NAME", help="objective (default: the recipe's own)"
    )
    tune.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help="most epochs per trial (default: the recipe's)",
    )
    tune.add_argument(
        "--directory",
        default="tuning",
        metavar="DIR",
        help="search state; rerunning resumes it (default: tuning)",
    )
    tune.add_argument("--overwrite", action="store_true", help="start afresh")
    _seed_option(tune, "random seed and seed of the data split")
    tune.add_argument(
        "--out",
        metavar="PATH.keras",
        help="where to save the best model (default: DIR/NAME/best.keras)",
    )
    _output_options(tune, progress=True)
    return main


def _data_options(command):
    group = command.add_mutually_exclusive_group()
    group.add_argument(
        "--dataset",
        metavar="D",
        help="dataset name (default: the recipe's embedded one)",
    )
    group.add_argument(
        "--data",
        metavar="PATH",
        help="your own data: a .npz file with arrays x, y (and optionally x_val, "
        "y_val, x_test, y_test), or a folder of images in class subfolders",
    )


def _seed_option(command, what):
    command.add_argument(
        "--seed", type=int, default=0, metavar="S", help=f"{what} (default: 0)"
    )


def _output_options(command, *, progress):
    command.add_argument(
        "--json", action="store_true", help="print the results as JSON, not a table"
    )
    if progress:
        command.add_argument(
            "--quiet", action="store_true", help="no progress bar or epoch lines"
        )
    command.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's and JAX's own log lines and warnings",
    )
