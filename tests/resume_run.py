"""Fits a recipe on tiny data with a checkpoint folder; optionally kills itself.

Run by `tests/test_resume.py` in a process of its own:

    python -m tests.resume_run NAME CHECKPOINT_DIR LOG EPOCHS [KILL_AT_EPOCH]
    python -m tests.resume_run --tune NAME DIRECTORY LOG TRIALS [KILL_IN_TRIAL]

Each epoch's start and end are appended to `LOG` as `begin N` and `end N`
(flushed to disk at once). With `KILL_AT_EPOCH`, the process sends itself
SIGKILL after the first batch of that epoch, as a power cut or the kernel's
out-of-memory killer would: no Python code runs after it. With `--tune`, a
search of `TRIALS` one-epoch trials runs in `DIRECTORY`; each trial's fit
appends `fit` to `LOG`, and the process kills itself during the fit of trial
`KILL_IN_TRIAL` (counted from 0 in this process).
"""

import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import recipes  # noqa: E402
from recipes import protocol, tuning  # noqa: E402
from tests.helpers import tiny  # noqa: E402


class EpochLog(keras.callbacks.Callback):
    """Appends `begin N` / `end N` lines to a file; kills the process if asked."""

    def __init__(self, path, kill_at_epoch=None):
        super().__init__()
        self.path = path
        self.kill_at_epoch = kill_at_epoch
        self.epoch = None

    def write(self, line):
        with open(self.path, "a") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.write(f"begin {epoch}")

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.kill_at_epoch:
            self.write(f"killed {self.epoch}")
            os.kill(os.getpid(), signal.SIGKILL)

    def on_epoch_end(self, epoch, logs=None):
        self.write(f"end {epoch}")


def main(name, checkpoint_dir, log, epochs, kill_at_epoch=None):
    keras.utils.set_random_seed(0)
    recipe = recipes.get(name)
    data = tiny(protocol.load_data(recipe), n=48)
    model = recipe.compile(recipe.build(**protocol.facts(recipe, data.info)))
    kill = None if kill_at_epoch is None else int(kill_at_epoch)
    recipe.fit(
        model,
        data,
        epochs=int(epochs),
        batch_size=16,
        checkpoint_dir=checkpoint_dir,
        callbacks=[EpochLog(log, kill)],
        verbose=0,
    )


class TrialLog(EpochLog):
    """Appends `fit` per trial; kills the process in the fit of trial `kill_in`."""

    fits = 0  # Keras Tuner copies the callbacks for each trial: counted here

    def on_train_begin(self, logs=None):
        type(self).fits += 1
        self.write("fit")
        self.epoch = type(self).fits - 1  # the trial's number in this process

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass


def search(name, directory, log, trials, kill_in=None):
    keras.utils.set_random_seed(0)
    recipe = recipes.get(name)
    data = tiny(protocol.load_data(recipe), n=48)
    kill = None if kill_in is None else int(kill_in)
    tuning.tune(
        name,
        data,
        max_trials=int(trials),
        directory=directory,
        epochs=1,
        callbacks=[TrialLog(log, kill)],
        verbose=0,
    )


if __name__ == "__main__":
    if sys.argv[1] == "--tune":
        search(*sys.argv[2:])
    else:
        main(*sys.argv[1:])
