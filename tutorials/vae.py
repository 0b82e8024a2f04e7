# %% [markdown]
# # A variational autoencoder on handwritten digits
#
# **Recipe:** `recipes.vae` · **Run:** `python tutorials/vae.py`, with
# `--quick` for a smoke run and `--checkpoint-dir DIR` to resume an
# interrupted run; `jupytext --to notebook tutorials/vae.py` makes it a
# notebook.
#
# ## Introduction
#
# An autoencoder squeezes an image through a small code and rebuilds it. A
# *variational* autoencoder (Kingma & Welling 2014) makes that code a
# probability distribution: the encoder maps an image to a Gaussian `q(z | x)`
# over the code, the decoder maps a code to a distribution over images, and the
# codes of all images are pulled towards a standard normal prior. Once
# trained, decoding a code drawn from the prior produces a *new* image, and
# walking in code space morphs one digit into another.
#
# Training maximises the evidence lower bound (ELBO) on `log p(x)`: how well
# the decoder rebuilds the image from a sampled code (the reconstruction term),
# minus how far the encoder's Gaussian strays from the prior (the KL term).
# This tutorial trains `recipes.vae` on scikit-learn's 8x8 digits, measures the
# bound and a tighter importance-weighted estimate of the log-likelihood, and
# draws samples, reconstructions, an interpolation and the latent plane.

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras loads a backend

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import data, plots, saving, tutorial, vae  # noqa: E402

args = tutorial.options(
    "A variational autoencoder on handwritten digits.",
    epochs=300,
    quick_epochs=20,
    out=os.path.join("tutorials", "output", "vae"),
)
tutorial.smoke_run(
    args,
    "The benchmark, which trains the default conv VAE with an 8-dimensional "
    "code (this tutorial's is 2-dimensional) for at most 150 epochs, measures a "
    "test negative ELBO of 18.42 and an importance-weighted negative "
    "log-likelihood of 17.22 nats per image (independent pixels: 24.59), as "
    "`python -m benchmarks.quality vae` reports.",
)
keras.utils.set_random_seed(0)

# %% [markdown]
# ## The data
#
# 1,797 grey 8x8 digits in [0, 1], split 60/20/20 into training, validation
# and test images. We threshold them at 0.5 so each pixel is on or off: the
# Bernoulli likelihood then is an exact probability of the image, and the
# numbers below are true log-likelihoods in nats that other binary models can
# be compared against.

# %%
bundle = data.load("digits")


def binary(split):
    """The images of an `(x, y)` split thresholded at 0.5, and its labels."""
    return (split[0] > 0.5).astype("float32"), split[1]


bundle = data.Bundle(
    train=binary(bundle.train),
    val=binary(bundle.val),
    test=binary(bundle.test),
    info=bundle.info,
)
x_train = bundle.train[0]
x_test, y_test = bundle.test
print(f"train {x_train.shape}, validation {bundle.val[0].shape}, test {x_test.shape}")
plots.image_grid(
    x_train[:32],
    os.path.join(args.out, "binarised.png"),
    columns=8,
    title="binarised training digits",
)

# %% [markdown]
# A yardstick first: the simplest model of binary images turns each pixel on
# independently, with its frequency in the training images (smoothed by one
# extra "on" and one extra "off" image, so no probability is 0 or 1). It knows
# where ink usually is, but nothing about strokes. Its negative log-likelihood
# of the test images, in nats per image, is what the VAE must beat.

# %%
on = (x_train.sum(axis=0) + 1) / (len(x_train) + 2)
pixels_nll = -np.mean(
    (x_test * np.log(on) + (1 - x_test) * np.log(1 - on)).sum(axis=(1, 2, 3))
)
print(f"independent pixels: test negative log-likelihood {pixels_nll:.2f} nats")

# %% [markdown]
# ## The model
#
# A two-dimensional code is small, but it lets us draw the whole latent space
# as one picture. The convolutional encoder halves the image twice and outputs
# `z_mean` and `z_log_var`; a `Sampling` layer draws
# `z = z_mean + exp(z_log_var / 2) * eps` (the reparameterisation trick that
# lets gradients reach both outputs); the decoder mirrors the encoder with
# transposed convolutions and outputs one logit per pixel.

# %%
model = vae.build(arch="conv", latent_dim=2, likelihood="bernoulli", seed=0)
model.encoder.summary()
model.decoder.summary()

# %% [markdown]
# ## Training
#
# The loss (the negative ELBO) is built into the model, so compiling only
# picks the optimizer. `fit` trains on the images alone and stops early when
# the validation loss has not improved for 30 epochs, keeping the best
# weights; `--epochs` is the most it trains. With `--checkpoint-dir`, an
# interrupted run continues from its last finished epoch.

# %%
model = vae.compile(model, learning_rate=1e-3)
model, history = tutorial.trained(
    args,
    "vae",
    model,
    lambda model, checkpoint_dir: vae.fit(
        model,
        bundle,
        epochs=args.epochs,
        callbacks=tutorial.progress(args, "vae"),
        checkpoint_dir=checkpoint_dir,
        verbose=0,
    ),
)
print(f"trained {len(history['loss'])} epochs")
plots.training_curves(
    history,
    os.path.join(args.out, "curves.png"),
    keys=["loss", "val_loss", "kl_loss"],
    title="negative ELBO (training, validation) and its KL term",
    ylabel="nats per image",
)

