# %% [markdown]
# # Where is the digit? Class activation maps, then U-Net segmentation
#
# **Recipes:** `recipes.cam` and `recipes.unet` · **Run:** `python
# tutorials/unet.py`, with `--quick` for a smoke run and `--checkpoint-dir
# DIR` to resume an interrupted run; `jupytext --to notebook
# tutorials/unet.py` makes it a notebook.
#
# ## Introduction
#
# A classifier answers *what* is in an image. Two further questions are
# *where* it is (localisation) and *which pixels* belong to it
# (segmentation). This tutorial asks both on one small, offline dataset:
# handwritten digits placed at a random position and scale on patches of
# photographs.
#
# First we train an ordinary ConvNet to name the digit, from labels alone, and
# look inside it with class activation maps (Zhou et al. 2016): a network that
# ends in global average pooling and one dense layer scores a class as the
# average of a weighted sum of its last feature maps, so that weighted sum,
# before averaging, says *where* the score comes from. The classifier is
# never told where the digit is; whether its map points at it depends on how
# well it has learned the digits, as we will see.
#
# Then we train a U-Net (Ronneberger, Fischer & Brox 2015) on the pixel masks
# themselves: an encoder that pools down to a coarse summary of the image, a
# decoder that upsamples back, and skip connections that hand the decoder the
# encoder's sharp features at every resolution. It outputs one probability
# per pixel.

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before Keras loads a backend

import keras  # noqa: E402
import numpy as np  # noqa: E402

from recipes import cam, convnet, data, plots, saving, tutorial, unet  # noqa: E402
from recipes.data import localisation  # noqa: E402

args = tutorial.options(
    "Class activation maps of a digit classifier, then U-Net segmentation.",
    epochs=40,
    quick_epochs=1,
    out=os.path.join("tutorials", "output", "unet"),
)
tutorial.smoke_run(
    args,
    "A full run trains as `python -m benchmarks.quality cam unet` does; that "
    "command measured a U-Net test IoU of 0.942 and, for the classifier, a "
    "test accuracy of 78.6%, with its class activation map peaking inside the "
    "digit's box on 95.0% of the test canvases (a random point: 8.5%). The "
    "smoke run's one epoch on 200 canvases leaves the classifier at chance.",
)

# %% [markdown]
# ## The data
#
# `digits_loc` takes each of scikit-learn's 1,797 handwritten 8x8 digits,
# upsamples it to a side of 16 to 32 pixels and places it at a random
# position on a 64x64 patch of one of scikit-learn's two sample photographs,
# drawing the digit as `|patch - ink|` the way MNIST-M does. Each canvas comes
# with the digit's pixel mask, its bounding box and its label; the same seed
# always gives the same canvases. `recipes.data.load("digits_loc")` gives
# `(canvas, mask)` pairs for segmentation; `localisation.load` gives every
# annotation. A classifier that must find a small digit on a large canvas
# from its label alone needs many updates before it starts to learn, so we
# draw each training digit six times (`train_copies=6`), each time at a new
# position and scale on a new patch; validation and test keep one canvas per
# digit.

# %%
parts = localisation.load(seed=0, train_copies=1 if args.quick else 6)
bundle = data.load("digits_loc")
if args.quick:  # a smoke run trains on a few hundred canvases
    parts = localisation.Localisation(
        *(
            localisation.Canvases(*(array[:200] for array in part))
            for part in (parts.train, parts.val, parts.test)
        )
    )
    bundle = data.Bundle(
        *((p.images, p.masks) for p in (parts.train, parts.val, parts.test)),
        info=bundle.info,
    )
train, val, test = parts.train, parts.val, parts.test
size = train.images.shape[1]
share = (
    np.mean(
        (test.boxes[:, 2] - test.boxes[:, 0]) * (test.boxes[:, 3] - test.boxes[:, 1])
    )
    / size**2
)
print(
    f"{len(train.images)} training, {len(val.images)} validation and "
    f"{len(test.images)} test canvases of {train.images.shape[1:]}"
)
print(f"the digit's box covers {share:.1%} of a test canvas on average")
plots.image_grid(
    np.concatenate([test.images[:8], np.repeat(test.masks[:8], 3, axis=-1)]),
    os.path.join(args.out, "canvases.png"),
    title="Eight test canvases (top) and their digit masks (bottom)",
    columns=8,
    scale=1.0,
)

# %% [markdown]
# ## A classifier that only knows labels
#
# The ConvNet recipe's ResNet ends in global average pooling and one dense
# layer, exactly the shape class activation maps need. We train it on the
# digit labels alone: width 16, two stages of one residual block, and a first
# convolution with stride 2 (`stem_strides=2`), so the last feature maps are
# 16x16, one cell per 4x4 pixels, at a quarter of the cost of a full-size
# stem; Adam at 3e-3. These are the settings `docs/recipes/cam.md` chose on
# the validation canvases: with the old full-size stem, one canvas per digit
# and a rate of 1e-3, the network stayed at chance.

