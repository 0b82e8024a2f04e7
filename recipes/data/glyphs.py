"""`glyphs`: an Omniglot-like few-shot dataset drawn offline from typefaces.

Each character is a class and belongs to an alphabet (a script or a Unicode
block). Each class has `IMAGES_PER_CLASS` images of 28x28 grey pixels in
[0, 1], ink 1: the typefaces that really have the glyph (see
`recipes.data.typefaces`) take turns, and every image has its own seeded
distortion (stroke width, rotation, scale, shear, shift, elastic warp), as
Omniglot's characters were each drawn by 20 people (Lake et al., 2015).

Like Omniglot, the classes are split by alphabet: the background alphabets
give the train and validation splits (validation holds out a seeded fifth of
the background classes, for choosing few-shot defaults), the evaluation
alphabets give the test split, so no test class, nor any look-alike of one,
is ever seen in training. Look-alikes are removed across and within
alphabets: a character whose rendering in DejaVu Sans is within
`DUPLICATE_DISTANCE` (root-mean-square pixel difference) of a kept one's is
dropped (Latin A stays, Greek Alpha and Cyrillic A go), as are characters
fewer than `MIN_TYPEFACES` typefaces have. Measurements behind these
choices: docs/guide/data.md.

The build takes seconds and is cached on disk (`cache_path`).

Example:

>>> from recipes import data
>>> bundle = data.load("glyphs", seed=0)
>>> x_train, y_train = bundle.train
>>> x_train.shape[1:], bundle.info.alphabets[:3]
((28, 28, 1), ('Latin', 'Latin Extended', 'IPA'))
"""

from __future__ import annotations

import os
import unicodedata
import warnings
import zipfile

import numpy as np

from recipes.data import typefaces

VERSION = 3  # bump when the build changes what it makes
IMAGES_PER_CLASS = 20
MIN_TYPEFACES = 2
# Omniglot's alphabets have 14 to 55 characters. Background alphabets may have
# up to 100, so that training sees about as many characters as Omniglot's 964.
MAX_CLASSES_PER_ALPHABET = {"background": 100, "evaluation": 55}
MIN_CLASSES_PER_ALPHABET = 14
DUPLICATE_DISTANCE = 0.13  # root-mean-square difference of two reference renderings
VAL_FRACTION = 0.2  # of the background classes
DISTORTION = typefaces.Distortion()

# (alphabet, "L" for letters or "S" for symbols, Unicode ranges). Background
# alphabets come first: a look-alike of a background class is dropped from the
# evaluation alphabets, never the reverse.
BACKGROUND = (
    ("Latin", "L", ((0x0041, 0x00FF),)),
    ("Latin Extended", "L", ((0x0100, 0x024F),)),
    ("IPA", "L", ((0x0250, 0x02AF),)),
    ("Greek", "L", ((0x0370, 0x03FF), (0x2C80, 0x2CFF))),  # with Coptic
    ("Cyrillic", "L", ((0x0400, 0x052F),)),
    ("Arabic", "L", ((0x0600, 0x06FF),)),
    ("Canadian Syllabics", "L", ((0x1400, 0x167F),)),
    ("Letterlike Symbols", "S", ((0x2100, 0x214F),)),
    ("Arrows", "S", ((0x2190, 0x21FF), (0x27F0, 0x27FF), (0x2900, 0x297F))),
    ("Mathematical Operators", "S", ((0x2200, 0x22FF), (0x2A00, 0x2AFF))),
    ("Miscellaneous Technical", "S", ((0x2300, 0x23FF),)),
    ("Box Drawing", "S", ((0x2500, 0x259F),)),
    ("Braille", "S", ((0x2800, 0x28FF),)),
)
EVALUATION = (
    ("Armenian", "L", ((0x0530, 0x058F),)),
    ("Hebrew", "L", ((0x0590, 0x05FF),)),
    ("N'Ko", "L", ((0x07C0, 0x07FF),)),
    ("Lao", "L", ((0x0E80, 0x0EFF),)),
    ("Georgian", "L", ((0x10A0, 0x10FF),)),
    ("Ogham", "L", ((0x1680, 0x169F),)),
    ("Tifinagh", "L", ((0x2D30, 0x2D7F),)),
    ("Geometric Shapes", "S", ((0x25A0, 0x25FF),)),
    ("Miscellaneous Symbols", "S", ((0x2600, 0x26FF),)),
    ("Dingbats", "S", ((0x2700, 0x27BF),)),
)