# %% [markdown]
# The KL term is the price of the code: how many nats the encoder's Gaussian
# spends away from the prior to tell images apart. In the first epochs it is
# close to zero, the codes carry almost no information and the decoder draws
# much the same average digit for every code; then it rises while the
# reconstruction term falls, and their sum, the negative ELBO, falls.
#
# ## Evaluation
#
# The ELBO is only a lower bound. Averaging `k` importance weights
# `p(x, z) / q(z | x)` inside the logarithm (Burda et al. 2016) gives a
# tighter bound that approaches `log p(x)` as `k` grows; its gap to the ELBO
# shows how much the encoder's Gaussian misses the true posterior.

# %%
k = 100 if args.quick else 1000
metrics = vae.evaluate(model, bundle, k=k)
print(f"test negative ELBO: {metrics['negative_elbo']:.2f} nats per image")
print(f"  reconstruction term: {metrics['reconstruction_loss']:.2f}")
print(f"  KL term: {metrics['kl_loss']:.2f}")
print(
    f"test negative log-likelihood (importance-weighted, k = {k}): "
    f"{metrics['importance_weighted_nll']:.2f} "
    f"(independent pixels: {pixels_nll:.2f})"
)

# %% [markdown]
# ## What the model has learned
#
# New digits: codes drawn from the prior, decoded. Each image shows the
# decoder's pixel probabilities, so the samples are grey where the model is
# unsure.

# %%
plots.image_grid(
    vae.sample(model, 36, seed=0),
    os.path.join(args.out, "samples.png"),
    title="decoded codes drawn from the prior",
)

# %% [markdown]
# Reconstructions: the top row holds test digits, the bottom row what the
# decoder makes of their codes. Through a two-number code the model keeps the
# digit's identity and rough shape rather than every pixel.

# %%
originals = x_test[:10]
plots.image_grid(
    np.concatenate([originals, vae.reconstruct(model, originals)]),
    os.path.join(args.out, "reconstructions.png"),
    columns=10,
    title="test digits (top) and their reconstructions (bottom)",
)

# %% [markdown]
# A walk in a straight line from the code of a 0 to the code of a 6: if the
# code space is smooth, every step along the way decodes to a plausible image.

# %%
first, second = x_test[y_test == 0][0], x_test[y_test == 6][0]
plots.image_grid(
    vae.interpolate(model, first, second, steps=10),
    os.path.join(args.out, "interpolation.png"),
    columns=10,
    title="from the code of a 0 to the code of a 6",
)

# %% [markdown]
# With a two-dimensional code the whole latent space is a plane: `latent_map`
# decodes a 15x15 grid of codes over `[-2.5, 2.5]^2`, and the scatter plot
# shows where the encoder puts each test digit (its posterior mean), coloured
# by label. Many classes gather in regions of their own, although the model
# never saw a label; others overlap, since two numbers hold only so much of an
# image.

# %%
vae.latent_map(model, os.path.join(args.out, "latent_plane.png"), grid=15)
z_mean, _ = vae.encode(model, x_test)
plots.scatter(
    z_mean,
    os.path.join(args.out, "codes.png"),
    labels=y_test,
    title="posterior means of the test digits",
    xlabel="z_1",
    ylabel="z_2",
)

# %% [markdown]
# ## Save and load
#
# The model saves to one `.keras` file and loads back without custom objects;
# decoding the same codes gives the same images.

# %%
path = saving.save_model(model, os.path.join(args.out, "vae.keras"))
loaded = keras.saving.load_model(path)
same = np.allclose(
    vae.reconstruct(model, originals, seed=1),
    vae.reconstruct(loaded, originals, seed=1),
)
print("reloaded model gives the same reconstructions:", same)
print(f"images and model written under {args.out}")

# %% [markdown]
# ## Conclusion
#
# A VAE learns a smooth code space from which new digits can be drawn, and
# gives a lower bound on the likelihood of each image that can be tightened
# with importance sampling. In our full run on the CPU (TensorFlow), early
# stopping ended training after 137 epochs, and the two-number code reached a
# test negative log-likelihood of 19.11 nats per image (k = 1000), against
# 24.59 for independent pixels.
#
# A two-dimensional code is chosen here for its pictures; the recipe's
# default, `latent_dim=8`, models the digits better: trained for at most 150
# epochs, the benchmark (`python -m benchmarks.quality vae`) measures a test
# negative log-likelihood of 17.22 nats per image for it, below both
# baselines it fits, independent pixels (24.59) and a mixture of 10 Bernoulli
# images (19.85). With `latent_dim=8`, `latent_map` draws a t-SNE map of the
# codes instead of the plane. Try also `arch="dense"`, or `beta > 1` for a
# smoother but blurrier code (beta-VAE).
