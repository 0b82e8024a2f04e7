import keras
import numpy as np
import pytest

from recipes import bilstm, data, training
from recipes.bilstm.model import is_token_model, recurrent_layers
from recipes.bilstm.splits import checked, concatenate
from tests import tfds_builders
from tests.helpers import (
    Batches,
    assert_fits_with_xla,
    assert_roundtrip,
    assert_steps_per_call_train_alike,
    tiny,
)

TENSORFLOW = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="text models need the TensorFlow backend (elsewhere refused first)",
)


@pytest.fixture(scope="module")
def vowels():
    return tiny(data.load("japanese_vowels"), n=48)


def small(**kwargs):
    kwargs.setdefault("input_shape", (None, 12))
    kwargs.setdefault("num_classes", 9)
    return bilstm.build(units=8, **kwargs)


def test_builds_fits_evaluates_and_round_trips(vowels, tmp_path):
    model = bilstm.compile(small(num_layers=2, pooling="mean"))
    assert model.name == "bilstm" and model.output_shape == (None, 9)
    history = bilstm.fit(model, vowels, epochs=2, refit=False, verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    # `fit` adapted the input normalisation on the unmasked training steps only,
    # and leaves it alone from then on.
    x = vowels.train[0]
    steps = x[np.any(x != 0, axis=-1)]  # (unmasked steps, 12)
    norm = model.get_layer("input_norm")
    np.testing.assert_allclose(norm.adapt_mean, steps.mean(axis=0), atol=1e-4)
    np.testing.assert_allclose(norm.adapt_variance, steps.var(axis=0), rtol=1e-3)
    assert not bilstm.adapt_input_norm(model, vowels.test)
    metrics = bilstm.evaluate(model, vowels)
    assert set(metrics) == {"accuracy", "loss"} and 0 <= metrics["accuracy"] <= 1
    loaded = assert_roundtrip(model, vowels.test[0], tmp_path)
    assert bilstm.evaluate(loaded, vowels) == pytest.approx(metrics, abs=1e-5)


def test_several_steps_per_call_train_exactly_as_one(vowels):
    assert_steps_per_call_train_alike(
        bilstm, lambda: small(seed=0), vowels, epochs=2, batch_size=8
    )


def test_fit_refits_on_train_and_val_with_a_cosine_schedule(vowels):
    model = bilstm.compile(small(), learning_rate=4e-3)
    rates = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: rates.append(
            float(model.optimizer.learning_rate)
        )
    )
    history = bilstm.fit(model, vowels, epochs=4, callbacks=[record], verbose=0)
    assert len(history.history["loss"]) == 4 and "val_loss" not in history.history
    np.testing.assert_allclose(rates, [4e-3, 3.414e-3, 2e-3, 0.586e-3], rtol=1e-3)
    assert float(model.optimizer.learning_rate) == pytest.approx(4e-3)  # set back
    # The normalisation was adapted on train + val: both were trained on.
    x = np.concatenate([vowels.train[0], vowels.val[0]])
    steps = x[np.any(x != 0, axis=-1)]
    norm = model.get_layer("input_norm")
    np.testing.assert_allclose(norm.adapt_mean, steps.mean(axis=0), atol=1e-4)
    # Splits cut to different lengths are padded back to one length.
    x_train, y_train = vowels.train
    merged = concatenate(
        (x_train[:, :20], y_train), (x_train[:, :25], y_train), batch_size=8
    )
    assert merged[0].shape == (2 * len(x_train), 25, 12)


