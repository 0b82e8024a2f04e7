"""Transfer learning: the cut, the frozen base, fine-tuning, saving."""

import keras
import numpy as np
import pytest

from recipes import convnet, saving, transfer

RNG = np.random.default_rng(0)
X = RNG.random((24, 8, 8, 1)).astype("float32")
Y = (np.arange(24) % 3).astype("int32")  # the new task: 3 classes


def source_model():
    keras.utils.set_random_seed(0)
    return convnet.build(arch="lenet", width=4, num_classes=10, augment=False)


def test_the_default_cut_is_the_penultimate_features():
    source = source_model()
    model = transfer.build(source, num_classes=3)
    base = transfer.base_of(model)
    assert base.output_shape == source.layers[-1].input.shape
    assert model.output_shape == (None, 3) and saving.recipe_of(model) == "transfer"
    assert not base.trainable and len(model.trainable_weights) == 2  # the new head
    features = keras.Model(source.inputs, source.layers[-1].input)
    np.testing.assert_allclose(
        base.predict(X, verbose=0), features.predict(X, verbose=0), atol=1e-6
    )


def test_a_named_cut_and_bad_names():
    source = source_model()
    flatten = next(layer.name for layer in source.layers if "flatten" in layer.name)
    model = transfer.build(source, num_classes=3, layer=flatten, head_units=(8,))
    assert (
        transfer.base_of(model).output_shape == source.get_layer(flatten).output.shape
    )
    with pytest.raises(ValueError, match=f"`layer`.*{flatten}"):  # lists the names
        transfer.build(source, num_classes=3, layer="no_such_layer")
    with pytest.raises(ValueError, match="`layer`"):
        transfer.build(source, num_classes=3, layer=source.layers[0].name)
    with pytest.raises(ValueError, match="`num_classes`"):
        transfer.build(source, num_classes=1)
    with pytest.raises(ValueError, match="`source`"):
        transfer.build("model.h5", num_classes=3)


def test_head_training_freezes_the_base_and_fine_tuning_moves_it():
    source = source_model()
    before = source.get_weights()
    model = transfer.build(source, num_classes=3)
    base = transfer.base_of(model)
    start = [np.copy(w) for w in base.get_weights()]
    head = [np.copy(w) for w in model.get_layer("new_label").get_weights()]
    transfer.fit(model, (X, Y), epochs=2, batch_size=8, verbose=0)
    for now, then in zip(base.get_weights(), start):
        np.testing.assert_array_equal(now, then)
    assert not np.allclose(model.get_layer("new_label").get_weights()[0], head[0])
    histories = transfer.fit(
        model, (X, Y), epochs=1, fine_tune_epochs=2, batch_size=8, verbose=0
    )
    assert len(histories["fine_tune"].history["loss"]) == 2
    assert float(model.optimizer.learning_rate) == pytest.approx(
        transfer.FINE_TUNE_LEARNING_RATE
    )
    moved = [not np.allclose(a, b) for a, b in zip(base.get_weights(), start)]
    assert any(moved)
    for now, then in zip(source.get_weights(), before):  # the source is untouched
        np.testing.assert_array_equal(now, then)


def test_transfer_from_a_saved_file_round_trips_and_fits_under_xla(tmp_path):
    path = saving.save_model(source_model(), tmp_path / "source.keras")
    model = transfer.compile(transfer.build(path, num_classes=3), jit_compile=True)
    history = transfer.fit(model, (X, Y), epochs=1, batch_size=8, verbose=0)
    assert model.jit_compile and np.isfinite(history["head"].history["loss"][0])
    saved = saving.save_model(model, tmp_path / "transfer.keras")
    restored = keras.saving.load_model(saved, safe_mode=True)
    np.testing.assert_allclose(
        restored.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6
    )
    assert sorted(transfer.evaluate(restored, (X, Y))) == ["accuracy", "loss"]


def test_labels_per_class():
    x, y = transfer.labels_per_class(X, Y, 5, seed=1)
    assert np.bincount(y).tolist() == [5, 5, 5]
    again = transfer.labels_per_class(X, Y, 5, seed=1)
    np.testing.assert_array_equal(again[0], x)
    with pytest.raises(ValueError, match="`count`"):
        transfer.labels_per_class(X, Y, 9)
