"""Characters rendered from the typefaces that matplotlib installs, then distorted.

matplotlib ships DejaVu Sans, Serif and Sans Mono (four styles each), STIX
General (four styles) and the Computer Modern faces, so a few thousand
characters of many scripts can be drawn offline. `render` draws one character
of one typeface through matplotlib's FreeType wrapper (`ft2font.FT2Font`),
scaled to fit a fixed box and centred on a square canvas; `distort` turns
canvases into small images, each with its own seeded random change of stroke
width, an affine map (rotation, scale, shear, shift) and an elastic warp.
Both `glyphs` (an Omniglot-like few-shot dataset) and `syn_digits` (digits
for domain adaptation) are made with them.

Example:

>>> import numpy as np
>>> from recipes.data import typefaces
>>> faces = [t for t in typefaces.available() if typefaces.has_glyph(t, "A")]
>>> canvases = np.stack([typefaces.render(t, "A") for t in faces])
>>> images = typefaces.distort(canvases, np.random.default_rng(0))
>>> images.shape
(22, 28, 28)
"""

from __future__ import annotations

import dataclasses
import functools
import os
import string
import warnings

import numpy as np

CANVAS = 64  # side of a rendered canvas, in pixels
BOX = 44  # a glyph is scaled to fit a BOX x BOX square in the middle of it

# The Computer Modern files map their TeX positions onto character codes, so
# only ASCII letters and digits are what their codes say.
_TEX_LETTERS = string.ascii_letters
_TEX_ALPHANUMERIC = string.ascii_letters + string.digits


@dataclasses.dataclass(frozen=True)
class Typeface:
    """One typeface file and the characters it may be asked for.

    Attributes:
        name: family and style, e.g. `"DejaVu Serif Italic"`.
        file: file name in matplotlib's `fonts/ttf` folder.
        characters: the only characters the file draws correctly, or `None`
            for any character its Unicode character map has.
    """

    name: str
    file: str
    characters: str | None = None


TYPEFACES = (
    *(
        Typeface(f"DejaVu Sans{style and ' '}{style}", f"DejaVuSans{suffix}.ttf")
        for style, suffix in (
            ("", ""),
            ("Bold", "-Bold"),
            ("Oblique", "-Oblique"),
            ("Bold Oblique", "-BoldOblique"),
        )
    ),
    *(
        Typeface(f"DejaVu Serif{style and ' '}{style}", f"DejaVuSerif{suffix}.ttf")
        for style, suffix in (
            ("", ""),
            ("Bold", "-Bold"),
            ("Italic", "-Italic"),
            ("Bold Italic", "-BoldItalic"),
        )
    ),
    *(
        Typeface(
            f"DejaVu Sans Mono{style and ' '}{style}", f"DejaVuSansMono{suffix}.ttf"
        )
        for style, suffix in (
            ("", ""),
            ("Bold", "-Bold"),
            ("Oblique", "-Oblique"),
            ("Bold Oblique", "-BoldOblique"),
        )
    ),
    Typeface("STIX General", "STIXGeneral.ttf"),
    Typeface("STIX General Bold", "STIXGeneralBol.ttf"),
    Typeface("STIX General Italic", "STIXGeneralItalic.ttf"),
    Typeface("STIX General Bold Italic", "STIXGeneralBolIta.ttf"),
    Typeface("Computer Modern Roman", "cmr10.ttf", _TEX_ALPHANUMERIC),
    Typeface("Computer Modern Bold", "cmb10.ttf", _TEX_ALPHANUMERIC),
    Typeface("Computer Modern Text Italic", "cmti10.ttf", _TEX_ALPHANUMERIC),
    Typeface("Computer Modern Sans", "cmss10.ttf", _TEX_ALPHANUMERIC),
    Typeface("Computer Modern Typewriter", "cmtt10.ttf", _TEX_ALPHANUMERIC),
    Typeface("Computer Modern Math Italic", "cmmi10.ttf", _TEX_LETTERS),
)
REFERENCE = TYPEFACES[0]  # DejaVu Sans: the face look-alike classes are compared in