def test_py_dataset_splits_are_checked_joined_and_trained_on(vowels):
    (x_train, y_train), (x_val, y_val) = vowels.train, vowels.val
    splits = {"train": Batches(x_train, y_train, 16), "val": (x_val, y_val)}
    model = bilstm.compile(small())
    history = bilstm.fit(model, splits, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    # Refit joined both splits: the normalisation saw train and val steps.
    x = np.concatenate([x_train, x_val])
    steps = x[np.any(x != 0, axis=-1)]
    norm = model.get_layer("input_norm")
    np.testing.assert_allclose(norm.adapt_mean, steps.mean(axis=0), atol=1e-4)
    merged = concatenate(splits["train"], splits["val"], batch_size=20)
    assert len(merged) == 3 + 3  # 48 / 16 batches, then 48 / 20
    np.testing.assert_array_equal(merged[3][0], x_val[:20])
    np.testing.assert_array_equal(merged[5][1], y_val[40:])
    # `checked` cuts the val arrays' all-padding steps; the batches are padded
    # back to the training batches' steps, so every batch has one shape.
    val = checked(model, splits, "val", 16)
    assert val[0].shape[1] < x_train.shape[1]
    merged = concatenate(checked(model, splits, "train", 16), val, batch_size=20)
    assert {merged[i][0].shape for i in range(3, 5)} == {(20, x_train.shape[1], 12)}
    # The first batch is checked as arrays are, before any training.
    with pytest.raises(ValueError, match=r"data train \(first batch\) y` labels"):
        bilstm.fit(model, {"train": Batches(x_train, y_train + 9, 16)}, verbose=0)
    with pytest.raises(ValueError, match=r"first batch\) x.*shape"):
        bilstm.fit(model, {"train": Batches(x_train[..., :3], y_train, 16)}, verbose=0)


def test_trains_with_xla_on_the_generic_recurrent_loop(vowels):
    model = small(cell="gru", output="sequence")
    # One full batch, no validation: a single XLA compilation.
    assert_fits_with_xla(bilstm, model, vowels.train, batch_size=48)
    recurrent = list(recurrent_layers(model))
    assert len(recurrent) == 2 and all(layer.use_cudnn is False for layer in recurrent)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="the cuDNN-or-XLA choice of 'auto' is TensorFlow's; JAX compiles every step",
)
def test_auto_never_turns_xla_on_even_with_a_gpu(monkeypatch):
    monkeypatch.setattr(training, "has_gpu", lambda: True)
    model = bilstm.compile(small())
    assert model.jit_compile is False
    assert all(layer.use_cudnn == "auto" for layer in recurrent_layers(model))


def test_label_smoothing_is_on_by_default_and_matches_keras():
    assert bilstm.compile(small()).loss.label_smoothing == 0.1
    plain = bilstm.compile(small(), label_smoothing=0.0).loss
    assert isinstance(plain, keras.losses.SparseCategoricalCrossentropy)
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(4), size=(3, 5)).astype("float32")
    labels = rng.integers(0, 4, size=(3, 5))  # per-step labels
    smoothed = bilstm.SmoothedSparseCrossentropy(0.2)(labels, probabilities)
    reference = keras.losses.CategoricalCrossentropy(label_smoothing=0.2)(
        np.eye(4)[labels], probabilities
    )
    assert float(smoothed) == pytest.approx(float(reference), rel=1e-5)
    with pytest.raises(ValueError, match="label_smoothing"):
        bilstm.compile(small(), label_smoothing=1.0)


