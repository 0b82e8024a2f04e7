"""Files that cannot be used are refused early and clearly, and saves leave nothing behind.

`recipes.saving.load_model` checks a `.keras` file before it trusts it;
`recipes evaluate` uses it, so each bad file ends with exit status 2 and one
line. Paths that cannot be written are refused before any training.
"""

import json
import os
import pathlib
import shutil
import zipfile

import keras
import numpy as np
import pytest

import recipes
from recipes import saving
from tests.test_cli import run

ROOT = pathlib.Path(__file__).parents[1]


@pytest.fixture(scope="module")
def convnet_file(tmp_path_factory):
    """A convnet (untrained) saved as a `.keras` file."""
    path = tmp_path_factory.mktemp("models") / "convnet.keras"
    keras.utils.set_random_seed(0)
    model = recipes.get("convnet").build(arch="lenet", width=4, augment=False)
    return saving.save_model(model, path)


def rewritten(source, target, edit):
    """A copy of the archive `source` whose config.json is `edit(config)`."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = edit(json.loads(members["config.json"]))
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in members.items():
            archive.writestr(
                name, json.dumps(config) if name == "config.json" else content
            )
    return target


def point_first_activation_at(reference):
    def edit(config):
        text = json.dumps(config).replace('"relu"', json.dumps(reference), 1)
        return json.loads(text)

    return edit


def lambda_model(path):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    model.save(path)
    return path


def flipped(source, target):
    """`source` with 16 bytes in the middle inverted: its CRC no longer matches."""
    content = bytearray(pathlib.Path(source).read_bytes())
    middle = len(content) // 2
    content[middle : middle + 16] = bytes(
        b ^ 0xFF for b in content[middle : middle + 16]
    )
    pathlib.Path(target).write_bytes(bytes(content))
    return target


BAD_FILES = {
    "lambda": (
        lambda src, t: lambda_model(t),
        None,
        "unsafe to load: it holds a Lambda",
    ),
    "os_system": (
        lambda src, t: rewritten(
            src,
            t,
            point_first_activation_at(
                {
                    "module": "os",
                    "class_name": "function",
                    "config": "system",
                    "registered_name": None,
                }  # fmt: skip
            ),
        ),
        None,
        "unsafe to load: it holds a reference to os.system",
    ),
    "missing_function": (
        lambda src, t: rewritten(
            src,
            t,
            point_first_activation_at(
                {
                    "module": "recipes.losses",
                    "class_name": "function",
                    "config": "no_such_function",
                    "registered_name": "recipes>no_such_function",
                }  # fmt: skip
            ),
        ),
        None,
        "cannot be loaded: Could not locate function 'no_such_function'",
    ),
    "bad_crc": (flipped, None, "is corrupted: model.weights.h5 fails its CRC check"),
    "truncated": (
        lambda src, t: t.write_bytes(pathlib.Path(src).read_bytes()[:2000]) and t,
        None,
        "is truncated or corrupted",
    ),
    "empty": (lambda src, t: t.write_bytes(b"") or t, None, "is empty (0 bytes)"),
    "not_a_zip": (
        lambda src, t: t.write_text("not a model") and t,
        None,
        "is not a .keras file (no zip archive)",
    ),
    "folder": (lambda src, t: t.mkdir() or t, None, "is not a file (it is a folder)"),
    "wrong_recipe": (
        lambda src, t: shutil.copy(src, t) and t,
        "siamese",
        "holds a model of the convnet recipe, not of the siamese recipe",
    ),
    "vae_as_convnet": (
        lambda src, t: shutil.copy(ROOT / "saved_models" / "vae.keras", t) and t,
        "convnet",
        "holds a model of the vae recipe, not of the convnet recipe",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_naming_the_path(case, convnet_file, tmp_path, capsys):
    make, recipe, reason = BAD_FILES[case]
    path = make(convnet_file, tmp_path / f"{case}.keras")
    with pytest.raises(ValueError, match="`path` ") as raised:
        saving.load_model(path, recipe=recipe)
    assert repr(str(path)) in str(raised.value) and reason in str(raised.value)

    argv = ["evaluate", path] + (["--recipe", recipe] if recipe else [])
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("recipes evaluate: error: `path` ")
    assert str(path) in lines[0] and reason in lines[0]


def test_a_model_no_recipe_built_needs_its_recipe(tmp_path):
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(10)(keras.layers.Flatten()(inputs))
    path = tmp_path / "foreign.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(ValueError, match="holds a model no recipe built"):
        saving.load_model(path)
    assert isinstance(saving.load_model(path, recipe="convnet"), keras.Model)


def test_a_good_file_loads_with_or_without_its_recipe(convnet_file):
    assert saving.recipe_of(saving.load_model(convnet_file)) == "convnet"
    assert saving.recipe_of(saving.load_model(convnet_file, "convnet")) == "convnet"
    with pytest.raises(ValueError, match="Unknown recipe 'nope'"):
        saving.load_model(convnet_file, "nope")


# ----------------------------------------------------------------- saving ---


def test_the_next_save_removes_a_killed_saves_partial_file(tmp_path):
    target = tmp_path / "model.keras"
    seen = []

    def write(temporary):
        seen.append(pathlib.Path(temporary))
        pathlib.Path(temporary).write_bytes(b"complete")

    saving.write_atomically(target, write)
    name = seen[0].name  # what a killed save leaves: `.model.keras.partial-*.keras`
    assert name.startswith(".model.keras.partial-") and name.endswith(".keras")
    assert target.read_bytes() == b"complete" and saving.partial_files(target) == []

    stale = tmp_path / ".model.keras.partial-killed.keras"  # its process is gone
    stale.write_bytes(b"half")
    os.chmod(stale, 0o600)
    other = tmp_path / ".other.keras.partial-killed.keras"  # another target's
    other.write_bytes(b"half")
    saving.write_atomically(target, write)
    assert not stale.exists() and other.exists()
    assert saving.partial_files(target) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "model.keras"]


KILLED_SAVE = """
import pathlib, sys, time
from recipes import saving

