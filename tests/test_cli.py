import json
import subprocess
import sys

import pytest

from recipes import cli


def run(capsys, *argv):
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_names_every_recipe(capsys):
    import recipes

    status, out, _ = run(capsys, "list")
    assert status == 0
    for name in recipes.available():
        assert name in out


def test_train_save_then_evaluate(capsys, tmp_path):
    path = tmp_path / "convnet.keras"
    status, out, err = run(
        capsys, "train", "convnet", "--epochs", "1", "--quiet", "--save", str(path)
    )
    assert status == 0, err
    trained = json.loads(out.strip().splitlines()[-1])
    assert trained["recipe"] == "convnet" and trained["dataset"] == "digits"
    assert path.is_file() and not list(tmp_path.glob("tmp*"))
    status, out, err = run(capsys, "evaluate", str(path))
    assert status == 0, err
    evaluated = json.loads(out.strip().splitlines()[-1])
    assert evaluated["accuracy"] == pytest.approx(trained["accuracy"], abs=1e-6)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["train", "no_such_recipe"], "Unknown recipe 'no_such_recipe'"),
        (["train", "convnet", "--epochs", "0"], "`epochs` must be an integer >= 1"),
        (["train", "convnet", "--dataset", "nope", "--epochs", "1"], "not available"),
        (["evaluate", "missing.keras"], "is not a file"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(capsys, argv, match):
    status, _, err = run(capsys, *argv)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and match in lines[0]


def test_console_script_help():
    result = subprocess.run(
        [sys.executable, "-m", "recipes.cli", "--help"], capture_output=True, text=True
    )
    assert (
        result.returncode == 0
        and "train" in result.stdout
        and "evaluate" in result.stdout
    )


def test_evaluate_asks_for_the_recipe_of_a_foreign_model(capsys, tmp_path):
    import keras

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    path = tmp_path / "foreign.keras"
    keras.Model(inputs, outputs).save(path)
    assert cli.main(["evaluate", str(path)]) == 2
    assert "--recipe" in capsys.readouterr().err
