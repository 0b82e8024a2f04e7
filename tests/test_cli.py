"""The `recipes` command line: a fast start, its output, your own data, Ctrl-C."""

import importlib.metadata
import io
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import types

import numpy as np
import pytest

from recipes import cli
from recipes.cli import commands, report, userdata

ROOT = pathlib.Path(__file__).parents[1]
# Keras's own lines with one line per epoch (`verbose=2`).
PROGRESS = re.compile(r"^(Epoch \d+/\d+|\d+/\d+ - .*)$")


def run(capsys, *argv):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def command(*argv, flags=()):
    """`python FLAGS -m recipes.cli ARGV` as a new process, and its environment."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the command sets its own
    return [sys.executable, *flags, "-m", "recipes.cli", *map(str, argv)], env


@pytest.fixture(scope="module")
def digits_npz(tmp_path_factory):
    """150 of scikit-learn's digits as a .npz file with arrays x and y."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    path = tmp_path_factory.mktemp("data") / "digits_small.npz"
    x = (digits.images[:150, :, :, None] / 16).astype("float32")
    np.savez(path, x=x, y=digits.target[:150])
    return path


def write_images(folder, classes=("a", "b"), per_class=5, channels=1):
    import keras

    rng = np.random.default_rng(0)
    for name in classes:
        (folder / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.uniform(0, 255, (8, 8, channels)).astype("uint8")
            keras.utils.save_img(folder / name / f"{i}.png", pixels, scale=False)
    return folder


# ------------------------------------------------------------ fast start ---


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--help"], "usage: recipes"),
        (["list"], "convnet"),
        (["--version"], f"recipes {cli.version()}"),
    ],
)
def test_answers_without_importing_keras_or_a_backend(argv, expected):
    argv, env = command(*argv, flags=("-X", "importtime"))
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout
    imported = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert imported and not imported & {"keras", "tensorflow", "jax"}


def test_version_is_the_distributions():
    try:
        expected = importlib.metadata.version("keras-recipes")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        pyproject = (ROOT / "pyproject.toml").read_text()
        expected = re.search(r'(?m)^version = "(.+)"', pyproject)[1]
    assert cli.version() == expected


def test_list_matches_the_registry(capsys):
    import recipes

    status, out, _ = run(capsys, "list", "--json")
    assert status == 0
    rows = json.loads(out)
    assert [row["name"] for row in rows] == recipes.available()
    for row in rows:
        recipe = recipes.get(row["name"])
        assert row["dataset"] == recipe.DATASET
        assert row["summary"] == recipe.__doc__.strip().splitlines()[0]
    status, out, _ = run(capsys, "list")
    assert [line.split()[0] for line in out.splitlines()] == recipes.available()


# ---------------------------------------------------------------- output ---


