"""
Title: Image classification with LeNet, VGG and ResNet on 8x8 digits
Recipe: recipes.convnet

Run:  python tutorials/convnet.py [--epochs 150] [--quick] [--out tutorials/output]

## Introduction

A convolutional network learns its own image features: small filters slide over
the image, so a stroke detector learned in one corner works everywhere, and
pooling or striding makes later layers see larger parts of the digit. Three
generations of the idea fit in one recipe:

- LeNet-5 (LeCun et al. 1998): two convolution + pooling stages, then dense
  layers;
- VGG (Simonyan & Zisserman 2015): stacks of 3x3 convolutions, the filters
  doubling each time the image is halved;
- ResNet (He et al. 2016): each block learns a *residual* `F(x)` added to its
  input, `relu(x + F(x))`, so that very deep stacks still train: the identity
  path carries the signal and the gradient straight through.

We train all three on scikit-learn's handwritten digits, which ship with the
package (no download), and compare them on the same fixed test split.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from recipes import convnet, data, plots  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
parser.add_argument("--epochs", type=int, default=150)
parser.add_argument("--quick", action="store_true", help="3 epochs, for a smoke run")
parser.add_argument("--out", default=os.path.join("tutorials", "output"))
args = parser.parse_args()
epochs = 3 if args.quick else args.epochs
os.makedirs(args.out, exist_ok=True)

"""
## The data

`data.load("digits")` gives 1,797 8x8 grey images scaled to [0, 1], split once
and for all into 60% train, 20% validation and 20% test, stratified by class.
The validation split drives early stopping; the test split is only looked at
at the end.
"""

keras.utils.set_random_seed(0)
bundle = data.load("digits")
x_train, y_train = bundle.train
print(f"train {x_train.shape}, val {bundle.val[0].shape}, test {bundle.test[0].shape}")
plots.image_grid(x_train[:32], os.path.join(args.out, "convnet_digits.png"), columns=8)

"""
## Three architectures, one recipe

`convnet.build` returns a Functional Keras model. Every variant uses He
initialisation, which keeps the variance of ReLU activations steady from layer
to layer, batch normalisation, and random one-pixel shifts of the training
images: at 8x8 pixels a one-pixel shift is a large change, and seeing it makes
the network insensitive to where the digit sits.
"""

results = {}
for arch in convnet.ARCHITECTURES:
    model = convnet.build(
        input_shape=bundle.info.input_shape, num_classes=10, arch=arch
    )
    model = convnet.compile(model, learning_rate=1e-3)
    print(f"\n{arch}: {model.count_params():,} parameters")

    """
    `convnet.fit` trains with Adam, stops when the validation loss has not
    improved for 30 epochs and restores the best weights. Pass
    `checkpoint_dir=` to make a long run resumable.
    """
    history = convnet.fit(model, bundle, epochs=epochs, verbose=0)
    results[arch] = convnet.evaluate(model, bundle)
    print(f"{arch}: {len(history.history['loss'])} epochs, test {results[arch]}")
    if arch == "resnet":
        best, best_history = model, history

plots.training_curves(
    best_history.history, os.path.join(args.out, "convnet_resnet_curves.png")
)

"""
## Save, load, predict

The model is plain Keras plus one registered layer (`RandomShift`), so it
saves to a single `.keras` file and loads back in safe mode without any
`custom_objects`. The augmentation is only active in training, so the loaded
model predicts exactly what the trained one does.
"""

path = os.path.join(args.out, "convnet.keras")
best.save(path)
loaded = keras.saving.load_model(path)
print("\nreloaded test metrics:", convnet.evaluate(loaded, bundle))

"""
## Conclusion

On these tiny images all three families do well; the residual network is the
most accurate for its size (see `benchmarks/RESULTS.md` for the measured
figures over three seeds). To search the architecture, width, depth, dropout,
learning rate and batch size, run `recipes tune convnet`.
"""
for arch, metrics in results.items():
    print(f"{arch:7s} test accuracy {metrics['accuracy']:.4f}")
