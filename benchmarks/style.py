"""Style transfer benchmark on scikit-learn's sample photographs.

- quality: content `china`, style `flower`, both at 96x144 pixels; the
  default `style.transfer` (random-weight ConvNet, 300 Adam steps). Target:
  the Gram-matrix style distance to the flower falls by at least 90% from the
  china photograph's own, while the content distance to the china photograph
  stays below the flower's. The same distances measured by an independent
  random network (another seed, never optimised against) are shown beside
  them. Texture synthesis of the flower from noise is shown too. Before/after
  images and loss curves are written to `benchmarks/style_*.png`.
- speed: milliseconds per compiled optimisation step on TensorFlow and on
  JAX, each backend in its own process, one after the other (part of the
  quality section).
- `python -m benchmarks.style --validate`: the defaults and their variants
  on the validation pair (Grace Hopper painted with a crop of `china`), the
  table of docs/recipes/style.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(__file__)
TRANSFER_PNG = os.path.join(HERE, "style_transfer.png")
CURVES_PNG = os.path.join(HERE, "style_curves.png")
TEXTURE_PNG = os.path.join(HERE, "style_texture.png")
SIZE = 96  # shorter side: 96x144 images
SPEED_STEPS = 100
BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX"}


def pair():
    """The benchmark's content (china) and style (flower) images, 96x144."""
    from recipes import style

    return style.load_image("china", size=SIZE), style.load_image("flower", size=SIZE)


def distances(image, content, style_image, seed):
    """Style and content distances of `image` measured by `random_convnet(seed)`."""
    from recipes import style
    from recipes.style import features

    network = style.random_convnet(seed=seed)
    style_extractor = style.layer_outputs(network, features.STYLE_LAYERS)
    content_extractor = style.layer_outputs(network, features.CONTENT_LAYERS)
    return (
        style.style_distance(image, style_image, style_extractor),
        style.content_distance(image, content, content_extractor),
    )


def speed_here():
    """Per-step seconds of the default transfer on this process's backend."""
    from recipes import style

    content, style_image = pair()
    start = time.perf_counter()
    result = style.transfer(content, style_image, steps=SPEED_STEPS, verbose=0)
    total = time.perf_counter() - start
    return {"step": result.seconds_per_step, "total": total}


def speed_table():
    """Milliseconds per step on each backend, each in its own process."""
    rows = []
    for backend, name in BACKENDS.items():
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.style", "--speed-here"],
            env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append([name, 1000 * measured["step"], measured["total"]])
    from benchmarks.common import markdown_table

    return markdown_table(
        [
            "backend",
            "ms per step (median)",
            f"seconds for {SPEED_STEPS} steps, compile included",
        ],
        rows,
    )


