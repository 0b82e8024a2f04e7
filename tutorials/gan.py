"""Tutorial: a GAN that draws handwritten digits, with K discriminator steps.

Run it:

    python tutorials/gan.py              # the full run
    python tutorials/gan.py --quick      # a few epochs, to see every step work

## Introduction

A generative adversarial network (Goodfellow et al. 2014) trains two networks
against each other. The *generator* turns random noise `z` into an image; the
*discriminator* looks at an image and says how likely it is to be real. The
discriminator learns to tell the two apart; the generator learns to fool it.
Pixel-wise losses such as the squared error judge an image pixel by pixel and
so reward blurry averages; the discriminator is a learned judge of
plausibility instead.

The algorithm, for each batch of real images:

1. repeat K times: update the discriminator on the real images and on images
   generated from fresh noise;
2. repeat M times: update the generator on fresh noise, to make the
   discriminator call its images real.

The generator minimises `-log D(G(z))` (the "non-saturating" loss): early on,
when the discriminator rejects every sample, this loss still has strong
gradients, where the original `log(1 - D(G(z)))` would be flat.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import data, gan, metrics, plots  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="training epochs")
    parser.add_argument("--quick", action="store_true", help="a short run")
    parser.add_argument("--out", default="tutorials/output/gan", help="PNG folder")
    args = parser.parse_args(argv)
    epochs = args.epochs or (5 if args.quick else 400)
    os.makedirs(args.out, exist_ok=True)
    keras.utils.set_random_seed(0)

    # ## The data
    #
    # The embedded `digits` set: 1,797 handwritten digits of 8x8 pixels with
    # values in [0, 1]. The GAN trains on the images of the training split
    # alone; the labels are only used to train the judge below.
    bundle = data.load("digits")
    x_train = bundle.train[0]
    print(
        f"training images: {x_train.shape}, values in [{x_train.min()}, {x_train.max()}]"
    )
    plots.image_grid(x_train[:64], os.path.join(args.out, "real.png"), columns=8)

    # ## The model
    #
    # Two multilayer perceptrons: the generator maps a 32-number noise vector
    # through two hidden layers (256 then 512 units, batch normalisation and
    # ReLU) to 64 pixels with a sigmoid, so its images lie in [0, 1] like the
    # data; the discriminator maps the 64 pixels through 512 and 256 units
    # with LeakyReLU to one logit. The convolutional DCGAN variant
    # (`arch="dcgan"`, Radford et al. 2016) is the choice for 28x28 and larger
    # images; on these 8x8 digits it collapsed to a single digit in the
    # comparison that the design note, docs/recipes/gan.md, records.
    model = gan.build(input_shape=bundle.info.input_shape, latent_dim=32, seed=0)
    model.generator.summary()
    model.discriminator.summary()

    # Two Adam optimizers with DCGAN's beta_1 = 0.5, on two time scales
    # (Heusel et al. 2017): the discriminator learns at 1e-4 and the generator
    # at 1.6e-3, so the generator keeps up with a discriminator that would
    # otherwise stay ahead (docs/recipes/gan.md compares this with DCGAN's
    # single 2e-4). K = `d_steps` and M = `g_steps` set the algorithm's inner
    # loops; K = M = 1 is the common choice, a larger K trains the judge
    # harder before each generator move.
    model = gan.compile(model, d_steps=1, g_steps=1)

    # ## Training
    #
    # A GAN's losses are a game's score, not a measure of sample quality, so
    # `fit` runs no early stopping: `GANMonitor` draws a grid from the same
    # noise every few epochs instead, which shows how the samples evolve.
    monitor = gan.GANMonitor(
        os.path.join(args.out, "epochs"), every=max(epochs // 5, 1)
    )
    untrained = gan.sample(model, 1000, seed=1)
    history = gan.fit(model, bundle, epochs=epochs, callbacks=[monitor], verbose=0)
    plots.training_curves(
        history, os.path.join(args.out, "losses.png"), keys=["d_loss", "g_loss"]
    )
    print(
        f"final losses: d {history.history['d_loss'][-1]:.3f}, g {history.history['g_loss'][-1]:.3f}"
    )

    # ## Evaluation
    #
    # A digit classifier (the ConvNet recipe, LeNet-5) judges the samples, the
    # way TF-GAN scores MNIST generators:
    # - the classifier score exp(E KL(p(y|x) || p(y))) is high when every
    #   sample is clearly one digit and all digits appear;
    # - the Fréchet distance compares the mean and covariance of the
    #   classifier's features on samples and on real test digits.
    judge = metrics.judge(bundle)
    features = metrics.penultimate_features(judge)
    x_test = bundle.test[0]
    samples = gan.sample(model, 1000, seed=1)
    print(
        f"classifier score: real test digits {metrics.classifier_score(x_test, judge):.2f}, "
        f"GAN samples {metrics.classifier_score(samples, judge):.2f}"
    )
    print(
        f"Fréchet distance to test digits: untrained generator "
        f"{metrics.frechet_distance(x_test, untrained, features):.1f}, "
        f"trained {metrics.frechet_distance(x_test, samples, features):.1f}"
    )
    plots.image_grid(samples[:64], os.path.join(args.out, "samples.png"), columns=8)

    # Walking in a straight (spherical) line between two noise vectors should
    # morph one digit into another smoothly if the generator has learned a
    # continuous map rather than memorised images.
    rows = np.concatenate([gan.interpolate(model, steps=8, seed=s) for s in range(4)])
    plots.image_grid(rows, os.path.join(args.out, "interpolation.png"), columns=8)

    # ## Save and load
    #
    # The `.keras` file holds both networks, both optimizers' state and the
    # algorithm's settings; training can continue after loading, and the same
    # noise gives the same images.
    path = os.path.join(args.out, "gan.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    same = np.allclose(
        gan.sample(loaded, 16, seed=2), gan.sample(model, 16, seed=2), atol=1e-6
    )
    print(f"reloaded: same samples {same}, K={loaded.d_steps}, M={loaded.g_steps}")

    # ## Conclusion
    #
    # The recipe is the textbook algorithm with its usual stabilisers as
    # options (`label_smoothing`, `instance_noise`, K and M), checked to give
    # the same step on TensorFlow and on JAX (`KERAS_BACKEND=jax` runs this
    # tutorial unchanged), on one device, under
    # `tf.distribute.MirroredStrategy` and under `keras.distribution`.
    # Try `gan.compile(model, d_steps=2)` or `label_smoothing=0.1`, and
    # `gan.HyperModel` to search them with Keras Tuner.
    print(f"images written under {args.out}")


if __name__ == "__main__":
    main()
