"""Speed benchmarks: `python -m benchmarks.speed [RECIPE ...]`.

Each recipe's benchmark module defines `speed() -> str`: the recipe's training
throughput against the same network written by hand in plain Keras, measured
side by side in one run (interleaved repeats, medians), as ratios.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.common import run_sections  # noqa: E402

# Registry: recipe name -> benchmark module (one line per recipe).
SPEED = {
    "autoencoder": "benchmarks.autoencoder",
    "bilstm": "benchmarks.bilstm",
    "convnet": "benchmarks.convnet",
    "dann": "benchmarks.dann",
    "gan": "benchmarks.gan",
    "siamese": "benchmarks.siamese",
    "vae": "benchmarks.vae",
}

if __name__ == "__main__":
    run_sections("speed", SPEED, sys.argv[1:])
