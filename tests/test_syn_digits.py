import numpy as np

from recipes import data
from recipes.data import syn_digits


def test_deterministic_for_a_seed():
    render = syn_digits.images.__wrapped__  # uncached: each call draws anew
    first, again, other = render(0, size=500), render(0, size=500), render(1, size=500)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    bundle, same = data.load("syn_digits", seed=0), data.load("syn_digits", seed=0)
    for split in ("train", "val", "test"):
        for part, again_part in zip(getattr(bundle, split), getattr(same, split)):
            np.testing.assert_array_equal(part, again_part)


def test_shapes_and_values_as_digits():
    bundle, digits = data.load("syn_digits"), data.load("digits")
    assert bundle.info.input_shape == digits.info.input_shape == (8, 8, 1)
    assert bundle.info.num_classes == 10
    assert bundle.info.class_names == digits.info.class_names
    sizes = [len(part[1]) for part in (bundle.train, bundle.val, bundle.test)]
    assert sizes == [6000, 2000, 2000]
    for x, y in (bundle.train, bundle.val, bundle.test):
        assert x.dtype == digits.train[0].dtype == np.float32
        assert y.dtype == np.int32
        assert x.min() == 0.0 and x.max() == 1.0
        np.testing.assert_array_equal(x * 16, np.round(x * 16))  # counts / 16
        # Every digit in every split, a tenth of it each.
        np.testing.assert_array_equal(np.bincount(y, minlength=10), [len(y) // 10] * 10)
    # Ink as in scikit-learn's digits: about a third of the 8x8 image.
    assert abs(bundle.train[0].mean() - digits.train[0].mean()) < 0.08


def test_blocks_count_on_pixels_as_optdigits_did():
    bitmaps = np.zeros((2, 32, 32), dtype=bool)
    bitmaps[0] = True
    bitmaps[1, 0, 0] = bitmaps[1, 5, 6] = bitmaps[1, 6, 7] = bitmaps[1, 31, 31] = True
    blocks = syn_digits.bitmaps_to_blocks(bitmaps)
    assert blocks.shape == (2, 8, 8)
    np.testing.assert_array_equal(blocks[0], np.full((8, 8), 16))
    expected = np.zeros((8, 8), dtype=int)
    expected[0, 0] = expected[7, 7] = 1
    expected[1, 1] = 2
    np.testing.assert_array_equal(blocks[1], expected)
