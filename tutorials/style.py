# %% [markdown]
# # Style transfer and texture synthesis with Gram matrices
#
# **Module:** `recipes.style` · **Run:** `python tutorials/style.py`, with
# `--quick` for a smoke run (smaller images, fewer steps) and `--epochs N` for
# N optimisation steps; `jupytext --to notebook tutorials/style.py` makes it a
# notebook.
#
# ## Introduction
#
# Gatys, Ecker and Bethge (2016) painted photographs in the style of famous
# paintings with no network trained for the task. They took a ConvNet, fed it
# two images, and looked for a third image whose features match
#
# - the *content* image's feature maps at a deep layer: where things are;
# - the *style* image's *Gram matrices* at several layers: which filters fire
#   together, whatever the place; colours, strokes, local textures.
#
# The image is found by gradient descent on its pixels, not by training a
# network. With the style term alone, starting from noise, the same
# optimisation synthesises a new sample of a texture (Gatys et al. 2015).
#
# Offline there is no pretrained VGG-19, and none is needed: He, Wang and
# Hopcroft (2016) and Ustyuzhaninov et al. (2016) showed that a ConvNet with
# *random* weights gives Gram matrices that capture textures and styles well.
# That is this tutorial's feature extractor; any trained model's layers can be
# used instead (`model=` and layer names).

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras loads a backend

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import style, tutorial  # noqa: E402
from recipes.style import features  # noqa: E402

args = tutorial.options(
    "Style transfer and texture synthesis with Gram matrices.",
    epochs=150,
    quick_epochs=20,
    out=os.path.join("tutorials", "output", "style"),
)
tutorial.smoke_run(
    args,
    "A smoke run optimises 64-pixel images for 20 steps; the full run (96x144 "
    "images, 150 steps) lowers the style distance to the flower by 98.1% and "
    "keeps the content distance at 0.34 against the flower's 0.68, as "
    "`python -m benchmarks.quality style` measures these defaults.",
)
size = 64 if args.quick else 96  # the shorter side, in pixels
steps = args.epochs  # here --epochs counts optimisation steps

# %% [markdown]
# ## The two images
#
# scikit-learn ships two photographs: a Chinese temple (`china`) and a flower
# (`flower`). The temple is the content, the flower the style. Both are
# loaded as float arrays in [0, 1] and shrunk so that their shorter side is
# `size` pixels: the optimisation runs a ConvNet forwards and backwards at
# every step, and 96x144 pixels keep a step in the tens of milliseconds on
# a CPU. Your own pictures load the same way: `style.load_image("photo.jpg",
# size=96)`.

# %%
content = style.load_image("china", size=size)
style_image = style.load_image("flower", size=size)
print(f"content {content.shape}, style {style_image.shape}")
style.save_images(
    [content, style_image],
    os.path.join(args.out, "inputs.png"),
    captions=["content: china", "style: flower"],
    title="The content and the style image",
)

# %% [markdown]
# ## The feature extractor
#
# A VGG-like ConvNet with He-normal random weights: four blocks of a 3x3
# convolution with ReLU (32, 64, 128 and 256 filters), an average pooling
# between blocks. Each block sees the image at half the previous resolution,
# so the four layers' filters respond to structures of growing size. The same
# seed gives the same network on TensorFlow and on JAX.

# %%
network = style.random_convnet(seed=0)
extractor = style.layer_outputs(
    network, (*features.STYLE_LAYERS, *features.CONTENT_LAYERS)
)
for layer, maps in extractor.predict(content[None], verbose=0).items():
    print(f"{layer}: feature maps {maps.shape}")

# %% [markdown]
# ## The Gram matrix idea
#
# Write a layer's feature maps as a matrix `F` of `N` filters by `M`
# positions. Its Gram matrix `G = F F^T / M` holds, for every pair of filters,
# how strongly they fire together on average over the image: a summary that
# forgets *where* anything is. The style loss compares Gram matrices, the
# content loss compares the feature maps themselves.
#
# A test of that claim: cut the temple photograph into 16-pixel tiles and
# shuffle them. The shuffled image has nearly the temple's statistics but none
# of its layout, so its style distance to the temple should stay small while
# its content distance grows, the opposite of what the flower gives.

# %%
rng = np.random.default_rng(0)
tile = 16
rows, columns = content.shape[0] // tile, content.shape[1] // tile
tiles = (
    content[: rows * tile, : columns * tile]
    .reshape(rows, tile, columns, tile, 3)
    .transpose(0, 2, 1, 3, 4)
    .reshape(rows * columns, tile, tile, 3)
)
shuffled = (
    tiles[rng.permutation(len(tiles))]
    .reshape(rows, columns, tile, tile, 3)
    .transpose(0, 2, 1, 3, 4)
    .reshape(rows * tile, columns * tile, 3)
)
reference = content[: rows * tile, : columns * tile]
style_extractor = style.layer_outputs(network, features.STYLE_LAYERS)
content_extractor = style.layer_outputs(network, features.CONTENT_LAYERS)
flower = style.resize(style_image, reference.shape[:2])
for name, image in (("shuffled tiles", shuffled), ("flower", flower)):
    print(
        f"{name}: style distance to the temple "
        f"{style.style_distance(image, reference, style_extractor):.4f}, "
        f"content distance {style.content_distance(image, reference, content_extractor):.4f}"
    )
