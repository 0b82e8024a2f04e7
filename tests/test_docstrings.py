"""Runs every `Example:` in the `recipes` docstrings as a doctest.

One test per docstring that has examples, named after the object it documents
(`recipes.layers.TiedDense`, ...), so `--durations` shows what each costs and
`-k` picks one. Each runs in a fresh temporary working directory (examples
that write files, such as `plots.image_grid(..., "grid.png")` or a tuner's
`directory`, leave nothing behind) from the seeds that `conftest.seed` sets.
Examples import what they use beyond their module's own names.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import recipes

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# Docstrings whose examples take 8 s or more on the 2-core CPU machine (each
# trains a default model); they run with `-m slow`, keeping the rest under a
# minute.
SLOW = {"recipes.bilstm", "recipes.convnet", "recipes.siamese"}


def _modules():
    names = [recipes.__name__]
    for info in pkgutil.walk_packages(recipes.__path__, prefix="recipes."):
        names.append(info.name)
    return sorted(names)


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    params = []
    for name in _modules():
        module = importlib.import_module(name)
        for test in sorted(finder.find(module), key=lambda t: t.name):
            if not test.examples:
                continue
            marks = []
            if test.name in SLOW:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(test, id=test.name, marks=marks))
    return params


@pytest.mark.parametrize("test", _doctests())
def test_docstring_examples(test, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs = test.globs.copy()
    test = doctest.DocTest(
        test.examples, globs, test.name, test.filename, test.lineno, test.docstring
    )
    output = []
    result = runner.run(test, out=output.append, clear_globs=True)
    if result.failed:
        pytest.fail("".join(output), pytrace=False)
