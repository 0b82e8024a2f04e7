"""Killed work resumes: a fit after its last finished epoch, a search after its trials.

Each recipe trains in a process of its own with `checkpoint_dir`; the process
kills itself (SIGKILL) during an epoch, and the same command run again must
start at the epoch after the last one that finished and end at the last epoch.
The ConvNet runs in the default suite; every other recipe with `-m slow`.
A search killed during a trial, run again, keeps the trials that finished and
runs the rest (the killed one again).
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


def in_a_process(*argv):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KERAS_BACKEND": keras.backend.backend(),
    }
    return subprocess.run(
        [sys.executable, "-m", "tests.resume_run", *map(str, argv)],
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
    killed = in_a_process(name, checkpoints, log, EPOCHS, KILL_AT)
    assert killed.returncode == -9, killed.stderr[-3000:]  # SIGKILL, mid-epoch
    first = log.read_text().splitlines()
    assert first[-2:] == [f"begin {KILL_AT}", f"killed {KILL_AT}"], first
    assert f"end {KILL_AT - 1}" in first and f"end {KILL_AT}" not in first

    log.unlink()
    resumed = in_a_process(name, checkpoints, log, EPOCHS)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    expected = [
        f"{edge} {epoch}"
        for epoch in range(KILL_AT, EPOCHS)
        for edge in ("begin", "end")
    ]
    assert log.read_text().splitlines() == expected
    # A finished fit removes its backup: a later run starts afresh.
    assert not checkpoints.exists() or not any(checkpoints.iterdir())


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_killed_search_redoes_only_the_trial_it_was_in(tmp_path):
    search, log = tmp_path / "search", tmp_path / "trials.log"
    killed = in_a_process("--tune", "convnet", search, log, 2, 1)
    assert killed.returncode == -9, killed.stderr[-3000:]  # in trial 1's fit
    assert log.read_text().splitlines() == ["fit", "fit", "killed 1"]

    log.unlink()
    resumed = in_a_process("--tune", "convnet", search, log, 2)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    # Trial 0 finished and is kept; only the killed trial 1 runs again.
    assert log.read_text().splitlines() == ["fit"]
    assert (search / "convnet" / "best.keras").is_file()
    trials = sorted(p.name for p in (search / "convnet").glob("trial_*"))
    assert len(trials) == 2
