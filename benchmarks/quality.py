"""Quality benchmarks: `python -m benchmarks.quality [RECIPE ...]`.

Each recipe's benchmark module defines `quality() -> str` (a Markdown section);
its result replaces that recipe's section of `benchmarks/RESULTS.md`.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchmarks.common import run_sections  # noqa: E402

# Registry: recipe name -> benchmark module (one line per recipe).
QUALITY = {
    "adversarial": "benchmarks.adversarial",  # PGD/FGSM robustness, beside ART
    "autoencoder": "benchmarks.autoencoder",
    "bilstm": "benchmarks.bilstm",
    "cam": "benchmarks.cam",  # class activation maps of a ConvNet, not a recipe
    "convnet": "benchmarks.convnet",
    "dann": "benchmarks.dann",
    "dann_moons": "benchmarks.dann_moons",  # the two moons over ten seeds
    "fewshot": "benchmarks.fewshot",  # protonet, siamese and pixels on unseen alphabets
    "gan": "benchmarks.gan",
    "msda": "benchmarks.msda",  # marginalized denoising features across domains
    "msda_dann": "benchmarks.msda_dann",  # mSDA features as DANN inputs
    "siamese": "benchmarks.siamese",
    "style": "benchmarks.style",  # style transfer on the sample photographs, not a recipe
    "transfer": "benchmarks.transfer",  # glyphs: background -> new alphabets
    "tuning": "benchmarks.tuning",  # a ConvNet hyperparameter search, not a recipe
    "unet": "benchmarks.unet",
    "vae": "benchmarks.vae",
}

if __name__ == "__main__":
    run_sections("quality", QUALITY, sys.argv[1:])
