# %% [markdown]
# # A GAN that draws handwritten digits, with K discriminator steps
#
# **Recipe:** `recipes.gan` · **Run:** `python tutorials/gan.py`, with
# `--quick` for a smoke run and `--checkpoint-dir DIR` to resume an
# interrupted run; `jupytext --to notebook tutorials/gan.py` makes it a
# notebook.
#
# ## Introduction
#
# A generative adversarial network (Goodfellow et al. 2014) trains two networks
# against each other. The *generator* turns random noise `z` into an image; the
# *discriminator* looks at an image and says how likely it is to be real. The
# discriminator learns to tell the two apart; the generator learns to fool it.
# Pixel-wise losses such as the squared error judge an image pixel by pixel and
# so reward blurry averages; the discriminator is a learned judge of
# plausibility instead.
#
# The algorithm, for each batch of real images:
#
# 1. repeat K times: update the discriminator on the real images and on images
#    generated from fresh noise;
# 2. repeat M times: update the generator on fresh noise, to make the
#    discriminator call its images real.
#
# The generator minimises `-log D(G(z))` (the "non-saturating" loss): early on,
# when the discriminator rejects every sample, this loss still has strong
# gradients, where the original `log(1 - D(G(z)))` would be flat.

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras loads a backend

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import data, gan, metrics, plots, tutorial  # noqa: E402

args = tutorial.options(
    "A GAN that draws handwritten digits.",
    epochs=400,
    quick_epochs=30,
    out=os.path.join("tutorials", "output", "gan"),
)
tutorial.smoke_run(
    args,
    "The full run (400 epochs) reaches a classifier score of 8.31 (real test "
    "digits: 9.09) and a Fréchet distance of 3.0 (untrained generator: 89), "
    "as `python -m benchmarks.quality gan` measures these defaults.",
)
keras.utils.set_random_seed(0)

# %% [markdown]
# ## The data
#
# The embedded `digits` set: 1,797 handwritten digits of 8x8 pixels with
# values in [0, 1]. The GAN trains on the images of the training split alone;
# the labels are only used to train the judge below.

# %%
bundle = data.load("digits")
x_train = bundle.train[0]
print(f"training images: {x_train.shape}, values in [{x_train.min()}, {x_train.max()}]")
plots.image_grid(
    x_train[:64],
    os.path.join(args.out, "real.png"),
    columns=8,
    title="real training digits",
)

# %% [markdown]
# ## The model
#
# Two multilayer perceptrons: the generator maps a 32-number noise vector
# through two hidden layers (256 then 512 units, batch normalisation and ReLU)
# to 64 pixels with a sigmoid, so its images lie in [0, 1] like the data; the
# discriminator maps the 64 pixels through 512 and 256 units with LeakyReLU to
# one logit. The convolutional DCGAN variant (`arch="dcgan"`, Radford et al.
# 2016) is the choice for 28x28 and larger images; on these 8x8 digits it
# collapsed to a single digit in the comparison that the design note,
# `docs/recipes/gan.md`, records.

# %%
model = gan.build(input_shape=bundle.info.input_shape, latent_dim=32, seed=0)
model.generator.summary()
model.discriminator.summary()

# %% [markdown]
# Two Adam optimizers with DCGAN's `beta_1 = 0.5`, on two time scales (Heusel
# et al. 2017): the discriminator learns at 1e-4 and the generator at 1.6e-3,
# so the generator keeps up with a discriminator that would otherwise stay
# ahead (the design note compares this with DCGAN's single 2e-4). K =
# `d_steps` and M = `g_steps` set the algorithm's inner loops; K = M = 1 is
# the common choice, a larger K trains the judge harder before each generator
# move.

# %%
model = gan.compile(model, d_steps=1, g_steps=1)

# %% [markdown]
# ## Training
#
# A GAN's losses are a game's score, not a measure of sample quality, so `fit`
# runs no early stopping: `GANMonitor` draws a grid from the same noise every
# few epochs instead, which shows how the samples evolve, and `Progress`
# prints the losses ten times over the run. With `--checkpoint-dir`, an
# interrupted run continues from its last finished epoch.

