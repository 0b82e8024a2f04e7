"""Adversarial examples and adversarial training for Keras classifiers.

- Attacks on any Keras classifier that outputs class probabilities or
  logits, on a batch or a whole split, with `epsilon` in the units of the
  inputs and every example clipped to the valid input range: `fgsm`
  (Goodfellow, Shlens and Szegedy 2015, "Explaining and Harnessing
  Adversarial Examples"), `pgd` (Madry et al. 2018, "Towards Deep Learning
  Models Resistant to Adversarial Attacks"; seeded random start, projection
  onto the L-infinity ball), and their targeted variants (`targeted=True`).
- `robust_accuracy(model, data, attack, epsilons)`: accuracy per epsilon.
- Adversarial training, as a recipe: a ConvNet of `recipes.convnet` wrapped
  in an `AdversarialModel`, whose training step makes PGD examples of each
  batch against the current weights and trains on the clean/adversarial mix.
  `epsilon`, `steps`, `step_size` and `adversarial_fraction` are `compile`
  arguments, saved with the model.

The input gradient is the only backend-specific piece of the attacks
(`gradient_tensorflow`, `gradient_jax`); the training step has one small
version per backend (`step_tensorflow`, `step_jax`). Measured defaults:
docs/recipes/adversarial.md.

Example:

>>> from recipes import adversarial, data
>>> x, y = data.load("digits").train
>>> model = adversarial.compile(adversarial.build(arch="lenet", width=8), steps=2)
>>> history = adversarial.fit(model, (x[:64], y[:64]), epochs=1, verbose=0)
>>> sorted(adversarial.evaluate(model, (x[:64], y[:64]), steps=2))
['accuracy', 'loss', 'pgd_accuracy']
"""

from __future__ import annotations

from recipes.adversarial.attacks import ATTACKS, fgsm, pgd, uses_logits
from recipes.adversarial.evaluation import evaluate, robust_accuracy
from recipes.adversarial.hypermodel import HyperModel
from recipes.adversarial.model import AdversarialModel, build
from recipes.adversarial.training import compile, fit
from recipes.data import load as load_data

DATASET = "digits"
FACTS = ("input_shape", "num_classes")  # what `build` and `HyperModel` take

__all__ = [
    "ATTACKS",
    "AdversarialModel",
    "DATASET",
    "FACTS",
    "HyperModel",
    "build",
    "compile",
    "evaluate",
    "fgsm",
    "fit",
    "load_data",
    "pgd",
    "robust_accuracy",
    "uses_logits",
]