def font_folder():
    """matplotlib's folder of bundled TrueType files."""
    import matplotlib

    return os.path.join(matplotlib.get_data_path(), "fonts", "ttf")


@functools.cache
def available():
    """The `TYPEFACES` whose files this matplotlib installs, in that order."""
    folder = font_folder()
    return tuple(t for t in TYPEFACES if os.path.exists(os.path.join(folder, t.file)))


@functools.cache
def _font(file):
    from matplotlib import ft2font

    return ft2font.FT2Font(os.path.join(font_folder(), file), hinting_factor=1)


@functools.cache
def _charmap(file):
    return frozenset(_font(file).get_charmap())


def _draw(file, character, size):
    """The anti-aliased bitmap of `character` at `size` pixels per em, in [0, 1]."""
    from matplotlib import ft2font

    font = _font(file)
    font.set_size(size, 72)  # 72 dpi: one point is one pixel
    font.set_text(character, 0.0, flags=ft2font.LoadFlags.NO_HINTING)
    font.draw_glyphs_to_bitmap(antialiased=True)
    return np.asarray(font.get_image(), dtype="float32") / 255.0  # (h, w)


def _ink_size(file, character):
    """The larger side of the glyph's ink at 64 pixels per em (0 for none)."""
    from matplotlib import ft2font

    font = _font(file)
    font.set_size(64.0, 72)
    index = font.get_char_index(ord(character))  # 0: the missing-character box
    glyph = font.load_glyph(index, flags=ft2font.LoadFlags.NO_HINTING)
    return max(glyph.width, glyph.height) / 64.0  # 26.6 fixed point to pixels


