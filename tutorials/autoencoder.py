"""Autoencoders on handwritten digits: denoising, tied weights, pretraining, mSDA.

Run: `python tutorials/autoencoder.py [--epochs N] [--quick] [--out DIR]`.

## Introduction

An autoencoder learns a representation without labels: an encoder squeezes
each input into a small code and a decoder rebuilds the input from it. If the
code is smaller than the input, the network has to keep what matters and drop
the rest. Three classic tricks make the code more useful:

- denoising (Vincent et al. 2008): corrupt the input in training (here,
  masking noise that zeroes a fraction of the pixels) and ask for the clean
  one, so the network must learn how pixels depend on each other;
- tied weights: the decoder reuses the transposed encoder kernels, which
  halves the parameters and acts as a regulariser;
- sparsity: an L1 penalty on the code activations.

The codes are then put to work: a 2-D map of the codes, morphing between two
digits, and greedy layer-wise pretraining (Bengio et al. 2006) of a classifier
that sees only 10% of the labels. Last, the marginalized denoising autoencoder
(Chen et al. 2012) computes a denoising autoencoder in closed form.
"""

# ## Setup

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import autoencoder, data, plots  # noqa: E402
from recipes.data import embedded  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=100, help="most training epochs")
parser.add_argument("--quick", action="store_true", help="a few epochs only")
parser.add_argument("--out", default="tutorials/output", help="where PNGs go")
args = parser.parse_args()
epochs = 3 if args.quick else args.epochs
os.makedirs(args.out, exist_ok=True)
keras.utils.set_random_seed(0)

# ## The data
#
# scikit-learn's 1,797 handwritten digits, 8x8 pixels scaled to [0, 1], in the
# fixed stratified 60/20/20 split every recipe uses. The autoencoder ignores
# the labels; we keep them for the plots and for the classifier later.

bundle = data.load("digits")
x_train, y_train = bundle.train
x_test, y_test = bundle.test
print(f"train {x_train.shape}, test {x_test.shape}")

# ## The model
#
# A dense autoencoder 64 -> 48 -> 16 -> 48 -> 64 with tied weights and
# masking noise that drops 20% of the pixels in training. The noise layer is
# the identity at inference, so predictions are deterministic. Binary
# cross-entropy suits pixel intensities in [0, 1].

model = autoencoder.build(tied=True, noise="masking", noise_level=0.2, seed=0)
model = autoencoder.compile(model, loss="binary_crossentropy", learning_rate=3e-3)
model.summary()

# ## Training
#
# `fit` trains the model to reconstruct its inputs; the validation split
# drives early stopping (the best weights are restored).

history = autoencoder.fit(model, bundle, epochs=epochs, verbose=0)
plots.training_curves(history, os.path.join(args.out, "ae_training.png"))
print(f"trained {len(history.history['loss'])} epochs")

# ## Evaluation
#
# Reconstruction errors on the test split, and a picture: clean test digits,
# the same digits with masking noise, and the reconstructions of the noisy
# ones, which should look like the clean ones.

print("test:", autoencoder.evaluate(model, bundle))
noisy = x_test[:10] * (np.random.default_rng(0).random(x_test[:10].shape) >= 0.2)
rows = np.concatenate([x_test[:10], noisy, model.predict(noisy, verbose=0)])
plots.image_grid(rows, os.path.join(args.out, "ae_denoising.png"), columns=10)

# ## The latent space
#
# PCA and t-SNE maps of the 16-d test codes, coloured by digit; a morph from
# one digit into another by decoding codes on the line between them; and an
# attribute vector (mean code of the 1s minus mean code of the 7s) added to
# the codes of a few 7s.

for method in ("pca", "tsne"):
    path = os.path.join(args.out, f"ae_codes_{method}.png")
    autoencoder.latent_map(model, x_test, y_test, method=method, path=path)
start, end = x_test[y_test == 3][0], x_test[y_test == 8][0]
autoencoder.interpolate(
    model, start, end, steps=8, path=os.path.join(args.out, "ae_morph.png")
)
vector = autoencoder.attribute_vector(model, x_test, y_test, to_class=1, from_class=7)
autoencoder.apply_attribute(
    model, x_test[y_test == 7][:6], vector, path=os.path.join(args.out, "ae_7to1.png")
)

# ## Save and load
#
# The model saves to one `.keras` file and loads back without custom objects
# (the custom layers are registered); its predictions do not change.

path = os.path.join(args.out, "autoencoder.keras")
model.save(path)
loaded = keras.saving.load_model(path)
np.testing.assert_allclose(
    loaded.predict(x_test, verbose=0), model.predict(x_test, verbose=0), atol=1e-5
)
print("reloaded", path)

# ## Greedy pretraining with few labels
#
# Pretend only 10% of the training labels are known. Each layer of a 3-layer
# sigmoid encoder (the recipe's defaults: 256 units per layer, masking noise
# 0.3, 60 epochs per layer) is first trained as a denoising autoencoder on the
# codes of the layers below, using every training image without its label;
# then a softmax head (with dropout 0.5 before it) is added, trained alone for
# 30 epochs, and then the whole network is fine-tuned on the labeled 10% (200
# epochs by default). The same network from a random initialisation,
# fine-tuned the same way, is the baseline: sigmoid networks trained from
# scratch on ~100 labels are where pretraining helps most. The measured
# figures behind these defaults are in docs/recipes/autoencoder.md.

_, labeled = embedded.stratified_holdout(y_train, 0.1, 0)
few_labels = (x_train[labeled], y_train[labeled])
quick = {"epochs": 3, "head_epochs": 1} if args.quick else {}  # else the defaults
keras.utils.set_random_seed(0)
encoder = autoencoder.pretrain(
    x_train, seed=0, **({"epochs_per_layer": 1} if args.quick else {})
)
classifier = autoencoder.build_classifier(encoder, num_classes=10)
autoencoder.fine_tune(classifier, few_labels, verbose=0, **quick)
print("pretrained classifier, 10% labels:", autoencoder.evaluate(classifier, bundle))

keras.utils.set_random_seed(0)
inputs = keras.Input(shape=x_train.shape[1:])
h = keras.layers.Flatten()(inputs)
for units in (256, 256, 256):
    h = keras.layers.Dense(units, activation="sigmoid")(h)
baseline = autoencoder.build_classifier(keras.Model(inputs, h), num_classes=10)
autoencoder.fine_tune(baseline, few_labels, verbose=0, **quick)
print("random-init classifier, 10% labels:", autoencoder.evaluate(baseline, bundle))

# ## Marginalized denoising autoencoder
#
# mSDA needs no gradient descent: each layer is one linear solve for the
# reconstruction that is best on average over infinitely many masked copies.
# Its features (inputs and every layer's output) feed a linear classifier.

from sklearn.linear_model import LogisticRegression  # noqa: E402

flat = lambda x: x.reshape(len(x), -1)  # noqa: E731
msda = autoencoder.MarginalizedDenoisingAutoencoder(num_layers=2, noise_level=0.5)
msda.fit(flat(x_train))
regression = LogisticRegression(max_iter=1000)
regression.fit(msda.transform(flat(x_train)), y_train)
accuracy = regression.score(msda.transform(flat(x_test)), y_test)
print(f"mSDA features + logistic regression: test accuracy {accuracy:.3f}")

# ## Conclusion
#
# A small denoising autoencoder learns codes that reconstruct clean digits
# from corrupted ones and that group digits by class; the codes can be
# mapped, interpolated and shifted along attribute vectors. The same idea,
# trained layer by layer, initialises a classifier when labels are scarce,
# and its marginalized version gives features in one linear solve per layer.