def write(temporary):
    pathlib.Path(temporary).write_bytes(b"half")
    print("writing", flush=True)
    time.sleep(600)

saving.write_atomically(sys.argv[1], write)
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_save_killed_mid_write_leaves_nothing_after_the_next(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "model.keras"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_SAVE, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout.readline() == "writing\n"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        process.kill()
    left = saving.partial_files(target)
    assert len(left) == 1 and not target.exists()
    saving.write_atomically(target, lambda t: pathlib.Path(t).write_bytes(b"whole"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


@pytest.mark.skipif(os.name == "nt", reason="the lock of a save in progress is POSIX")
def test_a_save_in_progress_keeps_its_partial_file(tmp_path):
    import fcntl

    target = tmp_path / "model.keras"
    running = tmp_path / ".model.keras.partial-running.keras"
    running.write_bytes(b"half")
    with open(running, "rb") as held:  # another process's save holds this lock
        fcntl.flock(held, fcntl.LOCK_EX)
        assert saving.remove_stale_partials(target) == []
        assert running.exists()
    assert saving.remove_stale_partials(target) == [str(running)]


@pytest.mark.parametrize(
    "where, suffix, folder, match",
    [
        ("file/model.keras", ".keras", False, "'{tmp}/file' is a file, not a folder"),
        ("model.h5", ".keras", False, "must end in '.keras'"),
        ("dir.keras", ".keras", False, "is a folder; give the path of a file"),
        ("file", None, True, "is a file, not a folder"),
        ("file/sub/deeper", None, True, "'{tmp}/file' is a file, not a folder"),
    ],
)
def test_unwritable_paths_are_refused(tmp_path, where, suffix, folder, match):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir.keras").mkdir()
    path = os.path.join(tmp_path, where)
    with pytest.raises(ValueError, match="`out`") as raised:
        saving.check_writable(path, "out", suffix=suffix, folder=folder)
    assert match.format(tmp=tmp_path) in str(raised.value)
    assert saving.check_writable(tmp_path / "new" / "m.keras", "out", suffix=".keras")
    assert not (tmp_path / "new").exists()  # nothing is created


@pytest.mark.skipif(
    os.name == "nt" or os.geteuid() == 0, reason="the superuser may write anywhere"
)
def test_a_folder_without_write_permission_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(ValueError, match="no permission to write in"):
            saving.check_writable(locked / "m.keras", "save", suffix=".keras")
    finally:
        locked.chmod(0o700)


@pytest.fixture(scope="module")
def small_npz(tmp_path_factory):
    x = np.random.default_rng(0).uniform(size=(30, 8, 8, 1)).astype("float32")
    path = tmp_path_factory.mktemp("data") / "small.npz"
    np.savez(path, x=x, y=np.arange(30) % 3)
    return path


@pytest.mark.parametrize(
    "option, where, match",
    [
        ("--save", "file/model.keras", "`save` '{tmp}/file/model.keras' cannot be"),
        ("--save", "model.h5", "`save` must end in '.keras'"),
        ("--checkpoint-dir", "file", "`checkpoint_dir` '{tmp}/file' is a file"),
        ("--checkpoint-dir", "file/run", "'{tmp}/file' is a file, not a folder"),
    ],
)
def test_train_refuses_unwritable_paths_before_training(
    capsys, tmp_path, small_npz, option, where, match
):
    (tmp_path / "file").write_text("x")
    before = sorted(tmp_path.rglob("*"))
    status, out, err = run(
        capsys, "train", "convnet", "--data", small_npz, "--epochs", 1,
        option, tmp_path / where,
    )  # fmt: skip
    assert status == 2 and out == ""
    lines = err.strip().splitlines()  # no "Epoch 1/1": no epoch ran
    assert len(lines) == 1 and match.format(tmp=tmp_path) in lines[0], lines
    assert sorted(tmp_path.rglob("*")) == before  # no checkpoint, no model


@pytest.mark.parametrize(
    "argv, match",
    [
        (["--directory", "{tmp}/file"], "`directory` '{tmp}/file' is a file"),
        (["--out", "{tmp}/best.h5"], "`out` must end in '.keras'"),
        (["--out", "{tmp}/file/best.keras"], "'{tmp}/file' is a file, not a folder"),
    ],
)
def test_tune_refuses_unwritable_paths_before_a_trial(capsys, tmp_path, argv, match):
    (tmp_path / "file").write_text("x")
    argv = [a.format(tmp=tmp_path) for a in argv]
    status, out, err = run(capsys, "tune", "convnet", "--epochs", 1, *argv)
    assert status == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and match.format(tmp=tmp_path) in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
