"""The documentation builds with warnings as errors.

`mkdocs build --strict` renders the user guide, the design notes and the API
reference from the docstrings; a broken docstring, a reference to a missing
object or a dead link between pages fails it.
"""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).parents[1]


def test_docs_build_strictly(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--site-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "reference" / "convnet" / "index.html").exists()


def test_every_recipe_has_a_design_note_and_a_reference_page():
    import recipes

    for name in recipes.available():
        assert (ROOT / "docs" / "recipes" / f"{name}.md").exists(), name
        assert (ROOT / "docs" / "reference" / f"{name}.md").exists(), name


def test_every_recipe_has_a_speed_benchmark():
    import importlib

    import recipes
    from benchmarks.speed import SPEED

    assert sorted(SPEED) == recipes.available()
    for module in SPEED.values():
        assert callable(importlib.import_module(module).speed), module
