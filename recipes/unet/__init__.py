"""U-Net segmentation (Ronneberger, Fischer & Brox 2015).

An encoder of convolution and pooling stages captures what is in the image; a
symmetric decoder upsamples back to the input's resolution, and at each
resolution concatenates the encoder's features (the skip connections), so the
decoder can place the boundaries precisely. A 1x1 convolution gives a
per-pixel sigmoid (binary mask) or softmax (classes). The output has the
input's height and width for any size. The losses are the pixel
cross-entropy, the soft Dice loss (Milletari et al. 2016) and their sum
(`recipes.losses.DiceCrossEntropy`, the default); `evaluate` reports the test
IoU and Dice of the foreground, averaged over the images. The default data is
`digits_loc`: digits at a random position and scale on 64x64 photo patches,
with their pixel masks. How the defaults were chosen, and what they score:
docs/recipes/unet.md.

The package is split by concern: `model` (`build`), `training` (`compile`,
`fit`), `evaluation` (`iou`, `dice`, `predict_masks`, `evaluate`) and
`hypermodel` (`HyperModel`).

Example:

>>> from recipes import data, unet
>>> images, masks = data.load("digits_loc").train
>>> model = unet.compile(unet.build(input_shape=(64, 64, 3), filters=2, depth=1))
>>> history = unet.fit(model, (images[:16], masks[:16]), epochs=1, verbose=0)
>>> sorted(unet.evaluate(model, (images[:16], masks[:16])))
['dice', 'iou', 'pixel_accuracy']
"""

from __future__ import annotations

from recipes.data import load as load_data
from recipes.unet.evaluation import dice, evaluate, iou, predict_masks
from recipes.unet.hypermodel import HyperModel
from recipes.unet.model import UPSAMPLINGS, build
from recipes.unet.training import LOSSES, STEPS_PER_EXECUTION, compile, fit, make_loss

DATASET = "digits_loc"
FACTS = ("input_shape",)  # what `build` and `HyperModel` take from a dataset's info

__all__ = [
    "DATASET",
    "FACTS",
    "LOSSES",
    "STEPS_PER_EXECUTION",
    "UPSAMPLINGS",
    "HyperModel",
    "build",
    "compile",
    "dice",
    "evaluate",
    "fit",
    "iou",
    "load_data",
    "make_loss",
    "predict_masks",
]
