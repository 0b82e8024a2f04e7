"""The localisation data: deterministic, masks inside their boxes, real digits."""

import numpy as np
import pytest

from recipes import data
from recipes.data import embedded, localisation


def test_canvases_are_deterministic_for_a_seed():
    digits = embedded.digits_images()[0][:20]
    first = localisation.make_canvases(digits, seed=3)
    again = localisation.make_canvases(digits, seed=3)
    other = localisation.make_canvases(digits, seed=4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first.images, other.images)
    assert not np.array_equal(first.boxes, other.boxes)


def test_masks_lie_inside_their_boxes_and_touch_every_side():
    digits = embedded.digits_images()[0][:50]
    canvases = localisation.make_canvases(digits, seed=0)
    size = localisation.CANVAS_SIZE
    assert canvases.images.shape == (50, size, size, 3)
    assert 0 <= canvases.images.min() and canvases.images.max() <= 1
    for mask, (top, left, bottom, right) in zip(canvases.masks[..., 0], canvases.boxes):
        inside = np.zeros_like(mask, dtype=bool)
        inside[top:bottom, left:right] = True
        assert mask.sum() > 0 and not mask[~inside].any()
        assert mask[top].any() and mask[bottom - 1].any()  # the smallest box
        assert mask[:, left].any() and mask[:, right - 1].any()
        side = max(bottom - top, right - left)
        low, high = localisation.SCALE_RANGE
        assert side <= high


def test_digit_pixels_differ_from_the_photo_only_inside_the_mask():
    digits = embedded.digits_images()[0][:5]
    canvases = localisation.make_canvases(digits, seed=1)
    # Re-draw the same canvases: the mask is where the ink is over one half.
    assert set(np.unique(canvases.masks)) <= {0.0, 1.0}
    share = canvases.masks.mean()
    assert 0.01 < share < 0.2


def test_load_matches_the_digits_split_and_bundle():
    bundle = data.load("digits_loc")
    parts = localisation.load(seed=0)
    digits = data.load("digits")
    assert bundle.info.input_shape == (64, 64, 3)
    for split in ("train", "val", "test"):
        images, masks = getattr(bundle, split)
        canvases = getattr(parts, split)
        np.testing.assert_array_equal(images, canvases.images)
        np.testing.assert_array_equal(masks, canvases.masks)
        np.testing.assert_array_equal(canvases.labels, getattr(digits, split)[1])
        assert len(canvases.boxes) == len(images)


def test_train_copies_draw_the_training_digits_anew_and_leave_the_rest():
    one = localisation.load(seed=0)
    three = localisation.load(seed=0, train_copies=3)
    n = len(one.train.images)
    assert len(three.train.images) == 3 * n
    np.testing.assert_array_equal(three.train.images[:n], one.train.images)
    for copy in (1, 2):  # the same digits and labels, placed elsewhere
        np.testing.assert_array_equal(
            three.train.labels[copy * n :][:n], one.train.labels
        )
        assert not np.array_equal(three.train.boxes[copy * n :][:n], one.train.boxes)
    for split in ("val", "test"):
        for a, b in zip(getattr(one, split), getattr(three, split), strict=True):
            np.testing.assert_array_equal(a, b)
    again = localisation.load(seed=0, train_copies=3)
    assert again is three or np.array_equal(again.train.images, three.train.images)


def test_glyphs_are_placed_like_digits():
    x, y = data.load("glyphs", seed=0, as_numpy=True).test
    canvases = localisation.make_canvases(x[:16], seed=0)._replace(labels=y[:16])
    again = localisation.make_canvases(x[:16], seed=0)
    np.testing.assert_array_equal(canvases.images, again.images)
    assert (
        canvases.images.shape == (16, 64, 64, 3)
        and canvases.masks.any(axis=(1, 2, 3)).all()
    )
    for mask, (top, left, bottom, right) in zip(canvases.masks, canvases.boxes):
        assert mask[top:bottom, left:right].sum() == mask.sum() > 0


def test_bad_arguments():
    digits = embedded.digits_images()[0][:2]
    with pytest.raises(ValueError, match="seed"):
        localisation.make_canvases(digits, seed=-1)
    with pytest.raises(ValueError, match="canvas_size"):
        localisation.make_canvases(digits, seed=0, canvas_size=0)
    with pytest.raises(ValueError, match="scale_range"):
        localisation.make_canvases(digits, seed=0, scale_range=(16, 100))
    with pytest.raises(ValueError, match="canvas_size"):
        localisation.load(canvas_size=16)
    with pytest.raises(ValueError, match="train_copies"):
        localisation.load(train_copies=0)