def test_gradient_clipping_is_on_by_default_and_settable():
    assert bilstm.compile(small()).optimizer.clipnorm == 1.0
    assert bilstm.compile(small(), clipnorm=5.0).optimizer.clipnorm == 5.0
    assert bilstm.compile(small(), clipnorm=None).optimizer.clipnorm is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cell": "lstm", "output": "sequence"},
        {"cell": "gru", "output": "per_step", "merge_mode": "sum", "num_layers": 2},
    ],
)
def test_padding_with_zero_steps_does_not_change_the_prediction(kwargs):
    model = bilstm.build(input_shape=(None, 3), num_classes=4, units=6, **kwargs)
    sequence = np.random.default_rng(0).normal(size=(1, 10, 3)).astype("float32")
    padded = np.concatenate([sequence, np.zeros((1, 5, 3), "float32")], axis=1)
    plain = model.predict(sequence, verbose=0)
    with_padding = model.predict(padded, verbose=0)
    if kwargs["output"] == "per_step":
        with_padding = with_padding[:, :10]  # the padded steps' outputs are masked
    np.testing.assert_allclose(with_padding, plain, atol=1e-6)
    # Without the mask, the backward direction would read the zeros first.
    unmasked = bilstm.build(
        input_shape=(None, 3), num_classes=4, units=6, masking=False, **kwargs
    )
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(
        unmasked.predict(padded, verbose=0)[
            :, : 10 if with_padding.ndim == 3 else None
        ],
        plain,
        atol=1e-4,
    )


def test_time_deltas_are_causal_backward_differences_over_unmasked_steps():
    x = np.array([[[1.0], [4.0], [2.0], [0.0], [0.0]]], "float32")  # 2 padding
    mask = np.array([[True, True, True, False, False]])
    out = np.asarray(bilstm.TimeDeltas(2)(x, mask=mask))
    np.testing.assert_allclose(
        out[0],
        [[1, 0, 0], [4, 3, 3], [2, -2, -5], [0, 0, 0], [0, 0, 0]],  # x, dx, d(dx)
    )
    # Causal: changing a later step changes no earlier output.
    later = x.copy()
    later[0, 2] = 9.0
    changed = np.asarray(bilstm.TimeDeltas(2)(later, mask=mask))
    np.testing.assert_allclose(changed[0, :2], out[0, :2])
    # The default model appends first differences; deltas=0 leaves them out.
    assert bilstm.build().get_layer("time_deltas").order == 1
    layers = bilstm.build(units=4, deltas=0).layers
    assert not any(isinstance(layer, bilstm.TimeDeltas) for layer in layers)


def next_sign_task(n, steps, seed):
    """Label at step t: whether input t + 1 is positive (0 at the last step)."""
    x = np.random.default_rng(seed).normal(size=(n, steps, 1)).astype("float32")
    y = np.zeros((n, steps), "int32")
    y[:, :-1] = x[:, 1:, 0] > 0
    return x, y


def test_only_the_bidirectional_model_sees_the_future():
    steps = 8
    splits = {
        "train": next_sign_task(384, steps, 0),
        "test": next_sign_task(200, steps, 1),
    }
    accuracy = {}
    for bidirectional in (True, False):
        keras.utils.set_random_seed(0)
        model = bilstm.build(
            input_shape=(None, 1),
            num_classes=2,
            units=8,
            bidirectional=bidirectional,
            dropout_rate=0.0,
            output="per_step",
        )
        bilstm.compile(model, learning_rate=1e-2)
        bilstm.fit(model, splits, epochs=25, batch_size=32, verbose=0)
        accuracy[bidirectional] = bilstm.evaluate(model, splits)["accuracy"]
    # From the past alone, step t's label is a coin flip except at the last step.
    past_only = (steps - 1) / steps * 0.5 + 1 / steps
    assert accuracy[True] >= 0.95
    assert accuracy[False] <= past_only + 0.06, (accuracy, past_only)


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    tfds_builders.prepare(tfds_builders.TinyReviews, data_dir)
    return data.load("tiny_reviews", data_dir=data_dir, download=False)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="TextVectorization inside a model needs TensorFlow's string operations",
)
def test_text_path_trains_end_to_end_and_keeps_its_vocabulary(reviews, tmp_path):
    model = bilstm.build(
        text=reviews.train, num_classes=2, units=8, embedding_dim=8, dropout_rate=0.0
    )
    vocabulary = model.get_layer("vectorizer").get_vocabulary()
    assert vocabulary[:2] == ["", "[UNK]"] and "superb" in vocabulary
    bilstm.compile(model, learning_rate=1e-2)
    with pytest.raises(ValueError, match="jit_compile"):
        bilstm.compile(model, jit_compile=True)
    bilstm.fit(model, reviews, epochs=20, batch_size=16, verbose=0)
    metrics = bilstm.evaluate(model, reviews)
    assert metrics["accuracy"] >= 0.9, metrics
    texts = np.array(
        ["the film was superb", "a dull plot", "unseen words only"], dtype=object
    )
    loaded = assert_roundtrip(model, texts, tmp_path)
    assert loaded.get_layer("vectorizer").get_vocabulary() == vocabulary


