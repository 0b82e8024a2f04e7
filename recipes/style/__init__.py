"""Style transfer and texture synthesis by optimising an image (Gatys et al.).

- Style transfer (Gatys, Ecker and Bethge 2016, "Image Style Transfer Using
  Convolutional Neural Networks"): an image whose features in a ConvNet match
  the content features of one image and the Gram matrices (filter
  correlations) of another's, found by gradient descent on its pixels:
  `alpha L_content + beta L_style + tv L_tv` (`transfer`).
- Texture synthesis (Gatys, Ecker and Bethge 2015, "Texture Synthesis Using
  Convolutional Neural Networks"): the style term alone, from noise
  (`synthesize_texture`).
- Feature extractors: a random-weight ConvNet by default (He, Wang and
  Hopcroft 2016; Ustyuzhaninov et al. 2016), or the layers of any trained
  model picked by name (`features.layer_outputs`).

This is an extra module, like `recipes.mda`, not a registered recipe: it
optimises one image rather than training a classifier, so it has no
`build` / `compile` / `fit` / `evaluate` contract. The optimisation step is
compiled with XLA on TensorFlow and on JAX (`step_tensorflow`, `step_jax`).
Measured defaults and the benchmark: docs/recipes/style.md.

Modules: `images` (loading, resizing, checks), `features` (extractors),
`losses` (Gram matrix, style, content, total variation), `distances`
(between two images' features), `optimisation` (`transfer`,
`synthesize_texture`), `figures` (PNGs).

Example (`style.transfer(content, style_image)` paints `content`; see
`recipes.style.optimisation`):

>>> from recipes import style
>>> content = style.load_image("china", size=32)
>>> extractor = style.layer_outputs(style.random_convnet(seed=0), ["block1_conv1"])
>>> maps = extractor.predict(content[None], verbose=0)["block1_conv1"]
>>> tuple(style.gram_matrix(maps).shape)  # (batch, filters, filters)
(1, 32, 32)
"""

from recipes.style.distances import content_distance, style_distance
from recipes.style.features import layer_outputs, random_convnet
from recipes.style.figures import save_curves, save_images
from recipes.style.images import check_image, check_pair, load_image, resize
from recipes.style.losses import (
    content_loss,
    gram_matrix,
    style_layer_loss,
    style_loss,
    total_variation,
)
from recipes.style.optimisation import (
    Result,
    make_extractor,
    synthesize_texture,
    transfer,
)

__all__ = [
    "Result",
    "check_image",
    "check_pair",
    "content_distance",
    "content_loss",
    "gram_matrix",
    "layer_outputs",
    "load_image",
    "make_extractor",
    "random_convnet",
    "resize",
    "save_curves",
    "save_images",
    "style_distance",
    "style_layer_loss",
    "style_loss",
    "synthesize_texture",
    "total_variation",
    "transfer",
]
