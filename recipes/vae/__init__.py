"""Variational autoencoder (VAE) with dense or convolutional encoder/decoder.

The VAE (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"; Rezende et
al. 2014) is a latent-variable model `p(x) = integral p(x | z) p(z) dz` with a
standard normal prior `p(z)` and a neural decoder `p(x | z)`. A neural encoder
`q(z | x) = N(z_mean, diag(exp(z_log_var)))` amortises inference, and both are
trained together by maximising the evidence lower bound (ELBO)

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || p(z)),

with `z = z_mean + exp(z_log_var / 2) * eps` (the reparameterisation trick,
`recipes.layers.Sampling`) so the gradient flows through the sample. The
training loss is the negative ELBO per image in nats, with a weight `beta` on
the KL term (beta-VAE, Higgins et al. 2017; `beta=1` is the plain VAE).

- Likelihoods: `"bernoulli"` (binary cross-entropy summed over the pixels; data
  in [0, 1]) or `"gaussian"` (a per-pixel normal with the decoder's mean and one
  learned scale, as in the sigma-VAE of Rybkin et al. 2021).
- `evaluate` reports the test negative ELBO and its two parts, and the
  importance-weighted log-likelihood estimate of Burda et al. 2016 ("Importance
  Weighted Autoencoders"), a tighter bound that approaches `log p(x)` as the
  number of samples `k` grows.
- Extras: `sample`, `encode`, `reconstruct`, `interpolate`, `latent_map`.

The model is a subclassed `keras.Model` around two Functional sub-models
(`model.encoder`, `model.decoder`); its loss lives in `compute_loss`, so the
stock `fit` runs it (with XLA, and under `tf.distribute` with the loss averaged
over the global batch). `model(x)` returns a dict with `reconstruction`,
`decoder_output` (Bernoulli logits or the Gaussian mean), `z_mean`, `z_log_var`
and `z`. Measured choices and their figures: docs/recipes/vae.md.

Modules: `formulas` (the loss terms), `networks` (encoders and decoders),
`model` (`VAE`, `build`), `training` (`compile`, `fit`), `evaluation`
(`evaluate`, `log_likelihood_terms`), `extras`, `hypermodel`.

Example:

>>> from recipes import data, vae
>>> bundle = data.load("digits")
>>> model = vae.compile(vae.build(input_shape=(8, 8, 1), latent_dim=2))
>>> history = vae.fit(model, bundle, epochs=1, verbose=0)
>>> sorted(vae.evaluate(model, bundle, k=100))
['importance_weighted_nll', 'kl_loss', 'negative_elbo', 'reconstruction_loss']
>>> vae.sample(model, 16, seed=0).shape
(16, 8, 8, 1)
"""

from __future__ import annotations

from recipes.data import load as load_data
from recipes.vae.evaluation import evaluate, log_likelihood_terms
from recipes.vae.extras import encode, interpolate, latent_map, reconstruct, sample
from recipes.vae.formulas import LOG_2PI, kl_divergence, negative_log_likelihood
from recipes.vae.hypermodel import HyperModel
from recipes.vae.model import LIKELIHOODS, VAE, build
from recipes.vae.networks import ARCHITECTURES
from recipes.vae.training import compile, fit

DATASET = "digits"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "ARCHITECTURES",
    "DATASET",
    "FACTS",
    "HyperModel",
    "LIKELIHOODS",
    "LOG_2PI",
    "VAE",
    "build",
    "compile",
    "encode",
    "evaluate",
    "fit",
    "interpolate",
    "kl_divergence",
    "latent_map",
    "load_data",
    "log_likelihood_terms",
    "negative_log_likelihood",
    "reconstruct",
    "sample",
]