# %%
keras.utils.set_random_seed(0)  # a repeatable run on the CPU
classifier = convnet.compile(
    convnet.build(
        input_shape=train.images.shape[1:],
        num_classes=10,
        width=16,
        depth=2,
        blocks_per_stage=1,
        stem_strides=2,
        seed=0,
    ),
    learning_rate=3e-3,
)
labelled = {"train": (train.images, train.labels), "val": (val.images, val.labels)}
classifier, _ = tutorial.trained(
    args,
    "classifier",
    classifier,
    lambda model, checkpoint_dir: convnet.fit(
        model,
        labelled,
        epochs=min(args.epochs, 20),  # the classifier's budget in the benchmark
        batch_size=32,
        early_stopping_patience=6,
        checkpoint_dir=checkpoint_dir,
        verbose=0,
        callbacks=tutorial.progress(args, "classifier"),
    ),
)
accuracy = np.mean(
    np.argmax(classifier.predict(test.images, verbose=0), -1) == test.labels
)
print(f"test accuracy of the digit classifier: {accuracy:.1%}")

# %% [markdown]
# ## Where the classifier looks
#
# `cam.class_activation_maps` computes `M_c = sum_k w_kc A_k` for each
# image's predicted class `c`, from the last feature maps `A_k` and the dense
# layer's weights, and resizes it to the canvas. We count how often the map's
# peak falls inside the digit's box; a point drawn at random would land there
# as often as the box's share of the canvas.

# %%
maps = cam.class_activation_maps(classifier, test.images)
inside = cam.peak_in_box(maps, test.boxes)
print(
    f"CAM peak inside the digit's box: {inside.mean():.1%} of the test canvases "
    f"(a random point: {share:.1%})"
)
cam.overlay(
    test.images[:16],
    maps[:16],
    os.path.join(args.out, "cam.png"),
    title="Class activation maps of the predicted class, box in white, peak +",
    boxes=test.boxes[:16],
    captions=[f"digit {d}" for d in test.labels[:16]],
)

# %% [markdown]
# Grad-CAM (Selvaraju et al. 2017) needs no global average pooling: it weighs
# any convolutional layer's maps by the mean gradient of the class score. At
# the last feature maps of this network it is the rectified CAM divided by
# the number of cells, so the two agree; at an earlier layer it is sharper but
# noisier.

# %%
gradient_maps = cam.grad_cam(classifier, test.images[:16])
cam.overlay(
    test.images[:16],
    gradient_maps,
    os.path.join(args.out, "grad_cam.png"),
    title="Grad-CAM at the last feature maps",
    boxes=test.boxes[:16],
)

# %% [markdown]
# ## Segmentation with a U-Net
#
# A map that peaks on the digit is not a mask of it. For the pixels
# themselves we train a U-Net on the masks: three pooling stages from 8 to
# 32 filters, a bottleneck of 64, transposed-convolution upsampling, and a
# sigmoid per pixel. The loss is the pixel cross-entropy plus the soft Dice
# loss: the digit covers about 4% of a canvas, and the Dice term keeps the
# background from drowning it. `docs/recipes/unet.md` records the choices.

# %%
keras.utils.set_random_seed(0)
model = unet.compile(unet.build(input_shape=bundle.info.input_shape))
model, history = tutorial.trained(
    args,
    "unet",
    model,
    lambda model, checkpoint_dir: unet.fit(
        model,
        bundle,
        epochs=args.epochs,
        checkpoint_dir=checkpoint_dir,
        verbose=0,
        callbacks=tutorial.progress(args, "unet"),
    ),
)
plots.training_curves(
    history,
    os.path.join(args.out, "unet_curves.png"),
    title="U-Net training: loss and foreground IoU",
    ylabel="value",
)
scores = unet.evaluate(model, bundle)
print(
    f"U-Net test IoU {scores['iou']:.3f}, Dice {scores['dice']:.3f}, "
    f"pixel accuracy {scores['pixel_accuracy']:.2%}"
)

# %% [markdown]
# The predicted masks beside the true ones:

# %%
predicted = unet.predict_masks(model, test.images[:8]).astype("float32")
plots.image_grid(
    np.concatenate(
        [
            test.images[:8],
            np.repeat(test.masks[:8], 3, axis=-1),
            np.repeat(predicted, 3, axis=-1),
        ]
    ),
    os.path.join(args.out, "masks.png"),
    title="Test canvases, true masks and U-Net masks (rows)",
    columns=8,
    scale=1.0,
)

# %% [markdown]
# ## Saving the model
#
# The U-Net is a Functional model of standard layers, and its losses are
# registered, so the `.keras` file loads in safe mode and predicts the same.

# %%
path = saving.save_model(model, os.path.join(args.out, "unet.keras"))
restored = keras.saving.load_model(path)
np.testing.assert_allclose(
    restored.predict(test.images[:4], verbose=0),
    model.predict(test.images[:4], verbose=0),
    atol=1e-5,
)
print(f"saved to {path}; the loaded model predicts the same masks")

# %% [markdown]
# ## Conclusion
#
# A class activation map explains what a classifier learned, so it is only as
# good as the classifier. Trained from labels alone on six draws of 1,077
# digits, our ResNet names 78.6% of the test digits
# (`python -m benchmarks.quality cam`), and its map's peak lands in the
# digit's box on 95.0% of the test canvases, where a random point would on
# 8.5%: it learned where to look without ever being told. Given the masks,
# the U-Net segments the same canvases with a test IoU of 0.942: its skip
# connections let the decoder combine what the encoder recognised with where
# the edges are. Both run unchanged on the TensorFlow and JAX backends; the
# gradient Grad-CAM needs is the one piece written per backend.
