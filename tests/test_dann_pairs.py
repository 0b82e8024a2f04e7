import dataclasses

import numpy as np
import pytest

from recipes import dann


def test_syn_digits_pairs_with_digits():
    domains = dann.load_data("digits", source="syn_digits")
    assert domains.info.name == "digits" and domains.source.info.name == "syn_digits"
    for split in ("train", "val", "test"):
        x_source, y_source = getattr(domains.source, split)
        x_target, _ = getattr(domains.target, split)
        assert x_source.shape[1:] == x_target.shape[1:] == (8, 8, 1)
        assert set(np.unique(y_source)) == set(range(10))
    assert len(domains.source.train[0]) == 6000


def test_a_grey_source_gets_the_targets_channels():
    domains = dann.load_data("digits_m", source="syn_digits")
    x, _ = domains.source.train
    assert x.shape[1:] == (8, 8, 3)
    np.testing.assert_array_equal(x[..., 0], x[..., 2])


@pytest.mark.parametrize(
    "target, source, message",
    [
        ("digits", "glyphs", r"\(28, 28, 1\).*\(8, 8, 1\)"),
        ("glyphs", "syn_digits", r"\(8, 8, 1\).*\(28, 28, 1\)"),
        ("digits", "japanese_vowels", "one example shape"),
    ],
)
def test_mismatched_shapes_are_refused(target, source, message):
    with pytest.raises(ValueError, match=message):
        dann.load_data(target, source=source)


def test_another_set_of_classes_is_refused(monkeypatch):
    from recipes import data

    load = data.load

    def nine_classes(name, **kwargs):
        bundle = load(name, **kwargs)
        if name != "syn_digits":
            return bundle
        info = dataclasses.replace(bundle.info, num_classes=9)
        return dataclasses.replace(bundle, info=info)

    monkeypatch.setattr(data, "load", nine_classes)
    with pytest.raises(ValueError, match="9 classes"):
        dann.load_data("digits", source="syn_digits")


def test_msda_features_make_a_standardised_domain_pair():
    from benchmarks import msda_dann
    from recipes.mda import MarginalizedDenoisingAutoencoder

    pixels = msda_dann.feature_domains(lambda x: x, "pixels")
    x_source, y_source = pixels.source.train
    x_target, _ = pixels.target.train
    assert x_source.shape[1:] == x_target.shape[1:] == pixels.info.input_shape == (64,)
    unlabeled = np.concatenate([x_source, x_target])
    np.testing.assert_allclose(unlabeled.mean(axis=0), 0.0, atol=1e-4)
    assert set(np.unique(y_source)) == set(range(10))
    msda = MarginalizedDenoisingAutoencoder(num_layers=2, noise_level=0.5)
    msda.fit(np.random.default_rng(0).random((100, 64)))
    features = msda_dann.feature_domains(msda.transform, "mSDA features")
    assert features.info.input_shape == (192,)  # the input and two codes
    np.testing.assert_array_equal(features.target.test[1], pixels.target.test[1])
    extractor = msda_dann.dense_extractor(192, seed=0)
    assert extractor.output.shape[1:] == (msda_dann.UNITS,)
