"""Feature extractors: a random-weight ConvNet, or chosen layers of any model.

Gatys et al. match features of a trained VGG-19; offline there is none. Two
routes work without one:

- a ConvNet with random weights (`random_convnet`): He, Wang and Hopcroft
  (2016, "A Powerful Generative Model Using Random Weights for the Deep Image
  Representation") and Ustyuzhaninov, Brendel, Gatys and Bethge (2016,
  "Texture Synthesis Using Shallow Convolutional Networks with Random
  Filters") showed that the Gram matrices of random filters' responses, taken
  over several scales, capture textures and styles; the pooling between blocks
  gives the deeper layers their larger receptive fields;
- the layers of a trained model (`layer_outputs`), such as a saved ConvNet
  recipe model, picked by name.

`layer_outputs` turns either into the extractor the optimisation runs: a
Functional model from the image to a dict `{layer name: (batch, height,
width, filters) features}`. Both are `recipes.saving.RecipeModel`s of plain
Keras layers, so they save to `.keras` files that load in safe mode. Why the
defaults are what they are: docs/recipes/style.md.

Example:

>>> from recipes.style import features
>>> extractor = features.layer_outputs(features.random_convnet(seed=0),
...                                    ["block1_conv1", "block3_conv1"])
>>> import numpy as np
>>> {k: tuple(v.shape) for k, v in extractor(np.zeros((1, 32, 32, 3))).items()}
{'block1_conv1': (1, 32, 32, 32), 'block3_conv1': (1, 8, 8, 128)}
"""

from __future__ import annotations

import keras
import numpy as np

from recipes import saving, validation

ROLE = "features"
# Measured on the validation pair in docs/recipes/style.md.
WIDTHS = (32, 64, 128, 256)
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
CONTENT_LAYERS = ("block2_conv1",)


def random_convnet(
    *, channels=3, widths=WIDTHS, convs_per_block=1, seed=0, name="random_convnet"
):
    """A VGG-like ConvNet with random (He-normal) weights, never trained.

    Blocks of `convs_per_block` 3x3 convolutions with ReLU, an average pooling
    (Gatys et al. replace VGG's max pooling by average pooling) between
    blocks. Layers are named as in VGG: `block{b}_conv{c}`, `block{b}_pool`.
    The input, in [0, 1], is mapped to [-1, 1] first. The kernels are drawn
    by NumPy from `seed` (biases 0), so a seed gives the same network on
    every backend.

    Args:
        channels: the images' channel count (1 or 3).
        widths: filters of each block's convolutions.
        convs_per_block: convolutions per block.
        seed: the seed of the weights (the same seed, the same network).
        name: the model's name.

    Returns:
        A `RecipeModel` (`recipe="style"`, `role="features"`) whose output is
        the last block's features; pick layers with `layer_outputs`.

    Example:

    >>> random_convnet(widths=(8, 16)).get_layer("block2_conv1").filters
    16
    """
    validation.check_choice(channels, "channels", (1, 3))
    widths = validation.check_sizes(widths, "widths", allow_empty=False)
    validation.check_positive_int(convs_per_block, "convs_per_block")
    seed = validation.check_seed(seed, allow_none=False)
    inputs = keras.Input((None, None, channels), name="image")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_signed")(inputs)
    convolutions = []
    for block, width in enumerate(widths, start=1):
        if block > 1:
            x = keras.layers.AveragePooling2D(2, name=f"block{block - 1}_pool")(x)
        for conv in range(1, convs_per_block + 1):
            convolution = keras.layers.Conv2D(
                width,
                3,
                padding="same",
                activation="relu",
                kernel_initializer="zeros",  # set below, from NumPy
                name=f"block{block}_conv{conv}",
            )
            x = convolution(x)  # (B, H / 2^(block-1), W / 2^(block-1), width)
            convolutions.append(convolution)
    # He-normal weights drawn by NumPy: the same network on every backend, and
    # no backend random op to compile per shape.
    generator = np.random.default_rng(seed)
    for convolution in convolutions:
        shape = tuple(convolution.kernel.shape)  # (3, 3, in, out)
        fan_in = shape[0] * shape[1] * shape[2]
        kernel = generator.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        convolution.kernel.assign(kernel.astype("float32"))
    return saving.RecipeModel(inputs, x, recipe="style", role=ROLE, name=name)


def layer_outputs(model, layers, *, name="style_features"):
    """The extractor that returns the named layers' outputs of `model`.

    Args:
        model: a Functional Keras model taking images (a `random_convnet`, a
            trained ConvNet recipe model, ...).
        layers: the names of the layers whose outputs are the features, each
            of shape `(batch, height, width, filters)`.
        name: the extractor's name.

    Returns:
        A `RecipeModel` from `model`'s input to `{layer name: features}`.

    Raises:
        ValueError: naming `layers`, for an empty list, an unknown layer name
            (the message lists the known ones) or a layer whose output is not
            a feature map.
    """
    if isinstance(layers, str):
        layers = (layers,)
    names = [] if layers is None else list(dict.fromkeys(layers))
    if not names:
        raise ValueError(f"`layers` must name at least one layer, got {layers!r}.")
    if not isinstance(model, keras.Model) or not hasattr(model, "inputs"):
        raise ValueError(f"`model` must be a Functional Keras model, got {model!r}.")
    known = [layer.name for layer in model.layers]
    unknown = [layer for layer in names if layer not in known]
    if unknown:
        raise ValueError(
            f"`layers` {unknown} are not layers of {model.name!r}; its layers are "
            f"{known}."
        )
    outputs = {}
    for layer in names:
        output = model.get_layer(layer).output
        if len(output.shape) != 4:
            raise ValueError(
                f"`layers` {layer!r} gives shape {tuple(output.shape)}, not "
                "(batch, height, width, filters) feature maps."
            )
        outputs[layer] = output
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return saving.RecipeModel(inputs, outputs, recipe="style", role=ROLE, name=name)
