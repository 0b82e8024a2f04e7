"""Prototypical networks: few-shot classification by distance to class means.

Snell, Swersky & Zemel (2017), "Prototypical Networks for Few-shot
Learning". An embedding network (`build`: four blocks of 3x3 convolution,
batch normalisation, ReLU and max pooling) is trained by episodes that mimic
the test: each draws `N` classes, `K` support images and some query images of
each (`Episodes`); each class's prototype is the mean embedding of its
supports, and the loss is the cross-entropy of a softmax over minus the
squared Euclidean distances of each query to the prototypes
(`recipes.losses.PrototypicalLoss`). At test time, new classes need only
their `K` supports: no retraining.

The package is split by concern: `model` (`build`), `episodes` (`Episodes`,
`sample_episode`, `check_episode`), `training` (`compile`, `fit`,
`episode_accuracy`), `evaluation` (`embed`, `evaluate`) and `hypermodel`
(`HyperModel`). N-way K-shot accuracy of any metric model, this one
included, is `recipes.fewshot.accuracy`. How the defaults were chosen, and
what they score: docs/recipes/protonet.md.

Example:

>>> import numpy as np
>>> from recipes import protonet
>>> rng = np.random.default_rng(0)
>>> x, y = rng.random((40, 16, 16, 1)), np.repeat(np.arange(8), 5)
>>> model = protonet.compile(protonet.build(input_shape=(16, 16, 1), width=8))
>>> history = protonet.fit(model, (x, y), epochs=1, n_way=4, batch_size=2,
...                        episodes_per_epoch=2, verbose=0)
>>> metrics = protonet.evaluate(model, (x, y), n_way=4, trials=20)
>>> sorted(metrics)
['accuracy', 'accuracy_ci95']
"""

from __future__ import annotations

from recipes.data import load as load_data
from recipes.protonet.episodes import (
    Episodes,
    check_episode,
    episode_labels,
    sample_episode,
)
from recipes.protonet.evaluation import embed, evaluate
from recipes.protonet.hypermodel import HyperModel
from recipes.protonet.model import build
from recipes.protonet.training import (
    DEFAULT_EPISODES,
    DEFAULT_EPOCHS,
    DEFAULT_QUERIES,
    DEFAULT_SHOTS,
    DEFAULT_WAYS,
    compile,
    episode_accuracy,
    fit,
)

DATASET = "glyphs"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "DATASET",
    "DEFAULT_EPISODES",
    "DEFAULT_EPOCHS",
    "DEFAULT_QUERIES",
    "DEFAULT_SHOTS",
    "DEFAULT_WAYS",
    "FACTS",
    "Episodes",
    "HyperModel",
    "build",
    "check_episode",
    "compile",
    "embed",
    "episode_accuracy",
    "episode_labels",
    "evaluate",
    "fit",
    "load_data",
    "sample_episode",
]