def test_train_json_then_evaluate_table(capsys, tmp_path, digits_npz):
    path = tmp_path / "autoencoder.keras"
    status, out, err = run(
        capsys, "train", "autoencoder", "--data", digits_npz, "--epochs", 1,
        "--quiet", "--save", path, "--json",
    )  # fmt: skip
    assert status == 0, err
    trained = json.loads(out)
    assert trained["recipe"] == "autoencoder" and trained["dataset"] == "digits_small"
    assert err.splitlines() == ["trained 1 epoch", f"saved the model to {path}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no partial

    status, out, err = run(capsys, "evaluate", path, "--data", digits_npz)
    assert status == 0, err
    title, *rows = out.splitlines()
    assert title == f"{path} (autoencoder) on digits_small, test split"
    values = dict(row.split() for row in rows)
    assert set(values) == set(trained) - {"recipe", "dataset"}
    for name, value in values.items():  # 4 significant digits
        assert value == f"{trained[name]:#.4g}".rstrip("."), name


def test_stop_reason_reads_the_history():
    def history(epoch, epochs, val_loss, loss=None):
        logs = {"loss": loss or [1.0] * len(epoch), "val_loss": val_loss}
        return types.SimpleNamespace(
            epoch=epoch, params={"epochs": epochs}, history=logs
        )

    early = history([0, 1, 2, 3, 4], 10, [3.0, 2.0, 2.5, 2.6, 2.7])
    assert report.stop_reason(early) == (
        "stopped early at epoch 5 of 10; restored the best epoch 2"
    )
    assert report.stop_reason(history([0, 1, 2], 3, [3.0, 2.0, 1.0])) == (
        "trained all 3 epochs"
    )
    restored = history([0, 1, 2], 3, [3.0, 1.0, 2.0])
    assert report.stop_reason(restored, restored=True) == (
        "trained all 3 epochs; restored the best epoch 2"
    )
    resumed = history([3, 4, 5], 6, [3.0, 2.0, 1.0])
    assert report.stop_reason(resumed) == "resumed at epoch 4; trained all 6 epochs"
    nan = history([0, 1], 5, [1.0, 1.0], loss=[1.0, float("nan")])
    assert "the loss is not finite" in report.stop_reason(nan)


def test_tuner_trials_are_numbered_from_zero():
    stream = io.StringIO()
    trials = report.TrialsFromZero(stream)
    print("Search: Running Trial #1", file=trials)
    print("Trial 1 Complete [00h 00m 02s]", file=trials)
    print("Trial 03 failed", file=trials)
    assert stream.getvalue().splitlines() == [
        "Search: Running Trial #0",
        "Trial 0 Complete [00h 00m 02s]",
        "Trial 03 failed",
    ]


# ------------------------------------------------------------- your data ---


def test_train_on_a_folder_of_images(capsys, tmp_path):
    folder = write_images(tmp_path / "shapes")
    status, out, err = run(
        capsys, "train", "autoencoder", "--data", folder, "--epochs", 1, "--quiet"
    )
    assert status == 0, err
    assert out.splitlines()[0] == "autoencoder on shapes, test split"


def test_folders_and_npz_files_become_bundles(tmp_path):
    bundle = userdata.load(write_images(tmp_path / "rgb", per_class=5, channels=3))
    assert bundle.info.input_shape == (8, 8, 3)
    assert bundle.info.class_names == ("a", "b") and bundle.info.num_classes == 2
    assert [len(split[0]) for split in (bundle.train, bundle.val, bundle.test)] == [
        6, 2, 2,
    ]  # fmt: skip
    assert 0 <= bundle.train[0].min() and bundle.train[0].max() <= 1

    write_images(tmp_path / "splits" / "train", per_class=4)
    write_images(tmp_path / "splits" / "test", per_class=1)
    bundle = userdata.load(tmp_path / "splits")
    assert bundle.info.input_shape == (8, 8, 1)
    assert [len(split[0]) for split in (bundle.train, bundle.val, bundle.test)] == [
        6, 2, 2,
    ]  # fmt: skip

    x = np.full((10, 4, 3), 255, dtype="uint8")
    np.savez(
        tmp_path / "seq.npz", x=x, y=np.arange(10) % 2, x_test=x[:3], y_test=[0, 1, 1]
    )
    bundle = userdata.load(tmp_path / "seq.npz", seed=1)
    assert bundle.info.name == "seq" and bundle.info.input_shape == (4, 3)
    assert (len(bundle.train[0]), len(bundle.val[0]), len(bundle.test[0])) == (8, 2, 3)
    assert bundle.train[0].dtype == np.float32 and bundle.train[0].max() == 1.0


def _npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.mark.parametrize(
    "case, match",
    [
        ("missing", "does not exist"),
        ("csv", "must be a .npz file or a folder"),
        ("no_y", "has no array 'y'"),
        ("unknown_key", "unknown arrays ['train_x']"),
        ("lengths", "10 examples but 9 labels"),
        ("shapes", "val examples have shape (8, 8, 1), train examples (8, 8)"),
        ("labels", "class indices"),
        ("empty_folder", "holds no images in class subfolders"),
        ("both", "not allowed with argument"),
        ("dann", "`--data` gives one dataset, but the dann recipe"),
    ],
)
def test_bad_data_exits_2_naming_data(capsys, tmp_path, case, match):
    x, y = np.zeros((10, 8, 8)), np.arange(10) % 3
    paths = {
        "missing": lambda: tmp_path / "nope.npz",
        "csv": lambda: (tmp_path / "d.csv").write_text("1,2") and tmp_path / "d.csv",
        "no_y": lambda: _npz(tmp_path / "d.npz", x=x),
        "unknown_key": lambda: _npz(tmp_path / "d.npz", x=x, y=y, train_x=x),
        "lengths": lambda: _npz(tmp_path / "d.npz", x=x, y=y[:9]),
        "shapes": lambda: _npz(
            tmp_path / "d.npz", x=x, y=y, x_val=np.zeros((2, 8, 8, 1)), y_val=y[:2]
        ),
        "labels": lambda: _npz(tmp_path / "d.npz", x=x, y=y - 1),
        "empty_folder": lambda: (
            (tmp_path / "empty" / "a").mkdir(parents=True) or tmp_path / "empty"
        ),
    }
    data = paths.get(case, lambda: _npz(tmp_path / "d.npz", x=x, y=y))()
    extra = ["--dataset", "digits"] if case == "both" else []
    name = "dann" if case == "dann" else "convnet"
    status, _, err = run(capsys, "train", name, "--data", data, *extra)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--data" in lines[0] and match in lines[0], lines


@pytest.mark.parametrize(
    "argv, match",
    [
        (["train", "no_such_recipe"], "Unknown recipe 'no_such_recipe'"),
        (["train", "autoencoder", "--epochs", "0"], "`epochs` must be an integer >= 1"),
        (["train", "convnet", "--dataset", "nope", "--epochs", "1"], "not available"),
        (["evaluate", "missing.keras"], "is not a file"),
        (["train"], "the following arguments are required: name"),
        ([], "the following arguments are required: COMMAND"),
        (["fly"], "invalid choice: 'fly'"),
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "convnet", "--dataset", ""], "`--dataset` must name a dataset"),
        (["train", "convnet", "--dataset", " "], "`--dataset` must name a dataset"),
        (["train", "convnet", "--seed", "-1"], "`seed` must be an integer in [0"),
        (["train", "convnet", "--seed", "abc"], "argument --seed: invalid int"),
        (["train", "convnet", "--epochs", "1.5"], "argument --epochs: invalid int"),
        (["train", "convnet", "--epochs", "-3"], "`epochs` must be an integer >= 1"),
        (["train", "convnet", "--batch-size", "0"], "`batch_size` must be an integer"),
        (["train", "convnet", "--save", "x.h5"], "`save` must end in '.keras'"),
        (["train", "convnet", "--data", "README.md"], "`--data` 'README.md' must be"),
        (["evaluate", "README.md"], "is not a .keras file"),
        (["evaluate", "saved_models/convnet.keras", "--recipe", "nope"], "Unknown"),
        (
            ["evaluate", "saved_models/vae.keras", "--recipe", "convnet"],
            "holds a model of the vae recipe, not of the convnet recipe",
        ),
        (["evaluate", "saved_models/convnet.keras", "--seed", "-2"], "`seed` must"),
        (["tune", "nope"], "Unknown recipe 'nope'"),
        (["tune", "convnet", "--tuner", "nope"], "`tuner` must be one of"),
        (["tune", "convnet", "--max-trials", "0"], "`max_trials` must be an integer"),
        (["tune", "convnet", "--objective", "val_f1"], "`objective` must be one of"),
        (["tune", "convnet", "--epochs", "0"], "`epochs` must be an integer >= 1"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, match):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and match in lines[0], lines
    assert "Epoch" not in err  # refused before any training


def test_evaluate_asks_for_the_recipe_of_a_foreign_model(capsys, tmp_path):
    import keras

    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    path = tmp_path / "foreign.keras"
    keras.Model(inputs, outputs).save(path)
    assert cli.main(["evaluate", str(path)]) == 2
    assert "--recipe" in capsys.readouterr().err


# ---------------------------------------------------------------- Ctrl-C ---


def test_ctrl_c_exits_130_and_rerunning_resumes(capsys, tmp_path, digits_npz):
    checkpoints = tmp_path / "checkpoints"
    # A ConvNet (early stopping waits 30 epochs) trains long enough for the
    # interrupt to land on a loaded machine.
    argv = ["train", "convnet", "--data", digits_npz, "--epochs", 20]
    argv += ["--batch-size", 8, "--checkpoint-dir", checkpoints]
    process_argv, env = command(*argv)
    # The child starts with Ctrl-C's default action, whatever this test process
    # inherited: a process that starts with SIGINT ignored keeps ignoring it.
    process = subprocess.Popen(
        process_argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in process.stderr:
            assert PROGRESS.match(line), line  # no backend log lines
            if not line.startswith("Epoch"):  # the first epoch has ended
                process.send_signal(signal.SIGINT)
                break
        rest = process.stderr.read().splitlines()
        assert process.wait(timeout=60) == 130
    finally:
        process.kill()
    said = [line for line in rest if not PROGRESS.match(line)]
    assert said == [
        "recipes train: interrupted; rerun the same command to resume from the "
        f"last finished epoch (its state is in {checkpoints})"
    ]
    assert process.stdout.read() == ""

    status, out, err = run(capsys, *argv)
    assert status == 0, err
    resumed = re.search(
        r"^resumed at epoch (\d+); (trained all 20 epochs|stopped early at epoch "
        r"\d+ of 20)(; restored the best epoch \d+)?$",
        err,
        re.M,
    )
    assert resumed and 2 <= int(resumed[1]) < 20, err[-2000:]
    assert out.startswith("convnet on digits_small, test split")


def test_ctrl_c_without_a_checkpoint_dir_says_how_to_resume():
    args = types.SimpleNamespace(command="train", checkpoint_dir=None)
    assert "--checkpoint-dir DIR" in commands.interrupted(args)


def test_ctrl_c_during_a_fit_is_raised_at_the_end_of_the_batch():
    from recipes.cli import interrupt

    ctrl_c = interrupt.callback()
    with pytest.raises(KeyboardInterrupt):  # outside a fit: at once
        ctrl_c.handle(signal.SIGINT, None)
    ctrl_c.on_train_begin()
    ctrl_c.handle(signal.SIGINT, None)  # recorded, not raised where it lands
    with pytest.raises(KeyboardInterrupt):
        ctrl_c.on_train_batch_end(0)
    ctrl_c.on_train_batch_end(1)  # raised once
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with interrupt.deferred(ctrl_c):
            assert signal.getsignal(signal.SIGINT) == ctrl_c.handle
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

        def own_handler(signum, frame):
            pass

        signal.signal(signal.SIGINT, own_handler)  # left as it is
        with interrupt.deferred(ctrl_c):
            assert signal.getsignal(signal.SIGINT) is own_handler
        assert signal.getsignal(signal.SIGINT) is own_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
