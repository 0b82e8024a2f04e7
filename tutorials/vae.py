"""Variational autoencoder on handwritten digits.

Run: `python tutorials/vae.py` (or `--quick` for a two-minute version).

## Introduction

An autoencoder squeezes an image through a small code and rebuilds it. A
*variational* autoencoder (Kingma & Welling 2014) makes that code a probability
distribution: the encoder maps an image to a Gaussian `q(z | x)` over the code,
the decoder maps a code to a distribution over images, and the codes of all
images are pulled towards a standard normal prior. Once trained, decoding a
code drawn from the prior produces a *new* image, and walking in code space
morphs one digit into another.

Training maximises the evidence lower bound (ELBO) on `log p(x)`: how well the
decoder rebuilds the image from a sampled code (the reconstruction term), minus
how far the encoder's Gaussian strays from the prior (the KL term). This
tutorial trains `recipes.vae` on scikit-learn's 8x8 digits, measures the bound
and a tighter importance-weighted estimate of the log-likelihood, and draws
samples, reconstructions, an interpolation and the latent plane.
"""

import argparse
import os

import keras
import numpy as np

from recipes import data, plots, saving, vae

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--epochs", type=int, default=300, help="most epochs to train")
parser.add_argument("--quick", action="store_true", help="a short run (30 epochs)")
parser.add_argument("--out", default="tutorials/output", help="where PNGs are written")
args = parser.parse_args()
epochs = min(args.epochs, 30) if args.quick else args.epochs
os.makedirs(args.out, exist_ok=True)
keras.utils.set_random_seed(0)  # the same run every time on the CPU

# ## The data
#
# 1,797 grey 8x8 digits in [0, 1], split 60/20/20. We threshold them at 0.5 so
# each pixel is on or off: the Bernoulli likelihood then is an exact
# probability of the image, and the numbers below are true log-likelihoods in
# nats that other binary models can be compared against.

bundle = data.load("digits")


def binary(split):
    return (split[0] > 0.5).astype("float32"), split[1]


bundle = data.Bundle(
    train=binary(bundle.train),
    val=binary(bundle.val),
    test=binary(bundle.test),
    info=bundle.info,
)
print("train images:", bundle.train[0].shape)

# ## The model
#
# A two-dimensional code is small, but it lets us draw the whole latent space
# as one picture. The convolutional encoder halves the image twice and outputs
# `z_mean` and `z_log_var`; a `Sampling` layer draws
# `z = z_mean + exp(z_log_var / 2) * eps` (the reparameterisation trick that
# lets gradients reach both outputs); the decoder mirrors the encoder with
# transposed convolutions and outputs one logit per pixel.

model = vae.build(arch="conv", latent_dim=2, likelihood="bernoulli", seed=0)
model.encoder.summary()
model.decoder.summary()

# ## Training
#
# The loss (negative ELBO) is built into the model, so compiling only picks the
# optimizer. `fit` trains on the images alone and stops early when the
# validation loss stops improving, keeping the best weights.

model = vae.compile(model, learning_rate=1e-3)
history = vae.fit(model, bundle, epochs=epochs, verbose=2)
plots.training_curves(
    history,
    os.path.join(args.out, "vae_curves.png"),
    keys=["loss", "val_loss", "kl_loss"],
    title="negative ELBO (nats per image)",
)

# ## Evaluation
#
# The ELBO is only a lower bound. Averaging `k` importance weights
# `p(x, z) / q(z | x)` inside the logarithm (Burda et al. 2016) gives a tighter
# bound that approaches `log p(x)` as `k` grows; its gap to the ELBO shows how
# much the encoder's Gaussian misses the true posterior.

k = 100 if args.quick else 1000
metrics = vae.evaluate(model, bundle, k=k)
for name, value in metrics.items():
    print(f"test {name}: {value:.2f} nats per image")

# ## What the model has learned
#
# Samples from the prior, reconstructions (top: originals, bottom: decoded
# posterior means), a walk between two digits, and the latent plane itself.

plots.image_grid(
    vae.sample(model, 36, seed=0),
    os.path.join(args.out, "vae_samples.png"),
    title="samples",
)
x_test, y_test = bundle.test
originals = x_test[:10]
plots.image_grid(
    np.concatenate([originals, vae.reconstruct(model, originals)]),
    os.path.join(args.out, "vae_reconstructions.png"),
    columns=10,
    title="originals / reconstructions",
)
first, second = x_test[y_test == 0][0], x_test[y_test == 6][0]
plots.image_grid(
    vae.interpolate(model, first, second, steps=10),
    os.path.join(args.out, "vae_interpolation.png"),
    columns=10,
    title="0 to 6",
)
vae.latent_map(model, os.path.join(args.out, "vae_latent_plane.png"), grid=15)
z_mean, _ = vae.encode(model, x_test)
plots.scatter(
    z_mean,
    os.path.join(args.out, "vae_codes.png"),
    labels=y_test,
    title="posterior means of the test digits",
)

# ## Saving and loading
#
# The model saves to one `.keras` file and loads back without custom objects;
# decoding the same codes gives the same images.

path = saving.save_model(model, os.path.join(args.out, "vae.keras"))
loaded = keras.saving.load_model(path)
same = np.allclose(
    vae.reconstruct(model, originals, seed=1),
    vae.reconstruct(loaded, originals, seed=1),
)
print("reloaded model gives the same reconstructions:", same)

# ## Conclusion
#
# A VAE learns a smooth code space from which new digits can be drawn, and
# gives a lower bound on the likelihood of each image that can be tightened
# with importance sampling. Try `latent_dim=8` (better likelihood, then
# `latent_map` draws a t-SNE map instead of the plane), `arch="dense"`, or
# `beta > 1` for a smoother but blurrier code (beta-VAE).