def _crop(bitmap, threshold=0.05):
    rows = np.flatnonzero(bitmap.max(axis=1) > threshold)
    columns = np.flatnonzero(bitmap.max(axis=0) > threshold)
    if rows.size == 0:
        return None
    return bitmap[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _render_code(file, character):
    """`character` of `file` scaled to fit `BOX` and centred on the canvas."""
    ink = _ink_size(file, character)
    if ink < 0.5:
        return None
    glyph = _crop(_draw(file, character, min(64.0 * BOX / ink, 1000.0)))
    if glyph is None:
        return None
    glyph = glyph[:CANVAS, :CANVAS]
    height, width = glyph.shape
    canvas = np.zeros((CANVAS, CANVAS), dtype="float32")
    top, left = (CANVAS - height) // 2, (CANVAS - width) // 2
    canvas[top : top + height, left : left + width] = glyph
    return canvas


@functools.cache
def _missing_glyph(file):
    """The canvas of the file's missing-character box (glyph 0), or `None`."""
    unmapped = next(c for c in range(0xE000, 0xF900) if c not in _charmap(file))
    with warnings.catch_warnings():  # matplotlib warns of the missing glyph
        warnings.simplefilter("ignore", UserWarning)
        return _render_code(file, chr(unmapped))


@functools.lru_cache(maxsize=4096)  # 64 MiB of canvases at most
def render(typeface, character):
    """Draws `character` in `typeface`, scaled to fit the box and centred.

    Args:
        typeface: a `Typeface`.
        character: one character.

    Returns:
        A read-only `(CANVAS, CANVAS)` float32 canvas in [0, 1] (ink is 1),
        the glyph's larger side `BOX` pixels; `None` when the typeface has
        no glyph of its own for the character (see `has_glyph`).
    """
    if not isinstance(character, str) or len(character) != 1:
        raise ValueError(f"`character` must be one character, got {character!r}.")
    if typeface.characters is not None and character not in typeface.characters:
        return None
    if ord(character) not in _charmap(typeface.file):
        return None
    canvas = _render_code(typeface.file, character)
    if canvas is None:
        return None
    missing = _missing_glyph(typeface.file)
    if missing is not None and float(np.abs(canvas - missing).max()) <= 0.05:
        return None
    canvas.setflags(write=False)
    return canvas


@functools.cache
def has_glyph(typeface, character):
    """Whether `typeface` really draws `character`.

    The character must be in the typeface's `characters` (if it names them)
    and in its Unicode character map, and its glyph must leave ink that is
    not the typeface's missing-character box.
    """
    return render(typeface, character) is not None


@dataclasses.dataclass(frozen=True)
class Distortion:
    """Ranges of the random changes `distort` draws for each image.

    Attributes:
        size: side of the output image, in pixels.
        box: side of the square the undistorted glyph fills, in output pixels.
        rotation: largest rotation, in degrees (drawn uniformly, either way).
        scale: log-uniform range of the overall scale.
        aspect: largest change of the width-to-height ratio (log-uniform,
            `exp(±aspect)`).
        shear: largest horizontal shear (x moves by `shear * y`).
        shift: largest shift of the centre, in output pixels, along each axis.
        elastic: standard deviation of the elastic warp's displacements, in
            output pixels (Gaussian on a coarse grid, bilinearly smoothed).
        elastic_grid: points per side of that coarse grid.
        stroke: smallest and largest change of stroke radius, in canvas
            pixels (negative thins, positive thickens), drawn uniformly as
            an integer.
        supersample: output pixels are the mean of `supersample ** 2` samples.
    """

    size: int = 28
    box: float = 20.0
    rotation: float = 15.0
    scale: tuple = (0.8, 1.15)
    aspect: float = 0.15
    shear: float = 0.3
    shift: float = 2.5
    elastic: float = 1.0
    elastic_grid: int = 4
    stroke: tuple = (-1, 3)
    supersample: int = 1


def change_stroke(canvases, radii):
    """Thickens (radius > 0) or thins (radius < 0) each canvas's strokes.

    A grey dilation (or erosion) by a disk of `|radius|` canvas pixels. A
    thinning that would leave less than half the ink (hairlines, dots) is
    not done.

    Args:
        canvases: `(n, h, w)` floats in [0, 1].
        radii: `(n,)` integers.

    Returns:
        `(n, h, w)` float32 canvases.
    """
    canvases = np.asarray(canvases, dtype="float32")
    out = canvases.copy()
    for radius in np.unique(radii):
        if radius == 0:
            continue
        which = np.flatnonzero(radii == radius)
        grow = radius > 0
        r = abs(int(radius))
        padded = np.pad(canvases[which], ((0, 0), (r, r), (r, r)))
        result = canvases[which].copy()
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                if dy * dy + dx * dx > r * r + r:  # a disk, rounded outwards
                    continue
                shifted = padded[:, r + dy : r + dy + canvases.shape[1]][
                    :, :, r + dx : r + dx + canvases.shape[2]
                ]
                combine = np.maximum if grow else np.minimum
                result = combine(result, shifted)
        if not grow:  # thinning keeps at least half the ink, or is not done
            ink = canvases[which].sum(axis=(1, 2))
            faded = result.sum(axis=(1, 2)) < 0.5 * ink
            result[faded] = canvases[which][faded]
        out[which] = result
    return out


def _smooth_field(rng, n, grid, size, scale):
    """`(n, size, size)` displacements: Gaussian on a `grid` x `grid` lattice,
    bilinearly interpolated to every pixel."""
    coarse = rng.normal(0.0, scale, size=(n, grid, grid))
    position = np.linspace(0, grid - 1, size)
    low = np.minimum(np.floor(position).astype(int), grid - 2)
    frac = position - low
    # Interpolate along rows, then along columns.
    rows = (
        coarse[:, low] * (1 - frac)[None, :, None]
        + coarse[:, low + 1] * frac[None, :, None]
    )  # (n, size, grid)
    return (
        rows[:, :, low] * (1 - frac)[None, None, :]
        + rows[:, :, low + 1] * frac[None, None, :]
    )  # (n, size, size)


def _bilinear(canvases, rows, columns):
    """Samples each canvas at real `(rows, columns)`, zero outside.

    Args:
        canvases: `(n, h, w)`.
        rows: `(n, p, q)` sampling rows, in canvas pixels.
        columns: `(n, p, q)` sampling columns, in canvas pixels.

    Returns:
        `(n, p, q)` float32 samples.
    """
    n, height, width = canvases.shape
    padded = np.pad(canvases, ((0, 0), (1, 1), (1, 1))).reshape(-1)  # zeros around
    rows = np.clip(rows + 1, 0, height)  # into the padded frame, at most the border
    columns = np.clip(columns + 1, 0, width)
    top = np.floor(rows).astype(np.int64)
    left = np.floor(columns).astype(np.int64)
    dy, dx = (rows - top).astype("float32"), (columns - left).astype("float32")
    stride = width + 2
    corner = (
        np.arange(n)[:, None, None] * ((height + 2) * stride) + top * stride + left
    )  # (n, p, q) flat index of the top-left neighbour
    upper = padded[corner] * (1 - dx) + padded[corner + 1] * dx
    lower = padded[corner + stride] * (1 - dx) + padded[corner + stride + 1] * dx
    return (upper * (1 - dy) + lower * dy).astype("float32")


def distort(canvases, rng, distortion=Distortion()):
    """Makes one randomly distorted small image from each canvas.

    Each image draws its own stroke change (applied on the canvas, which is
    then averaged down 2x2), then an affine map (rotation, scale, aspect,
    shear, shift) and an elastic warp are sampled backwards from the output
    pixels into the canvas, bilinearly; `distortion.supersample ** 2`
    samples are averaged into each pixel.

    Args:
        canvases: `(n, CANVAS, CANVAS)` canvases from `render`.
        rng: a `numpy.random.Generator`; every random draw comes from it.
        distortion: a `Distortion` (the ranges).

    Returns:
        `(n, size, size)` float32 images in [0, 1].
    """
    canvases = np.asarray(canvases, dtype="float32")
    n = len(canvases)
    d = distortion
    low, high = d.stroke
    radii = rng.integers(low, high + 1, size=n)
    angle = np.deg2rad(rng.uniform(-d.rotation, d.rotation, size=n))
    scale = np.exp(rng.uniform(np.log(d.scale[0]), np.log(d.scale[1]), size=n))
    aspect = np.exp(rng.uniform(-d.aspect, d.aspect, size=n))
    shear = rng.uniform(-d.shear, d.shear, size=n)
    shift = rng.uniform(-d.shift, d.shift, size=(n, 2))
    fine = d.size * d.supersample
    warp = _smooth_field(rng, 2 * n, d.elastic_grid, fine, d.elastic).reshape(
        n, 2, fine, fine
    )
    canvases = change_stroke(canvases, radii)
    half = CANVAS // 2
    canvases = canvases.reshape(n, half, 2, half, 2).mean(axis=(2, 4))  # (n, 32, 32)

    # Output sample centres, in output pixels relative to the image centre.
    centre = (np.arange(fine) + 0.5) / d.supersample - d.size / 2
    y = np.broadcast_to(centre[:, None], (fine, fine))[None]  # (1, fine, fine)
    x = np.broadcast_to(centre[None, :], (fine, fine))[None]
    y = y - shift[:, 0, None, None] + warp[:, 0]  # (n, fine, fine)
    x = x - shift[:, 1, None, None] + warp[:, 1]
    # Undo the rotation, then the shear, then the scale (forward: scale,
    # shear, rotate, shift).
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    y, x = cos * y - sin * x, sin * y + cos * x
    x = x - shear[:, None, None] * y
    pixels = BOX / 2 / d.box  # pooled canvas pixels per output pixel at scale 1
    y = y * pixels / (scale / np.sqrt(aspect))[:, None, None]
    x = x * pixels / (scale * np.sqrt(aspect))[:, None, None]
    samples = _bilinear(canvases, y + half / 2 - 0.5, x + half / 2 - 0.5)
    images = samples.reshape(n, d.size, d.supersample, d.size, d.supersample).mean(
        axis=(2, 4)
    )
    return np.clip(images, 0.0, 1.0).astype("float32")
