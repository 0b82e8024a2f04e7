import keras
import numpy as np
import pytest

from recipes import data
from tests import tfds_builders


def test_digits_shapes_and_split_sizes():
    bundle = data.load("digits")
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = (
        bundle.train,
        bundle.val,
        bundle.test,
    )
    assert x_train.shape == (1077, 8, 8, 1)
    assert x_val.shape == (360, 8, 8, 1) and x_test.shape == (360, 8, 8, 1)
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() <= 1
    assert bundle.info.input_shape == (8, 8, 1) and bundle.info.num_classes == 10
    # Stratified: every class has about 60% of its examples in train.
    counts = np.bincount(y_train, minlength=10) / np.bincount(
        np.concatenate([y_train, y_val, y_test]), minlength=10
    )
    assert np.all(np.abs(counts - 0.6) < 0.02)


def test_digits_split_is_fixed_and_disjoint():
    first, second = data.load("digits"), data.load("digits")
    np.testing.assert_array_equal(first.test[0], second.test[0])
    train = {x.tobytes() for x in first.train[0]}
    test = [x.tobytes() for x in first.test[0]]
    # A few digits are exact duplicates in scikit-learn's set; nearly none should cross.
    assert sum(t in train for t in test) <= 3
    other_seed = data.load("digits", seed=1)
    assert not np.array_equal(other_seed.test[0], first.test[0])


def test_digits_m_is_deterministic_and_differs_from_digits():
    digits, first, second = (
        data.load("digits"),
        data.load("digits_m"),
        data.load("digits_m"),
    )
    assert first.train[0].shape == (1077, 8, 8, 3)
    np.testing.assert_array_equal(first.train[0], second.train[0])
    np.testing.assert_array_equal(first.train[1], digits.train[1])
    assert 0 <= first.train[0].min() and first.train[0].max() <= 1
    grey = first.train[0].mean(axis=-1, keepdims=True)
    assert np.abs(grey - digits.train[0]).mean() > 0.1
    # The blend is |patch - digit|: where the digit is 0 the pixel is the patch.
    assert not np.array_equal(data.load("digits_m", seed=1).train[0], first.train[0])


def test_japanese_vowels_sequences():
    bundle = data.load("japanese_vowels")
    x_train, y_train = bundle.train
    x_test, y_test = bundle.test
    assert len(x_train) + len(bundle.val[0]) == 270 and len(x_test) == 370
    assert x_train.shape[1:] == (29, 12) and bundle.info.input_shape == (None, 12)
    assert set(np.unique(y_train)) == set(range(9))
    lengths = (np.abs(x_test).sum(-1) > 0).sum(1)
    assert lengths.min() >= 7 and lengths.max() == 29
    # Zero padding only at the end.
    assert np.all(np.abs(x_test[lengths < 29][:, -1]).sum(-1) == 0)


@pytest.mark.parametrize(
    "split", [(0.5, 0.5), (0.6, 0.3, 0.3), (0.0, 0.5, 0.5), "abc", 3]
)
def test_bad_split_is_refused(split):
    with pytest.raises(ValueError, match="split"):
        data.load("digits", split=split)


def test_unknown_dataset_offline_error_lists_embedded_names(tmp_path):
    with pytest.raises(ValueError, match=", ".join(data.EMBEDDED)):
        data.load("no_such_dataset_anywhere", data_dir=tmp_path)
    with pytest.raises(ValueError, match="not available.*not prepared"):
        data.load("mnist", data_dir=tmp_path, download=False)


def test_offline_download_fails_fast_and_writes_nothing(tmp_path, monkeypatch):
    from recipes.data import downloads

    probed = []

    def offline(host=downloads.HOST, timeout=downloads.TIMEOUT):
        probed.append((host, timeout))
        return False

    monkeypatch.setattr(downloads, "reachable", offline)
    data_dir = tmp_path / "tfds"
    with pytest.raises(ValueError, match="'mnist' is not available.*no network"):
        data.load("mnist", data_dir=data_dir)
    assert probed == [(downloads.HOST, downloads.TIMEOUT)]  # one attempt
    assert not data_dir.exists()


