"""Autoencoders: dense or conv, denoising, sparse, tied; greedy stacked pretraining.

- Autoencoder: an encoder maps the input to a small code, a decoder maps the
  code back; training minimises the reconstruction error (squared error or
  binary cross-entropy). A linear one-layer autoencoder finds the principal
  subspace; nonlinear, stacked ones learn richer codes.
- Denoising autoencoder (Vincent, Larochelle, Bengio and Manzagol 2008): the
  input is corrupted in training only (Gaussian noise, or masking noise that
  zeroes values without rescaling, `recipes.layers.MaskingNoise`) and the
  clean input is the target.
- Sparse autoencoder: an L1 penalty on the code activations.
- Tied weights: the decoder uses the transposed encoder kernels
  (`recipes.layers.TiedDense`: one shared variable, half the kernel
  parameters).
- Greedy layer-wise pretraining (Bengio, Lamblin, Popovici and Larochelle
  2006; stacked denoising autoencoders, Vincent et al. 2008/2010): `pretrain`
  trains each layer as a denoising autoencoder on the codes of the frozen
  layers below; `build_classifier` + `fine_tune` then train the whole stack
  with labels.
- Marginalized denoising autoencoder (Chen, Xu, Weinberger and Sha 2012):
  closed form, in `recipes.mda`, re-exported here.
- Latent tools: `encode`, `decode`, `latent_map` (PCA or t-SNE scatter),
  `interpolate` (morphing) and `attribute_vector`/`apply_attribute`.

Every model is Functional and runs under XLA. The package is split by
concern: `model` (`build`), `training` (`compile`, `fit`, `evaluate`),
`pretraining`, `latent` and `hypermodel`. The measured choices behind the
defaults are in docs/recipes/autoencoder.md.

Example:

>>> from recipes import autoencoder, data
>>> bundle = data.load("digits")
>>> model = autoencoder.compile(autoencoder.build(noise="masking", noise_level=0.2))
>>> history = autoencoder.fit(model, bundle, epochs=5, verbose=0)
>>> sorted(autoencoder.evaluate(model, bundle))
['binary_crossentropy', 'loss', 'mse']
"""

from __future__ import annotations

from recipes.autoencoder.hypermodel import HyperModel
from recipes.autoencoder.latent import (
    apply_attribute,
    attribute_vector,
    decode,
    decoder_of,
    encode,
    encoder_of,
    interpolate,
    latent_map,
)
from recipes.autoencoder.model import CODE, KINDS, LOSSES, NOISES, build
from recipes.autoencoder.pretraining import build_classifier, fine_tune, pretrain
from recipes.autoencoder.training import (
    STEPS_PER_EXECUTION,
    compile,
    evaluate,
    fit,
)
from recipes.data import load as load_data
from recipes.mda import MarginalizedDenoisingAutoencoder, mda_weights

DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "CODE",
    "DATASET",
    "FACTS",
    "KINDS",
    "LOSSES",
    "NOISES",
    "STEPS_PER_EXECUTION",
    "HyperModel",
    "MarginalizedDenoisingAutoencoder",
    "apply_attribute",
    "attribute_vector",
    "build",
    "build_classifier",
    "compile",
    "decode",
    "decoder_of",
    "encode",
    "encoder_of",
    "evaluate",
    "fine_tune",
    "fit",
    "interpolate",
    "latent_map",
    "load_data",
    "mda_weights",
    "pretrain",
]