style.save_images(
    [reference, shuffled],
    os.path.join(args.out, "shuffled.png"),
    captions=["the temple", "its tiles shuffled"],
    title="Same Gram matrices, different layout",
)

# %% [markdown]
# ## Style transfer
#
# `style.transfer` starts from the content image and takes Adam steps on its
# pixels (clipped to [0, 1]) to minimise
# `alpha L_content + beta L_style + tv L_tv`: the content loss at
# `block2_conv1`, the style loss over the four blocks, and a small total
# variation term against pixel noise. `beta / alpha = 10` was chosen on
# another pair of images (the design note, `docs/recipes/style.md`); a larger
# ratio paints more flower and keeps less temple. Each step is one compiled
# (XLA) function; a line reports the losses every tenth of the run.

# %%
result = style.transfer(content, style_image, steps=steps, seed=0, verbose=2)
print(f"{1000 * result.seconds_per_step:.1f} ms per step")
style.save_images(
    [content, style_image, result.image],
    os.path.join(args.out, "transfer.png"),
    captions=["content", "style", f"result after {steps} steps"],
    title="The temple painted with the flower's Gram matrices",
)
style.save_curves(
    result.history,
    os.path.join(args.out, "transfer_losses.png"),
    title="Style transfer: the losses per step",
)

# %% [markdown]
# The content loss starts at zero (the image *is* the content) and rises while
# the style loss falls (about fifty-fold in the full run): the optimisation
# trades part of the temple's exact feature values for the flower's filter
# correlations, and levels off within about a hundred steps. How far did it go? The benchmark's two checks: the style
# distance should fall by at least 90% from the temple's own, and the
# result's content distance should stay below the flower's.

# %%
before = style.style_distance(content, style_image, style_extractor)
after = style.style_distance(result.image, style_image, style_extractor)
kept = style.content_distance(result.image, content, content_extractor)
flower_content = style.content_distance(style_image, content, content_extractor)
print(
    f"style distance to the flower: temple {before:.4f}, result {after:.4f} "
    f"({100 * (1 - after / before):.1f}% lower)"
)
print(f"content distance to the temple: result {kept:.4f}, flower {flower_content:.4f}")

# %% [markdown]
# ## Texture synthesis from noise
#
# Leave the content term out and start from uniform noise: the optimisation
# then looks for *any* image with the flower's Gram matrices. The result is a
# new sample of the flower's texture, with its colours and petal strokes but
# not its layout.

# %%
texture = style.synthesize_texture(style_image, steps=steps, seed=0, verbose=2)
style.save_images(
    [style_image, texture.image],
    os.path.join(args.out, "texture.png"),
    captions=["the flower", f"texture from noise, {steps} steps"],
    title="Texture synthesis: the style term alone",
)
style.save_curves(
    texture.history,
    os.path.join(args.out, "texture_losses.png"),
    keys=["style_loss"],
    title="Texture synthesis: the style loss per step",
)

# %% [markdown]
# ## Save and load the feature extractor
#
# The extractor is an ordinary Functional Keras model of built-in layers, so it
# saves to one `.keras` file and loads in safe mode; the same file gives the
# same Gram matrices later, on either backend.

# %%
path = os.path.join(args.out, "style_features.keras")
result.extractor.save(path)
loaded = keras.saving.load_model(path)
same = all(
    np.allclose(a, b, atol=1e-5)
    for a, b in zip(
        keras.tree.flatten(loaded.predict(content[None], verbose=0)),
        keras.tree.flatten(result.extractor.predict(content[None], verbose=0)),
    )
)
print(f"reloaded {path}: same features {same}")

# %% [markdown]
# ## Conclusion
#
# The full run, as `python -m benchmarks.quality style` draws it: the content,
# the style, the transfer and the flower's texture from noise,
#
# ![china, flower, the transfer and the texture](../benchmarks/style_transfer.png)
#
# and the losses per step of the transfer:
#
# ![losses per step](../benchmarks/style_curves.png)
#
# A random ConvNet is enough for Gram-matrix style: the Gram matrices of random
# filters at several scales are rich statistics of colour and local structure.
# Try `beta=100` for more style, `init="noise"` to start from noise, your own
# photographs through `style.load_image`, or the layers of a trained model:
# `style.transfer(content, style_image, model=my_convnet,
# content_layers=[...], style_layers=[...])`, with images of the channel count
# and size that model takes.