def test_text_vectorized_before_fit_trains_a_token_model(reviews, tmp_path):
    vectorizer = bilstm.text_vectorizer(reviews.train, sequence_length=12)
    assert "superb" in vectorizer.get_vocabulary()
    tokens = bilstm.vectorize(vectorizer, reviews)
    x, y = tokens.train
    assert x.dtype == np.int32 and x.shape[1] == 12 and tokens.info.input_shape == (12,)
    assert isinstance(y, np.ndarray) and len(y) == len(x)
    # The ids are the vocabulary's, 0 for the padding at the end.
    words = bilstm.vectorize(vectorizer, np.array(["superb film"], dtype=object))
    vocabulary = vectorizer.get_vocabulary()
    assert [vocabulary[i] for i in words[0, :2]] == ["superb", "film"]
    assert not np.any(words[0, 2:])
    model = bilstm.build(
        vocabulary_size=vectorizer.vocabulary_size(),
        num_classes=2,
        units=8,
        embedding_dim=8,
        dropout_rate=0.0,
    )
    assert is_token_model(model) and not bilstm.is_text_model(model)
    bilstm.compile(model, learning_rate=1e-2)
    bilstm.fit(model, tokens, epochs=20, batch_size=16, verbose=0)
    metrics = bilstm.evaluate(model, tokens)
    assert metrics["accuracy"] >= 0.9, metrics
    assert_roundtrip(model, tokens.test[0][:5], tmp_path)
    with pytest.raises(ValueError, match=r"data train x.*values must lie in"):
        bilstm.fit(model, (x + vectorizer.vocabulary_size(), y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="integer token ids"):
        bilstm.fit(model, (np.where(x > 0, x - 0.5, x), y), epochs=1, verbose=0)


@pytest.mark.skipif(
    keras.backend.backend() == "tensorflow",
    reason="TensorFlow runs TextVectorization inside the model",
)
def test_text_model_is_refused_off_tensorflow_with_the_way_out(reviews):
    assert isinstance(reviews.train, tuple)  # TFDS splits come as NumPy
    assert isinstance(reviews.train[0][0], str)
    for kwargs in ({"text": reviews.train}, {"vocabulary": ["superb", "dull"]}):
        with pytest.raises(ValueError, match=r"vectorize outside the model.*"):
            bilstm.build(num_classes=2, **kwargs)
    with pytest.raises(ValueError, match="text_vectorizer"):
        bilstm.HyperModel(vocabulary=["superb"], num_classes=2)


def test_digits_are_read_as_eight_steps_of_eight_features():
    digits = tiny(data.load("digits"), n=32)
    model = bilstm.compile(small(input_shape=(8, 8, 1), num_classes=10))
    assert model.input_shape == (None, 8, 8)
    bilstm.fit(model, digits, epochs=1, verbose=0)
    assert 0 <= bilstm.evaluate(model, digits)["accuracy"] <= 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"units": 0}, "units"),
        ({"num_layers": 0}, "num_layers"),
        ({"num_classes": 1}, "num_classes"),
        ({"cell": "rnn"}, "cell"),
        ({"merge_mode": None}, "merge_mode"),
        ({"output": "many"}, "output"),
        ({"pooling": "attention"}, "pooling"),
        ({"dropout_rate": 1.0}, "dropout_rate"),
        ({"noise_stddev": -0.1}, "noise_stddev"),
        ({"deltas": 3}, "deltas"),
        ({"input_shape": (12,)}, "input_shape"),
        ({"input_shape": (4, 5, 6, 7)}, "input_shape"),
        ({"vocabulary": []}, "vocabulary"),
        pytest.param({"text": ["", "  "]}, "empty vocabulary", marks=TENSORFLOW),
        ({"text": np.zeros((2, 3))}, "text"),
        pytest.param(
            {"vocabulary": ["a"], "output": "per_step"},
            "sequence_length",
            marks=TENSORFLOW,
        ),
        ({"vocabulary_size": 2}, "vocabulary_size"),
        ({"vocabulary_size": 10, "text": ["a b"]}, "vocabulary_size"),
        ({"vocabulary_size": 10, "sequence_length": 0}, "sequence_length"),
    ],
)
def test_bad_build_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bilstm.build(**kwargs)


