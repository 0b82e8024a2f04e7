"""Gatys et al.'s optimisation: an image whose features match two others'.

Style transfer (Gatys, Ecker and Bethge 2016, "Image Style Transfer Using
Convolutional Neural Networks"): starting from the content image (or from
noise), gradient descent on the pixels minimises
`alpha L_content + beta L_style + tv L_tv` (`recipes.style.losses`), the
content features of one image and the Gram matrices of another's. Texture
synthesis (Gatys, Ecker and Bethge 2015, "Texture Synthesis Using
Convolutional Neural Networks") is the style term alone, from noise.

Each step is one compiled (XLA) function: the gradient of the loss with
respect to the pixels, an Adam update, and a clip of the pixels to [0, 1].
How the gradient is taken and the update applied differs per backend
(`step_tensorflow`: a `tf.GradientTape` and the optimizer's
`apply_gradients` on a `keras.Variable`; `step_jax`: `jax.value_and_grad` and
the optimizer's `stateless_apply`); the loss is shared. Measured defaults:
docs/recipes/style.md.

Example:

>>> from recipes.style import images, optimisation
>>> content = images.load_image("china", size=32)
>>> style = images.load_image("flower", size=32)
>>> result = optimisation.transfer(content, style, steps=3, verbose=0)
>>> result.image.shape, len(result.history["loss"])
((32, 48, 3), 3)
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time

import keras
import numpy as np
from keras import ops

from recipes import validation
from recipes.style import distances, losses
from recipes.style import features as features_module
from recipes.style import images as images_module

# Chosen on the validation pair (docs/recipes/style.md).
ALPHA = 1.0
BETA = 10.0
TV = 0.1
STEPS = 150
LEARNING_RATE = 0.02
INITS = ("content", "noise")
PARTS = ("content_loss", "style_loss", "tv_loss")


@dataclasses.dataclass
class Result:
    """What an optimisation returns.

    Attributes:
        image: the optimised `(height, width, channels)` image, in [0, 1].
        history: `{"loss", "content_loss", "style_loss", "tv_loss": [one
            value per step]}`, each measured before that step's update
            (unweighted parts; `loss` is the weighted total).
        extractor: the feature extractor used (`features.layer_outputs`).
        seconds_per_step: the median wall time of a step after the first
            (which compiles).
    """

    image: np.ndarray
    history: dict
    extractor: keras.Model
    seconds_per_step: float


def _check_options(steps, learning_rate, verbose, **weights):
    validation.check_positive_int(steps, "steps")
    validation.check_positive(learning_rate, "learning_rate")
    validation.check_verbose(verbose)
    for name, value in weights.items():
        if name == "tv":
            validation.check_non_negative(value, "tv")
        else:
            validation.check_positive(value, name)


def _layer_weights(style_layers, style_weights):
    """`{layer: w_l}` for the style layers, checked."""
    if style_weights is None:
        return None
    try:
        weights = [float(weight) for weight in style_weights]
    except (TypeError, ValueError):
        weights = None
    if weights is None or len(weights) != len(style_layers):
        raise ValueError(
            f"`style_weights` must be {len(style_layers)} positive numbers, one per "
            f"style layer, got {style_weights!r}."
        )
    for weight in weights:
        validation.check_positive(weight, "style_weights")
    return dict(zip(style_layers, weights))


def _layers(layers, name):
    layers = (layers,) if isinstance(layers, str) else layers
    try:
        layers = tuple(dict.fromkeys(layers))
    except TypeError:
        layers = ()
    if not layers or not all(isinstance(layer, str) for layer in layers):
        raise ValueError(f"`{name}` must be layer names, got {layers!r}.")
    return layers


def make_extractor(model, layers, images, *, seed=0):
    """The extractor of `layers` from `model` (default: `random_convnet(seed)`).

    Args:
        model: a Functional model taking images, or `None`.
        layers: the names of its layers whose outputs are the features.
        images: `{argument name: image}`, the images it will see.
        seed: the seed of the default random network.

    Raises:
        ValueError: naming `layers` for unknown layer names, or the image's
            argument when `model` takes another channel count or, for a model
            of a fixed input size, another size.
    """
    channels = next(iter(images.values())).shape[-1]
    if model is None:
        model = features_module.random_convnet(channels=channels, seed=seed)
    extractor = features_module.layer_outputs(model, layers)
    expected = tuple(extractor.inputs[0].shape[1:])  # (height, width, channels)
    for name, image in images.items():
        if not all(
            size in (None, actual) for size, actual in zip(expected, image.shape)
        ):
            raise ValueError(
                f"`{name}` has shape {image.shape} but `model` takes images of shape "
                f"{expected} (None: any size)."
            )
    return extractor


def _report(verbose, steps):
    """A `report(step, values)` that shows progress: a bar (1) or lines (2)."""
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    if verbose == 1:
        bar = keras.utils.Progbar(steps, stateful_metrics=("loss", *PARTS))
        return lambda step, values: bar.update(step, list(values.items()))
    every = max(1, steps // 10)

    def line(step, values):
        if verbose == 2 and (step % every == 0 or step == steps):
            shown = ", ".join(f"{key} {value:.4g}" for key, value in values.items())
            print(f"step {step}/{steps}: {shown}", flush=True)

    return line


def optimise(
    initial,
    extractor,
    *,
    content=None,
    style,
    content_layers=(),
    style_layers,
    style_weights=None,
    alpha=ALPHA,
    beta=BETA,
    tv=TV,
    steps=STEPS,
    learning_rate=LEARNING_RATE,
    verbose="auto",
):
    """Adam on the pixels of `initial`, one compiled step at a time.

    The shared loop of `transfer` and `synthesize_texture` (which check the
    arguments); `content=None` leaves the content term out.

    Returns:
        A `Result`.
    """
    content_targets, grams = distances.targets(
        extractor, content, style, content_layers, style_layers
    )
    weights = None if style_weights is None else dict(style_weights)
    trainable = [variable.value for variable in extractor.trainable_variables]
    non_trainable = [variable.value for variable in extractor.non_trainable_variables]

    def loss_of(image, trainable, non_trainable, content_targets, grams):
        outputs, _ = extractor.stateless_call(trainable, non_trainable, image)
        style_part = losses.style_loss(outputs, grams, weights)[0]
        tv_part = losses.total_variation(image)[0]
        total = beta * style_part + tv * tv_part
        content_part = ops.zeros_like(style_part)
        if content_targets:
            content_part = losses.content_loss(outputs, content_targets)[0]
            total = total + alpha * content_part
        return total, (content_part, style_part, tv_part)

    optimizer = keras.optimizers.Adam(learning_rate)
    pixels = keras.Variable(initial[None], name="pixels")  # (1, H, W, C)
    optimizer.build([pixels])
    step = distances.backend_step().Step(
        loss_of, optimizer, pixels, (trainable, non_trainable, content_targets, grams)
    )
    report = _report(verbose, steps)
    history = {key: [] for key in ("loss", *PARTS)}
    seconds = []
    for index in range(1, steps + 1):
        start = time.perf_counter()
        loss, parts = step()
        values = dict(zip(("loss", *PARTS), (float(loss), *map(float, parts))))
        seconds.append(time.perf_counter() - start)
        for key, value in values.items():
            history[key].append(value)
        report(index, values)
    return Result(
        image=np.asarray(ops.convert_to_numpy(step.image)[0], dtype="float32"),
        history=history,
        extractor=extractor,
        seconds_per_step=statistics.median(seconds[1:] or seconds),
    )


def _noise(shape, seed):
    """Uniform noise in [0, 1] of `shape`, from `seed` (NumPy: the same on every backend)."""
    return np.random.default_rng(seed).random(shape).astype("float32")


def transfer(
    content,
    style,
    *,
    model=None,
    content_layers=features_module.CONTENT_LAYERS,
    style_layers=features_module.STYLE_LAYERS,
    style_weights=None,
    alpha=ALPHA,
    beta=BETA,
    tv=TV,
    steps=STEPS,
    learning_rate=LEARNING_RATE,
    init="content",
    seed=0,
    verbose="auto",
):
    """Paints `content` in the style of `style` (Gatys et al. 2016).

    Args:
        content: `(height, width, channels)` image in [0, 1]; the result has
            its size.
        style: image of the same channel count, any size.
        model: the network whose layers give the features (a trained ConvNet
            recipe model, ...); default `features.random_convnet(seed=seed)`.
        content_layers: the layers whose features the result shares with
            `content`.
        style_layers: the layers whose Gram matrices it shares with `style`.
        style_weights: `w_l`, one positive number per style layer (default
            equal weights summing to 1).
        alpha: weight of the content loss (> 0).
        beta: weight of the style loss (> 0); a larger `beta / alpha` gives
            more style and less content.
        tv: weight of the total variation (>= 0; 0 turns it off).
        steps: optimisation steps (> 0).
        learning_rate: Adam's step size on pixels in [0, 1].
        init: start from the `"content"` image or from uniform `"noise"`.
        seed: seeds the random network and the noise; the same seed, the same
            result.
        verbose: `"auto"` (a progress bar on a terminal, else lines), 0
            (silent), 1 (a progress bar) or 2 (a line every tenth of the
            steps).

    Returns:
        A `Result`: the image, the per-step loss history, the extractor.

    Raises:
        ValueError: naming the argument, before any step, for bad images,
            images of different channel counts, unknown layer names,
            non-positive weights or steps.
    """
    content, style = images_module.check_pair(content, style)
    content_layers = _layers(content_layers, "content_layers")
    style_layers = _layers(style_layers, "style_layers")
    weights = _layer_weights(style_layers, style_weights)
    _check_options(steps, learning_rate, verbose, alpha=alpha, beta=beta, tv=tv)
    validation.check_choice(init, "init", INITS)
    seed = validation.check_seed(seed, allow_none=False)
    layers = (*content_layers, *style_layers)
    extractor = make_extractor(
        model, layers, {"content": content, "style": style}, seed=seed
    )
    initial = content if init == "content" else _noise(content.shape, seed)
    return optimise(
        initial,
        extractor,
        content=content,
        style=style,
        content_layers=content_layers,
        style_layers=style_layers,
        style_weights=weights,
        alpha=alpha,
        beta=beta,
        tv=tv,
        steps=steps,
        learning_rate=learning_rate,
        verbose=verbose,
    )


def synthesize_texture(
    style,
    *,
    size=None,
    model=None,
    style_layers=features_module.STYLE_LAYERS,
    style_weights=None,
    tv=0.0,
    steps=STEPS,
    learning_rate=LEARNING_RATE,
    seed=0,
    verbose="auto",
):
    """A new image of `style`'s texture, from noise (Gatys et al. 2015).

    The style term alone: the content loss is left out, and the image starts
    from uniform noise drawn from `seed`.

    Args:
        style: `(height, width, channels)` image in [0, 1].
        size: `(height, width)` of the texture (default: `style`'s).
        model: as in `transfer`.
        style_layers: as in `transfer`.
        style_weights: as in `transfer`.
        tv: weight of the total variation (>= 0; default 0).
        steps: optimisation steps (> 0).
        learning_rate: Adam's step size.
        seed: seeds the random network and the starting noise.
        verbose: as in `transfer`.

    Returns:
        A `Result`.

    Raises:
        ValueError: naming the argument, before any step.
    """
    style = images_module.check_image(style, "style")
    style_layers = _layers(style_layers, "style_layers")
    weights = _layer_weights(style_layers, style_weights)
    _check_options(steps, learning_rate, verbose, tv=tv)
    seed = validation.check_seed(seed, allow_none=False)
    if size is None:
        size = style.shape[:2]
    size = validation.check_shape(size, "size", ranks=(2,))
    if min(size) < images_module.MIN_SIDE:
        raise ValueError(
            f"`size` sides must be at least {images_module.MIN_SIDE}, got {size!r}."
        )
    initial = _noise((*size, style.shape[-1]), seed)
    extractor = make_extractor(
        model, style_layers, {"style": style, "size": initial}, seed=seed
    )
    return optimise(
        initial,
        extractor,
        style=style,
        style_layers=style_layers,
        style_weights=weights,
        tv=tv,
        steps=steps,
        learning_rate=learning_rate,
        verbose=verbose,
    )
