"""Domain-adversarial neural network (DANN): unsupervised domain adaptation.

Ganin, Ustinova, Ajakan, Germain, Larochelle, Laviolette, Marchand and
Lempitsky, "Domain-Adversarial Training of Neural Networks", JMLR 2016.

Labeled examples come from a *source* domain, unlabeled ones from a *target*
domain (here: grey `digits` as source, `digits_m`, the digits blended with
photographs, as target). One feature extractor feeds two heads:

- the label head, trained on source examples only;
- the domain head, which tells source (0) from target (1) features and sits
  behind `recipes.layers.GradientReversal`: the domain head minimises its loss,
  while the feature extractor receives `-lambda` times that gradient and so
  learns features the domain head cannot separate.

The whole thing is one Functional model trained by ordinary `fit`: each batch
pairs `batch_size` labeled source examples with as many target examples, the
label loss is weighted to zero on target rows, and `fit` schedules `lambda`
from 0 to 1 with `lambda_p = 2 / (1 + exp(-gamma * p)) - 1`, `p` the training
progress, and anneals the learning rate with `mu_p = mu_0 / (1 + alpha * p) **
beta` (`AnnealedLearningRate`). Both are computed inside the compiled step, so
several steps run per call (`steps_per_execution`). It compiles under XLA.
Defaults and their measurements: see docs/recipes/dann.md.

The batches are NumPy arrays from `PairedBatches`, a `keras.utils.PyDataset`
that shuffles each domain every epoch, so the recipe trains on TensorFlow and
JAX alike without `tf.data`.

The recipe is split by concern: `data` (`DomainData`, `load_data`,
`PairedBatches`), `model` (`build`), `training` (`compile`, `schedule`, `fit`,
`TargetAccuracy`), `evaluation` (`evaluate`, `features`, `proxy_a_distance`),
`baselines` (`source_only`, `train_on_target`) and `hypermodel` (`HyperModel`).

Example:

>>> from recipes import dann
>>> domains = dann.load_data("digits_m")
>>> model = dann.compile(dann.build())
>>> history = dann.fit(model, domains, epochs=1, verbose=0)
>>> sorted(dann.evaluate(model, domains))
['domain_accuracy', 'proxy_a_distance', 'source_accuracy', 'target_accuracy']
"""

from __future__ import annotations

from recipes.dann.baselines import source_only, source_only_baseline, train_on_target
from recipes.dann.data import DATASET, SOURCE, DomainData, PairedBatches, load_data
from recipes.dann.evaluation import evaluate, features, proxy_a_distance
from recipes.dann.hypermodel import HyperModel
from recipes.dann.model import build
from recipes.dann.training import (
    STEPS_PER_EXECUTION,
    TargetAccuracy,
    compile,
    fit,
    schedule,
)
from recipes.layers import GradientReversal
from recipes.schedules import (
    AnnealedLearningRate,
    lambda_schedule,
    learning_rate_schedule,
)

FACTS = ("input_shape", "num_classes")  # what `build` and `HyperModel` take from info

__all__ = [
    "DATASET",
    "FACTS",
    "SOURCE",
    "STEPS_PER_EXECUTION",
    "AnnealedLearningRate",
    "DomainData",
    "GradientReversal",
    "HyperModel",
    "PairedBatches",
    "TargetAccuracy",
    "build",
    "compile",
    "evaluate",
    "features",
    "fit",
    "lambda_schedule",
    "learning_rate_schedule",
    "load_data",
    "proxy_a_distance",
    "schedule",
    "source_only",
    "source_only_baseline",
    "train_on_target",
]
