"""Loads saved models on this process's backend, saves them again, probes them.

Run by `tests/test_saved_models.py` in a process on the other backend:

    KERAS_BACKEND=jax python -m tests.cross_backend SOURCE_FOLDER TARGET_FOLDER

For every `NAME.keras` in `SOURCE_FOLDER` it writes `TARGET_FOLDER/NAME.keras`
(the model saved again from this backend) and `TARGET_FOLDER/NAME.npz` (its
deterministic outputs here, from `tests.helpers.deterministic_outputs`).
"""

import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import recipes  # noqa: E402, F401  (registers the custom objects)
from tests.helpers import deterministic_outputs  # noqa: E402


def main(source, target):
    source, target = pathlib.Path(source), pathlib.Path(target)
    for path in sorted(source.glob("*.keras")):
        model = keras.saving.load_model(path, safe_mode=True)
        outputs = deterministic_outputs(model)
        np.savez(target / f"{path.stem}.npz", *outputs)
        model.save(target / path.name)


if __name__ == "__main__":
    main(*sys.argv[1:])
