"""Small real `tfds` builders that tests prepare into a temporary `data_dir`.

Defining a `GeneratorBasedBuilder` subclass registers it with TFDS under its
snake-case name, so `recipes.data.load("tiny_digits", data_dir=...)` goes
through the same `tfds.builder` path as `mnist` would.
"""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds


class TinyDigits(tfds.core.GeneratorBasedBuilder):
    """120 of scikit-learn's digits as 8x8 uint8 images, train and test splits."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return self.dataset_info_from_configs(
            description="A tiny image dataset for the tests.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 8, 1)),
                    "label": tfds.features.ClassLabel(num_classes=10),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        return {
            "train": self._generate_examples(0, 80),
            "test": self._generate_examples(80, 120),
        }

    def _generate_examples(self, start, stop):
        from sklearn.datasets import load_digits

        digits = load_digits()
        for i in range(start, stop):
            image = (digits.images[i] * 15).astype(np.uint8)[..., None]
            yield i, {"image": image, "label": int(digits.target[i])}


def prepare(builder_class, data_dir):
    """Builds `builder_class` into `data_dir` and returns the builder."""
    builder = builder_class(data_dir=str(data_dir))
    builder.download_and_prepare()
    return builder
