"""Every tutorial runs as a script and as a notebook, and says what it shows.

The default suite runs every tutorial's `--quick` run once, on one backend:
the tutorials in `AS_SCRIPTS_ON_JAX` as scripts on JAX, the way a user
starts them from a shell, and every other one as a notebook on TensorFlow,
the same cells through a Jupyter kernel with the options from
`RECIPES_TUTORIAL_ARGS`. The other backend's run of each is marked `slow`
(`pytest -m slow` runs it): the recipes themselves are tested on both
backends elsewhere, and a tutorial's run is mostly training time. The
tutorials that train ConvNets take 80-100 s on JAX's CPU convolutions, so
they run on TensorFlow by default.
"""

import os
import pathlib
import subprocess
import sys

import keras
import pytest
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
TUTORIALS = sorted(path.stem for path in (ROOT / "tutorials").glob("*.py"))
AS_SCRIPTS_ON_JAX = {"bilstm", "gan", "vae"}
SCRIPTS = [
    pytest.param(name, marks=[] if name in AS_SCRIPTS_ON_JAX else [pytest.mark.slow])
    for name in TUTORIALS
]
NOTEBOOKS = [
    pytest.param(name, marks=[pytest.mark.slow] if name in AS_SCRIPTS_ON_JAX else [])
    for name in TUTORIALS
]


def check_outputs(out, output):
    """The PNGs were written, each titled; the run said it was a smoke run."""
    assert "Smoke run" in output
    assert "cuInit" not in output and "Traceback" not in output
    pictures = sorted(out.rglob("*.png"))
    assert pictures, "the tutorial wrote no PNG"
    for picture in pictures:
        with Image.open(picture) as image:
            assert image.text.get("Title"), f"{picture.name} has no title"
    assert list(out.rglob("*.keras")), "the tutorial saved no model"
    leftovers = [p.name for p in out.rglob("*") if ".partial-" in p.name]
    leftovers += [p.name for p in out.rglob("tmp*")]
    assert not leftovers, f"temporary files left behind: {leftovers}"


def environment():
    env = dict(os.environ, KERAS_BACKEND=keras.backend.backend())
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the tutorial quiets TensorFlow itself
    return env


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="on TensorFlow the same cells run as a notebook",
)
@pytest.mark.parametrize("name", SCRIPTS)
def test_quick_run_as_a_script(name, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, f"tutorials/{name}.py", "--quick", "--out", str(out)],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    check_outputs(out, output)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="on JAX the same cells run as a script",
)
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_quick_run_as_a_notebook(name, tmp_path, monkeypatch):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(ROOT / "tutorials" / f"{name}.py")
    markdown = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    assert len(markdown) >= 4, "the notebook should tell its story in text cells"
    out = tmp_path / "out"
    for key, value in environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("RECIPES_TUTORIAL_ARGS", f"--quick --out {out}")
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    output = "".join(
        item.get("text", "") + "".join(item.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for item in cell.outputs
    )
    check_outputs(out, output)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="tests/test_tutorial.py checks resuming on every backend",
)
def test_checkpoint_dir_resumes_a_tutorial(tmp_path):
    """A rerun with the same --checkpoint-dir loads what the first run trained."""
    command = [
        sys.executable,
        "tutorials/convnet.py",
        "--quick",
        "--out",
        str(tmp_path / "out"),
        "--checkpoint-dir",
        str(tmp_path / "checkpoints"),
    ]
    runs = [
        subprocess.run(
            command, cwd=ROOT, env=environment(), capture_output=True, text=True
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "trained before" not in runs[0].stdout
    assert "trained before" in runs[1].stdout
    first, second = (
        [line for line in run.stdout.splitlines() if "test accuracy" in line]
        for run in runs
    )
    assert first and first == second
