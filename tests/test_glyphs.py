import string

import numpy as np
import pytest
import tensorflow_datasets as tfds

from recipes import data
from recipes.data import glyphs, typefaces
from tests import tfds_builders

SMALL = {  # two small alphabets, one of each kind: a build of a few seconds
    "background": (("Hebrew", "L", ((0x05D0, 0x05EA),)),),
    "evaluation": (("Ogham", "L", ((0x1680, 0x169F),)),),
}


@pytest.fixture(scope="module")
def bundle():
    return data.load("glyphs", seed=0)


def test_a_small_build_is_deterministic_for_a_seed():
    first, again = glyphs.build(0, **SMALL), glyphs.build(0, **SMALL)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    other = glyphs.build(1, **SMALL)
    np.testing.assert_array_equal(other["characters"], first["characters"])
    assert not np.array_equal(other["images"], first["images"])


def test_shapes_ranges_and_images_per_class(bundle):
    info = bundle.info
    assert info.input_shape == (28, 28, 1)
    assert len(info.class_names) == info.num_classes == len(info.class_alphabets)
    assert all(len(c) == 1 for c in info.class_names)
    assert len(info.alphabets) >= 20
    labels = []
    for x, y in (bundle.train, bundle.val, bundle.test):
        assert x.shape[1:] == (28, 28, 1) and x.dtype == np.float32
        assert x.min() == 0.0 and x.max() == 1.0
        assert y.dtype == np.int32
        labels.append(y)
    counts = np.bincount(np.concatenate(labels), minlength=info.num_classes)
    assert np.all(counts == glyphs.IMAGES_PER_CLASS)
    ink = bundle.test[0].mean(axis=(1, 2, 3))
    assert ink.min() > 0.01  # no image lost its character


def test_splits_follow_the_alphabets(bundle):
    info = bundle.info
    alphabet_of = np.asarray(info.class_alphabets)
    train, val, test = (
        set(np.unique(part[1])) for part in (bundle.train, bundle.val, bundle.test)
    )
    assert not train & val and not train & test and not val & test
    background = {alphabet_of[c] for c in train | val}
    evaluation = {alphabet_of[c] for c in test}
    assert not background & evaluation
    assert {info.alphabets[a] for a in evaluation} == {
        name for name, *_ in glyphs.EVALUATION
    }
    # Val holds a fifth of the background classes, drawn from many alphabets.
    assert abs(len(val) / len(train | val) - glyphs.VAL_FRACTION) < 0.01
    assert len({alphabet_of[c] for c in val}) > len(glyphs.BACKGROUND) // 2


def test_no_two_classes_look_alike(bundle):
    characters = bundle.info.class_names
    references = glyphs.reference_images(characters)  # all in DejaVu Sans
    distances = glyphs.pixel_distances(references, references)
    np.fill_diagonal(distances, np.inf)
    assert distances.min() >= glyphs.DUPLICATE_DISTANCE == 0.13
    # Look-alikes across scripts are kept once: Latin A, O, P stay, their
    # Greek and Cyrillic twins go; so do lower case twins of capitals.
    for kept, gone in (("A", "ΑА"), ("O", "Οο"), ("P", "ΡР"), ("W", "w")):
        assert kept in characters
        assert not set(gone) & set(characters)


def test_look_alikes_are_closer_than_one_letter_in_two_typefaces():
    # The look-alike distance is about the 5th percentile of the distances
    # between two renderings of one Latin letter in two typefaces.
    distances = []
    for letter in string.ascii_letters:
        faces = [f for f in typefaces.available() if typefaces.has_glyph(f, letter)]
        canvases = np.stack([typefaces.render(f, letter) for f in faces])
        images = typefaces.distort(
            canvases, np.random.default_rng(0), glyphs.UNDISTORTED
        )
        pairs = np.triu_indices(len(images), 1)
        distances.append(glyphs.pixel_distances(images, images)[pairs])
    distances = np.concatenate(distances)
    assert len(distances) > 10_000  # 12,012 with matplotlib 3.11's typefaces
    assert 0.03 < (distances < glyphs.DUPLICATE_DISTANCE).mean() < 0.07  # 4.9%


def test_pixel_nearest_neighbour_is_weak_at_20_way_one_shot(bundle):
    # Omniglot's is 21.7% (Koch et al., 2015); at most 40% is required.
    accuracy = glyphs.pixel_nearest_neighbour_accuracy(*bundle.test, trials=400)
    assert 0.1 < accuracy <= 0.40
    # The metric finds the class when the query is the support image itself.
    x, y = bundle.test
    assert (
        glyphs.pixel_nearest_neighbour_accuracy(
            np.concatenate([x, x]), np.concatenate([np.arange(len(y))] * 2), trials=20
        )
        == 1.0
    )