# %%
untrained = gan.sample(model, 1000, seed=1)
monitor = gan.GANMonitor(
    os.path.join(args.out, "epochs"), every=max(args.epochs // 5, 1)
)
model, history = tutorial.trained(
    args,
    "gan",
    model,
    lambda model, checkpoint_dir: gan.fit(
        model,
        bundle,
        epochs=args.epochs,
        callbacks=[monitor, *tutorial.progress(args, "gan")],
        checkpoint_dir=checkpoint_dir,
        verbose=0,
    ),
)
plots.training_curves(
    history,
    os.path.join(args.out, "losses.png"),
    keys=["d_loss", "g_loss"],
    title="discriminator and generator losses",
)

# %% [markdown]
# The two losses settle around each other rather than falling: the
# discriminator's near `2 log 2 = 1.39` (it cannot tell real from generated
# images better than chance) and the generator's near `log 2 = 0.69`.
#
# ## Evaluation
#
# A digit classifier (the ConvNet recipe, LeNet-5) judges the samples, the way
# TF-GAN scores MNIST generators:
#
# - the classifier score `exp(E KL(p(y|x) || p(y)))` is high when every sample
#   is clearly one digit and all digits appear (at most 10);
# - the Fréchet distance compares the mean and covariance of the classifier's
#   features on samples and on real test digits (0 for the same
#   distribution).

# %%
judge = metrics.judge(bundle, epochs=10 if args.quick else 60)  # a smoke run: shorter
features = metrics.penultimate_features(judge)
x_test = bundle.test[0]
samples = gan.sample(model, 1000, seed=1)
print(
    f"classifier score: real test digits {metrics.classifier_score(x_test, judge):.2f}, "
    f"GAN samples {metrics.classifier_score(samples, judge):.2f}"
)
print(
    "Fréchet distance to test digits: untrained generator "
    f"{metrics.frechet_distance(x_test, untrained, features):.1f}, "
    f"trained {metrics.frechet_distance(x_test, samples, features):.1f}"
)
plots.image_grid(
    samples[:64],
    os.path.join(args.out, "samples.png"),
    columns=8,
    title=f"GAN samples after {args.epochs} epochs",
)

# %% [markdown]
# Walking in a straight (spherical) line between two noise vectors should
# morph one digit into another smoothly if the generator has learned a
# continuous map rather than memorised images.

# %%
rows = np.concatenate([gan.interpolate(model, steps=8, seed=s) for s in range(4)])
plots.image_grid(
    rows,
    os.path.join(args.out, "interpolation.png"),
    columns=8,
    title="from one noise vector to another, four rows",
)

# %% [markdown]
# ## Save and load
#
# The `.keras` file holds both networks, both optimizers' state and the
# algorithm's settings; training can continue after loading, and the same
# noise gives the same images.

# %%
path = os.path.join(args.out, "gan.keras")
model.save(path)
loaded = keras.saving.load_model(path)
same = np.allclose(
    gan.sample(loaded, 16, seed=2), gan.sample(model, 16, seed=2), atol=1e-6
)
print(f"reloaded: same samples {same}, K={loaded.d_steps}, M={loaded.g_steps}")
print(f"images written under {args.out}")

# %% [markdown]
# ## Conclusion
#
# After the full 400 epochs the samples look like this (the benchmark's grid,
# `python -m benchmarks.quality gan`):
#
# ![64 samples of the default GAN after 400 epochs](../benchmarks/gan_digits_samples.png)
#
# The recipe is the textbook algorithm with its usual stabilisers as options
# (`label_smoothing`, `instance_noise`, K and M), checked to give the same step
# on TensorFlow and on JAX (`KERAS_BACKEND=jax` runs this tutorial unchanged),
# on one device and on several. Try `gan.compile(model, d_steps=2)` or
# `label_smoothing=0.1`, and `gan.HyperModel` to search them with Keras Tuner.
