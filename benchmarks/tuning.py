"""Tuning benchmark: a 10-trial random search of the ConvNet on `digits`.

Reports the search's wall time on this machine, the default configuration's
validation accuracy (trial 0 is the default) and the best trial's.
"""

from __future__ import annotations

import json
import pathlib
import tempfile
import time

from benchmarks.common import markdown_table
from recipes import data, tuning

MAX_TRIALS = 10
EPOCHS = 20


def quality():
    bundle = data.load("digits")
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        _, best = tuning.tune(
            "convnet", bundle, max_trials=MAX_TRIALS, directory=directory, epochs=EPOCHS
        )
        seconds = time.perf_counter() - start
        trials = [
            json.loads(path.read_text())
            for path in sorted(
                pathlib.Path(directory, "convnet").glob("trial_*/trial.json")
            )
        ]
    default = trials[0]
    best_trial = max(trials, key=lambda trial: trial["score"])
    rows = [
        [
            "0 (recipe default)",
            default["score"],
            tuning.summary(default["hyperparameters"]["values"]),
        ],
        [f"{best_trial['trial_id']} (best)", best_trial["score"], tuning.summary(best)],
    ]
    verdict = "met" if best_trial["score"] >= default["score"] else "NOT met"
    return (
        "## ConvNet hyperparameter search (tuning)\n\n"
        f"`tuning.tune('convnet', max_trials={MAX_TRIALS}, epochs={EPOCHS})`, random search; "
        f"objective: best validation accuracy of a trial. Wall time: {seconds:.0f} s.\n\n"
        + markdown_table(["trial", "val accuracy", "hyperparameters"], rows)
        + f"\n\nTarget: best trial at least as good as the default on validation ({verdict})."
    )
