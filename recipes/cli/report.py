"""What the `recipes` command prints: recipe listings, results, notes.

Nothing here imports Keras or a backend: `recipes list` reads each recipe's
summary and default dataset from its source.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import json
import math
import re


def recipes_listed():
    """Every registered recipe with its default dataset and a one-line summary.

    The recipe modules are read, not imported, so no backend is loaded.

    Returns:
        A list of `{"name", "dataset", "summary"}` dicts, sorted by name.
    """
    import recipes

    listed = []
    for name in recipes.available():
        module = f"recipes.{name}"
        tree = _source_tree(module)
        if tree is None:  # not a plain source file: import it after all
            recipe = recipes.get(name)
            doc, dataset = recipe.__doc__ or "", recipe.DATASET
        else:
            doc, dataset = ast.get_docstring(tree) or "", _constant(module, "DATASET")
        summary = (doc.strip().splitlines() or [""])[0]
        listed.append({"name": name, "dataset": dataset, "summary": summary})
    return listed


def _spec(module):
    """The spec of a `recipes` submodule, found without importing its packages."""
    import importlib.machinery

    import recipes

    top, *parts = module.split(".")
    if top != recipes.__name__ or not parts:
        return None
    spec, locations = None, list(recipes.__path__)
    for part in parts:
        spec = importlib.machinery.PathFinder.find_spec(part, locations)
        if spec is None:
            return None
        locations = spec.submodule_search_locations or []
    return spec


def _source_tree(module):
    spec = _spec(module)
    if spec is None or not (spec.origin or "").endswith(".py"):
        return None
    with open(spec.origin, encoding="utf-8") as file:
        return ast.parse(file.read())


def _constant(module, name):
    """The string constant `name` of `module`, following `from X import name`."""
    tree = _source_tree(module)
    if tree is not None:
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if any(getattr(t, "id", None) == name for t in node.targets):
                    return node.value.value
            if isinstance(node, ast.ImportFrom) and any(
                alias.name == name and alias.asname in (None, name)
                for alias in node.names
            ):
                package = module if _is_package(module) else module.rpartition(".")[0]
                source = importlib.util.resolve_name(
                    "." * node.level + (node.module or ""), package
                )
                return _constant(source, name)
    return getattr(importlib.import_module(module), name)


def _is_package(module):
    spec = _spec(module)
    return spec is not None and spec.submodule_search_locations is not None


def listing(rows):
    """`recipes list` as aligned text.

    Args:
        rows: what `recipes_listed` returns.

    Returns:
        One line per recipe: name, default dataset, summary.
    """
    return "\n".join(f"{r['name']:12s} {r['dataset']:16s} {r['summary']}" for r in rows)


def as_json(result):
    """`result` as one line of JSON, numbers at full precision."""
    return json.dumps(result)


def table(title, metrics):
    """Metrics as a short table: a title line, then one `name  value` line each.

    Args:
        title: the first line (what was measured, on which data).
        metrics: `{name: value}`; numbers are shown with 4 significant digits.

    Returns:
        The table as text.
    """
    width = max((len(name) for name in metrics), default=0)
    rows = [f"  {name:{width}s}  {number(value)}" for name, value in metrics.items()]
    return "\n".join([title, *rows])


def number(value):
    """`value` for a table: a finite float with 4 significant digits, else as is.

    Args:
        value: a number or any other value.

    Returns:
        Its text, for example `"0.9861"`, `"0.1500"` or `"1.235e+05"`.
    """
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:#.4g}".rstrip(".")  # 0.1500, 3.085, 1234, 1.235e+05
    return str(value)


def stop_reason(history, restored=None):
    """Why a `fit` ended, read from its `keras.callbacks.History`.

    Every recipe's early stopping watches the validation loss; when training
    ends it restores the weights of the best epoch, the one with the lowest
    validation loss. A run resumed from `--checkpoint-dir` starts at a later
    epoch.

    Args:
        history: the `History` a recipe's `fit` returned (`epoch`, `params`
            and `history` are read).
        restored: whether `fit` ended on the weights of an earlier epoch than
            its last; `None` if unknown (then an early stop is taken to have
            restored the best epoch, and a full run not to have).

    Returns:
        One sentence, for example "stopped early at epoch 41 of 150; restored
        the best epoch 11" or "trained all 150 epochs".
    """
    done = list(history.epoch)
    if not done:
        return "trained no epoch"
    epochs = (history.params or {}).get("epochs") or done[-1] + 1
    first, last = done[0] + 1, done[-1] + 1
    logs = history.history
    val_losses = [float(v) for v in logs.get("val_loss") or ()]
    best = done[val_losses.index(min(val_losses))] + 1 if val_losses else None
    if restored is None:
        restored = last < epochs and best is not None
    said = [f"resumed at epoch {first}"] if first > 1 else []
    losses = logs.get("loss") or [0.0]
    if last >= epochs:
        said.append(
            "trained 1 epoch" if epochs == 1 else f"trained all {epochs} epochs"
        )
    elif not math.isfinite(float(losses[-1])):
        said.append(f"stopped at epoch {last} of {epochs}: the loss is not finite")
    elif best is not None:
        said.append(f"stopped early at epoch {last} of {epochs}")
    else:
        said.append(f"stopped at epoch {last} of {epochs}")
    if restored and best is not None:
        said.append(f"restored the best epoch {best}")
    return "; ".join(said)


class TrialsFromZero(io.TextIOBase):
    """A text stream that numbers Keras Tuner's trials from 0, as `recipes` does.

    Keras Tuner counts the trials it prints from 1, so the trial whose id is
    0, the recipe's default configuration, shows as the first; written
    through this stream its count is 0, matching the trial numbers the
    command reports.

    Args:
        stream: where the text goes.
    """

    _NUMBERED = re.compile(r"(Running Trial #|^Trial )(\d+)(?=$| Complete)")

    def __init__(self, stream):
        super().__init__()
        self._stream = stream

    def write(self, text):
        """Writes `text` to the stream, trial numbers counted from 0.

        Args:
            text: the text.

        Returns:
            The length of `text`.
        """
        self._stream.write(self._NUMBERED.sub(lambda m: f"{m[1]}{int(m[2]) - 1}", text))
        return len(text)

    def flush(self):
        """Flushes the stream."""
        self._stream.flush()

    def isatty(self):
        """Whether the stream is a terminal (Keras shows progress bars there)."""
        return self._stream.isatty()