UNDISTORTED = typefaces.Distortion(
    rotation=0.0,
    scale=(1.0, 1.0),
    aspect=0.0,
    shear=0.0,
    shift=0.0,
    elastic=0.0,
    stroke=(0, 0),
)


def _candidates(ranges, kind):
    """Characters of `ranges` of their own shape: letters or symbols (`kind`).

    Letters (not modifier letters) or symbols (not modifier symbols) with a
    Unicode name and no decomposition, so that accented and compatibility
    forms (which look like their base character) are left out.
    """
    for first, last in ranges:
        for code in range(first, last + 1):
            character = chr(code)
            category = unicodedata.category(character)
            if category[0] != kind or category in ("Lm", "Sk"):
                continue
            if not unicodedata.name(character, "") or unicodedata.decomposition(
                character
            ):
                continue
            yield character


def pixel_distances(first, second):
    """Root-mean-square pixel distances between two stacks of images.

    Args:
        first: `(m, h, w)` images.
        second: `(n, h, w)` images.

    Returns:
        `(m, n)` float64 distances.
    """
    first, second = np.asarray(first, "float64"), np.asarray(second, "float64")
    a = first.reshape(len(first), -1)  # (m, pixels)
    b = second.reshape(len(second), a.shape[1])  # (n, pixels)
    squared = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0) / a.shape[1])


def reference_images(characters):
    """Each character drawn undistorted in DejaVu Sans, `(n, 28, 28)` in [0, 1]."""
    canvases = np.stack([typefaces.render(typefaces.REFERENCE, c) for c in characters])
    return typefaces.distort(canvases, np.random.default_rng(0), UNDISTORTED)


def _class_images(faces, character, seed):
    """`IMAGES_PER_CLASS` distorted images of `character`, typefaces in turn."""
    rng = np.random.default_rng([seed, ord(character)])
    order = rng.permutation(len(faces))
    chosen = np.resize(order, IMAGES_PER_CLASS)  # each face in turn, then again
    canvases = np.stack([typefaces.render(faces[i], character) for i in chosen])
    return typefaces.distort(canvases, rng, DISTORTION)  # (20, 28, 28)


def _alphabet_classes(ranges, kind, kept, limit):
    """The characters of one alphabet that survive the filters.

    Args:
        ranges: the alphabet's Unicode ranges.
        kind: `"L"` for letters, `"S"` for symbols.
        kept: `(m, 28, 28)` reference images of the classes kept so far.
        limit: the most characters to keep.

    Returns:
        `(characters, typefaces of each, reference images)`, in code-point
        order, at most `limit` (evenly spaced over the survivors).
    """
    candidates = [
        c
        for c in _candidates(ranges, kind)
        if typefaces.has_glyph(typefaces.REFERENCE, c)
    ]
    if not candidates:
        return [], [], np.zeros((0, 28, 28), "float32")
    faces = typefaces.available()
    references = reference_images(candidates)  # (candidates, 28, 28)
    to_kept = pixel_distances(references, kept).min(axis=1, initial=np.inf)
    among = pixel_distances(references, references)  # (candidates, candidates)
    characters, class_faces, chosen = [], [], []
    for index, character in enumerate(candidates):
        if to_kept[index] < DUPLICATE_DISTANCE:
            continue
        if chosen and among[index, chosen].min() < DUPLICATE_DISTANCE:
            continue
        having = [f for f in faces if typefaces.has_glyph(f, character)]
        if len(having) < MIN_TYPEFACES:
            continue
        characters.append(character)
        class_faces.append(having)
        chosen.append(index)
    if len(characters) > limit:  # evenly spaced over the block
        keep = np.linspace(0, len(characters) - 1, limit)
        keep = np.round(keep).astype(int)
        characters = [characters[i] for i in keep]
        class_faces = [class_faces[i] for i in keep]
        chosen = [chosen[i] for i in keep]
    return characters, class_faces, references[chosen]