def quality(seed=0):
    from benchmarks.common import markdown_table
    from recipes import style
    from recipes.style import features, optimisation

    content, style_image = pair()
    result = style.transfer(content, style_image, seed=seed, verbose=0)
    texture = style.synthesize_texture(style_image, seed=seed, verbose=0)
    rows, checks = [], []
    for judge, label in ((seed, "optimised against"), (seed + 1, "independent")):
        style_before, _ = distances(content, content, style_image, judge)
        _, content_style = distances(style_image, content, style_image, judge)
        style_after, content_after = distances(
            result.image, content, style_image, judge
        )
        style_texture, _ = distances(texture.image, content, style_image, judge)
        reduction = 1 - style_after / style_before
        checks.append((reduction, content_after < content_style))
        rows.append(
            [
                f"random ConvNet seed {judge} ({label})",
                style_before,
                style_after,
                f"{100 * reduction:.1f}%",
                content_after,
                content_style,
                style_texture,
            ]
        )
    style.save_images(
        [content, style_image, result.image, texture.image],
        TRANSFER_PNG,
        captions=[
            "content: china",
            "style: flower",
            f"transfer, {len(result.history['loss'])} steps",
            "flower texture from noise",
        ],
        title="Style transfer and texture synthesis on the sample photographs",
    )
    style.save_curves(
        result.history,
        CURVES_PNG,
        title="Style transfer china -> flower: losses per step",
    )
    style.save_curves(
        texture.history,
        TEXTURE_PNG,
        keys=["style_loss"],
        title="Texture synthesis of the flower from noise: style loss per step",
    )
    met = checks[0][0] >= 0.9 and checks[0][1]
    settings = (
        f"alpha {optimisation.ALPHA}, beta {optimisation.BETA}, tv {optimisation.TV}, "
        f"{optimisation.STEPS} Adam steps at learning rate {optimisation.LEARNING_RATE}"
    )
    return (
        "## Style transfer on the sample photographs (quality)\n\n"
        f"Content `china`, style `flower` (scikit-learn's photographs), both "
        f"{content.shape[0]}x{content.shape[1]}; default `style.transfer` (random-weight "
        f"ConvNet seed {seed}, style layers {', '.join(features.STYLE_LAYERS)}, "
        f"content layer {', '.join(features.CONTENT_LAYERS)}, {settings}, from the "
        "content image). Style distance: "
        "`L_style` to the flower's Gram matrices; content distance: `L_content` to "
        "the china photograph's features. The texture is the flower's, "
        "synthesised from noise with the style term alone.\n\n"
        + markdown_table(
            [
                "measured by",
                "style distance: china",
                "style distance: result",
                "reduction",
                "content distance: result",
                "content distance: flower",
                "style distance: texture",
            ],
            rows,
        )
        + f"\n\nReduction {100 * checks[0][0]:.1f}% (target >= 90%), content distance "
        f"of the result below the flower's: {checks[0][1]} (by the independent "
        f"network: {100 * checks[1][0]:.1f}%, {checks[1][1]}): "
        f"{'met' if met else 'NOT met'}.\n\n"
        "Images: `benchmarks/style_transfer.png`; loss curves: "
        "`benchmarks/style_curves.png`, `benchmarks/style_texture.png`.\n\n"
        f"### Speed: the compiled step, {SPEED_STEPS} steps at 96x144\n\n"
        + speed_table()
    )


def validation_pair():
    """The pair the defaults were chosen on, never the benchmark's.

    Content: matplotlib's sample photograph of Grace Hopper; style: a crop of
    the `china` photograph (the benchmark uses it as content, never as style).
    """
    import matplotlib

    from recipes import style

    hopper = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
    content = style.load_image(hopper, size=SIZE)
    crop = style.load_image("china")[100:380, 200:620]  # (280, 420, 3)
    return content, style.resize(crop, SIZE), style.resize(crop, content.shape[:2])


VARIANTS = [
    {"beta": 1.0},
    {},
    {"beta": 100.0},
    {"tv": 0.0},
    {"tv": 1.0},
    {"steps": 150},
    {"steps": 600},
    {"content_layers": ("block2_conv1",)},
    {"content_layers": ("block4_conv1",)},
    {"learning_rate": 0.05},
]


def validate():
    """The default and its variants on the validation pair, as a Markdown table."""
    from benchmarks.common import markdown_table
    from recipes import style
    from recipes.style import features

    content, style_image, style_same_size = validation_pair()
    rows = []
    for variant in VARIANTS:
        result = style.transfer(content, style_image, verbose=0, **variant)
        layers = variant.get("content_layers", features.CONTENT_LAYERS)
        ratios = []
        for seed in (0, 1):  # the network optimised against, an independent one
            network = style.random_convnet(seed=seed)
            styles = style.layer_outputs(network, features.STYLE_LAYERS)
            contents = style.layer_outputs(network, layers)
            ratios += [
                style.style_distance(result.image, style_image, styles)
                / style.style_distance(content, style_image, styles),
                style.content_distance(result.image, content, contents)
                / style.content_distance(style_same_size, content, contents),
            ]
        name = ", ".join(f"{k}={v}" for k, v in variant.items()) or "defaults"
        rows.append([name, *ratios, 1000 * result.seconds_per_step])
        print(rows[-1], flush=True)
    return markdown_table(
        [
            "variant",
            "style distance / content image's",
            "content distance / style image's",
            "same, independent network: style",
            "content",
            "ms per step",
        ],
        rows,
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--speed-here"]:
        print(json.dumps(speed_here()))
    elif sys.argv[1:] == ["--validate"]:
        print(validate())
    else:
        print(quality())
