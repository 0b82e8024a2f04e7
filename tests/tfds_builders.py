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


class TinyReviews(tfds.core.GeneratorBasedBuilder):
    """200 short made-up reviews (text, positive or negative), like imdb_reviews.

    Each review is a few neutral words with one sentiment word somewhere in it;
    the label says whether that word is positive.
    """

    VERSION = tfds.core.Version("1.0.0")
    NEUTRAL = "the a movie film plot actor scene story was is this it and very".split()
    POSITIVE = "great wonderful superb lovely brilliant".split()
    NEGATIVE = "awful boring terrible dull dreadful".split()

    def _info(self):
        return self.dataset_info_from_configs(
            description="A tiny text classification dataset for the tests.",
            features=tfds.features.FeaturesDict(
                {
                    "text": tfds.features.Text(),
                    "label": tfds.features.ClassLabel(names=["neg", "pos"]),
                }
            ),
            supervised_keys=("text", "label"),
        )

    def _split_generators(self, dl_manager):
        return {
            "train": self._generate_examples(0, 160),
            "test": self._generate_examples(160, 200),
        }

    def _generate_examples(self, start, stop):
        rng = np.random.default_rng(0)
        for i in range(stop):
            words = list(rng.choice(self.NEUTRAL, size=rng.integers(3, 9)))
            label = int(rng.integers(2))
            word = rng.choice(self.POSITIVE if label else self.NEGATIVE)
            words.insert(int(rng.integers(len(words) + 1)), word)
            if i >= start:
                yield i, {"text": " ".join(words), "label": label}