def build(seed, background=None, evaluation=None):
    """Builds the dataset (no cache), as arrays.

    Args:
        seed: seed of the distortions and of the validation classes.
        background: the background alphabets, as in `BACKGROUND` (the
            default).
        evaluation: the evaluation alphabets, as in `EVALUATION` (the
            default).

    Returns:
        A dict of NumPy arrays: `images` `(n, 28, 28)` uint8 (ink 255),
        `labels` `(n,)` int32 class indices, `characters` (one string per
        class), `class_alphabets` (the alphabet index of each class),
        `alphabets` (names), `evaluation` (whether each alphabet is an
        evaluation alphabet) and `val_classes` (the held-out background
        class indices).
    """
    characters, class_alphabets, images = [], [], []
    kept = np.zeros((0, 28, 28), "float32")
    tables = (
        (False, BACKGROUND if background is None else background),
        (True, EVALUATION if evaluation is None else evaluation),
    )
    alphabets, evaluation_flags = [], []
    for is_evaluation, table in tables:
        for name, kind, ranges in table:
            limit = MAX_CLASSES_PER_ALPHABET[
                "evaluation" if is_evaluation else "background"
            ]
            chars, faces, references = _alphabet_classes(ranges, kind, kept, limit)
            if len(chars) < MIN_CLASSES_PER_ALPHABET:
                continue
            kept = np.concatenate([kept, references])
            for character, having in zip(chars, faces):
                characters.append(character)
                class_alphabets.append(len(alphabets))
                images.append(_class_images(having, character, seed))
            alphabets.append(name)
            evaluation_flags.append(is_evaluation)
    images = np.concatenate(images)  # (classes * 20, 28, 28)
    labels = np.repeat(np.arange(len(characters)), IMAGES_PER_CLASS)
    class_alphabets = np.asarray(class_alphabets, dtype="int32")
    evaluation_flags = np.asarray(evaluation_flags, dtype=bool)
    background = np.flatnonzero(~evaluation_flags[class_alphabets])
    rng = np.random.default_rng([seed, len(background)])
    val_classes = np.sort(
        rng.choice(background, round(VAL_FRACTION * len(background)), replace=False)
    )
    return {
        "images": np.round(images * 255).astype("uint8"),
        "labels": labels.astype("int32"),
        "characters": np.asarray(characters),
        "class_alphabets": class_alphabets,
        "alphabets": np.asarray(alphabets),
        "evaluation": evaluation_flags,
        "val_classes": val_classes.astype("int32"),
    }


_KEYS = (
    "images",
    "labels",
    "characters",
    "class_alphabets",
    "alphabets",
    "evaluation",
    "val_classes",
)


def cache_path(seed, cache_dir=None):
    """Where the build for `seed` is cached.

    `cache_dir` defaults to Keras's dataset cache, `$KERAS_HOME/datasets`
    (`~/.keras/datasets`), the folder `keras.utils.get_file` downloads into.
    The name carries the build's version and matplotlib's (whose typefaces
    it draws).
    """
    import matplotlib

    if cache_dir is None:
        home = os.environ.get(
            "KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")
        )
        cache_dir = os.path.join(home, "datasets")
    name = f"recipes-glyphs-{VERSION}-mpl{matplotlib.__version__}-{seed}.npz"
    return os.path.join(cache_dir, name)


def _read(path):
    """The cached arrays, or `None` when the file is missing or damaged."""
    try:
        with np.load(path, allow_pickle=False) as file:
            arrays = {key: file[key] for key in _KEYS}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    n_classes = len(arrays["characters"])
    images, labels = arrays["images"], arrays["labels"]
    consistent = (
        images.ndim == 3
        and images.shape[1:] == (28, 28)
        and images.dtype == np.uint8
        and labels.shape == (len(images),)
        and n_classes > 0
        and len(images) == n_classes * IMAGES_PER_CLASS
        and arrays["class_alphabets"].shape == (n_classes,)
        and labels.min() >= 0
        and labels.max() < n_classes
    )
    return arrays if consistent else None


