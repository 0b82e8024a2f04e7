"""Siamese networks: learned similarity, pair sampling and one-shot evaluation.

- Bromley et al. (1993): one embedding network, shared by two inputs, trained
  so that a distance between the two embeddings says whether the inputs are
  alike.
- Hadsell, Chopra & LeCun (2006): the contrastive loss on the Euclidean
  distance (`recipes.losses.ContrastiveLoss`); its cosine form from the course
  notes is `recipes.losses.CosineContrastiveLoss`.
- Koch, Zemel & Salakhutdinov (2015): the weighted L1 similarity
  `sigmoid(sum_k alpha_k |z_k - z'_k|)` (`recipes.layers.WeightedL1Similarity`)
  trained with binary cross-entropy and L2 weight decay, and N-way one-shot
  evaluation on classes never seen in training.

Pairs are labelled 1 when similar (same class) and 0 when dissimilar. Similar
pairs are few; `make_pairs` subsamples the dissimilar ones at a fixed ratio.
The model is Functional with two inputs (`left`, `right`), a nested embedding
network named `embedding` applied to both, and a distance layer named
`distance`. It runs under XLA.

The recipe's dataset is `glyphs`, an Omniglot-like set of characters: it
trains on the characters of the background alphabets and is judged by N-way
one-shot recognition of the evaluation alphabets' characters. By default the
embedding is the unit-length learned code of a small VGG-style tower (width
16, no dropout). `pixel_weight` sets the unit-length pixels beside the code,
so that the distance starts from the pixel distance (it helped with six digit
classes to learn from, not with hundreds of characters), and `augment` warps
the inputs randomly in training.
`class_augmentation="rotations"|"dihedral"` (`make_pairs`, `fit`) turns each
rotation (and mirror image) of a training class into a class of its own
(`augment_classes`, as rotated Omniglot characters in Santoro et al. 2016 and
Snell et al. 2017); it is off by default. How these defaults were chosen, and
what they score: docs/recipes/siamese.md.

The package is split by concern: `model` (`build`, `distance_of`), `pairs`
(`make_pairs`, `augment_classes`), `training` (`compile`, `fit`), `evaluation`
(`embed`, `similarity`, `nearest_neighbors`, `one_shot_accuracy`, `evaluate`)
and `hypermodel` (`HyperModel`).

Example:

>>> from recipes import data, siamese
>>> bundle = data.load("digits")
>>> model = siamese.compile(siamese.build(input_shape=(8, 8, 1)))
>>> history = siamese.fit(model, bundle, epochs=2, classes=range(6), verbose=0)
>>> accuracy = siamese.one_shot_accuracy(
...     model, *bundle.test, classes=range(6, 10), n_way=4)
>>> 0.0 <= accuracy <= 1.0
True
"""

from __future__ import annotations

from recipes.data import load as load_data
from recipes.siamese.evaluation import (
    embed,
    evaluate,
    nearest_neighbors,
    one_shot_accuracy,
    one_shot_tasks,
    similarity,
)
from recipes.siamese.hypermodel import HyperModel
from recipes.siamese.model import (
    DEFAULT_WEIGHT_DECAY,
    DISTANCES,
    TOWERS,
    build,
    distance_of,
)
from recipes.siamese.pairs import CLASS_AUGMENTATIONS, augment_classes, make_pairs
from recipes.siamese.training import (
    DEFAULT_EPOCHS,
    DEFAULT_MARGINS,
    STEPS_PER_EXECUTION,
    compile,
    fit,
)

DATASET = "glyphs"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "CLASS_AUGMENTATIONS",
    "DATASET",
    "DEFAULT_EPOCHS",
    "DEFAULT_MARGINS",
    "DEFAULT_WEIGHT_DECAY",
    "DISTANCES",
    "FACTS",
    "STEPS_PER_EXECUTION",
    "TOWERS",
    "HyperModel",
    "augment_classes",
    "build",
    "compile",
    "distance_of",
    "embed",
    "evaluate",
    "fit",
    "load_data",
    "make_pairs",
    "nearest_neighbors",
    "one_shot_accuracy",
    "one_shot_tasks",
    "similarity",
]