def test_bad_data_is_refused_before_training(vowels):
    model = bilstm.compile(small())
    weights = [w.copy() for w in model.get_weights()]
    x, y = vowels.train
    bad = {
        "rank": ((x[:, :, 0], y), "rank 3"),
        "features": ((x[..., :5], y), "shape"),
        "nan": ((np.where(x == x[0, 0, 0], np.nan, x), y), "NaN"),
        "labels": ((x, np.full_like(y, 9)), r"labels must lie in \[0, 8\]"),
        "per step labels": (
            (x, np.zeros(x.shape[:2], "int32")),
            "one label per sequence",
        ),
        "empty": ((x[:0], y[:0]), "empty"),
    }
    for split, match in bad.values():
        with pytest.raises(ValueError, match=match):
            bilstm.fit(model, split, epochs=1, verbose=0)
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    per_step = bilstm.compile(small(output="per_step"))
    with pytest.raises(ValueError, match="one label per time step"):
        bilstm.fit(per_step, (x, y), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="clipnorm"):
        bilstm.compile(small(), clipnorm=0)
    with pytest.raises(ValueError, match="epochs"):
        bilstm.fit(model, vowels, epochs=0)


def test_hypermodel_defaults_equal_recipe_defaults(monkeypatch):
    import keras_tuner

    hypermodel = bilstm.HyperModel(input_shape=(None, 12), num_classes=9)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert model.count_params() == bilstm.build().count_params()
    assert hp.values == {
        "cell": "gru",
        "units": 128,
        "num_layers": 1,
        "merge_mode": "concat",
        "dropout_rate": 0.3,
        "pooling": "last",
        "noise_stddev": 0.0,
        "deltas": 1,
        "learning_rate": 3e-3,
        "label_smoothing": 0.1,
    }
    assert model.optimizer.clipnorm == 1.0
    assert float(model.optimizer.learning_rate) == pytest.approx(3e-3)
    assert hypermodel.default_batch_size == 32
    # Trials are scored on the validation split, so they must not train on it.
    calls = []
    monkeypatch.setattr(bilstm, "fit", lambda *args, **kwargs: calls.append(kwargs))
    hypermodel.fit(hp, model, None, epochs=3)
    assert calls == [{"batch_size": 32, "epochs": 3, "refit": False}]
    with pytest.raises(ValueError, match="num_classes"):
        bilstm.HyperModel(num_classes=1)
    with pytest.raises(ValueError, match="input_shape"):
        bilstm.HyperModel(input_shape=(12,))
    with pytest.raises(ValueError, match="vocabulary"):
        bilstm.HyperModel(vocabulary=[])


@pytest.mark.slow
def test_default_bilstm_quality_on_japanese_vowels():
    bundle = data.load("japanese_vowels")
    model = bilstm.compile(bilstm.build())
    bilstm.fit(model, bundle, verbose=0)
    assert bilstm.evaluate(model, bundle)["accuracy"] >= 0.985