def test_the_cache_is_used_and_a_damaged_one_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(glyphs, "BACKGROUND", SMALL["background"])
    monkeypatch.setattr(glyphs, "EVALUATION", SMALL["evaluation"])
    path = glyphs.cache_path(0, tmp_path)
    with open(path, "wb") as file:
        file.write(b"not a zip file")
    first = glyphs.load(seed=0, cache_dir=tmp_path)
    assert glyphs._read(path) is not None  # rebuilt and written whole
    calls = []
    monkeypatch.setattr(glyphs, "build", lambda *args: calls.append(args))
    again = glyphs.load(seed=0, cache_dir=tmp_path)
    assert not calls  # read from the cache
    np.testing.assert_array_equal(first.test[0], again.test[0])
    assert again.info.alphabets == ("Hebrew", "Ogham")
    assert [p.name for p in tmp_path.iterdir()] == [path.split("/")[-1]]


def test_typefaces_refuse_characters_they_do_not_draw():
    sans, roman = typefaces.REFERENCE, typefaces.TYPEFACES[-6]
    assert roman.file == "cmr10.ttf"
    assert typefaces.has_glyph(sans, "ա") and typefaces.has_glyph(roman, "g")
    assert not typefaces.has_glyph(roman, "α")  # TeX codes, not Unicode
    assert not typefaces.has_glyph(sans, "\ue000")  # a private-use code
    assert not typefaces.has_glyph(sans, " ")  # no ink
    stix = next(t for t in typefaces.TYPEFACES if t.file == "STIXGeneral.ttf")
    assert not typefaces.has_glyph(stix, "ա")  # STIX has no Armenian
    canvas = typefaces.render(sans, "ա")
    assert canvas.shape == (typefaces.CANVAS, typefaces.CANVAS)
    rows, columns = np.nonzero(canvas > 0.05)
    size = max(np.ptp(rows), np.ptp(columns)) + 1
    assert abs(size - typefaces.BOX) <= 2  # scaled to fit the box


def test_distort_is_seeded_and_stays_in_range():
    canvases = np.stack([typefaces.render(typefaces.REFERENCE, c) for c in "AB"])
    first = typefaces.distort(canvases, np.random.default_rng(0))
    again = typefaces.distort(canvases, np.random.default_rng(0))
    np.testing.assert_array_equal(first, again)
    assert first.shape == (2, 28, 28) and 0 <= first.min() and first.max() <= 1
    assert not np.array_equal(
        first, typefaces.distort(canvases, np.random.default_rng(1))
    )
    thick = typefaces.change_stroke(canvases, np.array([2, -1]))
    assert thick[0].sum() > canvases[0].sum() and thick[1].sum() < canvases[1].sum()


class TinyOmniglot(tfds.core.GeneratorBasedBuilder):
    """Omniglot's features and splits, 3 alphabets of 3 characters, 4 drawings each.

    Each character is a black square on white at its own place.
    """

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return self.dataset_info_from_configs(
            description="A tiny Omniglot-like dataset for the tests.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(105, 105, 3)),
                    "alphabet": tfds.features.ClassLabel(names=["a", "b", "c"]),
                    "alphabet_char_id": np.int64,
                    "label": tfds.features.ClassLabel(num_classes=9),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager):
        return {
            "train": self._generate_examples(range(6)),  # alphabets a and b
            "test": self._generate_examples(range(6, 9)),  # alphabet c
        }

    def _generate_examples(self, labels):
        for label in labels:
            for drawing in range(4):
                image = np.full((105, 105, 3), 255, dtype=np.uint8)
                top, left = 8 + 8 * label, 8 + 10 * drawing
                image[top : top + 20, left : left + 20] = 0
                record = {
                    "image": image,
                    "alphabet": label // 3,
                    "alphabet_char_id": label % 3,
                    "label": label,
                }
                yield f"{label}-{drawing}", record


def test_an_omniglot_like_tfds_dataset_loads_as_glyphs_do(tmp_path):
    tfds_builders.prepare(TinyOmniglot, tmp_path)
    bundle = data.load("tiny_omniglot", data_dir=str(tmp_path), seed=0)
    info = bundle.info
    assert info.alphabets == ("a", "b", "c") and info.input_shape == (28, 28, 1)
    assert info.class_alphabets == (0, 0, 0, 1, 1, 1, 2, 2, 2)
    (x_train, y_train), (_, y_val), (x_test, y_test) = (
        bundle.train,
        bundle.val,
        bundle.test,
    )
    assert x_train.shape[1:] == (28, 28, 1) and x_train.dtype == np.float32
    assert len(np.unique(y_val)) == 1  # a fifth of 6 background classes
    assert set(y_train) | set(y_val) == set(range(6)) and set(y_test) == {6, 7, 8}
    assert not set(y_train) & set(y_val)
    # Ink is 1 on 0: each 20x20 black square of 105 x 105 is 400 / 112**2 of
    # the padded canvas, averaged down to 28x28.
    np.testing.assert_allclose(x_test.mean(axis=(1, 2, 3)), 400 / 112**2, rtol=1e-5)
    assert x_test.max() == 1.0 and x_test.min() == 0.0
