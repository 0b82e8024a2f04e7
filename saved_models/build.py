"""Trains one model per recipe on its embedded dataset and writes the manifest.

    python saved_models/build.py [RECIPE ...]

Each model is trained by `recipes.cli.train` (what `recipes train NAME --save
saved_models/NAME.keras` runs) with seed 0, saved atomically, and recorded in
`saved_models/manifest.json` with its dataset, split, seed, test metrics, the
Keras and TensorFlow versions, file size and sha256.
`tests/test_saved_models.py` checks every entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "manifest.json")
SEED = 0


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest():
    if not os.path.exists(MANIFEST):
        return {}
    with open(MANIFEST) as file:
        return json.load(file)


def write_manifest(manifest):
    handle, temporary = tempfile.mkstemp(dir=HERE, suffix=".json")
    with os.fdopen(handle, "w") as file:
        json.dump(manifest, file, indent=2, sort_keys=True)
        file.write("\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, MANIFEST)


def build(name):
    import keras
    import tensorflow as tf

    from recipes import cli

    path = os.path.join(HERE, f"{name}.keras")
    result = cli.train(name, seed=SEED, save=path, verbose=0)
    metrics = {k: v for k, v in result.items() if k not in ("recipe", "dataset")}
    return {
        "recipe": name,
        "file": f"{name}.keras",
        "dataset": result["dataset"],
        "split": "the dataset's fixed split of recipes.data.load (seed 0); metrics on its test split",
        "seed": SEED,
        "metrics": metrics,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "size_bytes": os.path.getsize(path),
        "sha256": sha256(path),
        "command": f"python saved_models/build.py {name}",
    }


def main(argv):
    import recipes

    names = argv or recipes.available()
    for name in names:
        entry = build(name)
        manifest = read_manifest()  # re-read: another build may have written it
        manifest[name] = entry
        write_manifest(manifest)
        print(json.dumps(entry), flush=True)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main(sys.argv[1:])