def load_arrays(seed, cache_dir=None):
    """The build for `seed`, from the cache or built and cached.

    A cache file that cannot be read or does not hold a whole build is built
    again and replaced; the file is written atomically, so a build that is
    interrupted leaves no partial file behind. Where the folder cannot be
    written, the build is used uncached, with a warning.
    """
    from recipes import saving

    path = cache_path(seed, cache_dir)
    arrays = _read(path) if os.path.exists(path) else None
    if arrays is None:
        arrays = build(seed)

        def write(temporary):
            with open(temporary, "wb") as file:
                np.savez_compressed(file, **arrays)

        try:
            saving.write_atomically(path, write)
        except (OSError, ValueError) as error:
            warnings.warn(f"glyphs not cached at {path}: {error}", stacklevel=2)
    return arrays


def splits(arrays):
    """`(train, val, test)`, each `(x, y)`: x `(n, 28, 28, 1)` float32 in [0, 1]."""
    x = (arrays["images"].astype("float32") / 255.0)[..., None]  # (n, 28, 28, 1)
    y = arrays["labels"]
    evaluation = arrays["evaluation"][arrays["class_alphabets"]][y]
    val = np.isin(y, arrays["val_classes"])
    parts = (~evaluation & ~val, val, evaluation)
    return tuple((x[mask], y[mask]) for mask in parts)


def load(seed=0, cache_dir=None):
    """`glyphs` as a `recipes.data.Bundle` (what `recipes.data.load` returns).

    Args:
        seed: seed of the distortions and of the validation classes.
        cache_dir: folder of the cached build (see `cache_path`).

    Returns:
        A `Bundle`: `train`, `val` and `test` are `(x, y)` with `x`
        `(n, 28, 28, 1)` float32 in [0, 1] (ink 1) and `y` int32 class
        indices into `info.class_names` (the characters); `info.alphabets`
        names the alphabets and `info.class_alphabets` gives each class's.
        Train and val hold the background alphabets' classes (val a seeded
        fifth of them), test the evaluation alphabets'.
    """
    from recipes import data, validation

    seed = validation.check_seed(seed, allow_none=False)
    arrays = load_arrays(seed, cache_dir)
    train, val, test = splits(arrays)
    alphabets = tuple(str(a) for a in arrays["alphabets"])
    evaluation = [a for a, e in zip(alphabets, arrays["evaluation"]) if e]
    info = data.Info(
        name="glyphs",
        input_shape=(28, 28, 1),
        num_classes=len(arrays["characters"]),
        class_names=tuple(str(c) for c in arrays["characters"]),
        description=(
            f"{len(arrays['characters'])} characters of {len(alphabets)} alphabets "
            f"drawn from matplotlib's typefaces, {IMAGES_PER_CLASS} distorted "
            "28x28 images each; test holds the evaluation alphabets ("
            + ", ".join(evaluation)
            + ")"
        ),
        source="matplotlib's bundled typefaces (DejaVu, STIX, Computer Modern)",
        alphabets=alphabets,
        class_alphabets=tuple(int(a) for a in arrays["class_alphabets"]),
    )
    return data.Bundle(train=train, val=val, test=test, info=info)


def pixel_nearest_neighbour_accuracy(x, y, *, ways=20, trials=1000, seed=0):
    """One-shot accuracy of the nearest neighbour in pixel space.

    Each trial draws `ways` classes, one support and one query image of
    each, and gives each query the class of the closest support image
    (Euclidean distance of the pixels): the baseline a learned metric must
    beat (Omniglot's is 21.7% at 20 ways, in Koch et al., 2015).

    Args:
        x: `(n, ...)` images.
        y: `(n,)` class labels, at least two images of each class.
        ways: classes per trial.
        trials: number of trials.
        seed: seed of the trials.

    Returns:
        The fraction of queries classified correctly.
    """
    x = np.asarray(x, "float32").reshape(len(x), -1)
    y = np.asarray(y)
    members = {c: np.flatnonzero(y == c) for c in np.unique(y)}
    classes = np.asarray(sorted(members))
    rng = np.random.default_rng(seed)
    correct = 0
    for _ in range(trials):
        chosen = rng.choice(classes, ways, replace=False)
        pairs = np.stack([rng.choice(members[c], 2, replace=False) for c in chosen])
        support, query = x[pairs[:, 0]], x[pairs[:, 1]]  # (ways, pixels) each
        distances = pixel_distances(query, support)  # (ways, ways)
        correct += int((distances.argmin(axis=1) == np.arange(ways)).sum())
    return correct / (ways * trials)
