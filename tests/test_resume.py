"""A fit killed mid-epoch resumes after its last finished epoch, for every recipe.

Each recipe trains in a process of its own with `checkpoint_dir`; the process
kills itself (SIGKILL) during an epoch, and the same command run again must
start at the epoch after the last one that finished and end at the last epoch.
The ConvNet runs in the default suite; every other recipe with `-m slow`.
"""

import os
import pathlib
import subprocess
import sys

import keras
import pytest

import recipes

ROOT = pathlib.Path(__file__).resolve().parents[1]
EPOCHS, KILL_AT = 4, 2
NAMES = [
    pytest.param(name, marks=[] if name == "convnet" else [pytest.mark.slow])
    for name in recipes.available()
]


def fit_in_a_process(name, checkpoint_dir, log, *kill_at):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KERAS_BACKEND": keras.backend.backend(),
    }
    argv = [sys.executable, "-m", "tests.resume_run", name, checkpoint_dir, log]
    return subprocess.run(
        [*argv, str(EPOCHS), *map(str, kill_at)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("name", NAMES)
def test_a_killed_fit_resumes_after_its_last_finished_epoch(name, tmp_path):
    checkpoints, log = tmp_path / "checkpoints", tmp_path / "epochs.log"
    killed = fit_in_a_process(name, checkpoints, log, KILL_AT)
    assert killed.returncode == -9, killed.stderr[-3000:]  # SIGKILL, mid-epoch
    first = log.read_text().splitlines()
    assert first[-2:] == [f"begin {KILL_AT}", f"killed {KILL_AT}"], first
    assert f"end {KILL_AT - 1}" in first and f"end {KILL_AT}" not in first

    log.unlink()
    resumed = fit_in_a_process(name, checkpoints, log)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    expected = [
        f"{edge} {epoch}"
        for epoch in range(KILL_AT, EPOCHS)
        for edge in ("begin", "end")
    ]
    assert log.read_text().splitlines() == expected
