"""Generative adversarial networks with K discriminator steps per M generator steps.

- GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"): a generator
  maps noise `z` to images and a discriminator tells real images from
  generated ones. For every batch of real images the discriminator takes `K`
  (`d_steps`) updates on the real batch and on freshly generated images, then
  the generator takes `M` (`g_steps`) updates on fresh noise (Algorithm 1 of
  the paper, with its `k` and a generator step count `M`).
- The generator minimises the non-saturating loss `-log D(G(z))` rather than
  `log(1 - D(G(z)))`, which has strong gradients early in training, when the
  discriminator rejects every sample (same paper, section 3).
- Architectures: `"dense"` (the default; multilayer perceptrons as in the
  original paper, with batch normalisation in the generator) and `"dcgan"`
  (Radford et al. 2016, "Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks": transposed convolutions
  with batch normalisation and ReLU in the generator, strided convolutions
  with LeakyReLU in the discriminator). Both train with Adam and
  `beta_1 = 0.5` (DCGAN's).
- Two time-scale learning rates (Heusel et al. 2017, "GANs Trained by a Two
  Time-Scale Update Rule Converge to a Local Nash Equilibrium"): each network
  has its own learning rate; by default the generator's is 16 times the
  discriminator's (1.6e-3 against 1e-4).
- One-sided label smoothing (Salimans et al. 2016, "Improved Techniques for
  Training GANs"): real targets `1 - label_smoothing`, fake targets stay 0.
- Instance noise (Sønderby et al. 2017, "Amortised MAP Inference for Image
  Super-resolution"; Arjovsky & Bottou 2017): Gaussian noise added to every
  image the discriminator sees, real or generated.

The discriminator outputs a logit (`D = sigmoid(logit)` is the probability
that the image is real); the losses use the numerically stable cross-entropy
from logits. The generator ends in a sigmoid (images in [0, 1], as the digits
are) or a tanh (images in [-1, 1]); `fit` refuses data outside that range.

All randomness (noise vectors, instance noise) comes from the model's
`SeedGenerator`. Under `tf.distribute.MirroredStrategy` a distributed step
uses the same noise as a single-device step, and losses are averaged over
the global batch; under `keras.distribution` on JAX the compiled step sees
the global batch. The training step has one version per backend, with the
same losses, schedule and noise: `step_tensorflow` (`tf.GradientTape`) and
`step_jax` (stateless, as Keras's JAX trainer requires). The step compiles
with XLA (with `jit_compile="auto"`, always on JAX). Measured choices and their figures:
docs/recipes/gan.md.

Modules: `networks` (`build`, the dense and DCGAN networks), `model` (`GAN`,
`OptimizerPair`), `step_tensorflow` and `step_jax` (the training and test
steps), `losses`, `training` (`compile`, `fit`),
`sampling` (`noise`, `sample`, `interpolate`, `GANMonitor`), `evaluation`
(`evaluate`), `hypermodel`.

Example:

>>> from recipes import data, gan
>>> bundle = data.load("digits")
>>> model = gan.compile(gan.build(input_shape=(8, 8, 1)), d_steps=2)
>>> history = gan.fit(model, bundle, epochs=1, verbose=0)
>>> gan.sample(model, 16, seed=0).shape
(16, 8, 8, 1)
"""

from __future__ import annotations

from recipes.data import load as load_data
from recipes.gan.evaluation import evaluate
from recipes.gan.hypermodel import HyperModel
from recipes.gan.model import GAN, OptimizerPair
from recipes.gan.networks import ARCHITECTURES, OUTPUT_RANGES, build
from recipes.gan.sampling import GANMonitor, interpolate, noise, sample
from recipes.gan.training import STEPS_PER_EXECUTION, compile, fit

DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "ARCHITECTURES",
    "DATASET",
    "FACTS",
    "GAN",
    "GANMonitor",
    "HyperModel",
    "OUTPUT_RANGES",
    "OptimizerPair",
    "STEPS_PER_EXECUTION",
    "build",
    "compile",
    "evaluate",
    "fit",
    "interpolate",
    "load_data",
    "noise",
    "sample",
]