@pytest.mark.skipif(
    __import__("recipes.data.downloads").data.downloads.reachable(),
    reason="the network is reachable: this checks the offline path",
)
def test_offline_mnist_is_refused_without_retrying(tmp_path):
    with pytest.raises(ValueError, match="no network: storage.googleapis.com"):
        data.load("mnist", data_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_leaves_only_what_was_there(tmp_path):
    from recipes.data.downloads import nothing_left_on_failure

    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "kept.zip").write_bytes(b"an earlier download")
    with pytest.raises(OSError, match="connection reset"):
        with nothing_left_on_failure(tmp_path):
            (tmp_path / "downloads" / "part.tmp").write_bytes(b"half")
            (tmp_path / "mnist" / "3.0.1.incomplete").mkdir(parents=True)
            (tmp_path / "mnist" / "3.0.1.incomplete" / "shard").write_bytes(b"x")
            raise OSError("connection reset")
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
    assert left == ["downloads", "downloads/kept.zip"]

    created = tmp_path / "new_root"
    with pytest.raises(KeyboardInterrupt):
        with nothing_left_on_failure(created):
            (created / "downloads").mkdir(parents=True)
            raise KeyboardInterrupt
    assert not created.exists()
    with nothing_left_on_failure(created):  # success keeps what was written
        (created / "done").mkdir(parents=True)
    assert (created / "done").is_dir()


@pytest.fixture(scope="module")
def tfds_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    tfds_builders.prepare(tfds_builders.TinyDigits, data_dir)
    tfds_builders.prepare(tfds_builders.TinyReviews, data_dir)
    return data_dir


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TFDS splits are tf.data.Dataset only on the TensorFlow backend",
)
def test_tfds_path_gives_datasets_on_tensorflow(tfds_dir):
    bundle = data.load("tiny_digits", data_dir=tfds_dir, download=False)
    assert bundle.info.num_classes == 10 and bundle.info.input_shape == (8, 8, 1)
    images, labels = next(iter(bundle.train.batch(200)))
    assert images.shape == (72, 8, 8, 1)  # train[:90%] of 80
    assert len(list(bundle.val)) == 8 and len(list(bundle.test)) == 40
    assert set(labels.numpy()) <= set(range(10))


def test_tfds_path_as_numpy_equals_the_dataset(tfds_dir):
    arrays = data.load("tiny_digits", data_dir=tfds_dir, download=False, as_numpy=True)
    assert arrays.info.num_classes == 10 and arrays.info.input_shape == (8, 8, 1)
    (x_train, y_train), (x_val, _), (x_test, y_test) = (
        arrays.train,
        arrays.val,
        arrays.test,
    )
    assert x_train.shape == (72, 8, 8, 1) and x_val.shape == (8, 8, 8, 1)
    assert x_test.shape == (40, 8, 8, 1) and y_test.shape == (40,)
    assert isinstance(x_train, np.ndarray) and set(y_train) <= set(range(10))
    # The same images as the builder stored (train[:90%]: examples 0 to 71,
    # in the builder's order), with their stored values.
    from sklearn.datasets import load_digits

    digits = load_digits()
    expected = (digits.images[:80] * 15).astype(np.uint8)[..., None]
    found = {image.tobytes() for image in x_train}
    assert found <= {image.tobytes() for image in expected} and len(found) > 60
    datasets = data.load(
        "tiny_digits", data_dir=tfds_dir, download=False, as_numpy=False
    )
    images = np.stack([image for image, _ in datasets.train.as_numpy_iterator()])
    np.testing.assert_array_equal(images, x_train)


def test_tfds_defaults_to_numpy_off_tensorflow(tfds_dir):
    bundle = data.load("tiny_reviews", data_dir=tfds_dir, download=False)
    if keras.backend.backend() == "tensorflow":
        assert not isinstance(bundle.train, tuple)
        return
    text, labels = bundle.train
    assert text.shape == (144,) and labels.shape == (144,)  # train[:90%] of 160
    assert all(isinstance(review, str) for review in text)  # decoded, not bytes
    words = set(" ".join(text).split())
    assert words <= set(
        tfds_builders.TinyReviews.NEUTRAL
        + tfds_builders.TinyReviews.POSITIVE
        + tfds_builders.TinyReviews.NEGATIVE
    )


@pytest.mark.parametrize("as_numpy", ["yes", None, 1])
def test_bad_as_numpy_is_refused(as_numpy):
    with pytest.raises(ValueError, match="as_numpy"):
        data.load("digits", as_numpy=as_numpy)
